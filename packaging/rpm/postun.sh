# hookconsole %postun ($1: 0 on erase, 1 on upgrade). rpm has no purge: the settings
# (kept as .rpmsave when changed), /var/lib/hookconsole and the user stay; see
# packaging/README.md to remove them.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart hookconsole-worker.service >/dev/null 2>&1 || :
    fi
fi
exit 0
