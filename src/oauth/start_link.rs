//! The one-time start link that the QR code holds. A real authorize URL (400–600
//! characters) needs a QR code far taller than 24 rows; this link redirects to it and
//! is written in upper case so that the QR code can use its compact alphanumeric mode
//! (`HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A`: version 2, 33x17 cells).

use ring::rand::{SecureRandom, SystemRandom};

/// Characters of the id: all in the QR alphanumeric set, none that read alike on a
/// screen (no 0/O, 1/I).
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 7 characters of 32: 35 bits, enough for a link that lives ten minutes.
const ID_LENGTH: usize = 7;

pub fn new_start_id() -> Result<String, String> {
    let mut bytes = [0u8; ID_LENGTH];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's random source failed".to_string())?;
    Ok(bytes
        .iter()
        .map(|byte| ALPHABET[usize::from(byte % 32)] as char)
        .collect())
}

/// The start link for a callback URL: the callback URL in upper case, then `/S/<id>`.
/// The listener matches it without regard to case.
pub fn start_link(callback_url: &str, id: &str) -> String {
    format!(
        "{}/S/{id}",
        callback_url.trim_end_matches('/').to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_in_the_alphabet() {
        let a = new_start_id().unwrap();
        let b = new_start_id().unwrap();
        assert_eq!(a.len(), ID_LENGTH);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
    }

    #[test]
    fn link_is_upper_case() {
        assert_eq!(
            start_link("https://hiab.example.com/portal/oauth", "7K2QX9A"),
            "HTTPS://HIAB.EXAMPLE.COM/PORTAL/OAUTH/S/7K2QX9A"
        );
    }
}
