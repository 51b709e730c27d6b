#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_notify_outbox: notification mails are durable (issue 10, item 8).
# The SMTP server (real aiosmtpd, tests/servers/smtp.sh) is down while
# documents are kept: every mail waits in its owner's outbox in the spool,
# is tried again with a growing delay (seen failing 3 times in the log),
# survives a daemon restart, and a full outbox (outbox_max = 2) coalesces
# into a digest instead of dropping. Then the server comes up on the same
# port: every notice arrives exactly once (each entry id is counted in the
# decoded mails), at the owner's default address (SetNotifyAddress) or at
# the account's NotifyEmail, which overrides it.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	it_die "python3-aiosmtpd missing" "/usr/bin/python3 -m aiosmtpd"
it_start_bus

A=$IT_ALICE
B=$IT_BOB
SCAN=(--format png --resolution 75 --mode mono)
SMTP_DIR=$IT_DIR/smtp

cleanup_outbox() {
	bash "$IT_TOP/tests/servers/smtp.sh" stop "$SMTP_DIR" >/dev/null 2>&1 || true
	it_cleanup
}
trap cleanup_outbox EXIT

# A port for the SMTP server, which is down for now.
SMTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_daemon() {
	it_write_config "[mail]\nsmtp_url = smtp://127.0.0.1:$SMTP_PORT\nfrom = scanner@example.org\nstarttls = no\nretry_initial_s = 1\noutbox_max = 2"
	it_start_daemon
}
start_daemon
# queued mails only, not a .tmp- file being rewritten
outbox() { find "$IT_DIR/spool/$(id -u "$1")/outbox" -name '[0-9]*.mail' 2>/dev/null | wc -l; }
entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }

check "alice sets her default notification address" \
	mgr "$A" SetNotifyAddress s alice@example.org
assert_match "GetNotifyAddress gives it back" '^s "alice@example.org"$' \
	"$(mgr "$A" GetNotifyAddress 2>&1)"
check_error "a header-injecting address is refused" 'is not a mail address' \
	mgr "$A" SetNotifyAddress s $'a@b.c\r\nBcc: x@y.z'
check "bob sets a default address with mfpscanctl" \
	ctl "$B" notify-address bob-default@example.net
assert_eq "mfpscanctl notify-address shows it" bob-default@example.net \
	"$(ctl "$B" notify-address 2>&1)"
check_exit "mfpscanctl refuses a bad address (exit 1)" 1 ctl "$B" notify-address 'not an address'
check "mfpscanctl notify-address --clear" ctl "$B" notify-address --clear
assert_eq "... cleared" "" "$(ctl "$B" notify-address 2>&1)"
check "bob sets it again" mgr "$B" SetNotifyAddress s bob-default@example.net
out=$(printf 'pw\n' | ctl "$A" accounts add down --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav \
	--name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds an account on a server that is down (no NotifyEmail)" created "$out"
out=$(printf 'pw\n' | ctl "$B" accounts add down --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav \
	--name-template '{name}' --notify-email bob@example.net --password-stdin 2>&1)
assert_match "bob adds one with NotifyEmail (the override)" created "$out"

# SMTP down: the mails wait in the outboxes.
ctl "$A" scan --to down "${SCAN[@]}" --name a1 >/dev/null 2>&1
ctl "$B" scan --to down "${SCAN[@]}" --name b1 >/dev/null 2>&1
assert_eq "alice's mail waits in her outbox" 1 "$(outbox "$A")"
assert_eq "bob's in his" 1 "$(outbox "$B")"
check "a mail failed 3 times and is still kept" \
	it_wait_for "$IT_DIR/daemon.log" 'notify: mail .* not sent \(attempt 3\)' 600
assert_eq "... still in the outbox" 1 "$(outbox "$A")"

# A restart in between: the outbox is on disk.
it_stop_daemon
start_daemon
ctl "$A" scan --to down "${SCAN[@]}" --name a2 >/dev/null 2>&1
ctl "$A" scan --to down "${SCAN[@]}" --name a3 >/dev/null 2>&1
assert_eq "alice has 3 kept documents" 3 "$(entries "$A" | wc -l)"
assert_eq "her outbox holds 2 mails (outbox_max): the third notice coalesced" 2 "$(outbox "$A")"

# The server comes up on the same port.
out=$(bash "$IT_TOP/tests/servers/smtp.sh" start "$SMTP_DIR" "$SMTP_PORT" 2>&1) ||
	it_die "smtp.sh did not start" "$out"
eval "$out"
for _ in $(seq 1 600); do
	[ "$(outbox "$A")" -eq 0 ] && [ "$(outbox "$B")" -eq 0 ] && break
	sleep 0.1
done
assert_eq "once the server is up alice's outbox is empty" 0 "$(outbox "$A")"
assert_eq "and bob's" 0 "$(outbox "$B")"

# Every notice exactly once: count each entry id in the decoded mails.
counts=$(/usr/bin/python3 - "$SMTP_MAILDIR" $(entries "$A") $(entries "$B") <<'PY'
import email, email.policy, glob, sys
maildir, ids = sys.argv[1], [i.split('_', 1)[1] for i in sys.argv[2:]]
mails = []
for f in glob.glob(maildir + '/new/*'):
    m = email.message_from_binary_file(open(f, 'rb'), policy=email.policy.default)
    mails.append((m['To'], m.get_body().get_content()))
for i in ids:
    to = sorted({t for t, b in mails if i in b})
    print(i, sum(b.count(i) for t, b in mails), ','.join(to))
for t in sorted({t for t, b in mails}):
    print('MAILS', t, sum(1 for u, b in mails if u == t))
PY
)
echo "$counts"
aids=$(entries "$A" | sed 's/^u[0-9]*_//')
bid=$(entries "$B" | sed 's/^u[0-9]*_//')
one=$(printf '%s\n' "$counts" | awk -v i="$bid" '$1 == i {print $2}')
assert_eq "bob's notice went to his account's NotifyEmail (the override)" bob@example.net \
	"$(printf '%s\n' "$counts" | awk -v i="$bid" '$1 == i {print $3}')"
[ "${one:-0}" -gt 0 ] && pass "bob's notice arrived (its id appears $one times in one mail)" ||
	fail "bob's notice arrived" "$counts"
for i in $aids; do
	assert_eq "alice's notice for $i arrived exactly once" "$one" \
		"$(printf '%s\n' "$counts" | awk -v i="$i" '$1 == i {print $2}')"
	assert_eq "... at her default address" alice@example.org \
		"$(printf '%s\n' "$counts" | awk -v i="$i" '$1 == i {print $3}')"
done
assert_eq "alice got 2 mails for 3 notices (one a digest)" 2 \
	"$(printf '%s\n' "$counts" | awk '$1 == "MAILS" && $2 == "alice@example.org" {print $3}')"
assert_match "... the digest says so" '^Subject: 2 notices about your scans' \
	"$(cat "$SMTP_MAILDIR"/new/*)"

it_daemon_alive "daemon alive after the outbox flows"
it_finish
