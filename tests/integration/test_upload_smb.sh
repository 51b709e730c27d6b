#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SMB uploads with mfpscan-upload against a real Samba smbd on 127.0.0.1
# (private smb.conf, SMB2/3 only, a test user with a password, a share on
# a 512 KiB tmpfs for a real full disk, a share that requires encryption).
# Checks the bytes on the server, that no partial file is left, idempotent
# retries, the name-conflict rules, the share's free space, and the class
# of each failure.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"
. "$(dirname "$0")/upload-contract.sh"

start_server smbd.sh smbd 512
echo "$SMB_PASSWORD" >"$scratch/smb.pw"
F=(-t smb -U "$SMB_USER" -D "$SMB_DOMAIN" -p "$scratch/smb.pw")
upload_contract "$SMB_URL" "$SMB_ROOT" "$SMB_PASSWORD" "${F[@]}"

# What a crash can leave: an empty claim of the name, a stale part file.
: >"$SMB_ROOT/scans/new/claimed.pdf"
head -c 1000 /dev/urandom >"$SMB_ROOT/scans/new/.claimed.pdf.part"
chown -R "$SMB_USER:" "$SMB_ROOT/scans/new"
expect_ok "a put after a crash takes over its empty claim" \
	"${F[@]}" -u "$SMB_URL" -f scans/new put "$doc" claimed.pdf
expect_same_file "and the name holds the whole document" "$doc" "$SMB_ROOT/scans/new/claimed.pdf"
expect_eq "the stale part file is gone" "" "$(ls -A "$SMB_ROOT/scans/new" | grep -F .part)"

run_upload "${F[@]}" -u "$SMB_URL" -P put "$doc" progress.pdf
expect_text "progress reaches the document's size" "progress $size/$size" "$errout"

run_upload "${F[@]}" -u "$SMB_SEALED_URL" put "$doc" sealed.pdf
expect_eq "a share that requires encryption works (SMB3 sealing)" 0 "$rc"
expect_text "  ... and reports its URL" "uploaded $SMB_SEALED_URL/sealed.pdf" "$out"

run_upload "${F[@]}" -u "$SMB_SMALL_URL" check
free=$(printf '%s\n' "$out" | sed -n 's/^ok free=\([0-9]*\) .*/\1/p')
if [ -n "$free" ] && [ "$free" -le $((512 * 1024)) ] && [ "$free" -gt 0 ]; then
	ok "the small share reports its own free space ($free bytes)"
else
	not_ok "the small share reports its own free space" "$out $errout"
fi
big=$scratch/big.pdf
make_file "$big" 800
expect_class "a full share is storage-full" storage-full "${F[@]}" -u "$SMB_SMALL_URL" put "$big" big.pdf
expect_text "the message says the share is full" "share is full" "$errout"
expect_eq "no partial file is left on the server" "" "$(ls -A "$SMB_SMALL_ROOT")"
expect_ok "a document that fits still goes in" "${F[@]}" -u "$SMB_SMALL_URL" put "$doc" small.pdf
expect_same_file "and is byte-exact" "$doc" "$SMB_SMALL_ROOT/small.pdf"

echo "not-the-password" >"$scratch/bad.pw"
expect_class "a wrong password is auth" auth \
	-t smb -U "$SMB_USER" -p "$scratch/bad.pw" -u "$SMB_URL" put "$doc" x.pdf
expect_no_text "the wrong password is not echoed" "not-the-password" "$errout"
expect_class "an unknown user is auth" auth \
	-t smb -U mfpscan-nobody -p "$scratch/smb.pw" -u "$SMB_URL" check
expect_class "a share that does not exist is not-found" not-found \
	"${F[@]}" -u "smb://127.0.0.1:$SMB_PORT/no-such-share" check
expect_class "a server that is down is network" network \
	"${F[@]}" -u "smb://127.0.0.1:$(dead_port)/scans" put "$doc" x.pdf
expect_class "a url without a share is invalid" invalid "${F[@]}" -u "smb://127.0.0.1:$SMB_PORT" check
expect_class "no user name is invalid" invalid -t smb -p "$scratch/smb.pw" -u "$SMB_URL" check
expect_class "an http URL is refused for smb" invalid "${F[@]}" -u "http://127.0.0.1/" check
expect_class "credentials in the URL are refused" invalid \
	"${F[@]}" -u "smb://$SMB_USER@127.0.0.1:$SMB_PORT/scans" check
expect_eq "nothing named x.pdf reached the server" "" "$(ls -A "$SMB_ROOT" | grep -x x.pdf)"

finish
