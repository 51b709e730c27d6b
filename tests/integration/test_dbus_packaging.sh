#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_packaging: the files that put mfpscand on a real system. The
# bus policy is well-formed XML that a dbus-daemon accepts; the activation
# file names the bus name, root and mfpscand.service, and a private bus
# given a copy of it (Exec pointed at the built daemon) really starts the
# daemon on a user's first call; the systemd unit passes systemd-analyze
# verify and carries the promised hardening.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_daemon

CONF=$IT_TOP/dbus/org.mfpscan.Daemon1.conf
SVC=$IT_TOP/dbus/org.mfpscan.Daemon1.service
UNIT=$IT_TOP/systemd/mfpscand.service

check "the bus policy is well-formed XML" /usr/bin/python3 -c \
	'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$CONF"
svc=$(cat "$SVC")
assert_match "activation: Name" '^Name=org.mfpscan.Daemon1$' "$svc"
assert_match "activation: User=root" '^User=root$' "$svc"
assert_match "activation: SystemdService" '^SystemdService=mfpscand.service$' "$svc"
assert_match "activation: Exec of the installed daemon" '^Exec=/usr/sbin/mfpscand ' "$svc"

unit=$(cat "$UNIT")
for line in 'Type=dbus' 'BusName=org.mfpscan.Daemon1' 'ProtectSystem=strict' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
	'ReadWritePaths=/var/lib/mfpscan /var/spool/mfpscan' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
	'DevicePolicy=closed' 'DeviceAllow=char-mfpscan rw'; do
	assert_match "unit: $line" "^$line\$" "$unit"
done
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify "$UNIT" 2>&1 |
		grep -v -e 'is not executable' -e 'man mfpscanctl' -e 'file:/usr/share/doc' || true)
	assert_eq "systemd-analyze verify finds nothing else" "" "$out"
else
	fail "systemd-analyze missing"
fi

# Activation on a private bus: the policy included, a copy of the
# activation file whose Exec runs the built daemon on the test config.
it_write_config
mkdir -p "$IT_DIR/services"
sed "s|^Exec=.*|Exec=$IT_DAEMON --config $IT_CONF --log-stderr|" "$SVC" \
	>"$IT_DIR/services/org.mfpscan.Daemon1.service"
export IT_BUS_EXTRA="<servicedir>$IT_DIR/services</servicedir>"
it_start_bus
check_fails "the daemon is not running before the first call" it_bus_has_daemon
out=$(mgr "$IT_ALICE" GetCapabilities 2>&1)
assert_match "a user's first call activates the daemon" '^a\{sv\} ' "$out"
check "the daemon now owns its name" it_bus_has_daemon
pid=$(dsend root --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.GetConnectionUnixProcessID string:"$IT_DEST" |
	awk '/uint32/ {print $2}')
# started as root (User=root), it drops to the service user (privsep.rst)
assert_eq "the activated daemon runs as mfpscan, not root" "$(id -u mfpscan)" \
	"$(stat -c %u "/proc/${pid:-0}" 2>/dev/null)"
[ -n "$pid" ] && kill "$pid" 2>/dev/null
it_finish
