#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_xml: WebDAV servers whose XML is hostile
# (hostile_http.py), against the real daemon and alice's real accounts:
#  - "billion laughs" entity expansion in the PROPFIND quota (Apache and
#    Nextcloud URL forms): refused as not a multistatus (class server),
#    never expanded;
#  - external entities (a local file holding a secret, a document and a
#    DTD on the server) in the PROPFIND and in a 403's Sabre error: never
#    read (the secret appears nowhere: error text, daemon log), never
#    fetched (the server logs no request for them);
#  - a 64 MiB multistatus: cut at 64 KiB (class server);
#  - truncated, mismatched XML: class server;
#  - the Nextcloud URL form whose PUT answers 507 with a billion-laughs
#    Sabre message: class storage-full, no expansion in the text.
# Each scan is kept in the spool with its bytes intact; the daemon's VmRSS
# never grows by more than 32 MiB (one expansion, or the 64 MiB body
# read whole, would exceed it); bob's GetCapabilities is answered
# throughout. Then the server recovers: Retry delivers every document
# byte for byte.
set -u
. "$(dirname "$0")/lib.sh"
adv_start
adv_http_start dav
STORE=$IT_DIR/dav
SECRET="TOP-SECRET-$RANDOM$RANDOM"
printf '%s\n' "$SECRET" >"$STORE/secret"
chmod 0644 "$STORE/secret"
URL=http://127.0.0.1:$ADV_PORT
adv_rss_start
adv_probe_start "$IT_BOB" "$IT_DIR/probe.log"

# case ACCOUNT_URL_PATH CLASS REGEX
declare -A ENTRY SHA
run_case() {
	local c=$1
	adv_account "$A" "$c" webdav "$URL/$2" --username alice
	adv_scan_kept "$c" "$A" "$3" "$4"
}
run_case laughs laughs/dav server 'PROPFIND.*not a valid WebDAV multistatus'
run_case nclaughs laughs/remote.php/dav/files/alice server \
	'PROPFIND.*not a valid WebDAV multistatus'
run_case xxe xxe/dav auth '^webdav: PUT: HTTP/1.1 403 Forbidden'
run_case xxepe xxepe/dav auth '^webdav: PUT: HTTP/1.1 403 Forbidden'
run_case hugexml hugexml/dav server 'larger than 64 KiB'
run_case malformed malformed/dav server 'not a valid WebDAV multistatus'
run_case ncerr ncerr/remote.php/dav/files/alice storage-full \
	'^webdav: PUT: HTTP/1.1 507 Insufficient Storage'

texts=$(for c in "${!ENTRY[@]}"; do adv_spool_prop "$A" "${ENTRY[$c]}" LastError; done)
printf '%s\n' "$texts"
assert_no_match "no entity was expanded in what the user reads" 'lollollol' "$texts"
assert_no_match "no DTD text in what the user reads" 'ENTITY|\]>' "$texts"
assert_no_match "the secret file was never read into an error" "$SECRET" "$texts"
assert_file_lacks "... nor into the daemon's log" "$SECRET" "$IT_DIR/daemon.log"
assert_no_match "external entities were never fetched" 'evil|remote\.dtd' \
	"$(cat "$STORE/requests.log")"
check "the quota PROPFINDs were made (the server was asked)" \
	grep -q '^PROPFIND /laughs/dav/ auth=yes' "$STORE/requests.log"
adv_rss_bounded ""
adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered throughout"

adv_heal_and_deliver "$STORE" "$A"
it_daemon_alive "the same daemon answers at the end"
it_finish
