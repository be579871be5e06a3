#!/usr/bin/env bash
# Builds the Debian package and the RPM from one release build:
#   cargo build --release --locked            (skipped with --no-build)
#   target/packaging/: the manual page and the shell completions, made by the binary
#     just built (`hookconsole man`, `hookconsole completions SHELL`), so they describe
#     exactly the command line it parses
#   cargo deb --no-build           -> target/debian/hookconsole_<version>-1_<arch>.deb
#   cargo generate-rpm             -> target/generate-rpm/hookconsole-<version>-1.<arch>.rpm
# Needs cargo-deb and cargo-generate-rpm (packaging/check.sh installs the pinned versions).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-build" ]; then
  cargo build --release --locked
fi

binary=target/release/hookconsole
out=target/packaging
rm -rf "$out"
mkdir -p "$out/completions"
# -n: no name or time stamp in the gzip header, so the same page gives the same bytes.
"$binary" man | gzip -9n > "$out/hookconsole.1.gz"
"$binary" completions bash > "$out/completions/hookconsole.bash"
"$binary" completions zsh > "$out/completions/_hookconsole"
"$binary" completions fish > "$out/completions/hookconsole.fish"

cargo deb --no-build --locked
cargo generate-rpm
