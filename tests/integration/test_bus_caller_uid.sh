#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_bus_caller_uid: a caller's uid is never asked of the bus
# synchronously on the daemon's main loop (bus.c, issue 11). A connection's
# first call usually arrives before the daemon has learnt its uid (from
# NameOwnerChanged, in the background): the call is held back, the bus
# asked asynchronously, and the call dispatched again with the answer.
# Here 60 fresh connections of alice and bob call at once: every call is
# answered, calls were held back and completed that way, and no call ever
# found its caller unknown (test_dbus_isolation checks what each sees).
set -u
. "$(dirname "$0")/lib.sh"
it_setup

out=$IT_DIR/calls
mkdir -p "$out"
chmod 0777 "$out"
pids=()
for i in $(seq 1 30); do
	for u in "$IT_ALICE" "$IT_BOB"; do
		( mgr "$u" ListSpool >"$out/$u.$i" 2>&1; echo "rc=$?" >>"$out/$u.$i" ) &
		pids+=($!)
	done
done
wait "${pids[@]}"	# not the daemon, a child of this shell too

ok=0
bad=0
for f in "$out"/*; do
	if grep -q '^rc=0$' "$f" && grep -q '^ao ' "$f"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		[ "$bad" -le 3 ] && echo "     $(basename "$f"): $(tr '\n' ' ' <"$f")"
	fi
done
if [ "$bad" -eq 0 ]; then
	pass "60 first calls of fresh connections answered ($ok)"
else
	fail "60 first calls of fresh connections answered" "$bad failed"
fi

held=$(grep -c 'held back until the bus tells its uid' "$IT_DIR/daemon.log")
echo "     calls held back for their caller's uid: $held of 60"
if [ "$held" -ge 1 ]; then
	pass "first calls were held back and answered after the bus told the uid"
else
	fail "first calls were held back" "none of 60 was: the asynchronous path was not exercised"
fi
if grep -q 'is not known yet\|cannot tell the uid' "$IT_DIR/daemon.log"; then
	fail "no call found its caller unknown" "$(grep -m 3 'not known yet\|cannot tell the uid' "$IT_DIR/daemon.log")"
else
	pass "no call found its caller unknown"
fi

it_daemon_alive "daemon alive after 60 fresh connections"

# Every call put back was dispatched again and let go: the daemon says so
# at its stop when one was not (a leak of the call while it runs).
it_stop_daemon
if grep -q 'calls put back were never dispatched again' "$IT_DIR/daemon.log"; then
	fail "every call put back was dispatched again" \
		"$(grep -m 1 'never dispatched again' "$IT_DIR/daemon.log")"
else
	pass "every call put back was dispatched again"
fi
it_finish
