# hookconsole %pre: the service user must exist before rpm lays down files owned by
# its group (/etc/hookconsole/settings.yaml).
getent group hookconsole >/dev/null || groupadd --system hookconsole
getent passwd hookconsole >/dev/null || \
    useradd --system --gid hookconsole --no-create-home --home-dir /var/lib/hookconsole \
        --shell /sbin/nologin --comment "hookconsole webhook worker" hookconsole
exit 0
