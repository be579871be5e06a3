//! Signed payloads as the Standard Webhooks specification has them: an integration's
//! signing secret `whsec_<base64>` (the key is the decoded part, 24 to 64 random
//! bytes), and during a rotation the secret it replaced, which keeps signing until the
//! overlap it was given ends, so that a receiver can switch secrets without refusing a
//! delivery. Pure: the caller brings the randomness and the time.

use std::ops::RangeInclusive;
use std::time::Duration;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::secret::Secret;

/// What marks a signing secret (the specification's "secret serialization").
pub const SIGNING_SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret this program makes: within the specification's range.
const NEW_KEY_BYTES: usize = 32;

/// The key sizes the specification allows (192 to 512 bits).
const KEY_BYTES: RangeInclusive<usize> = 24..=64;

/// How long the replaced secret signs too when a rotation names no overlap.
pub const DEFAULT_SIGNING_OVERLAP: Duration = Duration::from_secs(24 * 3600);

/// The longest overlap: a receiver that has not switched in a month never will.
const MAX_OVERLAP: Duration = Duration::from_secs(30 * 24 * 3600);

/// Signing turned on: every delivery and every VERIFY carries `webhook-signature`.
/// Off is the absence of this block (the portal's receivers do not expect it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// `whsec_…`, as the receiver is given it. Empty in an export made without
    /// secrets, until an import takes it back from the stored integration.
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub secret: Secret,
    /// The secret the last rotation replaced, while it signs too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<RetiringSecret>,
}

/// A replaced secret and the end of its overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetiringSecret {
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub secret: Secret,
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

impl Signing {
    /// The secrets that sign at `now`: the current one, then the replaced one while
    /// its overlap lasts (the order the signatures are sent in).
    pub fn secrets_at(&self, now: OffsetDateTime) -> Vec<&Secret> {
        let mut secrets = vec![&self.secret];
        if let Some(previous) = self.signing_previous(now) {
            secrets.push(&previous.secret);
        }
        secrets
    }

    /// The replaced secret, when it still signs at `now`.
    pub fn signing_previous(&self, now: OffsetDateTime) -> Option<&RetiringSecret> {
        self.previous
            .as_ref()
            .filter(|previous| now < previous.until)
    }
}

/// What a person asks of signing: `signing=on|off|rotate` (with `overlap=`), or the
/// editor's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningChange {
    Off,
    /// On, keeping the secret it has; a new one when it has none.
    On,
    /// A new secret; the one it replaces signs too for `overlap`.
    Rotate {
        overlap: Duration,
    },
}

impl SigningChange {
    /// `on`, `off` or `rotate` (with the default overlap), as typed.
    pub fn parse(text: &str) -> Result<SigningChange, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" => Ok(SigningChange::On),
            "off" | "no" | "false" => Ok(SigningChange::Off),
            "rotate" => Ok(SigningChange::Rotate {
                overlap: DEFAULT_SIGNING_OVERLAP,
            }),
            _ => Err(format!(
                "`{}` is not one of on, off, rotate",
                text.trim().escape_debug()
            )),
        }
    }
}

/// An overlap as typed: `24h`, `90m`, `2d`, `3600s` or seconds alone; `0` ends the
/// replaced secret at once.
pub fn parse_overlap(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let not_one = || {
        format!(
            "`{}` is not a duration such as 24h, 90m or 2d",
            trimmed.escape_debug()
        )
    };
    let (number, unit) = match trimmed.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => trimmed.split_at(at),
        None => (trimmed, "s"),
    };
    let count: u64 = number.parse().map_err(|_| not_one())?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(not_one()),
    };
    let overlap = Duration::from_secs(count.saturating_mul(unit_seconds));
    if overlap > MAX_OVERLAP {
        return Err("at most 30 days".into());
    }
    Ok(overlap)
}

/// A new signing secret: 32 bytes from `random` (the system's CSPRNG), as `whsec_…`.
pub fn new_signing_secret(random: &dyn SecureRandom) -> Result<Secret, NoRandomness> {
    let mut key = [0u8; NEW_KEY_BYTES];
    random.fill(&mut key).map_err(|_| NoRandomness)?;
    Ok(Secret::new(format!(
        "{SIGNING_SECRET_PREFIX}{}",
        STANDARD.encode(key)
    )))
}

/// The system gave no random bytes for a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system's random number generator failed; no signing secret was made")]
pub struct NoRandomness;

/// Signing after `change`, from `current`; `fresh` is the secret to use should a new
/// one be needed, `now` starts a rotation's overlap. Also says whether `fresh` was
/// taken, so that the new secret can be shown once. A replaced secret whose overlap
/// has ended is dropped on the way.
pub fn change_signing(
    current: Option<&Signing>,
    change: SigningChange,
    fresh: &Secret,
    now: OffsetDateTime,
) -> (Option<Signing>, bool) {
    let new = |previous: Option<RetiringSecret>| Signing {
        secret: fresh.clone(),
        previous,
    };
    // A block without its secret (from an export without secrets) has nothing to keep.
    let kept = current.filter(|signing| !signing.secret.is_empty());
    match (change, kept) {
        (SigningChange::Off, _) => (None, false),
        (SigningChange::On, Some(signing)) => {
            let previous = signing.signing_previous(now).cloned();
            let unchanged = Signing {
                secret: signing.secret.clone(),
                previous,
            };
            (Some(unchanged), false)
        }
        (SigningChange::On | SigningChange::Rotate { .. }, None) => (Some(new(None)), true),
        (SigningChange::Rotate { overlap }, Some(signing)) => {
            // Whole seconds: the signature's timestamps are, and it reads better.
            let until = (now + overlap)
                .replace_nanosecond(0)
                .unwrap_or(now + overlap);
            let previous = (!overlap.is_zero()).then(|| RetiringSecret {
                secret: signing.secret.clone(),
                until,
            });
            (Some(new(previous)), true)
        }
    }
}

/// The HMAC key of a `whsec_…` secret, or what is wrong with it (never its value).
pub fn signing_key(secret: &Secret) -> Result<Vec<u8>, String> {
    let text = secret.expose();
    if text.is_empty() {
        return Err(
            "the secret was left out (an export without secrets): import it with the \
             secret, or set signing=on to make a new one"
                .into(),
        );
    }
    let Some(encoded) = text.strip_prefix(SIGNING_SECRET_PREFIX) else {
        return Err(format!(
            "the secret must start with {SIGNING_SECRET_PREFIX}"
        ));
    };
    // Padding as the secret was given: receivers' libraries accept both.
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let key = lenient
        .decode(encoded)
        .map_err(|_| format!("the secret must be {SIGNING_SECRET_PREFIX} followed by base64"))?;
    if !KEY_BYTES.contains(&key.len()) {
        return Err(format!(
            "the secret's key must be {} to {} bytes, not {}",
            KEY_BYTES.start(),
            KEY_BYTES.end(),
            key.len()
        ));
    }
    Ok(key)
}

/// What keeps `signing` from signing, each naming which secret (never a value).
pub fn signing_problems(signing: &Signing) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(message) = signing_key(&signing.secret) {
        problems.push(message);
    }
    if let Some(previous) = &signing.previous
        && let Err(message) = signing_key(&previous.secret)
    {
        problems.push(format!("previous secret: {message}"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-06-01 10:00 UTC);

    fn secret(text: &str) -> Secret {
        Secret::new(text)
    }

    #[test]
    fn a_new_secret_is_whsec_and_32_random_bytes() {
        let random = ring::rand::SystemRandom::new();
        let first = new_signing_secret(&random).unwrap();
        let second = new_signing_secret(&random).unwrap();
        assert_ne!(first, second);
        assert!(first.expose().starts_with("whsec_"));
        assert_eq!(signing_key(&first).unwrap().len(), 32);
    }

    #[test]
    fn the_secrets_of_the_specification_decode_and_bad_ones_say_why() {
        // The secret of the specification's published test vector, with and without
        // its padding.
        assert_eq!(
            signing_key(&secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .unwrap()
                .len(),
            24
        );
        assert!(signing_key(&secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")).is_ok());
        let problem = |text: &str| signing_key(&secret(text)).unwrap_err();
        assert!(problem("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").contains("start with whsec_"));
        assert!(problem("whsec_not*base64").contains("followed by base64"));
        let short = format!("whsec_{}", STANDARD.encode([7u8; 16]));
        assert_eq!(
            problem(&short),
            "the secret's key must be 24 to 64 bytes, not 16"
        );
        let long = format!("whsec_{}", STANDARD.encode([7u8; 65]));
        assert!(problem(&long).ends_with("not 65"));
        assert!(problem("").contains("left out"));
        // No message quotes the secret.
        assert!(!problem("whsec_not*base64").contains("not*base64"));
    }

    #[test]
    fn on_makes_a_secret_once_and_then_keeps_it() {
        let fresh = secret("whsec_fresh");
        let (on, made) = change_signing(None, SigningChange::On, &fresh, NOW);
        assert!(made);
        let on = on.unwrap();
        assert_eq!(on.secret, fresh);
        let other = secret("whsec_other");
        let (again, made) = change_signing(Some(&on), SigningChange::On, &other, NOW);
        assert!(!made);
        assert_eq!(again.unwrap(), on);
        assert_eq!(
            change_signing(Some(&on), SigningChange::Off, &other, NOW),
            (None, false)
        );
        // A block whose secret an export left out gets a new one.
        let bare = Signing {
            secret: Secret::default(),
            previous: None,
        };
        let (renewed, made) = change_signing(Some(&bare), SigningChange::On, &other, NOW);
        assert!(made);
        assert_eq!(renewed.unwrap().secret, other);
    }

    #[test]
    fn rotation_keeps_the_old_secret_signing_for_the_overlap() {
        let old = Signing {
            secret: secret("whsec_old"),
            previous: None,
        };
        let overlap = Duration::from_secs(2 * 3600);
        let new = secret("whsec_new");
        let (rotated, made) =
            change_signing(Some(&old), SigningChange::Rotate { overlap }, &new, NOW);
        assert!(made);
        let rotated = rotated.unwrap();
        assert_eq!(rotated.secret, new);
        let previous = rotated.previous.clone().unwrap();
        assert_eq!(previous.secret, old.secret);
        assert_eq!(previous.until, datetime!(2025-06-01 12:00 UTC));
        assert_eq!(rotated.secrets_at(NOW), [&new, &old.secret]);
        let after = datetime!(2025-06-01 12:00 UTC);
        assert_eq!(rotated.secrets_at(after), [&new]);
        // Once the overlap has ended, the next change drops the old secret.
        let (kept, _) = change_signing(Some(&rotated), SigningChange::On, &new, after);
        assert_eq!(kept.unwrap().previous, None);
        // No overlap: the old secret stops at once.
        let (at_once, _) = change_signing(
            Some(&old),
            SigningChange::Rotate {
                overlap: Duration::ZERO,
            },
            &new,
            NOW,
        );
        assert_eq!(at_once.unwrap().previous, None);
    }

    #[test]
    fn changes_and_overlaps_parse_as_typed() {
        assert_eq!(SigningChange::parse(" ON "), Ok(SigningChange::On));
        assert_eq!(SigningChange::parse("off"), Ok(SigningChange::Off));
        assert_eq!(
            SigningChange::parse("rotate"),
            Ok(SigningChange::Rotate {
                overlap: DEFAULT_SIGNING_OVERLAP
            })
        );
        assert_eq!(
            SigningChange::parse("maybe"),
            Err("`maybe` is not one of on, off, rotate".into())
        );
        assert_eq!(parse_overlap("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_overlap("90m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_overlap("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_overlap("3600"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse_overlap("0"), Ok(Duration::ZERO));
        assert_eq!(parse_overlap("30d"), Ok(MAX_OVERLAP));
        assert_eq!(parse_overlap("31d"), Err("at most 30 days".into()));
        for bad in ["soon", "", "h", "-1h", "1.5h", "1w"] {
            assert!(parse_overlap(bad).is_err(), "{bad}");
        }
    }
}
