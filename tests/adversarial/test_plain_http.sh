#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_plain_http: credentials over plain http:// need the account's
# explicit allow-insecure-http = yes, against the real daemon and a real
# server (hostile_http.py's good WebDAV store, which logs whether each
# request carried an Authorization header):
#  - refused without it at CreateAccount (webdav with a password, s3 with
#    keys), SetSecrets (an anonymous http account given a password) and
#    Update (turning it off), as org.mfpscan.Daemon1.Error.InvalidArgument
#    naming the setting; "no" is no consent; an anonymous http account
#    needs none;
#  - accepted with it: the AllowInsecureHttp property is true, the scan is
#    delivered, Check answers ok and warns;
#  - enforced at upload: the setting removed from two account files by
#    hand (as an older version wrote them), the daemon restarted warns in
#    its log about each; a new scan is refused up front (AuthFailed, the
#    message says what to set); a document kept before (its server was
#    full) stays kept, intact, its retry classed auth with that message,
#    the server receiving no request; Check says the same; the setting
#    given, Retry delivers the kept document byte-exact;
#  - https redirected to http is refused, on every request (301: the scan
#    is refused) and on the PUT (307: the document is kept), the target
#    receiving nothing.
set -u
. "$(dirname "$0")/lib.sh"
adv_start
INVALID=org.mfpscan.Daemon1.Error.InvalidArgument

adv_http_start store
STORE=$IT_DIR/store
URL=http://127.0.0.1:$ADV_PORT/good/dav

# create USER PYARGS: CreateAccount through python3-dbus (exact error name).
create() { pycall "$1" "$IT_PATH" "$IT_MGR" CreateAccount 'ssa{sv}a{sv}' "$2" 2>&1; }
prop() {
	bctl "$A" get-property "$IT_DEST" "$1" org.mfpscan.Daemon1.Account "$2" 2>&1
}
check_call() {
	bctl "$A" --timeout=120 call "$IT_DEST" "$1" org.mfpscan.Daemon1.Account Check 2>&1
}

# --- refused without the setting --------------------------------------------
out=$(create "$A" "('dav', 'webdav', {'url': '$URL', 'username': 'alice'}, {'password': 'pw-dav-secret'})")
assert_match "webdav over http with a password: refused, InvalidArgument naming the setting" \
	"^ERROR $INVALID setting 'allow-insecure-http': the url is plain http://" "$out"
out=$(create "$A" "('bucket', 's3', {'url': 'http://127.0.0.1:$ADV_PORT/good/b'}, {'access-key': 'AK', 'secret-key': 'SK'})")
assert_match "s3 over http with keys: refused the same way" \
	"^ERROR $INVALID setting 'allow-insecure-http': .*its keys" "$out"
out=$(create "$A" "('dav', 'webdav', {'url': '$URL', 'username': 'alice', 'allow-insecure-http': 'no'}, {})")
assert_match "allow-insecure-http = no is no consent" "^ERROR $INVALID setting 'allow-insecure-http'" "$out"
out=$(create "$A" "('dav', 'webdav', {'url': '$URL', 'allow-insecure-http': 'maybe'}, {})")
assert_match "a value other than yes or no is refused" \
	"^ERROR $INVALID setting 'allow-insecure-http': must be yes or no" "$out"
assert_eq "nothing was created" "" "$(ctl "$A" accounts list 2>&1 | awk 'NR > 1')"

out=$(create "$A" "('anon', 'webdav', {'url': '$URL'}, {})")
assert_match "an anonymous http account needs no consent" '^OK ' "$out"
ANON=$(printf '%s' "$out" | grep -o "/org/mfpscan/Daemon1/account/[0-9a-f]*")
out=$(pycall "$A" "$ANON" org.mfpscan.Daemon1.Account SetSecrets 'a{sv}' \
	"({'password': 'pw-anon-secret'},)" 2>&1)
assert_match "... but a password for it is refused (SetSecrets)" \
	"^ERROR $INVALID setting 'allow-insecure-http'" "$out"

# --- accepted with it ---------------------------------------------------------
out=$(create "$A" "('dav', 'webdav', {'url': '$URL', 'username': 'alice', 'allow-insecure-http': 'yes'}, {'password': 'pw-dav-secret'})")
assert_match "with allow-insecure-http = yes the account is created" '^OK ' "$out"
DAV=$(printf '%s' "$out" | grep -o "/org/mfpscan/Daemon1/account/[0-9a-f]*")
assert_eq "its AllowInsecureHttp property is true" "b true" "$(prop "$DAV" AllowInsecureHttp)"
out=$(check_call "$DAV")
assert_match "Check answers ok" '^bts true ' "$out"
assert_match "... and warns that the setting is in use" \
	'Warning: allow-insecure-http is on and the url is plain http://' "$out"
out=$(pycall "$A" "$DAV" org.mfpscan.Daemon1.Account Update 'a{sv}' \
	"({'allow-insecure-http': 'no'},)" 2>&1)
assert_match "turning it off while the account logs in over http is refused" \
	"^ERROR $INVALID setting 'allow-insecure-http'" "$out"
assert_eq "... and nothing changed" "b true" "$(prop "$DAV" AllowInsecureHttp)"
adv_scan "$A" dav
assert_eq "a scan to it is delivered (exit 0)" 0 "$ADV_RC"
check "... with its credentials" grep -q '^PUT /good/dav/.* auth=yes' "$STORE/requests.log"

# --- enforced at upload: account files without the setting -------------------
# "kept" holds a document already (its server was full) when the upgrade
# comes; "dav" is used afresh after it.
adv_account "$A" kept webdav "http://127.0.0.1:$(cat "$STORE/port")/full/dav" --username alice
adv_scan "$A" kept
adv_check_kept "before the upgrade" "$A" storage-full '507'
E=$ADV_ENTRY SHA=$ADV_SHA
KEPT=$(ctl "$A" accounts show kept 2>&1 | grep -o '/org/mfpscan/Daemon1/account/[0-9a-f]*')
it_stop_daemon
for acc in "$DAV" "$KEPT"; do
	/usr/bin/python3 - "$IT_DIR/state/accounts/${acc##*/}.json" <<'PY' ||
import json, sys
p = sys.argv[1]
o = json.load(open(p))
del o["allow-insecure-http"]     # as an older version wrote it
json.dump(o, open(p, "w"), indent=2)
PY
		it_die "cannot edit the account file of $acc"
done
it_start_daemon
for acc in "$DAV" "$KEPT"; do
	check "the restarted daemon warns about account ${acc##*/} in its log" \
		grep -q "accounts: account ${acc##*/} of uid $IT_ALICE_UID: setting 'allow-insecure-http'" \
		"$IT_DIR/daemon.log"
done
assert_eq "the account is loaded, AllowInsecureHttp false" "b false" "$(prop "$DAV" AllowInsecureHttp)"
touch "$STORE/heal"
before=$(wc -l <"$STORE/requests.log")
adv_scan "$A" dav
assert_eq "a new scan to it is refused up front (exit 1)" 1 "$ADV_RC"
assert_match "... as AuthFailed saying what to set" \
	"Error\.AuthFailed: .*setting 'allow-insecure-http': the url is plain http:// .*set allow-insecure-http to yes" \
	"$ADV_OUT"
adv_retry_kept "the kept document" "$A" "$E" "$SHA" auth \
	"setting 'allow-insecure-http'"
assert_eq "the server received no request, so no credentials" "$before" \
	"$(wc -l <"$STORE/requests.log")"
out=$(check_call "$KEPT")
assert_match "Check says what to set" \
	"^bts false 0 \".*allow-insecure-http.* \\(auth\\)\"" "$out"
check "alice sets allow-insecure-http" ctl "$A" accounts update kept --allow-insecure-http yes
adv_retry_delivered "with the setting given" "$A" "$E" "$SHA" "$STORE/files"

# --- https redirected to http ---------------------------------------------------
T=$IT_DIR/tls
mkdir -p "$T"
chmod 0755 "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
	it_die "openssl req failed"
chmod 0644 "$T/cert.pem"
adv_http_start target
TPORT=$ADV_PORT
adv_http_start downgrade --tls "$T/cert.pem" "$T/key.pem" --redirect-to "http://127.0.0.1:$TPORT"
HURL=https://127.0.0.1:$ADV_PORT
adv_account "$A" r301 webdav "$HURL/r301/dav" --username alice --ca-file "$T/cert.pem"
adv_scan "$A" r301
assert_eq "301 from https to http: the scan is refused (exit 1)" 1 "$ADV_RC"
assert_match "... as a refused downgrade naming the target" \
	"InvalidArgument: .*refused: the server redirects from https:// down to the plain http:// address http://127.0.0.1:$TPORT/r301/dav/" \
	"$ADV_OUT"
adv_account "$A" r307 webdav "$HURL/r307/dav" --username alice --ca-file "$T/cert.pem"
adv_scan "$A" r307
adv_check_kept "307 from https to http on the PUT" "$A" invalid \
	"refused: the server redirects from https:// down to the plain http:// address"
assert_no_match "... with no advice to use that address" "put that address" \
	"$(adv_spool_prop "$A" "$ADV_ENTRY" LastError)"
assert_eq "the http target received no request" "" "$(cat "$IT_DIR/target/requests.log")"

it_daemon_alive "the same daemon answers at the end"
it_finish
