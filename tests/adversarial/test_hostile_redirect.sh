#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_redirect: WebDAV servers that redirect to another port
# (another "host" as far as credentials go), against the real daemon.
# The target is a second server that logs every request and whether it
# carried an Authorization header.
#  - 301 and 302 on every request: the scan is refused before it starts
#    (class invalid, the redirect's target named, "put that address in
#    the account's URL"): nothing was scanned, nothing is lost;
#  - 307 and 308 (which keep the method and the body) on the PUT: the
#    document is kept in the spool (class invalid, same advice), intact;
#  - in all four the target server receives no request at all, so no
#    credentials (the daemon never follows a redirect: libcurl's
#    CURLOPT_FOLLOWLOCATION is 0, so CURLOPT_UNRESTRICTED_AUTH never
#    applies);
#  - bob's GetCapabilities is answered throughout; after the server stops
#    redirecting, Retry delivers the kept documents byte-exact.
set -u
. "$(dirname "$0")/lib.sh"
adv_start
adv_http_start target
TARGET=$IT_DIR/target
TPORT=$ADV_PORT
adv_http_start redirector --redirect-to "http://127.0.0.1:$TPORT"
STORE=$IT_DIR/redirector
URL=http://127.0.0.1:$ADV_PORT
adv_probe_start "$IT_BOB" "$IT_DIR/probe.log"

for code in 301 302; do
	adv_account "$A" "r$code" webdav "$URL/r$code/dav" --username alice
	adv_scan "$A" "r$code"
	assert_eq "$code on every request: the scan is refused (exit 1)" 1 "$ADV_RC"
	assert_match "... as a bad address that names the target" \
		"InvalidArgument: .*redirects to http://127.0.0.1:$TPORT/r$code/dav/ \\(HTTP/1.1 $code .*put that address in the account's URL" \
		"$ADV_OUT"
	assert_eq "... nothing was scanned, nothing is spooled" "" "$ADV_ENTRY"
done
declare -A ENTRY SHA
for code in 307 308; do
	adv_account "$A" "r$code" webdav "$URL/r$code/dav" --username alice
	adv_scan "$A" "r$code"
	adv_check_kept "$code on the PUT" "$A" invalid \
		"redirects to http://127.0.0.1:$TPORT/r$code/dav/.*put that address in the account's URL"
	ENTRY[$code]=$ADV_ENTRY
	SHA[$code]=$ADV_SHA
done
check "the redirecting server saw the PUTs, with credentials" \
	grep -q '^PUT /r307/dav/.* auth=yes' "$STORE/requests.log"
assert_eq "the redirect target received no request, so no credentials" "" \
	"$(cat "$TARGET/requests.log")"
adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered throughout"

touch "$STORE/heal"
for code in 307 308; do
	adv_retry_delivered "$code" "$A" "${ENTRY[$code]}" "${SHA[$code]}" "$STORE/files"
done
assert_eq "the target still received nothing" "" "$(cat "$TARGET/requests.log")"
it_daemon_alive "the same daemon answers at the end"
it_finish
