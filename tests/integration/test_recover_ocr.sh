#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_recover_ocr: a PDF scan with OCR, cut while it was read (the daemon
# frozen and killed while page 2 is being written, as a power cut would),
# gets its text layer when the restarted daemon recovers it. The pattern
# engine scans the project's test letter (A4, 300 dpi, gray, 3 pages from
# the ADF); after the restart the real Apache WebDAV server gets
# "...-partial-1-pages.pdf": it passes qpdf --check, has one page, and
# pdftotext finds >= 95 % of the letter's expected words. The same cut with
# an OCR that cannot run (a language that is not installed): the
# image-only partial PDF is uploaded all the same, and the log says why.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
pages=$IT_TOP/build/testpages
[ -f "$pages/letter.png" ] && [ -f "$pages/letter.words" ] ||
	it_die "test pages missing" "run make testpages"
it_have_dav || it_die "no WebDAV test server" "apache2 is not installed"
# stall=1:300: page 2 never ends, so the cut always finds it being written
# (a whole page could slip past the cutter's polling on a loaded host).
IT_DEVICES="[device.default]\npath = pattern:image=$pages/letter.png,stall=1:300\ndriver = kernel"
it_write_config "[ocr]\nlanguages = eng\ntimeout = 300"
it_start_bus
it_start_daemon
it_start_dav
IT_START_TRIES=6000	# recovery recognizes the page before the bus name

A=$IT_ALICE
B=$IT_BOB
LOG=$IT_DIR/daemon.log
SPOOL=$IT_DIR/spool
A4=(--mode gray --resolution 300 --width-mm 210 --height-mm 297 --format pdf
	--source adf --pages 3)

# found PDF: "N M" = the letter's M expected words, N of them in PDF's text.
found() {
	pdftotext -enc UTF-8 "$1" - 2>/dev/null | tr -s '[:space:]' '\n' |
		sed -e 's/^[[:punct:]]*//' -e 's/[[:punct:]]*$//' | grep -v '^$' |
		awk -v words="$pages/letter.words" '{ have[$0] = 1 }
		     END { while ((getline w <words) > 0) { n++; if (w in have) f++ }
			   print f + 0, n + 0 }'
}

# cut USER NAME [SCAN_ARGS...]: it_cut_scan of the letter to dav as NAME.
cut() {
	it_cut_scan "$1" --to dav "${A4[@]}" --name "$2" "${@:3}"
}

# uploaded NAME USER: bounded wait until NAME-partial-1-pages.pdf is on the
# server and USER's spool is empty; prints its path.
uploaded() {
	local doc
	for _ in $(seq 1 3000); do
		doc=$(find "$DAV_ROOT" -name "$1-partial-1-pages.pdf" | head -n 1)
		if [ -n "$doc" ] &&
			[ -z "$(find "$SPOOL/$(id -u "$2")" -maxdepth 1 -name '*.json')" ]; then
			printf '%s\n' "$doc"
			return 0
		fi
		sleep 0.1
	done
}

for u in "$A" "$B"; do
	out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$u" accounts add dav --type webdav --allow-insecure-http yes \
		--url "$DAV_URL" --username "$DAV_USER" --password-stdin \
		--name-template '{name}' 2>&1)
	assert_match "$u adds a WebDAV account" created "$out"
done

# --- OCR on: the recovered partial PDF is searchable ---------------------
assert_eq "alice's OCR scan is cut after page 1" 1 "$(cut "$A" letter --ocr on)"
IT_DAEMON_PID=
tk=$(find "$SPOOL/$IT_ALICE_UID" -path '*.scan/ticket.json' | head -n 1)
assert_eq "the scan's ticket records the OCR languages" eng \
	"$(it_tk "$tk" processing.ocr)"
it_start_daemon
DOC=$(uploaded letter "$A")
check "after the restart the partial PDF is uploaded" test -s "$DOC"
check "it passes qpdf --check" qpdf --check "$DOC"
assert_eq "it has the one page finished before the cut" 1 \
	"$(pdfinfo "$DOC" 2>/dev/null | sed -n 's/^Pages: *//p')"
read -r f n <<<"$(found "$DOC")"
assert_match "pdftotext finds >= 95 % of the letter's $n words ($f found)" yes \
	"$([ "$n" -gt 200 ] && [ $((f * 100)) -ge $((n * 95)) ] && echo yes)"
assert_match "the log says the text layer was added" \
	"recover: user $IT_ALICE_UID: scan [0-9a-f]+: text layer of [0-9]+ words added \(eng\)" \
	"$(cat "$LOG")"
assert_eq "the image-only PDF did not reach the server besides" 1 \
	"$(find "$DAV_ROOT" -name 'letter*' | wc -l)"

# --- OCR that cannot run: the image-only partial PDF goes all the same ----
assert_eq "bob's scan with a missing language is cut after page 1" 1 \
	"$(cut "$B" memo --ocr zzz)"
IT_DAEMON_PID=
it_start_daemon
DOC=$(uploaded memo "$B")
check "after the restart his partial PDF is uploaded" test -s "$DOC"
check "it passes qpdf --check" qpdf --check "$DOC"
read -r f n <<<"$(found "$DOC")"
assert_eq "it is the image-only PDF (no words)" 0 "$f"
assert_match "the log says why it has no text layer" \
	"recover: user $IT_BOB_UID: scan [0-9a-f]+: no text layer: .*zzz.*; the image-only PDF is kept and uploaded" \
	"$(cat "$LOG")"
it_daemon_alive "the daemon is alive"
it_finish
