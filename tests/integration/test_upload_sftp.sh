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
. "$(dirname "$0")/upload-contract.sh"

start_server sshd.sh sshd 512
echo "$SFTP_PASSWORD" >"$scratch/sftp.pw"
F=(-t sftp -U "$SFTP_USER" -p "$scratch/sftp.pw" -H "$SFTP_HOSTKEY")
upload_contract "$SFTP_URL" "$SFTP_ROOT" "$SFTP_PASSWORD" "${F[@]}"

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
