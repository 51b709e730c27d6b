#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# S3 uploads with mfpscan-upload against the real npm s3rver on 127.0.0.1,
# behind a front that verifies every SigV4 signature with AWS's own
# implementation and a random secret key, with nginx in front answering
# QuotaExceeded for one bucket (skipped, and said so, when nginx is not
# installed). Checks the bytes in the store, idempotent retries, the class
# of each failure, that a wrong secret or a body not matching its signed
# hash is refused, and that the secret reaches no log.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"

start_server s3rver.sh s3
echo "$S3_SECRET_KEY" >"$scratch/s3.pw"
S=(-t s3 -I -k "$S3_ACCESS_KEY" -p "$scratch/s3.pw")
doc=$scratch/doc.pdf
make_file "$doc" 700
size=$(stat -c %s "$doc")

# Fetch an object straight from s3rver (curl's own SigV4) into $2.
s3_get() {
	curl -sf --aws-sigv4 aws:amz:us-east-1:s3 -u "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$2" "$1"
}

# s3_curl HASH ARGS...: a request signed by curl with our keys and the
# payload hash HASH; the reply body in $reply, the HTTP status in $status.
s3_curl() {
	local hash=$1
	shift
	reply=$(curl -s -w '\n%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 \
		-u "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $hash" "$@")
	status=${reply##*$'\n'}
	reply=${reply%$'\n'*}
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

expect_ok "check lists the bucket" "${S[@]}" -u "$S3_URL" check
expect_eq "S3 reports no free space" "ok free=unknown" "$out"

run_upload "${S[@]}" -u "$S3_URL" -f scans/2026 -C application/pdf put "$doc" "scan 1.pdf"
expect_eq "put returns the object's URL" "uploaded $S3_URL/scans/2026/scan%201.pdf" "$out"
s3_get "$S3_URL/scans/2026/scan%201.pdf" "$scratch/got.pdf"
expect_same_file "the object's bytes equal the document" "$doc" "$scratch/got.pdf"
expect_no_text "the secret key is not in the output" "$S3_SECRET_KEY" "$out$errout"

run_upload "${S[@]}" -u "$S3_URL" -f scans/2026 put "$doc" "scan 1.pdf"
expect_eq "a retried put reports already-there" \
	"already-there $S3_URL/scans/2026/scan%201.pdf" "$out"
run_upload "${S[@]}" -u "$S3_URL" -f scans/2026 exists "scan 1.pdf" "$size"
expect_eq "exists finds it" yes "$out"
run_upload "${S[@]}" -u "$S3_URL" -f scans/2026 exists "scan 2.pdf" "$size"
expect_eq "exists does not find another name" no "$out"
other=$scratch/other.pdf
make_file "$other" 5
expect_class "a different object under the same name is refused" server \
	"${S[@]}" -u "$S3_URL" -f scans/2026 put "$other" "scan 1.pdf"
s3_get "$S3_URL/scans/2026/scan%201.pdf" "$scratch/got2.pdf"
expect_same_file "the stored object was not replaced" "$doc" "$scratch/got2.pdf"
twin=$scratch/twin.pdf
make_file "$twin" 700
expect_class "an object of our size with other bytes is refused, not already-there" \
	server "${S[@]}" -u "$S3_URL" -f scans/2026 put "$twin" "scan 1.pdf"
expect_text "as a different object of the same size" "same size, other content" "$errout"
s3_get "$S3_URL/scans/2026/scan%201.pdf" "$scratch/got3.pdf"
expect_same_file "and the stored object is still the first" "$doc" "$scratch/got3.pdf"

run_upload "${S[@]}" -u "$S3_URL" -P put "$doc" progress.pdf
expect_text "progress reaches the document's size" "progress $size/$size" "$errout"

echo WRONGKEY >"$scratch/bad.pw"
expect_class "an unknown access key is auth (check)" auth \
	-t s3 -I -k WRONGKEY -p "$scratch/bad.pw" -u "$S3_URL" check
expect_text "with the store's code" "InvalidAccessKeyId" "$errout"
expect_class "an unknown access key is auth (put)" auth \
	-t s3 -I -k WRONGKEY -p "$scratch/bad.pw" -u "$S3_URL" put "$doc" x.pdf
expect_no_text "the secret is not echoed" "WRONGKEY:" "$errout"
echo "not-$S3_SECRET_KEY" >"$scratch/wrong.pw"
expect_class "the right access key with a wrong secret is auth (check)" auth \
	-t s3 -I -k "$S3_ACCESS_KEY" -p "$scratch/wrong.pw" -u "$S3_URL" check
expect_text "with the store's code" "SignatureDoesNotMatch" "$errout"
expect_class "the right access key with a wrong secret is auth (put)" auth \
	-t s3 -I -k "$S3_ACCESS_KEY" -p "$scratch/wrong.pw" -u "$S3_URL" put "$doc" wrong-secret.pdf
if s3_get "$S3_URL/wrong-secret.pdf" "$scratch/ws.pdf"; then
	not_ok "nothing is stored with a wrong secret" "wrong-secret.pdf exists"
else
	ok "nothing is stored with a wrong secret"
fi
expect_no_text "the wrong secret is not echoed" "not-$S3_SECRET_KEY" "$out$errout"

# A body that is not the one whose hash was signed (tampered in transit).
s3_curl "$(sha "$other")" -T "$doc" "$S3_URL/tampered.pdf"
expect_eq "a body not matching its signed payload hash is refused" 400 "$status"
expect_text "as XAmzContentSHA256Mismatch" "<Code>XAmzContentSHA256Mismatch</Code>" "$reply"
if s3_get "$S3_URL/tampered.pdf" "$scratch/t.pdf"; then
	not_ok "and nothing is stored" "tampered.pdf exists"
else
	ok "and nothing is stored"
fi
s3_curl "$(sha "$doc")" -T "$doc" "$S3_URL/tampered.pdf"
expect_eq "the same request with the body's own hash is stored" 200 "$status"

# A multipart upload passes the front unchanged (query keys sorted, each
# with "=", as AWS's canonical query has them).
head -c 5242880 /dev/urandom >"$scratch/part1"
head -c 3000 /dev/urandom >"$scratch/part2"
cat "$scratch/part1" "$scratch/part2" >"$scratch/whole"
s3_curl "$(sha /dev/null)" -X POST "$S3_URL/multi.bin?uploads="
upload_id=$(sed -n 's|.*<UploadId>\(.*\)</UploadId>.*|\1|p' <<<"$reply")
complete="<CompleteMultipartUpload>"
for n in 1 2; do
	s3_curl "$(sha "$scratch/part$n")" -D "$scratch/hdr" -T "$scratch/part$n" \
		"$S3_URL/multi.bin?partNumber=$n&uploadId=$upload_id"
	etag=$(tr -d '\r' <"$scratch/hdr" | sed -n 's/^etag: //Ip')
	complete+="<Part><PartNumber>$n</PartNumber><ETag>$etag</ETag></Part>"
done
echo "$complete</CompleteMultipartUpload>" >"$scratch/complete.xml"
s3_curl "$(sha "$scratch/complete.xml")" -X POST --data-binary @"$scratch/complete.xml" \
	"$S3_URL/multi.bin?uploadId=$upload_id"
expect_text "a multipart upload completes through the front" "<CompleteMultipartUploadResult>" "$reply"
s3_get "$S3_URL/multi.bin" "$scratch/got-multi"
expect_same_file "and the object is its parts in order" "$scratch/whole" "$scratch/got-multi"

expect_class "a missing bucket is not-found (check)" not-found "${S[@]}" -u "${S3_URL%/scans}/nobucket" check
expect_text "with the store's code" "NoSuchBucket" "$errout"
expect_class "a missing bucket is not-found (put)" not-found "${S[@]}" -u "${S3_URL%/scans}/nobucket" put "$doc" x.pdf
expect_class "a store that is down is network" network "${S[@]}" -u "http://127.0.0.1:$(dead_port)/scans" put "$doc" x.pdf
expect_class "a missing access key is invalid" invalid -t s3 -I -p "$scratch/s3.pw" -u "$S3_URL" check

if [ -n "${S3_PROXY_URL:-}" ]; then
	run_upload "${S[@]}" -u "$S3_PROXY_URL" -f via-proxy put "$doc" p.pdf
	expect_eq "put through nginx works" "uploaded $S3_PROXY_URL/via-proxy/p.pdf" "$out"
	s3_get "$S3_URL/via-proxy/p.pdf" "$scratch/got3.pdf"
	expect_same_file "and is byte-exact" "$doc" "$scratch/got3.pdf"
	expect_class "QuotaExceeded is storage-full" storage-full "${S[@]}" -u "$S3_FULL_URL" put "$doc" q.pdf
	expect_text "the store's code and message are kept" "QuotaExceeded: The bucket fullbucket is over its storage quota" "$errout"
else
	echo "# nginx is not installed: the QuotaExceeded cases were not run"
fi

# The front logged every request and its verdict, and never the secret.
expect_text "the front logged the requests it passed" " key=S3RVER ok" "$(cat "$S3_LOG")"
expect_text "and the wrong secret it refused" "refused SignatureDoesNotMatch" "$(cat "$S3_LOG")"
leaks=$(grep -rlF --include='*.log' -e "$S3_SECRET_KEY" "$scratch/s3" || true)
expect_eq "the secret key is in no server log" "" "$leaks"

finish
