//! Text boxes: one line (`TextInput`) and several (`TextArea`). They own the text and
//! the cursor; the form decides where they are drawn.

use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, TEXT_AREA, TEXT_BOX, action_in};
use crate::model::MASK;

/// What a text box did with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    Ignored,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    chars: Vec<char>,
    cursor: usize,
}

impl TextInput {
    pub fn new(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let cursor = chars.len();
        Self { chars, cursor }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Its length in characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Where the text, read as a URL, holds secrets ([`crate::model::url_secrets`]),
    /// in characters: what [`TextInput::visible`] hides of a URL.
    pub fn url_secrets(&self) -> Vec<Range<usize>> {
        let text = self.text();
        let chars_before = |byte: usize| text[..byte].chars().count();
        crate::model::url_secrets(&text)
            .into_iter()
            .map(|secret| chars_before(secret.range.start)..chars_before(secret.range.end))
            .collect()
    }

    /// Inserts text at the cursor; line breaks and other control characters become
    /// spaces (a one-line box cannot hold them).
    pub fn insert_str(&mut self, text: &str) {
        for c in text.trim_end_matches(['\r', '\n']).chars() {
            let c = if c.is_control() { ' ' } else { c };
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// A key: one of the text box's own (`action::TEXT_BOX`), or a character typed.
    pub fn handle_key(&mut self, key: &KeyEvent) -> Edit {
        match action_in(TEXT_BOX, key) {
            Some(Action::DeleteToStart) => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
                Edit::Changed
            }
            Some(Action::DeleteBack) if self.cursor > 0 => {
                self.cursor -= 1;
                self.chars.remove(self.cursor);
                Edit::Changed
            }
            Some(Action::DeleteForward) if self.cursor < self.chars.len() => {
                self.chars.remove(self.cursor);
                Edit::Changed
            }
            Some(Action::DeleteBack | Action::DeleteForward) => Edit::Moved,
            Some(Action::CursorLeft) if self.cursor > 0 => self.move_to(self.cursor - 1),
            Some(Action::CursorRight) if self.cursor < self.chars.len() => {
                self.move_to(self.cursor + 1)
            }
            Some(Action::LineStart) => self.move_to(0),
            Some(Action::LineEnd) => self.move_to(self.chars.len()),
            Some(_) => Edit::Ignored,
            None => match key.code {
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                        && !c.is_control() =>
                {
                    self.chars.insert(self.cursor, c);
                    self.cursor += 1;
                    Edit::Changed
                }
                _ => Edit::Ignored,
            },
        }
    }

    fn move_to(&mut self, position: usize) -> Edit {
        self.cursor = position.min(self.chars.len());
        Edit::Moved
    }

    /// The part of the text that fits `width` columns with the cursor in view, and the
    /// cursor's column within it. Each of the `hidden` character ranges (secrets) shows
    /// as the mask, which says nothing of its length; a cursor inside one sits after it.
    pub fn visible(&self, width: usize, hidden: &[Range<usize>]) -> (String, usize) {
        let width = width.max(1);
        let mut shown: Vec<char> = Vec::with_capacity(self.chars.len());
        let mut cursor = None;
        for (position, &c) in self.chars.iter().enumerate() {
            match hidden.iter().find(|range| range.contains(&position)) {
                Some(range) if position == range.start => {
                    if position == self.cursor {
                        cursor = Some(shown.len());
                    }
                    shown.extend(MASK.chars());
                }
                Some(_) => {
                    if position == self.cursor {
                        cursor = Some(shown.len());
                    }
                }
                None => {
                    if position == self.cursor {
                        cursor = Some(shown.len());
                    }
                    shown.push(c);
                }
            }
        }
        let cursor = cursor.unwrap_or(shown.len());
        let start = (cursor + 1).saturating_sub(width);
        let text: String = shown[start..].iter().take(width).collect();
        (text, cursor - start)
    }
}

/// A multi-line text box. Enter breaks the line; Up on the first line and Down on the
/// last are left to the form (they move between fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextArea {
    lines: Vec<TextInput>,
    row: usize,
}

impl Default for TextArea {
    fn default() -> Self {
        Self::new("")
    }
}

impl TextArea {
    pub fn new(text: &str) -> Self {
        let mut lines: Vec<TextInput> = text.split('\n').map(TextInput::new).collect();
        if lines.is_empty() {
            lines.push(TextInput::default());
        }
        for line in &mut lines {
            line.cursor = 0;
        }
        Self { lines, row: 0 }
    }

    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(TextInput::text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.lines[self.row].cursor)
    }

    pub fn lines(&self) -> &[TextInput] {
        &self.lines
    }

    pub fn insert_text(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        for (index, part) in text.split('\n').enumerate() {
            if index > 0 {
                self.break_line();
            }
            self.lines[self.row].insert_str(part);
        }
    }

    fn break_line(&mut self) {
        let line = &mut self.lines[self.row];
        let rest: String = line.chars[line.cursor..].iter().collect();
        line.chars.truncate(line.cursor);
        self.row += 1;
        let mut next = TextInput::new(&rest);
        next.cursor = 0;
        self.lines.insert(self.row, next);
    }

    /// A key: Enter and Up/Down of the area (`action::TEXT_AREA`), else its line's.
    pub fn handle_key(&mut self, key: &KeyEvent) -> Edit {
        let column = self.lines[self.row].cursor;
        match action_in(TEXT_AREA, key) {
            Some(Action::NewLine) => {
                self.break_line();
                Edit::Changed
            }
            Some(Action::LineUp) if self.row > 0 => {
                self.row -= 1;
                self.lines[self.row].move_to(column);
                Edit::Moved
            }
            Some(Action::LineDown) if self.row + 1 < self.lines.len() => {
                self.row += 1;
                self.lines[self.row].move_to(column);
                Edit::Moved
            }
            Some(_) => Edit::Ignored,
            None => match action_in(TEXT_BOX, key) {
                Some(Action::DeleteBack) if column == 0 && self.row > 0 => {
                    let line = self.lines.remove(self.row);
                    self.row -= 1;
                    let previous = &mut self.lines[self.row];
                    previous.cursor = previous.chars.len();
                    previous.chars.extend(line.chars);
                    Edit::Changed
                }
                Some(Action::DeleteForward)
                    if column == self.lines[self.row].chars.len()
                        && self.row + 1 < self.lines.len() =>
                {
                    let next = self.lines.remove(self.row + 1);
                    self.lines[self.row].chars.extend(next.chars);
                    Edit::Changed
                }
                _ => self.lines[self.row].handle_key(key),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn input_edits_at_the_cursor_and_scrolls() {
        let mut input = TextInput::new("abc");
        input.handle_key(&key(KeyCode::Left));
        input.handle_key(&key(KeyCode::Char('x')));
        assert_eq!(input.text(), "abxc");
        input.handle_key(&key(KeyCode::Backspace));
        assert_eq!(input.text(), "abc");
        let (shown, column) = TextInput::new("abcdefgh").visible(4, &[]);
        assert_eq!((shown.as_str(), column), ("fgh", 3));
    }

    #[test]
    fn hidden_text_shows_as_one_mask_whatever_its_length() {
        let all = |input: &TextInput| std::iter::once(0..input.len()).collect::<Vec<_>>();
        let short = TextInput::new("pw");
        assert_eq!(short.visible(20, &all(&short)), (MASK.into(), 8));
        let long = TextInput::new("a-much-longer-password");
        assert_eq!(long.visible(20, &all(&long)), (MASK.into(), 8));
        // Inside a URL: the cursor keeps its place around the mask.
        let mut url = TextInput::new("h?sig=abc&x=1");
        assert_eq!(
            url.visible(40, std::slice::from_ref(&(6..9))).0,
            format!("h?sig={MASK}&x=1")
        );
        url.cursor = 7;
        assert_eq!(
            url.visible(40, std::slice::from_ref(&(6..9))).1,
            6 + MASK.len()
        );
        url.cursor = 2;
        assert_eq!(url.visible(40, std::slice::from_ref(&(6..9))).1, 2);
    }

    #[test]
    fn area_breaks_and_joins_lines() {
        let mut area = TextArea::new("");
        area.insert_text("{\n  \"a\": 1\n}");
        assert_eq!(area.text(), "{\n  \"a\": 1\n}");
        assert_eq!(area.line_count(), 3);
        area.handle_key(&key(KeyCode::Home));
        area.handle_key(&key(KeyCode::Backspace));
        assert_eq!(area.text(), "{\n  \"a\": 1}");
        area.handle_key(&key(KeyCode::Enter));
        assert_eq!(area.text(), "{\n  \"a\": 1\n}");
        assert_eq!(area.handle_key(&key(KeyCode::Down)), Edit::Ignored);
    }
}
