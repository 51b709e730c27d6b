#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_s3: S3 servers answering garbage (hostile_http.py), against
# the real daemon and alice's real S3 accounts:
#  - s3text:   PUT -> 403 with a plain-text body (no XML): class auth, the
#              server's words shown;
#  - s3trunc:  every request -> 500 with a truncated XML error document:
#              class server, what could be read shown;
#  - s3huge:   every request -> 400 with an 8 MiB error document: cut at
#              64 KiB, class server;
#  - s3status: PUT -> 299, a status nobody defines: class server, never
#              taken for a success;
#  - s3mpu:    (a second daemon, every document resumable) the answer to
#              CreateMultipartUpload has a billion-laughs UploadId: class
#              server, kept, nothing expanded.
# Each scan is kept in the spool, intact; the daemon's VmRSS grows by at
# most 32 MiB (the 8 MiB body read whole would not fit the 64 KiB limit,
# and each case is retried before the next scan); bob's GetCapabilities
# is answered throughout; once the server recovers, Retry delivers every
# document byte-exact.
set -u
. "$(dirname "$0")/lib.sh"
adv_start
adv_http_start s3
STORE=$IT_DIR/s3
URL=http://127.0.0.1:$ADV_PORT
adv_rss_start
adv_probe_start "$IT_BOB" "$IT_DIR/probe.log"

declare -A ENTRY SHA
run_case() {
	local c=$1
	adv_account "$A" "$c" s3 "$URL/$c/bucket" --access-key AKIDADVERSARIAL
	adv_scan_kept "$c" "$A" "$2" "$3"
}
run_case s3text auth '^s3: PUT: HTTP/1.1 403 Forbidden: Access denied. Go away.$'
run_case s3trunc server '^s3: listing the bucket: HTTP/1.1 500 Internal Server Error'
run_case s3huge server 'larger than 64 KiB'
run_case s3status server '^s3: PUT: HTTP/1.1 299'
check "the PUTs were signed (the credentials reached the right server)" \
	grep -q '^PUT /s3status/bucket/.* auth=yes' "$STORE/requests.log"
adv_rss_bounded ""
adv_probe_stop "$IT_DIR/probe.log" "bob's GetCapabilities answered throughout"

adv_heal_and_deliver "$STORE" "$A"
it_daemon_alive "the same daemon answers at the end"

# Multipart uploads (every document resumable): CreateMultipartUpload
# answered with an UploadId that is a billion-laughs entity.
it_stop_daemon
sed -i '/^\[upload\]/,$d' "$IT_CONF"
printf '[upload]\nresume_threshold_bytes = 1\n' >>"$IT_CONF"
it_start_daemon
adv_http_start mpu
adv_rss_start
adv_probe_start "$IT_BOB" "$IT_DIR/probe2.log"
adv_account "$A" s3mpu s3 "http://127.0.0.1:$ADV_PORT/s3mpu/bucket" --access-key AKIDADVERSARIAL
adv_scan "$A" s3mpu
adv_check_kept "s3mpu" "$A" server 'CreateMultipartUpload has no usable UploadId'
check "s3mpu: the multipart upload was started (the answer was read)" \
	grep -q '^POST /s3mpu/bucket/.*uploads' "$IT_DIR/mpu/requests.log"
adv_rss_bounded "s3mpu: "
adv_probe_stop "$IT_DIR/probe2.log" "s3mpu: bob's GetCapabilities answered throughout"
it_daemon_alive "the daemon answers after the multipart case"
it_finish
