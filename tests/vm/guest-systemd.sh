#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-systemd: the daemon under its installed unit, run inside a test
# guest whose PID 1 is systemd (tests/vm/run-systemd.sh boots it).
#
# What an appliance maker ships is what runs: the tree that `make install
# DESTDIR=build/systemd/root` produced on the host is copied over the
# guest's root, then the steps of a package's postinst (sysusers, tmpfiles,
# daemon-reload, udev and bus reloads). Nothing is started by hand: the
# first mfpscanctl call on the real system bus activates the daemon through
# systemd (SystemdService=), udevd applies the installed rules to the sim
# engine of the real mfpscan_sim.ko.
#
#   - local (/srv/scans/USER), WebDAV (Apache mod_dav on 127.0.0.1) and
#     SFTP (OpenSSH internal-sftp on 127.0.0.1) scans by two real users with
#     mfpscanctl succeed, byte-exact (mfpscan-verify), each owned by the
#     right user: a sandbox that breaks a destination fails here;
#   - the daemon process runs as the unit's User=, its bounding set is the
#     unit's, its effective capabilities lie inside it (none at all for a
#     non-root User=), no_new_privs and a seccomp filter are set;
#   - `systemd-analyze security mfpscand.service` prints an exposure of
#     2.0 or lower (the figure is printed).
set -u
# People, not system users: local folders are for uids >= the daemon's
# [local] min_uid (the privilege separation), as on a real appliance.
IT_ALICE=sysd-alice
IT_BOB=sysd-bob
for u in "$IT_ALICE" "$IT_BOB"; do
	getent passwd "$u" >/dev/null ||
		useradd --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$u" || exit 1
done
. "$(dirname "$0")/../integration/lib.sh"
it_init
it_need_verify

A=$IT_ALICE
B=$IT_BOB
ROOT=$IT_TOP/build/systemd/root
UNIT=mfpscand.service
IT_BUS_ADDR=unix:path=/run/dbus/system_bus_socket
export IT_BUS_ADDR
export IT_CTL=/usr/bin/mfpscanctl

# --- install as a package would ----------------------------------------------
[ -f "$ROOT/lib/systemd/system/$UNIT" ] ||
	it_die "no installed tree at $ROOT (run-systemd.sh runs make install)"
# /lib is a link to /usr/lib on Debian 12: keep the root's links.
tar -C "$ROOT" -cf - . | tar -C / -xf - --keep-directory-symlink ||
	it_die "cannot copy the installed tree over /"
check "systemd-sysusers creates the installed users and groups" systemd-sysusers
check "systemd-tmpfiles --create applies the installed files" \
	systemd-tmpfiles --create
check "systemctl daemon-reload" systemctl daemon-reload
check "udevd reloads the rules" udevadm control --reload
check "the system bus reloads its policy" \
	systemctl try-reload-or-restart dbus.service
assert_eq "the unit is installed, not started" inactive \
	"$(systemctl is-active "$UNIT")"

# --- the engine ----------------------------------------------------------------
sh "$IT_TOP/scripts/load-modules.sh" || it_die "cannot load mfpscan.ko and mfpscan_sim.ko"
sim=/sys/kernel/config/mfpscan-sim/sysd
mkdir "$sim" && echo 5 >"$sim/adf_pages" && echo 1 >"$sim/live" ||
	it_die "cannot create the sim engine instance"
udevadm settle -t 60
dev=/dev/$(cat "$sim/devname")
assert_eq "the installed rules link /dev/mfpscan to the engine" "$dev" \
	"$(readlink -f /dev/mfpscan)"
assert_eq "$dev is root:scanner 0660" "root scanner 660" \
	"$(stat -c '%U %G %a' "$dev" 2>&1)"

# --- servers on the guest's loopback -------------------------------------------
it_start_dav
SFTP_DIR=$IT_DIR/sftp
out=$(bash "$IT_TOP/tests/servers/sshd.sh" start "$SFTP_DIR") ||
	it_die "sshd.sh did not start" "$out"
eval "$out"
stop_sftp() { bash "$IT_TOP/tests/servers/sshd.sh" stop "$SFTP_DIR" >/dev/null 2>&1; }

# --- activation ----------------------------------------------------------------
# The bus gives an activation 25 s; a loaded TCG guest can take longer to
# start the unit, so the first call may time out while systemd still
# starts it: wait for the start job to end (bounded), then ask again.
caps=$(ctl "$A" caps 2>&1)
for _ in $(seq 1 300); do
	[ "$(systemctl is-active "$UNIT")" = activating ] || break
	# a unit that fails at once cycles through restarts: enough of them
	[ "$(systemctl show -p NRestarts --value "$UNIT")" -lt 3 ] || break
	sleep 1
done
[ "$(systemctl is-active "$UNIT")" = active ] ||
	it_die "the bus did not get $UNIT started" \
		"$caps; $(systemctl status --no-pager "$UNIT" 2>&1; journalctl -b -u "$UNIT" --no-pager | tail -n 30)"
pass "the first call makes systemd start $UNIT (bus activation)"
case $caps in *MFP-SIM*) ;; *) caps=$(ctl "$A" caps 2>&1) ;; esac
assert_match "caps lists the engine" "MFP-SIM" "$caps"
pid=$(systemctl show -p MainPID --value "$UNIT")
owner=$(busctl status --no-pager org.mfpscan.Daemon1 2>/dev/null | sed -n 's/^PID=//p')
assert_eq "the unit's main process owns org.mfpscan.Daemon1" "$pid" "$owner"

# --- the process -----------------------------------------------------------------
st() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$pid/status"; }
user=$(systemctl show -p User --value "$UNIT")
user=${user:-root}
uid=$(id -u "$user" 2>/dev/null)
echo "daemon: pid $pid, user $(id -nu "$(st Uid | awk "{print \$1}")") ($(st Uid)), groups $(st Groups)"
echo "daemon: CapEff $(capsh --decode="$(st CapEff)")"
echo "daemon: CapBnd $(capsh --decode="$(st CapBnd)")"
assert_eq "real, effective, saved and fs uid are the unit's User= ($user)" \
	"$uid $uid $uid $uid" "$(st Uid | tr '\t' ' ')"
want_bnd=$(systemctl show -p CapabilityBoundingSet --value "$UNIT" | tr ' ' '\n' | sort | xargs)
got_bnd=$(capsh --decode="$(st CapBnd)" | sed 's/^[^=]*=//' | tr ',' '\n' | sort | xargs)
assert_eq "the bounding set is the unit's CapabilityBoundingSet=" "$want_bnd" "$got_bnd"
eff=$((0x$(st CapEff)))
bnd=$((0x$(st CapBnd)))
assert_eq "no effective capability outside the bounding set" 0 $((eff & ~bnd))
if [ "$uid" != 0 ]; then
	assert_eq "a daemon that is not root has no effective capability" 0 "$eff"
fi
assert_eq "no_new_privs is set" 1 "$(st NoNewPrivs)"
assert_eq "a seccomp filter is installed" 2 "$(st Seccomp)"

# --- destinations under the sandbox ----------------------------------------------
# scan USER ACCOUNT: a 3-page mono PDF from the ADF to ACCOUNT; sets URL to
# where mfpscanctl says the document is; fails with its words and the spool's.
scan() {
	local out rc
	URL=
	out=$(ctl "$1" scan --to "$2" --source adf --pages 3 --format pdf \
		--mode mono --resolution 75 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$1 scans to $2" "exit $rc: $out; spool: $(ctl "$1" spool list 2>&1)"
		return 1
	fi
	pass "$1 scans to $2"
	URL=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: ||p')
}
urldecode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$1"; }
# verify NAME FILE OWNER: the document is there, byte-exact, OWNER's.
verify() {
	check "$1: the document is there" test -s "$2"
	check "$1: 3 pages byte-exact (mfpscan-verify)" "$IT_VERIFY" --format pdf --pages 3 "$2"
	[ -z "$3" ] || assert_eq "$1: the file belongs to $3" "$3" "$(stat -c %U "$2" 2>&1)"
}

mkdir -p /srv/scans
for u in "$A" "$B"; do
	install -d -o "$u" -g "$u" -m 0700 "/srv/scans/$u"
	check "$u adds a local account in /srv/scans" \
		ctl "$u" accounts add home --type local --folder "/srv/scans/$u"
	scan "$u" home && verify "local ($u)" "$(urldecode "${URL#file://}")" "$u"
done

out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add cloud --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder alice/scans \
	--password-stdin 2>&1) && pass "alice adds a WebDAV account" ||
	fail "alice adds a WebDAV account" "$out"
scan "$A" cloud && verify "WebDAV" "$DAV_ROOT$(urldecode "${URL#"$DAV_URL"}")" ""

out=$(printf '%s\n' "$SFTP_PASSWORD" | ctl "$B" accounts add sf --type sftp \
	--url "$SFTP_URL" --username "$SFTP_USER" --host-key "SHA256:$SFTP_HOSTKEY" \
	--folder scans --password-stdin 2>&1) && pass "bob adds an SFTP account" ||
	fail "bob adds an SFTP account" "$out"
scan "$B" sf && verify "SFTP" "$SFTP_ROOT/$(urldecode "${URL#"$SFTP_URL"/}")" "$SFTP_USER"
stop_sftp

daemon_alive() { # the unit's process, not one the test started
	if [ "$(systemctl show -p MainPID --value "$UNIT")" = "$pid" ] &&
		ctl "$A" caps >/dev/null 2>&1; then pass "$1"; else
		fail "$1" "$(journalctl -b -u "$UNIT" --no-pager | tail -n 20)"
	fi
}
daemon_alive "the same daemon process still answers"
# Whatever the sandbox makes read-only shows in the daemon's log as EROFS
# (a local folder, the engine's panel message and lamps in sysfs).
assert_no_match "nothing the daemon writes is read-only under the unit" \
	"Read-only file system" "$(journalctl -b -u "$UNIT" --no-pager 2>&1)"

# --- the unit's exposure -------------------------------------------------------------
sec=$(systemd-analyze security --no-pager "$UNIT" 2>&1)
printf '%s\n' "$sec" | grep -F '✗'
exposure=$(printf '%s\n' "$sec" |
	sed -n "s/.*Overall exposure level for $UNIT: \([0-9.]*\).*/\1/p")
echo "exposure of $UNIT: ${exposure:-none}"
check "systemd-analyze security rates $UNIT 2.0 or lower (${exposure:-none})" \
	awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'

if [ "$IT_FAIL" -ne 0 ]; then
	echo "--- journal of $UNIT ---"
	journalctl -b -u "$UNIT" --no-pager | tail -n 40
fi
it_finish
