#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mail notification against real SMTP servers on loopback (aiosmtpd with
# Maildir delivery): the three spool mails (spooled, cleared, needs
# attention) arrive at the right recipient with a plain specific subject
# and a body that says why and what to do; UTF-8 survives; header
# injection through the recipient or the subject is refused with nothing
# sent; a body cannot forge headers or end the message; STARTTLS + AUTH
# works with a pinned CA and the password never appears in a delivered
# mail or in any output, and so does smtps:// (implicit TLS); wrong
# password, untrusted certificate, missing STARTTLS and a server that is
# down are each reported with their class.
#
# The sender is tests/integration/notify_mail_send.c, built here against
# build/usr/libmfpscan.a (run `make -C usr` first).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || printf '     %s\n' "$2"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2], got [$3]"; fi; }
expect_text() { case "$3" in *"$2"*) ok "$1" ;; *) not_ok "$1" "[$2] not in: $(printf '%s' "$3" | head -c 600)" ;; esac; }
expect_no_text() { case "$3" in *"$2"*) not_ok "$1" "[$2] found" ;; *) ok "$1" ;; esac; }

work=$(mktemp -d "${TMPDIR:-/tmp}/test_notify_mail.XXXXXX")
cleanup() {
	"$top/tests/servers/smtp.sh" stop "$work/plain" 2>/dev/null
	"$top/tests/servers/smtp.sh" stop "$work/tls" 2>/dev/null
	"$top/tests/servers/smtp.sh" stop "$work/smtps" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

lib=$top/build/usr/libmfpscan.a
if [ ! -f "$lib" ] || ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
	not_ok "prerequisites: $lib and python3-aiosmtpd"
	echo "$passed passed, $failed failed"
	exit 1
fi
send=$work/notify_mail_send
# shellcheck disable=SC2046
if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$top/usr/lib" \
	-o "$send" "$here/notify_mail_send.c" "$lib" \
	$(pkg-config --libs libcurl json-c openssl libsystemd) 2>"$work/cc.log"; then
	not_ok "build the driver" "$(cat "$work/cc.log")"
	echo "$passed passed, $failed failed"
	exit 1
fi

# mailinfo FILE: the parsed message, headers decoded, body decoded.
mailinfo() {
	"$py" - "$1" <<'PY'
import sys, email
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print("rcpt=%s" % m.get("X-RcptTo"))
print("to=%s" % m.get("To"))
print("subject=%s" % m.get("Subject"))
print("subjects=%d" % len(m.get_all("Subject", [])))
# curl_mime sends multipart/mixed holding one text/plain part.
b = m.get_body(preferencelist=("plain",))
print("ctype=%s" % (b.get_content_type() if b else None))
print("charset=%s" % (b.get_content_charset() if b else None))
print("parts=%d" % len([p for p in m.walk() if not p.is_multipart()]))
print("date=%s" % ("yes" if m.get("Date") else "no"))
print("msgid=%s" % ("yes" if m.get("Message-ID") else "no"))
print("--body--")
print(b.get_content() if b else "")
PY
}
count() { find "$1/new" -type f 2>/dev/null | wc -l; }
# newest MAILDIR: the one message not returned before (call after each send).
seen=$work/seen
: >"$seen"
newest() {
	local f
	for f in "$1"/new/*; do
		grep -qxF -- "$f" "$seen" && continue
		echo "$f" >>"$seen"
		echo "$f"
		return
	done
}

# --- plain SMTP -------------------------------------------------------------
eval "$("$top/tests/servers/smtp.sh" start "$work/plain")"
md=$SMTP_MAILDIR
export MAIL_URL=$SMTP_URL MAIL_FROM=scanner@example.org MAIL_STARTTLS=optional

out=$("$send" spooled alice@example.org 2>&1)
expect_text "spooled mail is sent" "sent: " "$out"
expect_eq "one message delivered" 1 "$(count "$md")"
info=$(mailinfo "$(newest "$md")")
expect_text "envelope recipient is the owner" "rcpt=alice@example.org" "$info"
expect_text "To header is the owner" "to=alice@example.org" "$info"
expect_text "spooled subject is plain and specific" \
	'subject=Scan not uploaded yet: "scan-20261126-0007.pdf" is waiting for "Nextcloud at work" (your storage is full)' "$info"
expect_text "body is text/plain" "ctype=text/plain" "$info"
expect_text "body is UTF-8" "charset=utf-8" "$info"
expect_text "the text is the only part" "parts=1" "$info"
expect_text "Date header" "date=yes" "$info"
expect_text "Message-ID header" "msgid=yes" "$info"
expect_text "spooled body says why" "your scan could not be uploaded: your storage is full." "$info"
expect_text "spooled body keeps the server's words (UTF-8 intact)" \
	"The server said: 507 Insufficient Storage: quota of 1 MiB exceeded (café)" "$info"
expect_text "spooled body says what to do" "Free some space there. Nothing else is needed" "$info"
expect_text "spooled body says it will retry" "will upload it by itself" "$info"
expect_text "spooled body tells how to export" \
	"mfpscanctl spool export 0123456789abcdef0123456789abcdef FILE" "$info"

out=$("$send" cleared alice@example.org 2>&1)
expect_text "cleared mail is sent" "sent: " "$out"
info=$(mailinfo "$(newest "$md")")
expect_text "cleared subject" \
	'subject=Scan uploaded: "scan-20261126-0007.pdf" is now in "Nextcloud at work"' "$info"
expect_text "cleared body says where" \
	"It is now at: https://cloud.example/Scans/scan-20261126-0007.pdf" "$info"

out=$("$send" needs-attention alice@example.org 2>&1)
expect_text "needs-attention mail is sent" "sent: " "$out"
info=$(mailinfo "$(newest "$md")")
expect_text "needs-attention subject" \
	'subject=Scan needs your attention: "scan-20261126-0007.pdf" could not be uploaded to "Nextcloud at work"' "$info"
expect_text "needs-attention body says it is kept" "will not be deleted" "$info"
expect_no_text "needs-attention body does not promise a retry" "Nothing else is needed" "$info"
expect_text "needs-attention body tells how to discard" \
	"mfpscanctl spool discard 0123456789abcdef0123456789abcdef --yes" "$info"
expect_eq "three messages delivered" 3 "$(count "$md")"

# Header injection: nothing may be sent at all.
out=$(MAIL_SUBJECT=$'Hello\r\nBcc: mallory@example.org' MAIL_BODY=x \
	"$send" raw alice@example.org 2>&1)
expect_text "CR/LF in the subject is refused" "error invalid:" "$out"
out=$(MAIL_SUBJECT=Hello MAIL_BODY=x \
	"$send" raw $'alice@example.org\r\nRCPT TO:<mallory@example.org>' 2>&1)
expect_text "CR/LF in the recipient is refused" "error invalid:" "$out"
out=$(MAIL_SUBJECT=Hello MAIL_BODY=x "$send" raw 'Alice <alice@example.org>' 2>&1)
expect_text "a recipient with a display name is refused" "error invalid:" "$out"
out=$(MAIL_FROM=$'scanner@example.org\nBcc: x@y.z' MAIL_SUBJECT=Hello MAIL_BODY=x \
	"$send" raw alice@example.org 2>&1)
expect_text "CR/LF in the sender is refused" "error invalid:" "$out"
expect_eq "refused mails were not sent" 3 "$(count "$md")"

# A body cannot end the DATA phase or add headers.
out=$(MAIL_SUBJECT=$'Scan f\xc3\xbcr J\xc3\xbcrgen \xe2\x9c\x93' \
	MAIL_BODY=$'line one\n.\nSubject: forged\n\nQUIT\nlast line' \
	"$send" raw bob@example.org 2>&1)
expect_text "raw mail is sent" "sent: " "$out"
info=$(mailinfo "$(newest "$md")")
expect_text "UTF-8 subject arrives intact" $'subject=Scan f\xc3\xbcr J\xc3\xbcrgen \xe2\x9c\x93' "$info"
expect_text "exactly one Subject header" "subjects=1" "$info"
expect_text "body with a lone dot arrives whole" $'line one\n.\nSubject: forged\n\nQUIT\nlast line' "$info"
expect_eq "four messages delivered" 4 "$(count "$md")"

# Configuration that would leak the password is refused up front.
out=$(MAIL_USER=someone MAIL_PASSWORD_FILE=/dev/null "$send" spooled alice@example.org 2>&1)
expect_text "AUTH without required TLS is refused" "starttls = required" "$out"
out=$(MAIL_URL="smtp://u:p@127.0.0.1:$SMTP_PORT" "$send" spooled alice@example.org 2>&1)
expect_text "credentials in smtp_url are refused" "must not hold credentials" "$out"
out=$(MAIL_STARTTLS=required "$send" spooled alice@example.org 2>&1)
expect_text "required STARTTLS on a server without it fails as tls" "error tls:" "$out"
expect_eq "nothing sent by refused configurations" 4 "$(count "$md")"
"$top/tests/servers/smtp.sh" stop "$work/plain"
out=$("$send" spooled alice@example.org 2>&1)
expect_text "a server that is down is a network error" "error network:" "$out"

# --- STARTTLS + AUTH ----------------------------------------------------------
eval "$("$top/tests/servers/smtp.sh" start-tls "$work/tls")"
md=$SMTP_MAILDIR
secret=$(cat "$SMTP_PASSWORD_FILE")
export MAIL_URL=$SMTP_URL MAIL_STARTTLS=required MAIL_USER=$SMTP_USER \
	MAIL_PASSWORD_FILE=$SMTP_PASSWORD_FILE MAIL_CA=$SMTP_CA

out=$("$send" spooled carol@example.org 2>&1)
expect_text "STARTTLS + AUTH mail is sent" "sent: " "$out"
expect_no_text "the password is not in the sender's output" "$secret" "$out"
expect_eq "one message delivered over TLS" 1 "$(count "$md")"
info=$(mailinfo "$(newest "$md")")
expect_text "TLS mail reaches the owner" "rcpt=carol@example.org" "$info"
if grep -rqF -- "$secret" "$md"; then
	not_ok "the password appears in no delivered mail"
else
	ok "the password appears in no delivered mail"
fi

printf 'wrong-%s\n' "$secret" >"$work/wrong"
out=$(MAIL_PASSWORD_FILE=$work/wrong "$send" spooled carol@example.org 2>&1)
expect_text "a wrong password is an auth error" "error auth:" "$out"
expect_no_text "the wrong password is not in the error" "wrong-" "$out"
expect_eq "the server saw the failed login" 1 "$(wc -l <"$work/tls/auth-failures" 2>/dev/null || echo 0)"

out=$(MAIL_CA='' "$send" spooled carol@example.org 2>&1)
expect_text "an untrusted certificate is a tls error" "error tls:" "$out"
out=$(MAIL_USER='' MAIL_PASSWORD_FILE='' "$send" spooled carol@example.org 2>&1)
expect_text "sending without AUTH where it is required fails as auth" "error auth:" "$out"
expect_eq "failed sends delivered nothing" 1 "$(count "$md")"

"$top/tests/servers/smtp.sh" stop "$work/tls"

# --- implicit TLS (smtps://) + AUTH ------------------------------------------
eval "$("$top/tests/servers/smtp.sh" start-smtps "$work/smtps")"
md=$SMTP_MAILDIR
secret=$(cat "$SMTP_PASSWORD_FILE")
export MAIL_URL=$SMTP_URL MAIL_STARTTLS=no MAIL_USER=$SMTP_USER \
	MAIL_PASSWORD_FILE=$SMTP_PASSWORD_FILE MAIL_CA=$SMTP_CA
expect_text "the smtps server has an smtps:// URL" "smtps://" "$SMTP_URL"
out=$("$send" needs-attention erin@example.org 2>&1)
expect_text "smtps + AUTH mail is sent" "sent: " "$out"
expect_eq "one message delivered over smtps" 1 "$(count "$md")"
info=$(mailinfo "$(newest "$md")")
expect_text "smtps mail reaches the owner" "rcpt=erin@example.org" "$info"
if grep -rqF -- "$secret" "$md"; then
	not_ok "the smtps password appears in no delivered mail"
else
	ok "the smtps password appears in no delivered mail"
fi
out=$(MAIL_CA='' "$send" spooled erin@example.org 2>&1)
expect_text "smtps with an untrusted certificate is a tls error" "error tls:" "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
