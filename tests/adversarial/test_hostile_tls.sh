#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_tls: WebDAV over https with a wrong certificate, against
# the real daemon (hostile_http.py --tls; only the certificate is wrong):
#  - a self-signed certificate not in the trust store, and a certificate
#    from the account's pinned CA (ca-file) for another name
#    (DNS:wrong.example, the account says 127.0.0.1): the scan is refused
#    before anything is scanned (org.mfpscan.Daemon1.Error.Tls, the
#    certificate problem named), and the server receives no request, so
#    the credentials never left the daemon, in clear or otherwise;
#  - a kept document (the first server answered 507) meets an impostor on
#    the same port (self-signed certificate): the retry is classified
#    tls, the document stays kept, intact, and the impostor receives no
#    request; the real server back, Retry delivers it byte-exact;
#  - controls: the pinned CA with the right name uploads, with its
#    credentials (the logging works); pinning the self-signed certificate
#    (ca-file) makes that server accepted.
# Bob's GetCapabilities is answered throughout.
set -u
. "$(dirname "$0")/lib.sh"
adv_start

T=$IT_DIR/tls
mkdir -p "$T"
chmod 0755 "$T"
ossl() { openssl "$@" >/dev/null 2>&1 || it_die "openssl $1 failed"; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" \
	-days 2 -subj /CN=mfpscan-adversarial-ca
# cert NAME SAN [self]: NAME.pem/NAME.key signed by the CA, or self-signed
cert() {
	if [ "${3:-}" = self ]; then
		ossl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" \
			-days 2 -subj "/CN=$1" -addext "subjectAltName=$2"
		return
	fi
	ossl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1"
	printf 'subjectAltName=%s\n' "$2" >"$T/$1.ext"
	ossl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
		-CAcreateserial -days 2 -out "$T/$1.pem" -extfile "$T/$1.ext"
}
cert self IP:127.0.0.1 self
cert wrongname DNS:wrong.example
cert right IP:127.0.0.1
chmod 0644 "$T"/*.pem

declare -A PORT
for s in self wrongname right; do
	adv_http_start "$s" --tls "$T/$s.pem" "$T/$s.key"
	PORT[$s]=$ADV_PORT
done
adv_probe_start "$IT_BOB" "$IT_DIR/probe.log"

# --- refused up front ------------------------------------------------------
adv_account "$A" self webdav "https://127.0.0.1:${PORT[self]}/good/dav" --username alice
adv_scan "$A" self
assert_eq "self-signed: the scan is refused (exit 1)" 1 "$ADV_RC"
assert_match "self-signed: ... as a certificate problem" \
	'Error\.Tls: .*SSL certificate problem: self-signed certificate' "$ADV_OUT"
adv_account "$A" wrongname webdav "https://127.0.0.1:${PORT[wrongname]}/good/dav" \
	--username alice --ca-file "$T/ca.pem"
adv_scan "$A" wrongname
assert_eq "wrong name: the scan is refused (exit 1)" 1 "$ADV_RC"
assert_match "wrong name: ... as a certificate problem naming the host" \
	"Error\.Tls: .*certificate.*'127\.0\.0\.1'" "$ADV_OUT"
assert_eq "nothing was scanned, nothing is spooled" "" "$(it_entries "$A")"
check "self-signed: the server's TLS handshake failed" \
	grep -q '^tls-fail' "$IT_DIR/self/requests.log"
for s in self wrongname; do
	assert_eq "$s: the server received no request, so no credentials" "" \
		"$(grep -v '^tls-fail' "$IT_DIR/$s/requests.log")"
done

# --- controls --------------------------------------------------------------
adv_account "$A" right webdav "https://127.0.0.1:${PORT[right]}/good/dav" \
	--username alice --ca-file "$T/ca.pem"
adv_scan "$A" right
assert_eq "control: the pinned CA and the right name upload (exit 0)" 0 "$ADV_RC"
check "control: ... the request arrived with credentials" \
	grep -q '^PUT /good/dav/.* auth=yes' "$IT_DIR/right/requests.log"
check "alice pins the self-signed certificate" \
	ctl "$A" accounts update self --ca-file "$T/self.pem"
adv_scan "$A" self
assert_eq "control: pinned, the self-signed server is accepted (exit 0)" 0 "$ADV_RC"

# --- a kept document meets an impostor -------------------------------------
MPORT=$(srv_free_port)
adv_http_start real --port "$MPORT" --tls "$T/right.pem" "$T/right.key"
adv_account "$A" moved webdav "https://127.0.0.1:$MPORT/full/dav" \
	--username alice --ca-file "$T/ca.pem"
adv_scan "$A" moved
adv_check_kept "507 first" "$A" storage-full '507'
E=$ADV_ENTRY SHA=$ADV_SHA
adv_http_stop real
adv_http_start impostor --port "$MPORT" --tls "$T/self.pem" "$T/self.key"
adv_retry_kept impostor "$A" "$E" "$SHA" tls 'certificate'
assert_eq "impostor: it received no request, so no credentials" "" \
	"$(grep -v '^tls-fail' "$IT_DIR/impostor/requests.log")"
adv_http_stop impostor
adv_http_start real --port "$MPORT" --tls "$T/right.pem" "$T/right.key"
touch "$IT_DIR/real/heal"
adv_retry_delivered "the real server back" "$A" "$E" "$SHA" "$IT_DIR/real/files"

adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered throughout"
it_daemon_alive "the same daemon answers at the end"
it_finish
