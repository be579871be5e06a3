//! A PEM certificate typed into the CERTIFICATE pane. Without bracketed paste (the
//! Linux console has none) a pasted certificate arrives as keys, line after line with
//! Enter between them. Once the path box holds `-----BEGIN`, it is a block of text that
//! ends at its `-----END …-----` line, or when the person saves or leaves the box, and
//! is checked then. Blocks typed one right after the other (a chain) make one text.

use crossterm::event::KeyEvent;

use crate::tui::text_input::{Edit, TextArea};

#[derive(Debug, Clone, Default)]
pub struct PemTyping {
    /// The block being typed.
    block: Option<TextArea>,
    /// The certificates finished since the box was entered, which a block that follows
    /// them joins.
    chain: Option<String>,
}

impl PemTyping {
    /// True when `text`, typed into the path box, begins a PEM block.
    pub fn begins(text: &str) -> bool {
        text.trim_start().starts_with("-----BEGIN")
    }

    /// Starts a block with `text`, the cursor at its end.
    pub fn start(&mut self, text: &str) {
        let mut block = TextArea::default();
        block.insert_text(text.trim_start());
        self.block = Some(block);
    }

    pub fn is_typing(&self) -> bool {
        self.block.is_some()
    }

    pub fn block(&self) -> Option<&TextArea> {
        self.block.as_ref()
    }

    /// The block's text so far, while one is typed.
    pub fn block_text(&self) -> Option<String> {
        self.block.as_ref().map(TextArea::text)
    }

    /// A key typed into the block; Enter breaks the line.
    pub fn handle_key(&mut self, key: &KeyEvent) -> Edit {
        match &mut self.block {
            Some(block) => block.handle_key(key),
            None => Edit::Ignored,
        }
    }

    /// Text pasted into the block.
    pub fn insert(&mut self, text: &str) {
        if let Some(block) = &mut self.block {
            block.insert_text(text);
        }
    }

    /// The certificate text, chain included, once the line at the cursor is the
    /// block's `-----END …-----`: the block is then finished.
    pub fn ended(&mut self) -> Option<String> {
        let block = self.block.as_ref()?;
        let (row, _) = block.cursor();
        let line = block.lines().get(row)?.text();
        let line = line.trim();
        let is_end = line.starts_with("-----END ") && line.ends_with("-----") && line.len() > 14;
        if is_end { self.finish() } else { None }
    }

    /// Ends the block as it is: the certificate text, chain included, to be checked.
    pub fn finish(&mut self) -> Option<String> {
        let block = self.block.take()?;
        let mut text = self.chain.take().unwrap_or_default();
        text.push_str(block.text().trim());
        text.push('\n');
        self.chain = Some(text.clone());
        Some(text)
    }

    /// Drops the block being typed.
    pub fn discard(&mut self) {
        self.block = None;
    }

    /// What comes next starts a certificate of its own (the box was left, a file read).
    pub fn forget_chain(&mut self) {
        self.chain = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn typed(pem: &mut PemTyping, text: &str) -> Option<String> {
        let mut ended = None;
        for c in text.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            pem.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
            ended = ended.or_else(|| pem.ended());
        }
        ended
    }

    #[test]
    fn a_block_ends_at_its_end_line_and_a_chain_joins() {
        let mut pem = PemTyping::default();
        assert!(PemTyping::begins("  -----BEGIN"));
        assert!(!PemTyping::begins("/etc/ssl/a.pem"));
        pem.start("-----BEGIN CERTIFICATE-----");
        assert_eq!(typed(&mut pem, "\nAAAA\n"), None);
        let first = typed(&mut pem, "-----END CERTIFICATE-----").unwrap();
        assert_eq!(
            first,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        );
        assert!(!pem.is_typing());
        pem.start("-----BEGIN CERTIFICATE-----");
        let both = typed(&mut pem, "\nBBBB\n-----END CERTIFICATE-----").unwrap();
        assert_eq!(both, format!("{first}{}", first.replace("AAAA", "BBBB")));
        pem.forget_chain();
        pem.start("-----BEGIN CERTIFICATE-----");
        assert_eq!(typed(&mut pem, "\nCC"), None);
        assert_eq!(pem.finish().unwrap(), "-----BEGIN CERTIFICATE-----\nCC\n");
    }
}
