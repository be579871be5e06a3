//! An independent check of Standard Webhooks signatures: Python's standard library
//! (hmac, hashlib, base64), run as a subprocess, given what a receiver captured. It
//! shares no code with hookconsole, so a mistake made on both sides of one
//! implementation cannot pass.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;

/// Reads {"secret", "id", "timestamp", "signatures", "body"} (the body in base64) on
/// stdin and prints the positions of the signatures (space-separated `v1,…` entries of
/// the webhook-signature header) that the secret verifies, as a JSON list.
const VERIFIER: &str = r#"
import base64, hashlib, hmac, json, sys

given = json.load(sys.stdin)
secret = given["secret"]
if not secret.startswith("whsec_"):
    sys.exit("the secret does not start with whsec_")
key = base64.b64decode(secret[len("whsec_"):], validate=True)
signed = (given["id"] + "." + given["timestamp"] + ".").encode() + base64.b64decode(given["body"])
expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
matching = []
for position, entry in enumerate(given["signatures"].split(" ")):
    version, _, signature = entry.partition(",")
    if version == "v1" and hmac.compare_digest(signature, expected):
        matching.append(position)
print(json.dumps(matching))
"#;

/// The positions of the signatures in `header` that `secret` verifies for a delivery
/// of `body` with this id and timestamp, as Python's standard library computes them.
pub fn python_verifies(
    secret: &str,
    id: &str,
    timestamp: &str,
    header: &str,
    body: &[u8],
) -> Vec<usize> {
    let input = serde_json::json!({
        "secret": secret,
        "id": id,
        "timestamp": timestamp,
        "signatures": header,
        "body": base64::engine::general_purpose::STANDARD.encode(body),
    });
    let mut child = Command::new("python3")
        .args(["-c", VERIFIER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (it is on the machine and on CI)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the verifier failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The first `whsec_…` secret in `text` (what `set NAME signing=on` prints).
pub fn signing_secret_in(text: &str) -> Option<String> {
    let start = text.find("whsec_")?;
    let secret: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '/' | '='))
        .collect();
    Some(secret)
}
