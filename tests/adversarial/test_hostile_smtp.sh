#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_smtp: an SMTP server that accepts the connection and then
# says nothing, then one that drip-feeds its greeting a byte every 2 s
# (stall_smtp.py), with "[mail] timeout_s = 3" (admin-guide.rst) and mail
# retries from 1 s. Alice's scan to a server that is down is kept, so a
# notice mail is queued:
#  - each send to the stalling servers times out (the daemon logs the
#    attempt "not sent ... timed out ... kept"), the mail stays in
#    alice's durable outbox;
#  - meanwhile the daemon is not blocked: bob's scan completes byte-exact,
#    his GetCapabilities is answered throughout;
#  - a real SMTP server (aiosmtpd) takes the port: the notice arrives
#    exactly once, the outbox empties.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	it_die "python3-aiosmtpd missing" "/usr/bin/python3 -m aiosmtpd"
it_start_bus
A=$IT_ALICE
B=$IT_BOB
PORT=$(srv_free_port)
it_write_config "[mail]\nsmtp_url = smtp://127.0.0.1:$PORT\nfrom = scanner@example.org\nstarttls = no\nretry_initial_s = 1\ntimeout_s = 3"
it_start_daemon
SRV_PID=
# stall MODE: stall_smtp.py in MODE on PORT
stall() {
	/usr/bin/python3 "$ADV_DIR/stall_smtp.py" "$PORT" "$IT_DIR/smtp-$1.log" "$1" \
		>>"$IT_DIR/smtp-$1.out" 2>&1 &
	SRV_PID=$!
	IT_BGPIDS+=("$SRV_PID")
	srv_wait_port "$PORT" || it_die "stall_smtp.py $1 did not start"
}
outbox() { find "$IT_DIR/spool/$(id -u "$1")/outbox" -name '[0-9]*.mail' 2>/dev/null | wc -l; }
# timeouts: how many sends the daemon has given up on a timeout so far
timeouts() { grep -c 'notify: mail .* not sent (attempt .*timed out.*; kept' "$IT_DIR/daemon.log"; }
# wait_timeouts N: bounded wait until at least N sends timed out
wait_timeouts() {
	for _ in $(seq 1 300); do
		[ "$(timeouts)" -ge "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

stall silent
BDIR=$(it_local_dir "$B")
check "bob adds a local account" ctl "$B" accounts add bhome --type local --folder "$BDIR"
check "alice sets her notification address" mgr "$A" SetNotifyAddress s alice@example.org
adv_account "$A" down webdav "http://127.0.0.1:$(srv_free_port)/dav" --username alice
adv_probe_start "$B" "$IT_DIR/probe.log"
adv_scan "$A" down
adv_check_kept "server down" "$A" network '.'
E=$ADV_ENTRY

check "silent server: the send times out" wait_timeouts 1
check "... the server was connected to" grep -q '^connect' "$IT_DIR/smtp-silent.log"
assert_eq "... the notice waits in alice's outbox" 1 "$(outbox "$A")"
out=$(ctl "$B" scan --to bhome --format pdf --resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
file=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p')
assert_eq "bob's scan completes while the mail server stalls" 0 "$rc"
check "... byte-exact" "$IT_VERIFY" --format pdf --pages 1 "${file:-/nonexistent}"

# Only the dripping server listens from now: a new timeout is its own.
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
sleep 0.5
n=$(timeouts)
stall drip
check "dripping server: a send to it times out too" wait_timeouts $((n + 1))
check "... it was connected to" grep -q '^connect' "$IT_DIR/smtp-drip.log"
assert_eq "... the notice still waits in the outbox" 1 "$(outbox "$A")"
adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered while the mail server stalled"

kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox \
	"$IT_DIR/maildir" >>"$IT_DIR/aiosmtpd.log" 2>&1 &
IT_BGPIDS+=("$!")
srv_wait_port "$PORT" || it_die "aiosmtpd did not start" "$(cat "$IT_DIR/aiosmtpd.log")"
for _ in $(seq 1 600); do
	[ "$(outbox "$A")" -eq 0 ] && break
	sleep 0.1
done
assert_eq "a good server: the outbox empties" 0 "$(outbox "$A")"
id=${E#*_}
count=$(/usr/bin/python3 - "$IT_DIR/maildir" "$id" <<'PY'
import email, email.policy, glob, sys
n = 0
for f in glob.glob(sys.argv[1] + '/new/*'):
    m = email.message_from_binary_file(open(f, 'rb'), policy=email.policy.default)
    if m['To'] == 'alice@example.org' and sys.argv[2] in m.get_body().get_content():
        n += 1
print(n)
PY
)
assert_eq "... the notice about the kept document arrived exactly once" 1 "$count"
it_daemon_alive "the same daemon answers at the end"
it_finish
