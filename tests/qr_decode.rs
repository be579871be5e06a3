//! The QR code as drawn decodes back to exactly the text: read the rendered characters
//! back as pixels, as a camera would see them, and decode with an independent decoder.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod qr_support;

use hookconsole::qr::{QrMatrix, QrRendering};

fn decode(text: &str, rendering: QrRendering) -> String {
    let matrix = QrMatrix::encode(text).unwrap();
    let screen = qr_support::Screen::from_lines(&matrix.lines(rendering));
    qr_support::decode(&screen)
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
