# hookconsole %post ($1: 1 on install, 2 on upgrade).
mkdir -p /var/lib/hookconsole
chown hookconsole:hookconsole /var/lib/hookconsole
chmod 0700 /var/lib/hookconsole
chown root:hookconsole /etc/hookconsole
chmod 0750 /etc/hookconsole
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -eq 1 ] && command -v systemctl >/dev/null 2>&1; then
    # As %systemd_post does: the distribution's presets decide whether it is enabled.
    systemctl --no-reload preset hookconsole-worker.service >/dev/null 2>&1 || :
fi
exit 0
