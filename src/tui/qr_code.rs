//! The QR code on screen. Dark modules are drawn dark whatever the terminal's colours
//! (black on white, pinned), because phone cameras read dark-on-light reliably and
//! inverted codes poorly. Where the code does not fit, nothing is drawn: the caller
//! says what size is needed instead.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

use super::profile::{Glyphs, Profile};
use crate::qr::{QrMatrix, QrRendering};

/// Whether the code's black and white are pinned as colours: wherever the terminal
/// has colours at all, also under NO_COLOR (a code the camera cannot read is no use),
/// but not on a monochrome ASCII terminal (vt220), which has none.
pub fn pins_colours(profile: Profile) -> bool {
    profile.color || profile.glyphs != Glyphs::Ascii
}

/// The renderings `profile` can draw, the one to start with first: half blocks only
/// where the font has them, two columns of background colour only where colours can
/// be pinned, ASCII everywhere. An ASCII terminal starts with ASCII: it has no block
/// glyphs, and `##` survives a copy.
pub fn drawable_renderings(profile: Profile) -> Vec<QrRendering> {
    let mut renderings = Vec::new();
    if profile.half_blocks {
        renderings.push(QrRendering::HalfBlocks);
    }
    if profile.glyphs == Glyphs::Ascii {
        renderings.push(QrRendering::Ascii);
    }
    if pins_colours(profile) {
        renderings.push(QrRendering::TwoColumns);
    }
    if profile.glyphs != Glyphs::Ascii {
        renderings.push(QrRendering::Ascii);
    }
    renderings
}

pub struct QrCode<'a> {
    matrix: &'a QrMatrix,
    rendering: QrRendering,
    /// False on monochrome profiles: only the ASCII rendering can be drawn there.
    color: bool,
}

impl<'a> QrCode<'a> {
    pub fn new(matrix: &'a QrMatrix, rendering: QrRendering, color: bool) -> Self {
        Self {
            matrix,
            rendering,
            color,
        }
    }

    /// The rendering that will really be drawn: without colour, two-column blocks
    /// cannot be told apart, so ASCII is drawn instead.
    pub fn effective_rendering(&self) -> QrRendering {
        match (self.rendering, self.color) {
            (QrRendering::TwoColumns, false) => QrRendering::Ascii,
            (rendering, _) => rendering,
        }
    }

    /// Columns and rows needed.
    pub fn size(&self) -> (u16, u16) {
        let (width, height) = self.matrix.cells(self.effective_rendering());
        (
            u16::try_from(width).unwrap_or(u16::MAX),
            u16::try_from(height).unwrap_or(u16::MAX),
        )
    }

    pub fn fits(&self, area: Rect) -> bool {
        let (width, height) = self.size();
        width <= area.width && height <= area.height
    }
}

impl Widget for QrCode<'_> {
    fn render(self, area: Rect, buffer: &mut Buffer) {
        if !self.fits(area) {
            return;
        }
        let rendering = self.effective_rendering();
        let pinned = Style::default().fg(Color::Black).bg(Color::White);
        let style = if self.color { pinned } else { Style::default() };
        for (row, line) in self.matrix.lines(rendering).iter().enumerate() {
            let y = area.y + row as u16;
            for (column, glyph) in line.chars().enumerate() {
                let x = area.x + column as u16;
                let cell = &mut buffer[(x, y)];
                match rendering {
                    // Two columns of background colour per module: the glyph is a
                    // space, the colour is the module.
                    QrRendering::TwoColumns => {
                        let dark = glyph != ' ';
                        cell.set_char(' ').set_style(Style::default().bg(if dark {
                            Color::Black
                        } else {
                            Color::White
                        }));
                    }
                    _ => {
                        cell.set_char(glyph).set_style(style);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_blocks_are_black_on_white_and_fit_80x24() {
        let matrix = QrMatrix::encode("HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A").unwrap();
        let widget = QrCode::new(&matrix, QrRendering::HalfBlocks, true);
        assert_eq!(widget.size(), (33, 17));
        let area = Rect::new(0, 0, 80, 24);
        let mut buffer = Buffer::empty(area);
        widget.render(area, &mut buffer);
        assert_eq!(buffer[(0, 0)].bg, Color::White);
        assert_eq!(buffer[(4, 2)].symbol(), "█", "finder pattern");
    }

    #[test]
    fn refuses_to_draw_where_it_does_not_fit() {
        let matrix = QrMatrix::encode("HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A").unwrap();
        let widget = QrCode::new(&matrix, QrRendering::TwoColumns, true);
        let area = Rect::new(0, 0, 80, 24);
        assert!(!widget.fits(area));
        let mut buffer = Buffer::empty(area);
        widget.render(area, &mut buffer);
        assert_eq!(buffer, Buffer::empty(area));
    }

    #[test]
    fn each_profile_offers_what_it_can_draw() {
        use QrRendering::{Ascii, HalfBlocks, TwoColumns};
        assert_eq!(
            drawable_renderings(Profile::RICH),
            [HalfBlocks, TwoColumns, Ascii]
        );
        assert_eq!(drawable_renderings(Profile::CONSOLE), [TwoColumns, Ascii]);
        assert_eq!(drawable_renderings(Profile::ASCII), [Ascii, TwoColumns]);
        let vt220 = Profile {
            color: false,
            ..Profile::ASCII
        };
        assert_eq!(drawable_renderings(vt220), [Ascii]);
    }

    #[test]
    fn monochrome_draws_ascii() {
        let matrix = QrMatrix::encode("HELLO").unwrap();
        let widget = QrCode::new(&matrix, QrRendering::TwoColumns, false);
        assert_eq!(widget.effective_rendering(), QrRendering::Ascii);
    }
}
