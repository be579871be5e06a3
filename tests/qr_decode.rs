//! The QR code as drawn decodes back to exactly the text: read the rendered characters
//! back as pixels, as a camera would see them, and decode with an independent decoder.

use hookconsole::qr::{QrMatrix, QrRendering};

/// Turns rendered lines into a greyscale bitmap (dark = 0), `scale` pixels a module.
fn pixels(lines: &[String], rendering: QrRendering, scale: usize) -> (usize, usize, Vec<u8>) {
    // One entry per module: true when dark.
    let modules: Vec<Vec<bool>> = match rendering {
        QrRendering::HalfBlocks => lines
            .iter()
            .flat_map(|line| {
                let top: Vec<bool> = line.chars().map(|c| matches!(c, '█' | '▀')).collect();
                let bottom: Vec<bool> = line.chars().map(|c| matches!(c, '█' | '▄')).collect();
                [top, bottom]
            })
            .collect(),
        QrRendering::TwoColumns | QrRendering::Ascii => lines
            .iter()
            .map(|line| {
                let chars: Vec<char> = line.chars().collect();
                chars.chunks(2).map(|pair| pair[0] != ' ').collect()
            })
            .collect(),
    };
    let width = modules[0].len() * scale;
    let height = modules.len() * scale;
    let mut image = vec![255u8; width * height];
    for (y, row) in modules.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if *dark {
                for dy in 0..scale {
                    for dx in 0..scale {
                        image[(y * scale + dy) * width + x * scale + dx] = 0;
                    }
                }
            }
        }
    }
    (width, height, image)
}

fn decode(text: &str, rendering: QrRendering) -> String {
    let matrix = QrMatrix::encode(text).unwrap();
    let lines = matrix.lines(rendering);
    let (width, height, image) = pixels(&lines, rendering, 4);
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| image[y * width + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one code found ({rendering:?})");
    grids[0].decode().unwrap().1
}

#[test]
fn start_link_decodes_in_every_rendering() {
    let link = "HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A";
    for rendering in QrRendering::ALL {
        assert_eq!(decode(link, rendering), link);
    }
}

#[test]
fn full_authorize_url_decodes() {
    let url = "https://auth.atlassian.com/authorize?audience=api.atlassian.com&client_id=Xk3fQ9aB7cD2eF4gH6iJ8kL0mN&scope=read%3Ajira-work%20write%3Ajira-work%20offline_access&redirect_uri=https%3A%2F%2Fhiab.example.com%2Fportal%2Foauth&state=8Jd7Kq2LmN4pR6sT9vW1xY3zA5bC7dE&response_type=code&prompt=consent&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
    for rendering in QrRendering::ALL {
        assert_eq!(decode(url, rendering), url);
    }
}
