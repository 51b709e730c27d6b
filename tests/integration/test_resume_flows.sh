#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_resume_flows: a big scan's resumable upload through the daemon,
# with its progress in the spool ticket across a daemon restart, on the
# Nextcloud-like server (tests/servers/nextcloud.js, chunking v2) and on
# s3rver (multipart; there the ticket is the only record of the upload
# id). The server sits behind a link that drops once
# (tests/servers/cutproxy.py), in the middle of the second 5 MiB chunk of
# a four-page 600 dpi colour PDF (~20 MB):
#
#  * the scan is kept in the spool (exit 2); its ticket records the
#    upload's progress (the chunk collection and the bytes acknowledged);
#  * the daemon is stopped and started again: the entry and its progress
#    are recovered;
#  * the owner's Retry continues the upload: the first chunk is not sent
#    again (the server received it once), the retry sends no more than
#    what the server lacked plus 1 %, the document on the server is
#    byte-exact and the entry is gone.
#  (WebDAV would find its chunks without the ticket too -- the collection
#  is named after the document -- S3 would not.)
#  * Discard of a kept document whose upload was cut drops its chunk
#    collection on the server.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_start_bus

A=$IT_ALICE
NC_DIR=$IT_DIR/nc
S3_DIR=$IT_DIR/s3
CUT_DIR=$IT_DIR/cut
CHUNK=5242880
CUT_AT=$((CHUNK + CHUNK / 2 + 200000))

cleanup_resume() {
	bash "$IT_TOP/tests/servers/cutproxy.sh" stop "$CUT_DIR" >/dev/null 2>&1 || true
	bash "$IT_TOP/tests/servers/nextcloud.sh" stop "$NC_DIR" >/dev/null 2>&1 || true
	bash "$IT_TOP/tests/servers/s3rver.sh" stop "$S3_DIR" >/dev/null 2>&1 || true
	it_cleanup
}
trap cleanup_resume EXIT

out=$(bash "$IT_TOP/tests/servers/nextcloud.sh" start "$NC_DIR" 2>&1) ||
	it_die "nextcloud.sh did not start" "$out"
eval "$out"
out=$(bash "$IT_TOP/tests/servers/cutproxy.sh" start "$CUT_DIR" "$NC_PORT" "$CUT_AT" 2>&1) ||
	it_die "cutproxy.sh did not start" "$out"
eval "$out"

start() {
	IT_RETRY_INITIAL=3600 IT_PENDING_POLICY=allow it_write_config \
		"[upload]\nresume_threshold_bytes = 1048576\nresume_chunk_bytes = $CHUNK"
	it_start_daemon
}
sent() { bash "$IT_TOP/tests/servers/cutproxy.sh" sent "$CUT_DIR"; }

# flow LABEL ACCOUNT STORED_FILE: scan to ACCOUNT through the cut proxy
# (cut at CUT_AT of its traffic), restart, Retry; STORED_FILE is where
# the server keeps the document.
flow() {
	local label=$1 acc=$2 stored=$3 out rc E T SIZE SHA first total retry lacked
	out=$(ctl "$A" scan --to "$acc" --format pdf --resolution 600 --mode color \
		--source adf --pages 4 --name "big-$acc" 2>&1) && rc=0 || rc=$?
	assert_eq "$label: the scan whose upload is cut is kept (exit 2)" 2 "$rc"
	E=$(it_entries "$A" | head -n 1)
	T=$(it_ticket "$IT_ALICE_UID" "$E")
	SIZE=$(it_tk "$T" document.size)
	SHA=$(it_tk "$T" document.sha256)
	[ "${SIZE:-0}" -gt $((3 * CHUNK)) ] && pass "$label: the document spans several chunks ($SIZE bytes)" ||
		fail "$label: the document spans several chunks" "size=$SIZE"
	assert_match "$label: the ticket records the upload's progress" "$4" "$(it_tk "$T" upload.resume)"
	assert_eq "$label: the ticket records the acknowledged bytes" "$CHUNK" "$(it_tk "$T" upload.acked)"
	first=$(sent)

	it_stop_daemon
	start
	assert_eq "$label: the entry is recovered after the restart" "$E" "$(it_entries "$A")"
	assert_match "$label: ... with its upload's progress" "$4" "$(it_tk "$T" upload.resume)"

	check "$label: alice's Retry uploads it" ctl "$A" spool retry "$E"
	check "$label: the entry is gone" it_wait_gone "$A" "$E"
	assert_eq "$label: the document on the server is the scan, byte-exact" "$SHA" \
		"$(sha256sum <"$stored" 2>/dev/null | cut -d' ' -f1)"
	total=$(sent)
	retry=$((total - first))
	lacked=$((SIZE - CHUNK))
	[ "$retry" -le $((lacked + lacked / 100)) ] &&
		pass "$label: the retry sent $retry bytes: what the server lacked ($lacked) plus at most 1 %" ||
		fail "$label: the retry sent only what the server lacked" "retry=$retry lacked=$lacked first=$first"
}

start
out=$(printf '%s\n' "$NC_PASSWORD" | ctl "$A" accounts add nc --type webdav --allow-insecure-http yes \
	--url "http://127.0.0.1:$CUT_PORT/remote.php/dav/files/$NC_USER" \
	--username "$NC_USER" --name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds a Nextcloud account (behind a link that drops)" created "$out"
flow webdav nc "$NC_ROOT/big-nc.pdf" '^webdav [0-9a-f]{32} 1$'
assert_eq "webdav: the first chunk reached the server once" 1 \
	"$(grep -cE " 0*1 $CHUNK\$" "$NC_LOG")"

out=$(bash "$IT_TOP/tests/servers/s3rver.sh" start "$S3_DIR" 2>&1) ||
	it_die "s3rver.sh did not start" "$out"
eval "$out"
S3_PORT=${S3_URL#http://127.0.0.1:}
S3_PORT=${S3_PORT%%/*}
bash "$IT_TOP/tests/servers/cutproxy.sh" stop "$CUT_DIR" >/dev/null 2>&1
out=$(bash "$IT_TOP/tests/servers/cutproxy.sh" start "$CUT_DIR" "$S3_PORT" "$CUT_AT" 2>&1) ||
	it_die "cutproxy.sh did not start" "$out"
eval "$out"
out=$(printf '%s\n' "$S3_SECRET_KEY" | ctl "$A" accounts add s3 --type s3 --allow-insecure-http yes \
	--url "http://127.0.0.1:$CUT_PORT/scans" --access-key "$S3_ACCESS_KEY" \
	--name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds an S3 account (behind a link that drops)" created "$out"
flow s3 s3 "$S3_ROOT/scans/big-s3.pdf._S3rver_object" '^s3 [0-9a-f]+ 5242880 1$'

# --- Discard drops what the unfinished upload left on the server ----------
bash "$IT_TOP/tests/servers/cutproxy.sh" stop "$CUT_DIR" >/dev/null 2>&1
out=$(bash "$IT_TOP/tests/servers/cutproxy.sh" start "$CUT_DIR" "$NC_PORT" "$CUT_AT" 2>&1) ||
	it_die "cutproxy.sh did not start" "$out"
eval "$out"
out=$(printf '%s\n' "$NC_PASSWORD" | ctl "$A" accounts add nc2 --type webdav --allow-insecure-http yes \
	--url "http://127.0.0.1:$CUT_PORT/remote.php/dav/files/$NC_USER" \
	--username "$NC_USER" --name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds a second Nextcloud account" created "$out"
out=$(ctl "$A" scan --to nc2 --format pdf --resolution 600 --mode color \
	--source adf --pages 4 --name dropped 2>&1) && rc=0 || rc=$?
assert_eq "discard: the cut scan is kept (exit 2)" 2 "$rc"
E=$(it_entries "$A" | head -n 1)
assert_eq "discard: its chunks wait on the server" 1 "$(ls -A "$NC_UPLOADS" | wc -l)"
check "discard: alice discards it" ctl "$A" spool discard "$E" --yes
for _ in $(seq 1 100); do
	[ -z "$(ls -A "$NC_UPLOADS")" ] && break
	sleep 0.1
done
assert_eq "discard: the upload collection is dropped on the server" "" "$(ls -A "$NC_UPLOADS")"
assert_eq "discard: no file of that name was made" "" "$(ls -A "$NC_ROOT" | grep dropped)"

it_daemon_alive "daemon alive after the resumed upload"
it_finish
