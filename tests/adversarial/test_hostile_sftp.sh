#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_sftp: a changed SFTP host key, with OpenSSH's sshd on
# loopback (LogLevel VERBOSE: it logs every password tried). Alice's
# account pins the server's key K1 (host-key); the server is down, so her
# scan is kept (class network). Then sshd comes back on the same port
# with another key K2, as after a reinstall or in the middle of an attack:
#  - the retry is refused, class tls, "mismatch" named; the document stays
#    kept, intact; sshd logs no password attempt (libssh2 checks the key
#    before authenticating, so the password never reached the impostor);
#  - a new scan to that account is refused up front (PendingUploads: the
#    kept document and the key mismatch named, advice about the host key);
#  - sshd with K1 again: Retry delivers the kept document byte-exact.
# Bob's GetCapabilities is answered throughout.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../servers/sshd-config.sh"
adv_start
SU=mfpscan-sftp
SPW=sftp-test-pass
D=$IT_DIR/sftp
mkdir -p "$D/files" /run/sshd
chmod 0711 "$D"
srv_user "$SU" "$SPW" || it_die "sftp user"
chown "$SU:" "$D/files"
for k in k1 k2; do ssh-keygen -q -t ed25519 -N '' -f "$D/$k" || it_die "ssh-keygen"; done
fp() { ssh-keygen -l -E sha256 -f "$D/$1.pub" | awk '{print $2}'; }
PORT=$(srv_free_port)
SSHD_PID=
# sshd_start KEY: sshd on PORT with host key KEY, logging to $D/sshd-KEY.log
sshd_start() {
	srv_sshd_config "$PORT" "$D/$1" "$D/sshd.pid" "$SU" "$D/files" VERBOSE \
		>"$D/sshd_config"
	/usr/sbin/sshd -f "$D/sshd_config" -D -e </dev/null >>"$D/sshd-$1.log" 2>&1 &
	SSHD_PID=$!
	IT_BGPIDS+=("$SSHD_PID")
	srv_wait_port "$PORT" || it_die "sshd did not start" "$(cat "$D/sshd-$1.log")"
}
sshd_stop() { kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; SSHD_PID=; }
adv_probe_start "$IT_BOB" "$IT_DIR/probe.log"

out=$(printf '%s\n' "$SPW" | ctl "$A" accounts add sf --type sftp --url "sftp://127.0.0.1:$PORT/~" \
	--username "$SU" --host-key "$(fp k1)" --password-stdin 2>&1)
assert_match "alice adds an SFTP account pinning K1" created "$out"
adv_scan "$A" sf
adv_check_kept "server down" "$A" network '.'
E=$ADV_ENTRY SHA=$ADV_SHA

sshd_start k2
adv_retry_kept "changed key" "$A" "$E" "$SHA" tls 'mismatch'
adv_scan "$A" sf
assert_eq "changed key: a new scan is refused up front (exit 1)" 1 "$ADV_RC"
assert_match "changed key: ... the kept document named (pending_policy = block)" \
	'Error\.PendingUploads: .*mismatch sha256 fingerprint' "$ADV_OUT"
assert_match "changed key: ... the advice speaks of the host key, not only of a CA" \
	'host key.*host-key' "$ADV_OUT"
sshd_stop
check "the impostor saw connections" grep -q 'Connection from 127.0.0.1' "$D/sshd-k2.log"
assert_no_match "... but no password was tried on it" 'password for' "$(cat "$D/sshd-k2.log")"

sshd_start k1
adv_retry_delivered "K1 back" "$A" "$E" "$SHA" "$D/files"
check "K1 back: the login was a password (the logging works)" \
	grep -q "Accepted password for $SU" "$D/sshd-k1.log"
sshd_stop
adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered throughout"
it_daemon_alive "the same daemon answers at the end"
it_finish
