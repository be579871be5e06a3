//! The toolchain floor a newcomer is told: `rust-version` in Cargo.toml is what the
//! dependencies need (no lower, or the build fails on that toolchain with errors about
//! a dependency; no higher than needed), and the README says the same.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

use std::process::Command;

/// `1.89` and `1.89.0` alike, as three numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|part| part.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

/// The triple this is built on: `cargo metadata --offline` can only read the
/// dependencies a build has fetched, and a fresh machine fetches only its own
/// platform's (not, say, Android's).
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(rustc).arg("-vV").output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names its host")
        .trim()
        .to_string()
}

#[test]
fn rust_version_is_the_floor_of_the_dependencies_and_the_readme_states_it() {
    let host = host_triple();
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|package| package["name"] == "hookconsole")
        .unwrap();
    let declared = ours["rust_version"].as_str().expect("rust-version is set");
    let (floor, by) = packages
        .iter()
        .filter(|package| package["name"] != "hookconsole")
        .filter_map(|package| {
            let needs = package["rust_version"].as_str()?;
            Some((
                version(needs),
                package["name"].as_str().unwrap().to_string(),
            ))
        })
        .max()
        .unwrap();
    assert_eq!(
        version(declared),
        floor,
        "rust-version {declared}; the dependencies need {floor:?} ({by})"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!("**Rust {declared} or newer**")),
        "the README does not state Rust {declared}"
    );
}
