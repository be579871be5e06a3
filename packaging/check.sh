#!/usr/bin/env bash
# Builds the Debian package and the RPM and proves them on this machine: contents and
# modes, lintian, install, the binary in the packaged layout as root, as the service
# user and as someone else, the manual page, the systemd unit, upgrade, remove (keeps
# settings and state), purge (removes everything and the user), and the RPM's files.
#
# It installs the package on this machine: run it as root on a throw-away machine (CI)
# or a development machine where no hookconsole package is installed. It refuses to
# start when one is, or when /var/lib/hookconsole or /etc/hookconsole exist, and
# purges what it installed when it stops, passing or failing.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1

started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" $((SECONDS - started)); }
fail() {
  printf '\npackaging check FAILED: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges the package"

# --- tools ------------------------------------------------------------------------
step "tools"
packages=()
want() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
want dpkg-deb dpkg
want rpm rpm
want lintian lintian
want man man-db
want gzip gzip
want adduser adduser
want runuser util-linux
want timeout coreutils
want systemd-analyze systemd
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing: ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
fi
cargo_tool() { # cargo subcommand, crate, pinned version
  if ! cargo "$1" --version 2>/dev/null | grep -qF "$3"; then
    echo "installing $2 $3"
    # One target directory for both: they share most of their dependencies.
    CARGO_TARGET_DIR=target/packaging-tools cargo install --locked --quiet --force "$2" --version "$3"
  fi
  cargo "$1" --version
}
cargo_tool deb cargo-deb "$CARGO_DEB_VERSION"
cargo_tool generate-rpm cargo-generate-rpm "$CARGO_GENERATE_RPM_VERSION"

if dpkg -s hookconsole >/dev/null 2>&1; then
  fail "a hookconsole package is installed here; remove it first (this check installs and purges its own)"
fi
for leftover in /var/lib/hookconsole /etc/hookconsole; do
  [ ! -e "$leftover" ] || fail "$leftover exists; this check would purge it"
done
if getent passwd hookconsole >/dev/null; then
  fail "a user hookconsole exists; this check creates and removes it"
fi
installed=no
cleanup() {
  if [ "$installed" = yes ] && dpkg -s hookconsole >/dev/null 2>&1; then
    echo "cleanup: purging the package this check installed"
    dpkg -P hookconsole >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------------
step "build"
rm -f target/debian/hookconsole_*.deb target/generate-rpm/hookconsole-*.rpm
build_started=$SECONDS
cargo build --release --locked
echo "release build: $((SECONDS - build_started))s"
packaging/build.sh --no-build
debs=(target/debian/hookconsole_*.deb)
rpms=(target/generate-rpm/hookconsole-*.rpm)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb, found: ${debs[*]}"
[ ${#rpms[@]} -eq 1 ] && [ -f "${rpms[0]}" ] || fail "expected one .rpm, found: ${rpms[*]}"
deb=${debs[0]}
rpm_file=${rpms[0]}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
ls -l "$deb" "$rpm_file"

# --- the .deb's contents ----------------------------------------------------------
step "dpkg-deb -c: paths, modes, owners"
# "mode owner/group path" for every entry, directories with their trailing slash.
contents=$(dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' | sed 's| \./| /|')
echo "$contents"
expect_entry() { # mode owner path
  grep -qxF -e "$1 $2 $3" <<<"$contents" || fail "the .deb has no \`$1 $2 $3\`"
}
expect_entry -rwxr-xr-x 0/0 /usr/bin/hookconsole
expect_entry -rw-r----- 0/0 /etc/hookconsole/settings.yaml
expect_entry -rw-r--r-- 0/0 /usr/share/man/man1/hookconsole.1.gz
expect_entry -rw-r--r-- 0/0 /usr/share/bash-completion/completions/hookconsole
expect_entry -rw-r--r-- 0/0 /usr/share/zsh/vendor-completions/_hookconsole
expect_entry -rw-r--r-- 0/0 /usr/share/fish/vendor_completions.d/hookconsole.fish
expect_entry -rw-r--r-- 0/0 /usr/lib/systemd/system/hookconsole-worker.service
expect_entry -rw-r--r-- 0/0 /usr/share/doc/hookconsole/copyright
expect_entry -rw-r--r-- 0/0 /usr/share/doc/hookconsole/changelog.Debian.gz
expect_entry -rw-r--r-- 0/0 /usr/share/doc/hookconsole/examples/nginx-hookconsole-oauth.conf
expect_entry -rw-r--r-- 0/0 /usr/share/doc/hookconsole/examples/apache-hookconsole-oauth.conf
expect_entry -rw-r--r-- 0/0 /usr/share/lintian/overrides/hookconsole
deb_files=$(awk '$1 !~ /^d/ { print $3 }' <<<"$contents" | sort)
[ "$(wc -l <<<"$deb_files")" -eq 12 ] || fail "the .deb has files besides the 12 expected: $deb_files"
# Neither the state directory nor anything in it is shipped: it is made on install.
! grep -q '/var/lib' <<<"$contents" || fail "the .deb ships something under /var/lib"

step "dpkg-deb -I: control, conffiles, maintainer scripts"
dpkg-deb -I "$deb"
control=$(dpkg-deb -f "$deb")
grep -qx 'Package: hookconsole' <<<"$control" || fail "Package is not hookconsole"
grep -qx "Version: $version-1" <<<"$control" || fail "Version is not $version-1"
head -n 1 packaging/debian/changelog | grep -qF "hookconsole ($version-1)" ||
  fail "packaging/debian/changelog does not start with $version-1: add an entry"
grep -q '^Depends:.*adduser' <<<"$control" || fail "Depends lacks adduser (postinst uses it)"
control_dir=$(mktemp -d)
dpkg-deb -e "$deb" "$control_dir"
grep -qx '/etc/hookconsole/settings.yaml' "$control_dir/conffiles" ||
  fail "settings.yaml is not a conffile"
for script in postinst postrm prerm; do
  [ -x "$control_dir/$script" ] || fail "no executable $script"
  sh -n "$control_dir/$script" || fail "$script is not valid sh"
done
grep -q 'adduser --system' "$control_dir/postinst" || fail "postinst creates no system user"
grep -q 'deb-systemd-helper enable' "$control_dir/postinst" || fail "postinst does not enable the unit"
grep -q 'deb-systemd-invoke stop' "$control_dir/prerm" || fail "prerm does not stop the unit"
grep -q 'rm -rf /var/lib/hookconsole' "$control_dir/postrm" || fail "postrm purge keeps the state"
grep -q '#DEBHELPER#' "$control_dir"/* && fail "a #DEBHELPER# token was not replaced"
rm -rf "$control_dir"
shipped_settings=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/hookconsole/settings.yaml)
if grep -v '^[[:space:]]*#' <<<"$shipped_settings" | grep -iqE 'password|secret|token|key:'; then
  fail "the shipped settings.yaml holds a secret-looking key"
fi

# --- lintian ----------------------------------------------------------------------
step "lintian"
# Errors fail the check; warnings and notes are reported. Overrides, each explained,
# are in packaging/debian/lintian-overrides (shipped where lintian looks for them).
# (With --show-overrides lintian exits 2 for an overridden error too, so the verdict
# is read from its output: a line starting with E: is an error not overridden.)
lintian_status=0
lintian_output=$(lintian --display-info --show-overrides "$deb" 2>&1) || lintian_status=$?
echo "$lintian_output"
[ "$lintian_status" -le 2 ] || fail "lintian did not run (exit $lintian_status)"
if grep -q '^E: ' <<<"$lintian_output"; then
  fail "lintian reports errors"
fi
echo "lintian: no errors, $(grep -c '^W: ' <<<"$lintian_output" || true) warnings," \
  "$(grep -c '^O: ' <<<"$lintian_output" || true) overridden"


# --- install ----------------------------------------------------------------------
step "install"
installed=yes
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb"
expect_stat() { # path "mode owner group"
  local found
  found=$(stat -c '%a %U %G' "$1") || fail "$1 is missing"
  [ "$found" = "$2" ] || fail "$1 is \`$found\`, expected \`$2\`"
}
getent passwd hookconsole >/dev/null || fail "no user hookconsole"
getent group hookconsole >/dev/null || fail "no group hookconsole"
[ "$(id -u hookconsole)" -lt 1000 ] || fail "hookconsole is not a system user"
case "$(getent passwd hookconsole | cut -d: -f7)" in
  */nologin | */false) ;;
  *) fail "the service user has a login shell" ;;
esac
expect_stat /var/lib/hookconsole "700 hookconsole hookconsole"
expect_stat /etc/hookconsole "750 root hookconsole"
expect_stat /etc/hookconsole/settings.yaml "640 root hookconsole"
expect_stat /usr/bin/hookconsole "755 root root"

step "the binary in the packaged layout"
found_version=$(hookconsole --version)
echo "$found_version"
[ "$found_version" = "hookconsole $version" ] || fail "--version says \`$found_version\`"
hookconsole settings >/dev/null || fail "the shipped settings.yaml does not load"
# As root: every file it makes in the service user's home becomes that user's.
hookconsole settings hostname=hiab.example.com >/dev/null
expect_stat /etc/hookconsole/settings.yaml "640 root hookconsole"
hookconsole add --name packaged-check --url https://127.0.0.1:9/hook >/dev/null
hookconsole list | grep -q packaged-check || fail "root cannot list what it added"
hookconsole logs >/dev/null
expect_stat /var/lib/hookconsole/integrations.yaml "600 hookconsole hookconsole"
expect_stat /var/lib/hookconsole/deliveries.sqlite3 "600 hookconsole hookconsole"
expect_stat /var/lib/hookconsole/logs "700 hookconsole hookconsole"
expect_stat /var/lib/hookconsole/logs/hookconsole.log "600 hookconsole hookconsole"
stray=$(find /var/lib/hookconsole /etc/hookconsole ! -group hookconsole)
[ -z "$stray" ] || fail "files root made are not the service's: $stray"
# As the service user: reads the settings through its group, opens what root made.
runuser -u hookconsole -- hookconsole list | grep -q packaged-check ||
  fail "the service user cannot read the integrations root added"
runuser -u hookconsole -- hookconsole settings | grep -q hiab.example.com ||
  fail "the service user cannot read the settings"
echo '{"check": "packaged"}' | runuser -u hookconsole -- hookconsole send packaged-check \
  --event check.packaged --file - >/dev/null || fail "the service user cannot queue an event"
# The worker starts as the service user and runs until stopped (timeout's 124).
worker_status=0
runuser -u hookconsole -- timeout -s TERM 3 hookconsole worker || worker_status=$?
[ "$worker_status" -eq 124 ] || fail "the worker stopped by itself (exit $worker_status)"
[ ! -e /var/lib/hookconsole/worker.sock ] || fail "the worker left worker.sock after SIGTERM"
[ -z "$(find /var/lib/hookconsole ! -user hookconsole)" ] ||
  fail "files not owned by the service user after the worker ran"
# Anyone else: refused, and told what to do instead.
refused=0
refusal=$(runuser -u nobody -- hookconsole list 2>&1) || refused=$?
echo "as nobody: $refusal"
[ "$refused" -ne 0 ] || fail "a user without access listed the packaged integrations"
grep -q 'sudo -u hookconsole' <<<"$refusal" || fail "the refusal does not say what to do"

step "manual page"
man_page=/usr/share/man/man1/hookconsole.1.gz
if [ ! -f "$man_page" ]; then
  # dpkg may be told to skip manual pages (path-exclude in minimal container images).
  echo "$man_page was not installed (dpkg path-exclude?): rendering the package's copy"
  man_page=$(mktemp --suffix=.1.gz)
  dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/man/man1/hookconsole.1.gz >"$man_page"
fi
page=$(MANWIDTH=80 man -l "$man_page" 2>/tmp/hookconsole-man.err)
if [ -s /tmp/hookconsole-man.err ]; then
  cat /tmp/hookconsole-man.err
  fail "man reported problems rendering the page"
fi
for text in "hookconsole worker" "hookconsole completions" "FILES" "/etc/hookconsole/settings.yaml"; do
  grep -qF "$text" <<<"$page" || fail "the rendered manual page lacks \`$text\`"
done
echo "man -l renders $(wc -l <<<"$page") lines"
bash -c 'source /usr/share/bash-completion/completions/hookconsole && complete -p hookconsole' ||
  fail "the bash completion does not load"

step "systemd unit"
unit=/usr/lib/systemd/system/hookconsole-worker.service
verify_output=$(systemd-analyze verify "$unit" 2>&1) && verify_status=0 || verify_status=$?
echo "$verify_output"
if grep -q 'hookconsole-worker.service' <<<"$verify_output"; then
  # An unknown key is only a warning (exit 0) but a mistake all the same.
  fail "systemd-analyze verify objects to the unit (exit $verify_status)"
elif [ "$verify_status" -eq 0 ]; then
  echo "systemd-analyze verify: accepted"
else
  echo "systemd-analyze verify: not available here (exit $verify_status, nothing about the unit)"
fi
# Descriptors for the socket's clients and the deliveries (systemd's default soft
# limit is 1,024), and no core dumps: they would hold every secret the worker loaded.
nofile=$(sed -n 's/^LimitNOFILE=//p' "$unit")
[ -n "$nofile" ] || fail "the unit sets no LimitNOFILE (systemd's default soft limit is 1,024)"
[ "${nofile%%:*}" -ge 4096 ] 2>/dev/null || fail "the unit's LimitNOFILE=$nofile is below 4096"
grep -qx 'LimitCORE=0' "$unit" || fail "the unit does not set LimitCORE=0"
echo "limits: LimitNOFILE=$nofile LimitCORE=0"
security=$(systemd-analyze security --offline=yes "$unit" 2>&1) && security_status=0 || security_status=$?
score=$(sed -n 's/.*Overall exposure level for hookconsole-worker.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [ -n "$score" ]; then
  grep -E '^✗|^\s*✗' <<<"$security" || true
  echo "systemd-analyze security: exposure $score (0 = locked down, 10 = exposed)"
  awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure $score is above 1.5"
else
  echo "$security"
  echo "systemd-analyze security --offline: not available here (exit $security_status)"
fi
[ -L /etc/systemd/system/multi-user.target.wants/hookconsole-worker.service ] ||
  fail "the unit is not enabled"

step "upgrade (the same package again)"
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb"
hookconsole list | grep -q packaged-check || fail "the upgrade lost the integrations"
grep -q hiab.example.com /etc/hookconsole/settings.yaml || fail "the upgrade lost the settings"
expect_stat /var/lib/hookconsole "700 hookconsole hookconsole"

# --- remove, purge ----------------------------------------------------------------
step "remove keeps settings, state and the user"
dpkg -r hookconsole
[ ! -e /usr/bin/hookconsole ] || fail "remove left the binary"
[ ! -e "$unit" ] || fail "remove left the unit"
grep -q hiab.example.com /etc/hookconsole/settings.yaml || fail "remove lost the settings"
[ -f /var/lib/hookconsole/integrations.yaml ] || fail "remove lost the integrations"
[ -f /var/lib/hookconsole/deliveries.sqlite3 ] || fail "remove lost the queue"
getent passwd hookconsole >/dev/null || fail "remove deleted the user"

step "purge removes everything"
dpkg -P hookconsole
installed=no
for gone in /var/lib/hookconsole /etc/hookconsole /usr/bin/hookconsole \
  /usr/share/doc/hookconsole /usr/share/man/man1/hookconsole.1.gz \
  /etc/systemd/system/multi-user.target.wants/hookconsole-worker.service \
  /etc/systemd/system/hookconsole-worker.service; do
  [ ! -e "$gone" ] && [ ! -L "$gone" ] || fail "purge left $gone"
done
! getent passwd hookconsole >/dev/null || fail "purge left the user"
! getent group hookconsole >/dev/null || fail "purge left the group"
! dpkg-statoverride --list | grep -q hookconsole || fail "purge left a statoverride"
! dpkg -s hookconsole >/dev/null 2>&1 || fail "dpkg still knows the package"

# --- the RPM ----------------------------------------------------------------------
step "rpm: the same files as the .deb"
rpm -qpi "$rpm_file"
# "path mode user group" for every file.
rpm_entries=$(rpm -qp --qf '[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME}\n]' "$rpm_file")
echo "$rpm_entries"
rpm_files=$(rpm -qlp "$rpm_file" | sort)
# Deliberate differences: zsh's completion directory (Debian: vendor-completions,
# Fedora/RHEL: site-functions), and three Debian-only files (the copyright file cargo-deb
# writes, the Debian changelog, lintian's overrides).
deb_as_rpm=$(sed -e 's|^/usr/share/zsh/vendor-completions/|/usr/share/zsh/site-functions/|' \
  -e '\|^/usr/share/doc/hookconsole/copyright$|d' \
  -e '\|^/usr/share/doc/hookconsole/changelog.Debian.gz$|d' \
  -e '\|^/usr/share/lintian/overrides/hookconsole$|d' <<<"$deb_files" | sort)
if [ "$rpm_files" != "$deb_as_rpm" ]; then
  diff <(echo "$deb_as_rpm") <(echo "$rpm_files") || true
  fail "the RPM's files differ from the .deb's (left: .deb, right: .rpm)"
fi
expect_rpm() {
  grep -qxF -e "$1" <<<"$rpm_entries" || fail "the RPM has no \`$1\`"
}
expect_rpm "/usr/bin/hookconsole -rwxr-xr-x root root"
expect_rpm "/etc/hookconsole/settings.yaml -rw-r----- root hookconsole"
expect_rpm "/usr/lib/systemd/system/hookconsole-worker.service -rw-r--r-- root root"
rpm -qcp "$rpm_file" | grep -qx /etc/hookconsole/settings.yaml || fail "settings.yaml is not %config in the RPM"
for scriptlet in packaging/rpm/*.sh; do
  sh -n "$scriptlet" || fail "$scriptlet is not valid sh"
done
scripts=$(rpm -qp --scripts "$rpm_file")
grep -q 'useradd --system' <<<"$scripts" || fail "the RPM does not create the user"
grep -q 'chmod 0700 /var/lib/hookconsole' <<<"$scripts" || fail "the RPM does not make the state directory"

step "passed in $((SECONDS - started))s"
