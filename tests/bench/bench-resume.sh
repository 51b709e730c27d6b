#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench (resumable uploads): a 200 MB document over a link that drops
# every 50 MB (tests/servers/cutproxy.py resets the connection carrying
# byte 50, 100 and 150 MB of all traffic), retried until it is stored:
# resumable (mfpscan-upload -R) against a plain restart from byte 0, on
# s3rver (multipart), OpenSSH (SFTP append) and nextcloud.js (chunking v2),
# 8 MiB chunks. (s3rver keeps the bytes of a cut PUT as a short object,
# which real S3 never does; the plain S3 runs remove it before each retry.) Prints the bytes sent in total and the wall time of each,
# and their ratios. A benchmark: it asserts nothing.
# Results: build/bench/resume.txt (and stdout).
set -u
. "$(dirname "$0")/../integration/upload-common.sh"
report=$top/build/bench/resume.txt
mkdir -p "$(dirname "$report")"
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }
now() { date +%s.%N; }

MB=1000000
SIZE=$((200 * MB))
doc=$scratch/doc.bin
head -c "$SIZE" /dev/urandom >"$doc"
sync
start_server s3rver.sh s3
start_server sshd.sh sshd
start_server nextcloud.sh nc
echo "$S3_SECRET_KEY" >"$scratch/s3.pw"
echo "$SFTP_PASSWORD" >"$scratch/sftp.pw"
echo "$NC_PASSWORD" >"$scratch/nc.pw"
s3_port=${S3_URL#http://127.0.0.1:}
s3_port=${s3_port%%/*}

# run TYPE MODE: upload through a fresh proxy until it succeeds; prints
# "BYTES SECONDS ATTEMPTS".
n=0
run() {
	local type=$1 mode=$2 target args resume=() t0 t1 attempts=0 sent
	n=$((n + 1))
	case $type in
	s3) target=$s3_port ;;
	sftp) target=$SFTP_PORT ;;
	webdav) target=$NC_PORT ;;
	esac
	stops+=("$servers/cutproxy.sh stop $scratch/cut$n")
	eval "$("$servers/cutproxy.sh" start "$scratch/cut$n" "$target" \
		$((50 * MB)) $((100 * MB)) $((150 * MB)))"
	case $type in
	s3) args="-t s3 -I -u http://127.0.0.1:$CUT_PORT/scans -k $S3_ACCESS_KEY -p $scratch/s3.pw" ;;
	sftp) args="-t sftp -u sftp://127.0.0.1:$CUT_PORT/~ -U $SFTP_USER -H $SFTP_HOSTKEY -p $scratch/sftp.pw" ;;
	webdav) args="-t webdav -I -u http://127.0.0.1:$CUT_PORT/remote.php/dav/files/$NC_USER -U $NC_USER -p $scratch/nc.pw" ;;
	esac
	[ "$mode" = resumable ] && resume=(-R "$scratch/state$n")
	t0=$(now)
	while [ "$attempts" -lt 10 ]; do
		attempts=$((attempts + 1))
		# s3rver keeps a cut PUT's bytes as a short object (S3 never
		# does) and a retry would then meet "a different object"
		[ "$type$mode" != s3plain ] ||
			rm -f "$S3_ROOT/scans/$mode-$n.bin._S3rver_"*
		# shellcheck disable=SC2086
		"$upload" $args "${resume[@]}" put "$doc" "$mode-$n.bin" >/dev/null 2>&1 && break
	done
	t1=$(now)
	sent=$("$servers/cutproxy.sh" sent "$scratch/cut$n")
	echo "$sent $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $attempts"
}

say "# resumable uploads, $(date -u +%FT%TZ), $(nproc) cores: 200 MB, the link drops at 50, 100 and 150 MB"
for type in s3 sftp webdav; do
	read -r rb rt ra <<<"$(run "$type" resumable)"
	read -r pb pt pa <<<"$(run "$type" plain)"
	say "$type: resumable $((rb / MB)) MB sent ($(awk -v a="$rb" -v s="$SIZE" 'BEGIN { printf "%.3f", a / s }') x the document) in $rt s, $ra attempts; plain restart $((pb / MB)) MB ($(awk -v a="$pb" -v s="$SIZE" 'BEGIN { printf "%.3f", a / s }') x) in $pt s, $pa attempts; bytes ratio $(awk -v a="$rb" -v b="$pb" 'BEGIN { printf "%.2f", a / b }'), time ratio $(awk -v a="$rt" -v b="$pt" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
done
finish >/dev/null
