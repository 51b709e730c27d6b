#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_privsep: privilege separation (Documentation/privsep.rst).
# The daemon, started as root, serves the bus as the user mfpscan with no
# capabilities and NoNewPrivs, in every thread; its privilege helper is
# its only root process. A local scan arrives byte-exact, owned by its
# user (a daemon without CAP_CHOWN cannot have handed it over: the
# helper's child created it as the user). Then a socket-activated helper
# (as systemd runs it: systemd-socket-activate --seqpacket, Accept=yes)
# is driven with mfpscan-ph-call: it refuses root, a system uid, a folder
# outside the allowed roots, another user's folder, a symlinked folder
# and a symlinked component, oversized, short, garbage and wrong-version
# messages, and a peer that is not mfpscan; each refusal is in its log.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
PHCALL=$(it_find_prog tools/mfpscan-ph-call)
HELPER=$(it_find_prog mfpscan-privhelper)
[ -n "$PHCALL" ] && [ -n "$HELPER" ] || it_die "mfpscan-ph-call or mfpscan-privhelper not built"
install -m 0755 "$PHCALL" "$IT_DIR/bin/mfpscan-ph-call"	# where mfpscan can run it
PHCALL=$IT_DIR/bin/mfpscan-ph-call
it_start_bus
it_write_config
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
MU=$(id -u mfpscan)

# --- the processes ----------------------------------------------------------
st=/proc/$IT_DAEMON_PID/status
assert_eq "the daemon's uids (real, effective, saved, fs) are mfpscan's" \
	"$MU $MU $MU $MU" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")"
assert_eq "the daemon's gids are mfpscan's" \
	"$(id -g mfpscan)" "$(awk '/^Gid:/ {print $2}' "$st")"
assert_match "the daemon has the group scanner" "(^| )$(getent group scanner | cut -d: -f3)( |\$)" \
	"$(awk '/^Groups:/ {$1 = ""; print}' "$st")"
assert_eq "the daemon has no effective capabilities" 0000000000000000 \
	"$(awk '/^CapEff:/ {print $2}' "$st")"
assert_eq "the daemon has no permitted capabilities" 0000000000000000 \
	"$(awk '/^CapPrm:/ {print $2}' "$st")"
assert_eq "the daemon runs with NoNewPrivs" 1 "$(awk '/^NoNewPrivs:/ {print $2}' "$st")"
bad=$(for t in /proc/$IT_DAEMON_PID/task/*/status; do
	awk '/^Uid:/ {print $3}' "$t"; done | grep -vx "$MU" || true)
ntask=$(ls /proc/$IT_DAEMON_PID/task | wc -l)
assert_eq "every one of the daemon's $ntask threads runs as mfpscan" "" "$bad"
kids=$(ps --ppid "$IT_DAEMON_PID" -o uid=,comm= | awk '{print $1, $2}')
assert_match "its one child is the privilege helper, as root" '^0 mfpscan-privhel?$' "$kids"
check "the bus name is owned by a mfpscan connection" test \
	"$(dsend "$A" --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.GetConnectionUnixUser string:"$IT_DEST" |
	awk '/uint32/ {print $2}')" = "$MU"
assert_match "the log says it dropped" "privsep: running as mfpscan" "$(cat "$IT_DIR/daemon.log")"
assert_eq "state and spool were given to mfpscan" "mfpscan mfpscan" \
	"$(stat -c %U "$IT_DIR/state") $(stat -c %U "$IT_DIR/spool")"

# --- a local scan through the helper -------------------------------------------
dir=$(it_local_dir "$A")
check "alice adds a local account" ctl "$A" accounts add home --type local --folder "$dir"
out=$(ctl "$A" scan --to home --format pdf --source adf --pages 2 \
	--resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
assert_eq "the scan to alice's folder exits 0" 0 "$rc"
file=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p')
check "the document is the engine's 2 pages, byte-exact" \
	"$IT_VERIFY" --format pdf --pages 2 "${file:-/nonexistent}"
assert_eq "the document is alice's, 0600" "$A 600" "$(stat -c '%U %a' "${file:-/nonexistent}" 2>&1)"
assert_eq "no temporary file is left" "" "$(find "$dir" -name '.*' -type f)"

# Account-time checks go through the helper too (the daemon cannot see in).
mkdir -p "$dir/sub" && chown "$A:" "$dir/sub"
check "a folder inside alice's 0700 folder is accepted" \
	ctl "$A" accounts add sub --type local --folder "$dir/sub"

# --- the main loop does not wait on the helper ------------------------------------
# A Create's folder check is the helper's round trip, made by the writer
# thread: with the helper stopped, alice's Create waits and bob is still
# served. (When the main loop made it, bob's call got no answer.)
HPID=$(ps --ppid "$IT_DAEMON_PID" -o pid=,comm= | awk '$2 ~ /^mfpscan-privhel/ {print $1}')
# helper_has_request: the daemon's request waits unread in the helper's socket
helper_has_request() {
	ss -xpH 2>/dev/null | awk -v p="pid=$HPID," 'index($0, p) && $3 > 0 {f = 1} END {exit !f}'
}
wait_request() {
	for _ in $(seq 1 400); do helper_has_request && return 0; sleep 0.05; done
	return 1
}
mkdir -p "$dir/held" && chown "$A:" "$dir/held"
kill -STOP "$HPID"
ctl "$A" accounts add held --type local --folder "$dir/held" >"$IT_DIR/held.out" 2>&1 &
held=$!
check "alice's Create reached the stopped helper" wait_request
check "bob is answered while the helper holds alice's Create" \
	as "$B" busctl --address="$IT_BUS_ADDR" --timeout=20 call \
	"$IT_DEST" "$IT_PATH" "$IT_MGR" ListDestinations
kill -CONT "$HPID"
wait "$held" && rc=0 || rc=$?
assert_eq "alice's Create is answered once the helper goes on" 0 "$rc"
out=$(ctl "$A" accounts list 2>&1)
assert_match "... and the account exists" '(^| )held( |$)' "$out"
# A Scan's destination is checked and its secrets opened by the job's
# worker: with the helper stopped, the Scan is answered with its job.
HACC=$(it_busctl_path "$(mgr "$A" ListDestinations)")
kill -STOP "$HPID"
out=$(as "$A" busctl --address="$IT_BUS_ADDR" --timeout=20 call "$IT_DEST" \
	"$IT_PATH" "$IT_MGR" Scan 'oa{sv}' "$HACC" 2 format s png resolution u 75 2>&1)
kill -CONT "$HPID"
HJOB=$(it_busctl_path "$out")
assert_match "alice's Scan is answered with a job while the helper is stopped" \
	'^/org/mfpscan/Daemon1/job/' "$HJOB"
assert_eq "... which ends done once the helper goes on" done \
	"$(it_wait_job "$A" "${HJOB:-/none}")"
outside=$(mktemp -d /var/tmp/mfpscan-privsep.XXXXXX)
chown "$A:" "$outside"
out=$(ctl "$A" accounts add out --type local --folder "$outside" 2>&1)
assert_match "a folder outside the allowed roots is refused when the account is made" \
	"administrator allows" "$out"
ln -s "$outside" "$dir/link"
out=$(ctl "$A" accounts add lnk --type local --folder "$dir/link" 2>&1)
assert_match "a symlinked folder is refused when the account is made" "symbolic link" "$out"

# --- the helper as systemd runs it ------------------------------------------
SOCK=$IT_DIR/privhelper.sock
PHLOG=$IT_DIR/privhelper.log
systemd-socket-activate --seqpacket -a -l "$SOCK" \
	"$HELPER" --config "$IT_CONF" --log-stderr >>"$PHLOG" 2>&1 &
PHPID=$!
IT_BGPIDS+=("$PHPID")
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
chgrp mfpscan "$SOCK" && chmod 0660 "$SOCK"
AU=$(id -u "$A")

# phcall NAME WANT_REGEX ARGS...: one request as mfpscan; the reply must
# be a refusal (flag 0x8) matching WANT_REGEX, and the helper's log must
# say "refused" with the same words.
phrefused() {
	local name=$1 want=$2 out
	shift 2
	out=$(as mfpscan "$PHCALL" "$SOCK" "$@" 2>&1)
	if printf '%s' "$out" | grep -Eq "flags=0x[0-9a-f]*[89a-f] .*$want"; then
		pass "helper refuses $name"
	else
		fail "helper refuses $name" "$out"
	fi
	it_wait_for "$PHLOG" "refused.*$want" 40 &&
		pass "... and logs the refusal" ||
		fail "... and logs the refusal" "$(tail -n 5 "$PHLOG")"
}
out=$(as mfpscan "$PHCALL" "$SOCK" check-folder "$AU" "$dir" 2>&1)
assert_match "helper: mfpscan may check alice's folder as alice" '^error=0 ' "$out"
out=$(as mfpscan "$PHCALL" "$SOCK" create-temp "$AU" "$dir" x.pdf 2>&1)
assert_match "helper: create-temp hands back a descriptor" '^error=0 .*fd=yes temp=\.x\.pdf\.[0-9a-f]{6} ' "$out"
tmpname=$(printf '%s' "$out" | sed -n 's/.*temp=\([^ ]*\) .*/\1/p')
assert_eq "the temporary file is alice's from creation" "$A" "$(stat -c %U "$dir/$tmpname" 2>&1)"
check "helper: unlink-temp removes it" as mfpscan "$PHCALL" "$SOCK" unlink-temp "$AU" "$dir" "" "$tmpname"

phrefused "uid 0" "uid 0 is root" prepare 0 "$dir"
phrefused "a system uid (bin)" "uid 2 is a system user" prepare 2 "$dir"
phrefused "a folder outside the allowed roots" "not inside an allowed root" \
	prepare "$AU" /etc/cron.d
bdir=$(it_local_dir "$B")
out=$(as mfpscan "$PHCALL" "$SOCK" create-temp "$AU" "$bdir" x.pdf 2>&1)
assert_match "helper: bob's 0700 folder, as alice: the kernel says no" \
	"^error=13 .*Permission denied" "$out"
chmod 0777 "$bdir"	# even one alice may write to: the owner rule refuses
phrefused "another user's folder (bob's 0777, as alice)" "owned by uid $(id -u "$B")" \
	create-temp "$AU" "$bdir" x.pdf
check "... and nothing was created in it" test -z "$(ls -A "$bdir")"
phrefused "a symlinked folder (to /etc, placed under the root)" "symbolic link" \
	create-temp "$AU" "$dir/link" x.pdf
mkdir -p "$dir/real" && chown "$A:" "$dir/real"
ln -s "$dir/real" "$dir/lnk2"
phrefused "a symlinked component" "symbolic link" prepare "$AU" "$dir/lnk2/deeper"
check "... and nothing was created behind it" test ! -e "$dir/real/deeper"
phrefused "an oversized message" "larger than a request" --raw 70000
phrefused "a short message" "wrong size" --raw 100
phrefused "a garbage message of the right size" "bad magic" --raw 1552
phrefused "an unknown protocol version" "unknown protocol version" --version 99
chmod 0666 "$SOCK"	# let alice reach the helper itself: its own check
out=$(as "$A" "$PHCALL" "$SOCK" prepare "$AU" "$dir" 2>&1) && rc=0 || rc=$?
assert_eq "a peer that is not mfpscan gets no answer" 2 "$rc"
check "... and the helper logs it" it_wait_for "$PHLOG" \
	"refused a connection from uid $AU" 40
out=$(as root "$PHCALL" "$SOCK" prepare "$AU" "$dir" 2>&1) && rc=0 || rc=$?
assert_eq "not even root's peer is served (only the daemon's user)" 2 "$rc"
it_daemon_alive "the daemon still answers"
rm -rf "$outside"
it_finish
