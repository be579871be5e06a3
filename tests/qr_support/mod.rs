//! Reading a QR code back as a camera would, with an independent decoder (rqrr): from
//! rendered lines, from a screen drawn on ratatui's `TestBackend`, or from what tmux
//! shows (`capture-pane -e`, colours included). Whatever the rendering, the screen is
//! first turned into cells (a character and a background), the cells into modules,
//! the modules into pixels.
#![allow(dead_code)]

use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// A cell's background as far as a camera cares: the code's pinned black or white,
/// or the terminal's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Default,
    Dark,
    Light,
}

#[derive(Debug, Clone)]
pub struct Screen {
    pub width: usize,
    pub height: usize,
    cells: Vec<(char, Background)>,
}

impl Screen {
    fn cell(&self, x: usize, y: usize) -> (char, Background) {
        self.cells[y * self.width + x]
    }

    /// A screen of plain text lines (no colours), as `capture-pane -p` gives it or as
    /// `QrMatrix::lines` makes it.
    pub fn from_lines(lines: &[String]) -> Screen {
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let mut cells = Vec::new();
        for line in lines {
            let mut row: Vec<(char, Background)> =
                line.chars().map(|c| (c, Background::Default)).collect();
            row.resize(width, (' ', Background::Default));
            cells.extend(row);
        }
        Screen {
            width,
            height: lines.len(),
            cells,
        }
    }

    /// A screen drawn on a `TestBackend`: black and white backgrounds are the code's.
    pub fn from_buffer(buffer: &Buffer) -> Screen {
        let area = buffer.area;
        let mut cells = Vec::new();
        for y in 0..area.height {
            for x in 0..area.width {
                let cell = &buffer[(x, y)];
                let background = match cell.bg {
                    Color::Black => Background::Dark,
                    Color::White => Background::Light,
                    _ => Background::Default,
                };
                cells.push((cell.symbol().chars().next().unwrap_or(' '), background));
            }
        }
        Screen {
            width: usize::from(area.width),
            height: usize::from(area.height),
            cells,
        }
    }

    /// What `tmux capture-pane -p -e` prints: text with SGR sequences. Backgrounds
    /// black (40, 48;5;0) are dark; white or light grey (47, 107, 48;5;7, 48;5;15) light.
    pub fn from_tmux(capture: &str) -> Screen {
        let mut rows: Vec<Vec<(char, Background)>> = Vec::new();
        let mut background = Background::Default;
        for line in capture.lines() {
            let mut row = Vec::new();
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '\u{1b}' {
                    row.push((c, background));
                    continue;
                }
                if chars.peek() != Some(&'[') {
                    // Not an SGR sequence (tmux -e prints only those); skip the escape.
                    continue;
                }
                chars.next();
                let mut parameters = String::new();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        if c == 'm' {
                            background = apply_sgr(&parameters, background);
                        }
                        break;
                    }
                    parameters.push(c);
                }
            }
            rows.push(row);
        }
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let height = rows.len();
        let mut cells = Vec::new();
        for mut row in rows {
            row.resize(width, (' ', Background::Default));
            cells.extend(row);
        }
        Screen {
            width,
            height,
            cells,
        }
    }
}

/// The background after one SGR sequence's parameters.
fn apply_sgr(parameters: &str, mut background: Background) -> Background {
    let codes: Vec<u32> = if parameters.is_empty() {
        vec![0]
    } else {
        parameters
            .split(';')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let mut index = 0;
    while index < codes.len() {
        match codes[index] {
            0 | 49 => background = Background::Default,
            40 => background = Background::Dark,
            47 | 107 => background = Background::Light,
            41..=46 | 100..=106 => background = Background::Default,
            48 if codes.get(index + 1) == Some(&5) => {
                background = match codes.get(index + 2) {
                    Some(0) => Background::Dark,
                    Some(7 | 15) => Background::Light,
                    _ => Background::Default,
                };
                index += 2;
            }
            48 if codes.get(index + 1) == Some(&2) => {
                background = match codes.get(index + 2..index + 5) {
                    Some([0, 0, 0]) => Background::Dark,
                    Some([r, g, b]) if *r > 180 && *g > 180 && *b > 180 => Background::Light,
                    _ => Background::Default,
                };
                index += 4;
            }
            38 if matches!(codes.get(index + 1), Some(5)) => index += 2,
            38 if matches!(codes.get(index + 1), Some(2)) => index += 4,
            _ => {}
        }
        index += 1;
    }
    background
}

const HALF_BLOCKS: [char; 3] = ['\u{2580}', '\u{2584}', '\u{2588}'];

/// The QR code on `screen` as modules (`true` dark), or `None` when none is drawn.
/// The code is where the pinned black-and-white cells are, or, on a screen without
/// colours, where the `#` and block glyphs are. Half blocks hold two modules a cell, one above the
/// other; the other renderings one module in two cells (`##`, `██` or a black
/// background).
pub fn modules(screen: &Screen) -> Option<Vec<Vec<bool>>> {
    let pinned = |x: usize, y: usize| screen.cell(x, y).1 != Background::Default;
    let any_pinned = (0..screen.height).any(|y| (0..screen.width).any(|x| pinned(x, y)));
    let in_code = |x: usize, y: usize| {
        if any_pinned {
            pinned(x, y)
        } else {
            let symbol = screen.cell(x, y).0;
            symbol == '#' || HALF_BLOCKS.contains(&symbol)
        }
    };
    let cells: Vec<(usize, usize)> = (0..screen.height)
        .flat_map(|y| (0..screen.width).map(move |x| (x, y)))
        .filter(|&(x, y)| in_code(x, y))
        .collect();
    let x0 = cells.iter().map(|c| c.0).min()?;
    let x1 = cells.iter().map(|c| c.0).max()?;
    let y0 = cells.iter().map(|c| c.1).min()?;
    let y1 = cells.iter().map(|c| c.1).max()?;
    let half_blocks = cells
        .iter()
        .any(|&(x, y)| HALF_BLOCKS[..2].contains(&screen.cell(x, y).0));
    let dark_cell = |x: usize, y: usize| {
        let (symbol, background) = screen.cell(x, y);
        background == Background::Dark || symbol == '#' || symbol == '\u{2588}'
    };
    let modules = if half_blocks {
        (y0..=y1)
            .flat_map(|y| {
                let top = (x0..=x1)
                    .map(|x| matches!(screen.cell(x, y).0, '\u{2588}' | '\u{2580}'))
                    .collect::<Vec<bool>>();
                let bottom = (x0..=x1)
                    .map(|x| matches!(screen.cell(x, y).0, '\u{2588}' | '\u{2584}'))
                    .collect::<Vec<bool>>();
                [top, bottom]
            })
            .collect()
    } else {
        (y0..=y1)
            .map(|y| (x0..=x1).step_by(2).map(|x| dark_cell(x, y)).collect())
            .collect()
    };
    Some(modules)
}

/// Decodes modules (with or without their quiet zone: four light modules are added
/// around them) with rqrr; the texts of every code found.
pub fn decode_modules(modules: &[Vec<bool>]) -> Vec<String> {
    const SCALE: usize = 4;
    const MARGIN: usize = 4;
    let columns = modules.iter().map(Vec::len).max().unwrap_or(0) + 2 * MARGIN;
    let rows = modules.len() + 2 * MARGIN;
    let (width, height) = (columns * SCALE, rows * SCALE);
    let mut image = vec![255u8; width * height];
    for (y, row) in modules.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if !*dark {
                continue;
            }
            for dy in 0..SCALE {
                for dx in 0..SCALE {
                    let px = (x + MARGIN) * SCALE + dx;
                    let py = (y + MARGIN) * SCALE + dy;
                    image[py * width + px] = 0;
                }
            }
        }
    }
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| image[y * width + x]);
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

/// The one QR code on `screen`, decoded; panics with the screen when there is none or
/// it does not decode.
pub fn decode(screen: &Screen) -> String {
    let modules = modules(screen).expect("a QR code on screen");
    let mut texts = decode_modules(&modules);
    assert_eq!(texts.len(), 1, "one QR code decodes on screen");
    texts.remove(0)
}

/// The QR code on `screen` decoded, or `None` when nothing decodes.
pub fn try_decode(screen: &Screen) -> Option<String> {
    let modules = modules(screen)?;
    decode_modules(&modules).into_iter().next()
}

/// The size the AUTHORIZE screen asks for ("needs W x H cells"), read from its text
/// wherever the text wraps it.
pub fn stated_size(screen_text: &str) -> Option<(u16, u16)> {
    let text = screen_text.replace(['\u{2502}', '|'], " ");
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(5)
        .find(|w| w[0] == "needs" && w[2] == "x" && w[4].starts_with("cells"))
        .map(|w| (w[1].parse().unwrap(), w[3].parse().unwrap()))
}
