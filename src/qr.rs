//! QR codes as a matrix of modules and as lines of text, for the CLI and the TUI
//! alike. Dark modules are drawn dark whatever the terminal's colours: the renderings
//! are meant for a light field (the caller pins black on white where it can).
//! Error correction L, and a quiet zone of four modules as the standard asks.

use qrcode::{Color, EcLevel, QrCode};

pub const QUIET_ZONE: usize = 4;

/// A QR code with its quiet zone, `true` for a dark module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    dark: Vec<bool>,
    version: i16,
}

/// How modules become characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrRendering {
    /// One column and half a row per module: ▀ ▄ █. Fonts without ▀ ▄ cannot show it.
    HalfBlocks,
    /// Two columns and one row per module, as background colour: twice as wide and
    /// twice as tall as half blocks; needs a large console.
    TwoColumns,
    /// Two columns per module, `##` for dark: any terminal, no colour needed.
    Ascii,
}

impl QrRendering {
    pub const ALL: [QrRendering; 3] = [
        QrRendering::HalfBlocks,
        QrRendering::TwoColumns,
        QrRendering::Ascii,
    ];

    pub fn label(self) -> &'static str {
        match self {
            QrRendering::HalfBlocks => "half blocks",
            QrRendering::TwoColumns => "two columns",
            QrRendering::Ascii => "ASCII",
        }
    }
}

impl QrMatrix {
    /// Encodes `text` at error correction level L. Upper-case text made only of
    /// `0-9A-Z $%*+-./:` uses the compact alphanumeric mode.
    pub fn encode(text: &str) -> Result<QrMatrix, String> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
            .map_err(|error| format!("cannot make a QR code of this text: {error}"))?;
        let inner = code.width();
        let size = inner + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (index, color) in code.to_colors().into_iter().enumerate() {
            let (x, y) = (index % inner, index / inner);
            dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = color == Color::Dark;
        }
        let version = match code.version() {
            qrcode::Version::Normal(number) | qrcode::Version::Micro(number) => number,
        };
        Ok(QrMatrix {
            size,
            dark,
            version,
        })
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.size
    }

    pub fn version(&self) -> i16 {
        self.version
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Columns and rows the rendering takes.
    pub fn cells(&self, rendering: QrRendering) -> (usize, usize) {
        match rendering {
            QrRendering::HalfBlocks => (self.size, self.size.div_ceil(2)),
            QrRendering::TwoColumns | QrRendering::Ascii => (2 * self.size, self.size),
        }
    }

    /// The code as lines of text. For half blocks and two columns the characters
    /// assume dark foreground on a light background (the caller pins the colours);
    /// two-column text uses `█` for dark so it reads the same when colours are pinned.
    pub fn lines(&self, rendering: QrRendering) -> Vec<String> {
        match rendering {
            QrRendering::HalfBlocks => (0..self.size)
                .step_by(2)
                .map(|y| {
                    (0..self.size)
                        .map(|x| match (self.is_dark(x, y), self.is_dark(x, y + 1)) {
                            (true, true) => '█',
                            (true, false) => '▀',
                            (false, true) => '▄',
                            (false, false) => ' ',
                        })
                        .collect()
                })
                .collect(),
            QrRendering::TwoColumns | QrRendering::Ascii => {
                let dark = if rendering == QrRendering::Ascii {
                    "##"
                } else {
                    "██"
                };
                (0..self.size)
                    .map(|y| {
                        (0..self.size)
                            .map(|x| if self.is_dark(x, y) { dark } else { "  " })
                            .collect()
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_link_is_a_version_2_code_of_33_by_17_half_blocks() {
        let matrix = QrMatrix::encode("HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A").unwrap();
        assert_eq!(matrix.version(), 2);
        assert_eq!(matrix.cells(QrRendering::HalfBlocks), (33, 17));
        assert_eq!(matrix.cells(QrRendering::TwoColumns), (66, 33));
    }

    #[test]
    fn quiet_zone_is_light() {
        let matrix = QrMatrix::encode("HELLO").unwrap();
        for i in 0..matrix.size() {
            assert!(!matrix.is_dark(i, 0) && !matrix.is_dark(0, i));
            assert!(!matrix.is_dark(i, QUIET_ZONE - 1));
        }
        assert!(
            matrix.is_dark(QUIET_ZONE, QUIET_ZONE),
            "finder pattern corner"
        );
    }
}
