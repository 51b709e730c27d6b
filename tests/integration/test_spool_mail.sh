#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_spool_mail: the daemon's notification mails for spooled documents,
# delivered through a real SMTP server on loopback (aiosmtpd with Maildir
# delivery, tests/servers/smtp.sh) configured in the daemon's [mail]
# section. Apache mod_dav over a full tmpfs gives the failed uploads.
#
#   * exactly one "spooled" mail when a document is first spooled, none per
#     failed background retry, one "cleared" mail when it finally uploads;
#   * with count = 2: one "needs attention" mail when the retries run out,
#     none for a later manual Retry() that fails again; freeing space and
#     Retry() give its "cleared" mail;
#   * bob's document mails bob only (spooled, then needs attention when his
#     retries run out); every mail's envelope recipient and
#     To: are the account's notify-email, subjects name the file and the
#     account; the WebDAV password appears in no mail.
#
# Counting is made safe without timing: a later mail the test waits for
# (a "cleared" one) is sent after any mail an earlier event could cause.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_have_dav || it_die "Apache WebDAV server missing" "tests/servers/apache-dav.sh or apache2"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	it_die "python3-aiosmtpd missing" "/usr/bin/python3 -m aiosmtpd"
it_start_bus

A=$IT_ALICE
B=$IT_BOB
AMAIL=alice@example.org
BMAIL=bob@example.net
FROM=scanner@example.org
SP_IF=org.mfpscan.Daemon1.SpoolEntry
SCAN=(--format png --resolution 75 --mode mono)
SMTP_DIR=$IT_DIR/smtp

cleanup_mail() {
	bash "$IT_TOP/tests/servers/smtp.sh" stop "$SMTP_DIR" >/dev/null 2>&1 || true
	it_cleanup
}
trap cleanup_mail EXIT

out=$(bash "$IT_TOP/tests/servers/smtp.sh" start "$SMTP_DIR" 2>&1) ||
	it_die "smtp.sh did not start" "$out"
eval "$out"
it_start_dav 256
FULL=$DAV_ROOT/full

# restart: the daemon with the IT_* knobs, slow_factor SLOW and [mail].
restart() {
	it_stop_daemon
	it_write_config "[mail]\nsmtp_url = $SMTP_URL\nfrom = $FROM\nstarttls = no"
	sed -i "s/^slow_factor = .*/slow_factor = ${SLOW:-4}/" "$IT_CONF"
	it_start_daemon
}
fill() { dd if=/dev/zero of="$FULL/filler" bs=4k >/dev/null 2>&1 || true; }
unfill() { rm -f "$FULL/filler"; }
entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }
ticket() { printf '%s/spool/%s/%s.json\n' "$IT_DIR" "$1" "${2#*_}"; }
attempts() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["retry"]["attempts"])' \
		"$1" 2>/dev/null || echo 0
}
prop() {
	bctl "$1" get-property "$IT_DEST" "$IT_PATH/spool/$2" $SP_IF "$3" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/'
}
nmail() { find "$SMTP_MAILDIR/new" -type f 2>/dev/null | wc -l; }
# wait_mails N: bounded wait until at least N mails were delivered.
wait_mails() {
	local i
	for i in $(seq 1 300); do
		[ "$(nmail)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_until CMD...: bounded wait until CMD succeeds.
wait_until() {
	local i
	for i in $(seq 1 300); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# mails: one line per delivered mail, oldest first:
#   rcpt=<envelope>|to=<To>|from=<From>|subject=<Subject>
mails() {
	/usr/bin/python3 - "$SMTP_MAILDIR/new" <<'PY'
import email, os, sys
from email import policy
d = sys.argv[1]
rows = []
for f in os.listdir(d):
    p = os.path.join(d, f)
    m = email.message_from_binary_file(open(p, "rb"), policy=policy.default)
    rows.append((os.stat(p).st_mtime_ns, "rcpt=%s|to=%s|from=%s|subject=%s" % (
        m.get("X-RcptTo"), m.get("To"), m.get("From"), m.get("Subject"))))
for _, r in sorted(rows):
    print(r)
PY
}
# count REGEX: how many mails' summary lines match REGEX.
count() { mails | grep -Ec -- "$1" || true; }

IT_RETRY_INITIAL=1 SLOW=1
restart
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add full --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full --name-template '{name}' \
	--notify-email "$AMAIL" --password-stdin 2>&1)
assert_match "alice adds a WebDAV account with a notify address" created "$out"
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$B" accounts add bfull --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full --name-template '{name}' \
	--notify-email "$BMAIL" --password-stdin 2>&1)
assert_match "bob adds one too" created "$out"

# --- spooled once, no mail per retry, cleared once ---------------------------
fill
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 40 --name m1 2>&1) && rc=0 || rc=$?
assert_eq "scan to the full server is kept (exit 2)" 2 "$rc"
E1=$(entries "$A" | head -n 1)
T1=$(ticket "$IT_ALICE_UID" "$E1")
check "the spooled mail arrives" wait_mails 1
tattempts() { [ "$(attempts "$T1")" -ge 4 ]; }
check "three background retries fail (4 attempts in the ticket)" wait_until tattempts
unfill
check "space freed: the background retry uploads the document" \
	wait_until test -e "$FULL/m1-001.png"
gone() { ! entries "$A" | grep -qx "$1"; }
check "... and the entry is gone" wait_until gone "$E1"
check "the cleared mail arrives" wait_mails 2
sleep 0.5 # let a stray extra mail (a defect) land before counting
m=$(mails)
assert_eq "two mails in all: spooled + cleared, none per retry" 2 "$(printf '%s\n' "$m" | grep -c .)"
assert_eq "one spooled mail for m1, to alice" 1 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|from=$FROM\|subject=Scan not uploaded yet: \"m1-001.png\" is waiting for \"full\" \(your storage is full\)$")"
assert_eq "one cleared mail for m1, to alice" 1 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|from=$FROM\|subject=Scan uploaded: \"m1-001.png\" is now in \"full\"$")"
first=$(printf '%s\n' "$m" | head -n 1)
assert_match "the spooled mail came first" 'Scan not uploaded yet' "$first"

# --- needs attention: once, not for a later manual retry --------------------
IT_RETRY_COUNT=2
restart
fill
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 50 --name m2 2>&1) && rc=0 || rc=$?
assert_eq "second scan to the full server is kept (exit 2)" 2 "$rc"
E2=$(entries "$A" | head -n 1)
check "its spooled mail arrives" wait_mails 3
na() { [ "$(prop "$A" "$E2" State)" = needs-attention ]; }
check "both retries fail: needs-attention" wait_until na
check "the needs-attention mail arrives" wait_mails 4
check_error "a manual Retry() that fails again reports StorageFull" 'storage' \
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$E2" $SP_IF Retry
assert_eq "... the entry stays needs-attention" needs-attention "$(prop "$A" "$E2" State)"
unfill
check "space freed: Retry() uploads it" \
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$E2" $SP_IF Retry
check "its cleared mail arrives" wait_mails 5
sleep 0.5
assert_eq "five mails in all (no mail for the manual retry that failed)" 5 "$(nmail)"
assert_eq "one spooled mail for m2" 1 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|.*subject=Scan not uploaded yet: \"m2-001.png\"")"
assert_eq "one needs-attention mail for m2, to alice" 1 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|from=$FROM\|subject=Scan needs your attention: \"m2-001.png\" could not be uploaded to \"full\"$")"
assert_eq "one cleared mail for m2" 1 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|.*subject=Scan uploaded: \"m2-001.png\" is now in \"full\"$")"

# --- bob's document mails bob only -----------------------------------------
fill
out=$(ctl "$B" scan --to bfull "${SCAN[@]}" --width-mm 60 --name m3 2>&1) && rc=0 || rc=$?
assert_eq "bob's scan to the full server is kept (exit 2)" 2 "$rc"
check "bob's spooled mail arrives" wait_mails 6
assert_eq "bob's spooled mail goes to bob" 1 \
	"$(count "^rcpt=$BMAIL\|to=$BMAIL\|.*subject=Scan not uploaded yet: \"m3-001.png\" is waiting for \"bfull\"")"
# bob's two retries (count = 2) run out while the server stays full: wait
# for that mail too, then the count does not depend on how fast they ran
check "bob's needs-attention mail arrives" wait_mails 7
assert_eq "... it goes to bob" 1 \
	"$(count "^rcpt=$BMAIL\|to=$BMAIL\|.*subject=Scan needs your attention: \"m3-001.png\" could not be uploaded to \"bfull\"$")"
assert_eq "alice got 5 mails, all addressed to her only" 5 \
	"$(count "^rcpt=$AMAIL\|to=$AMAIL\|")"
assert_eq "bob got 2 mails" 2 "$(count "^rcpt=$BMAIL\|to=$BMAIL\|")"
assert_no_match "no mail mixes recipients" "rcpt=$AMAIL\|to=$BMAIL|rcpt=$BMAIL\|to=$AMAIL" "$(mails)"
unfill

# --- no secret in any mail --------------------------------------------------
assert_file_lacks "the WebDAV password is in no delivered mail" "$DAV_PASSWORD" "$SMTP_MAILDIR"
b64=$(printf '%s' "$DAV_PASSWORD" | base64)
assert_file_lacks "... nor base64-encoded" "$b64" "$SMTP_MAILDIR"
basic=$(printf '%s:%s' "$DAV_USER" "$DAV_PASSWORD" | base64)
assert_file_lacks "... nor as a Basic credential" "$basic" "$SMTP_MAILDIR"
body=$(/usr/bin/python3 - "$SMTP_MAILDIR/new" <<'PY'
import email, os, sys
from email import policy
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"), policy=policy.default)
    b = m.get_body(preferencelist=("plain",))
    print(b.get_content() if b else "")
PY
)
assert_no_match "... nor in any decoded body" "$DAV_PASSWORD" "$body"
assert_match "the spooled mail says why and what to do" 'storage is full' "$body"
assert_match "the mails name the spool commands" 'mfpscanctl spool' "$body"
it_daemon_alive "daemon alive after the mail checks"
it_finish
