#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_scan: scans with the userspace pattern engine ("pattern:", the
# same page formula as the kernel's sim engine) to local accounts, in every
# format, source and color mode worth telling apart. Each document must
# appear in its folder, be what the job's properties say (pages, bytes,
# RemoteUrl, owner) and hold exactly the formula's pages: PNG, TIFF and
# Flate PDF byte for byte, JPEG within the verifier's tolerance
# (build/usr/tools/mfpscan-verify); PDFs must also pass qpdf --check.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_verify
it_start_bus
it_write_config
it_start_daemon

A=$IT_ALICE
JOB_IF=org.mfpscan.Daemon1.Job
base=$(it_local_dir "$A")
n=0

# scan_case FORMAT SOURCE MODE PAGES: one scan into a fresh folder, checked.
scan_case() {
	local fmt=$1 src=$2 mode=$3 pages=$4 tag dir acc out job st files nf i
	local url size up p first prefix
	n=$((n + 1))
	tag="$fmt-$src-$mode-$pages"
	dir=$base/$n
	mkdir -p "$dir" && chown "$A:" "$dir" && chmod 0700 "$dir"
	acc=$(it_create_local "$A" "case$n" "$dir") || {
		fail "$tag: create account"
		return
	}
	out=$(mgr "$A" Scan 'oa{sv}' "$acc" 5 format s "$fmt" source s "$src" \
		color-mode s "$mode" resolution u 75 pages u "$pages" 2>&1)
	job=$(it_busctl_path "$out")
	st=$(it_wait_job "$A" "$job")
	assert_eq "$tag: job done" "done" "$st"
	[ "$st" = "done" ] || { printf '%s\n' "$out" | head -3; return; }
	mapfile -t files < <(find "$dir" -type f | sort)
	nf=${#files[@]}
	case $fmt in
	pdf | tiff) assert_eq "$tag: one document" 1 "$nf" ;;
	*) assert_eq "$tag: one file per page" "$pages" "$nf" ;;
	esac
	[ "$nf" -gt 0 ] || return
	p=$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF Pages 2>&1)
	assert_eq "$tag: Pages property" "u $pages" "$p"
	url=$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF RemoteUrl 2>&1)
	assert_match "$tag: RemoteUrl is a document in the folder" \
		"^s \"file://$dir/[^/]+\"$" "$url"
	if [ "$nf" -gt 1 ]; then
		prefix=${files[0]%-001.*}
		assert_eq "$tag: the pages of one job share one document counter" \
			"$nf" "$(printf '%s\n' "${files[@]}" | grep -c "^$prefix-[0-9]*\.")"
	fi
	size=0
	for f in "${files[@]}"; do size=$((size + $(stat -c %s "$f"))); done
	up=$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF BytesUploaded 2>&1)
	assert_eq "$tag: BytesUploaded = bytes in the folder" "t $size" "$up"
	assert_eq "$tag: Owner is alice" "u $(id -u "$A")" \
		"$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF Owner 2>&1)"
	assert_eq "$tag: Account is the account" "o \"$acc\"" \
		"$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF Account 2>&1)"
	if [ "$nf" -eq 1 ]; then
		check "$tag: content is the engine's pages" \
			"$IT_VERIFY" --format "$fmt" --pages "$pages" "${files[0]}"
	else
		for i in "${!files[@]}"; do
			check "$tag: page $((i + 1)) is the engine's page $i" \
				"$IT_VERIFY" --format "$fmt" --first-page "$i" "${files[$i]}"
		done
	fi
	if [ "$fmt" = pdf ]; then
		check "$tag: qpdf --check" qpdf --check "${files[0]}"
	fi
	check "$tag: alice can read her document" \
		as "$A" dd if="${files[0]}" of=/dev/null status=none
	first=${files[0]}
	SAMPLE=$first
}

scan_case png flatbed color 1
scan_case png flatbed gray 1
scan_case png flatbed mono 1
scan_case png adf gray 2
scan_case tiff adf color 3
scan_case tiff flatbed mono 1
scan_case pdf adf color 3
scan_case pdf adf-duplex gray 4
scan_case jpeg flatbed color 1
scan_case jpeg adf gray 2

# A tampered copy must fail verification (the check can fail).
if [ -n "${SAMPLE:-}" ]; then
	cp "$SAMPLE" "$IT_DIR/tampered"
	size=$(stat -c %s "$IT_DIR/tampered")
	printf '\377\000\377\000' | dd of="$IT_DIR/tampered" bs=1 \
		seek=$((size / 2)) conv=notrunc status=none
	check_fails "a tampered document fails verification" \
		"$IT_VERIFY" "$IT_DIR/tampered"
fi

jobs=$(mgr "$A" ListJobs)
assert_match "ListJobs lists the $n jobs" "^ao $n " "$jobs"
it_daemon_alive "daemon alive after the scans"
it_finish
