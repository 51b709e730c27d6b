#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SFTP uploads with mfpscan-upload against a real OpenSSH sshd on
# 127.0.0.1 (internal-sftp, its own host key, a test user with a password,
# a 512 KiB tmpfs folder for a real full disk). Checks the bytes on the
# server, that no partial file is left, idempotent retries, host key
# pinning, and the class of each failure.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"

start_server sshd.sh sshd 512
echo "$SFTP_PASSWORD" >"$scratch/sftp.pw"
F=(-t sftp -U "$SFTP_USER" -p "$scratch/sftp.pw" -H "$SFTP_HOSTKEY")
doc=$scratch/doc.pdf
make_file "$doc" 300
size=$(stat -c %s "$doc")

run_upload "${F[@]}" -u "$SFTP_URL" -f scans/2026 check
expect_eq "check logs in and creates the folder" 0 "$rc"
expect_text "check reports free space (statvfs)" "ok free=" "$out"
[ -d "$SFTP_ROOT/scans/2026" ] && ok "the folder exists on the server" ||
	not_ok "the folder exists on the server"

run_upload "${F[@]}" -u "$SFTP_URL" -f scans/new put "$doc" "scan 1.pdf"
expect_eq "put creates the folder and returns the URL" \
	"uploaded $SFTP_URL/scans/new/scan%201.pdf" "$out"
expect_same_file "the bytes on the server equal the document" "$doc" "$SFTP_ROOT/scans/new/scan 1.pdf"
expect_eq "no temporary file is left" "scan 1.pdf" "$(ls -A "$SFTP_ROOT/scans/new")"
expect_no_text "the password is not in the output" "$SFTP_PASSWORD" "$out$errout"

run_upload "${F[@]}" -u "$SFTP_URL" -f scans/new put "$doc" "scan 1.pdf"
expect_eq "a retried put reports already-there" \
	"already-there $SFTP_URL/scans/new/scan%201.pdf" "$out"
expect_eq "one copy on the server" 1 "$(ls -A "$SFTP_ROOT/scans/new" | wc -l)"
run_upload "${F[@]}" -u "$SFTP_URL" -f scans/new exists "scan 1.pdf" "$size"
expect_eq "exists finds it" yes "$out"
run_upload "${F[@]}" -u "$SFTP_URL" -f scans/new exists "scan 2.pdf" "$size"
expect_eq "exists does not find another name" no "$out"
other=$scratch/other.pdf
make_file "$other" 5
expect_class "a different file under the same name is refused" server \
	"${F[@]}" -u "$SFTP_URL" -f scans/new put "$other" "scan 1.pdf"
expect_same_file "the stored file was not replaced" "$doc" "$SFTP_ROOT/scans/new/scan 1.pdf"
twin=$scratch/twin.pdf
head -c "$size" /dev/urandom >"$twin"
expect_class "a file of our size with other bytes is refused, not already-there" \
	server "${F[@]}" -u "$SFTP_URL" -f scans/new put "$twin" "scan 1.pdf"
expect_text "as a different file of the same size" "same size, other content" "$errout"
expect_same_file "and the stored file is still the first" "$doc" "$SFTP_ROOT/scans/new/scan 1.pdf"

run_upload "${F[@]}" -u "$SFTP_URL" -P put "$doc" progress.pdf
expect_text "progress reaches the document's size" "progress $size/$size" "$errout"

big=$scratch/big.pdf
make_file "$big" 800
expect_class "a full disk is storage-full" storage-full "${F[@]}" -u "$SFTP_URL" -f full put "$big" big.pdf
expect_text "the message says how much room there is" "bytes free" "$errout"
expect_eq "no partial file is left on the server" "" "$(ls -A "$SFTP_ROOT/full")"
expect_ok "a document that fits still goes in" "${F[@]}" -u "$SFTP_URL" -f full put "$doc" small.pdf
expect_same_file "and is byte-exact" "$doc" "$SFTP_ROOT/full/small.pdf"

echo "not-the-password" >"$scratch/bad.pw"
expect_class "a wrong password is auth" auth \
	-t sftp -U "$SFTP_USER" -p "$scratch/bad.pw" -H "$SFTP_HOSTKEY" -u "$SFTP_URL" put "$doc" x.pdf
expect_no_text "the wrong password is not echoed" "not-the-password" "$errout"
ssh-keygen -q -t ed25519 -N '' -f "$scratch/otherkey"
otherfp=$(ssh-keygen -l -E sha256 -f "$scratch/otherkey.pub" | awk '{print $2}' | sed 's/^SHA256://')
expect_class "another host key is tls (man in the middle)" tls \
	-t sftp -U "$SFTP_USER" -p "$scratch/sftp.pw" -H "$otherfp" -u "$SFTP_URL" put "$doc" x.pdf
expect_eq "nothing was sent to that server" "" "$(ls "$SFTP_ROOT" | grep -x x.pdf)"
expect_ok "the fingerprint as ssh-keygen prints it (SHA256:...) is accepted" \
	-t sftp -U "$SFTP_USER" -p "$scratch/sftp.pw" -H "SHA256:$SFTP_HOSTKEY" -u "$SFTP_URL" check
expect_class "no pinned host key is invalid" invalid \
	-t sftp -U "$SFTP_USER" -p "$scratch/sftp.pw" -u "$SFTP_URL" check
expect_class "a server that is down is network" network \
	"${F[@]}" -u "sftp://127.0.0.1:$(dead_port)/~" put "$doc" x.pdf
expect_class "a folder that cannot be created is not-found" not-found \
	"${F[@]}" -u "sftp://127.0.0.1:$SFTP_PORT/mfpscan-no-such-dir" -f a check
expect_class "an http URL is refused for sftp" invalid "${F[@]}" -u "http://127.0.0.1/" check

finish
