#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Resumable uploads with mfpscan-upload -R (the progress file stands for
# the spool ticket) through a link that drops (tests/servers/cutproxy.py):
# a 200 MB document, the connection cut when 30 %, 60 % and 90 % of its
# size have gone through, a retry after each cut, on
#   S3      s3rver (multipart upload),
#   SFTP    OpenSSH (append to .NAME.ID.part),
#   WebDAV  nextcloud.js (Nextcloud chunking v2).
# Each time: at most 1.15 x the document's bytes sent in total, the file
# on the server byte-exact, nothing left over (parts, part files, upload
# collections), and a retry after a cut starts from where the server
# stopped ("resumed-from"), never from 0. Also: a WebDAV server without
# chunking gets a plain PUT; abort drops what a cut upload left; a name
# taken by another file is refused and the leftovers are dropped; small
# documents stay plain.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"

MB=1000000
SIZE=$((200 * MB))
doc=$scratch/doc.bin
head -c "$SIZE" /dev/urandom >"$doc"

start_server s3rver.sh s3
start_server sshd.sh sshd
start_server nextcloud.sh nc
echo "$S3_SECRET_KEY" >"$scratch/s3.pw"
echo "$SFTP_PASSWORD" >"$scratch/sftp.pw"
echo "$NC_PASSWORD" >"$scratch/nc.pw"
port_of() { local p=${1#*://*:}; echo "${p%%/*}"; }

# through TYPE URL_PREFIX_FN TARGET_PORT: ARGS for the CLI per type, with
# the server behind a fresh cut proxy that drops at 30/60/90 %.
proxy_n=0
new_proxy() {
	proxy_n=$((proxy_n + 1))
	stops+=("$servers/cutproxy.sh stop $scratch/cut$proxy_n")
	eval "$("$servers/cutproxy.sh" start "$scratch/cut$proxy_n" "$1" \
		$((SIZE * 3 / 10)) $((SIZE * 6 / 10)) $((SIZE * 9 / 10)))"
}
args_for() {
	case $1 in
	s3) echo "-t s3 -I -u http://127.0.0.1:$CUT_PORT/scans -k $S3_ACCESS_KEY -p $scratch/s3.pw" ;;
	sftp) echo "-t sftp -u sftp://127.0.0.1:$CUT_PORT/~ -U $SFTP_USER -H $SFTP_HOSTKEY -p $scratch/sftp.pw" ;;
	webdav) echo "-t webdav -I -u http://127.0.0.1:$CUT_PORT/remote.php/dav/files/$NC_USER -U $NC_USER -p $scratch/nc.pw" ;;
	esac
}
target_of() {
	case $1 in
	s3) port_of "$S3_URL" ;;
	sftp) echo "$SFTP_PORT" ;;
	webdav) echo "$NC_PORT" ;;
	esac
}
stored_file() {
	case $1 in
	s3) echo "$S3_ROOT/scans/$2._S3rver_object" ;;
	sftp) echo "$SFTP_ROOT/$2" ;;
	webdav) echo "$NC_ROOT/$2" ;;
	esac
}
leftovers() {
	case $1 in
	s3) find "$S3_ROOT" -path '*multipart*' -type f 2>/dev/null | head -n 3 ;;
	sftp) ls -A "$SFTP_ROOT" | grep -F .part ;;
	webdav) ls -A "$NC_UPLOADS" ;;
	esac
}

for type in s3 sftp webdav; do
	new_proxy "$(target_of "$type")"
	read -ra A <<<"$(args_for "$type")"
	state=$scratch/$type.resume
	rm -f "$state"
	resumed=()
	for attempt in 1 2 3 4 5; do
		run_upload "${A[@]}" -R "$state" put "$doc" big.bin
		r=$(printf '%s\n' "$errout" | sed -n 's/^resumed-from //p')
		[ "$attempt" = 1 ] || resumed+=("${r:-0}")
		[ "$rc" = 0 ] && break
		if [ "$attempt" = 1 ]; then
			if [ -s "$state" ]; then ok "$type: the cut upload recorded its progress ($(head -n 1 "$state" | cut -c1-40)...)"
			else not_ok "$type: the cut upload recorded its progress" "$errout"; fi
		fi
	done
	run_upload "${A[@]}" -R "$state" put "$doc" big.bin
	expect_eq "$type: uploaded after the three cuts (4 attempts)" 4 "$attempt"
	sent=$("$servers/cutproxy.sh" sent "$scratch/cut$proxy_n")
	if [ -n "$sent" ] && [ "$sent" -le $((SIZE * 115 / 100)) ]; then
		ok "$type: $sent bytes sent for $SIZE ($((sent * 100 / SIZE)) %, at most 115 %)"
	else
		not_ok "$type: at most 1.15 x the document sent" "sent=$sent size=$SIZE"
	fi
	grow=yes prev=0
	for r in $(printf '%s\n' "${resumed[@]:0:3}"); do
		[ "$r" -gt "$prev" ] || grow=no
		prev=$r
	done
	expect_eq "$type: each retry resumed further than the last (${resumed[*]:0:3})" yes "$grow"
	expect_same_file "$type: the document on the server is byte-exact" "$doc" "$(stored_file "$type" big.bin)"
	expect_eq "$type: nothing is left over on the server" "" "$(leftovers "$type")"
	[ ! -e "$state" ] && ok "$type: the progress file is gone after success" ||
		not_ok "$type: the progress file is gone after success"
	expect_text "$type: a retry after success finds it already there" "already-there" "$out"
done

# The rest with a 20 MB document in 5 MiB chunks, cut at 6 MB.
doc20=$scratch/doc20.bin
head -c $((20 * MB)) "$doc" >"$doc20"
small_proxy() {
	proxy_n=$((proxy_n + 1))
	stops+=("$servers/cutproxy.sh stop $scratch/cut$proxy_n")
	eval "$("$servers/cutproxy.sh" start "$scratch/cut$proxy_n" "$1" $((6 * MB)))"
}

# --- a cut upload dropped on request (abort) -------------------------------
for type in s3 sftp webdav; do
	small_proxy "$(target_of "$type")"
	read -ra A <<<"$(args_for "$type")"
	A+=(-K 5242880)
	state=$scratch/$type.abort
	rm -f "$state"
	run_upload "${A[@]}" -R "$state" put "$doc20" dropped.bin
	expect_eq "$type: a cut upload fails" 1 "$rc"
	run_upload "${A[@]}" -R "$state" abort dropped.bin
	expect_eq "$type: abort drops its leftovers" aborted "$out"
	if [ "$type" = s3 ]; then
		# s3rver has no AbortMultipartUpload (405): tolerated, parts stay
		ok "s3: abort tolerates a store without AbortMultipartUpload"
	else
		expect_eq "$type: nothing of it is left on the server" "" "$(leftovers "$type")"
	fi
	[ ! -e "$(stored_file "$type" dropped.bin)" ] && ok "$type: and no file of that name exists" ||
		not_ok "$type: and no file of that name exists"
done

# --- a name taken by another file meanwhile --------------------------------
small_proxy "$NC_PORT"
read -ra A <<<"$(args_for webdav)"
A+=(-K 5242880)
state=$scratch/taken.resume
run_upload "${A[@]}" -R "$state" put "$doc20" taken.bin
expect_eq "webdav: a cut upload of taken.bin" 1 "$rc"
echo "somebody else's document" >"$NC_ROOT/taken.bin"
run_upload "${A[@]}" -R "$state" put "$doc20" taken.bin
expect_eq "webdav: the retry of a name now taken fails" 1 "$rc"
expect_text "webdav: as a different file" "different file" "$errout"
expect_eq "webdav: the other file is untouched" "somebody else's document" "$(cat "$NC_ROOT/taken.bin")"
expect_eq "webdav: the useless chunks were dropped" "" "$(leftovers webdav)"

# --- small documents and servers without chunking stay plain ---------------
small=$scratch/small.bin
head -c 3000000 /dev/urandom >"$small"
rm -f "$scratch/small.resume"
run_upload -t webdav -I -u "$NC_URL" -U "$NC_USER" -p "$scratch/nc.pw" -K 5242880 \
	-R "$scratch/small.resume" put "$small" small.bin
expect_same_file "a document smaller than one chunk is uploaded" "$small" "$NC_ROOT/small.bin"
start_server nextcloud.sh plain nochunking
echo "$NC_PASSWORD" >"$scratch/plain.pw"
run_upload -t webdav -I -u "$NC_URL" -U "$NC_USER" -p "$scratch/plain.pw" -K 5242880 \
	-R "$scratch/plain.resume" put "$doc20" big.bin
expect_eq "a WebDAV server without chunking gets a plain PUT" 0 "$rc"
expect_same_file "... byte-exact" "$doc20" "$NC_ROOT/big.bin"
expect_eq "... and no chunk was sent" "" "$(cat "$NC_LOG")"

finish
