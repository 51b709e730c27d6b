#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_ocr: a searchable PDF through the real daemon. The pattern engine
# scans the project's test letter (build/testpages/letter.png, make
# testpages), the daemon adds Tesseract's text layer and uploads to a real
# Apache WebDAV server; the PDF there must pass qpdf --check and pdftotext
# must find >= 95 % of the letter's expected words (A4, 300 dpi, gray).
# The account's ocr default applies when the scan does not say; --ocr off
# wins over it; an OCR that cannot run (languages not installed) leaves the
# image-only PDF, which is uploaded, and the job's Ocr property says so.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
pages=$IT_TOP/build/testpages
[ -f "$pages/letter.png" ] && [ -f "$pages/letter.words" ] ||
	it_die "test pages missing" "run make testpages"
it_have_dav || it_die "no WebDAV test server" "apache2 is not installed"
IT_DEVICES="[device.default]\npath = pattern:image=$pages/letter.png\ndriver = kernel"
IT_DEVICES+="\n[device.jam]\npath = pattern:image=$pages/letter.png,jam=0:1000\ndriver = kernel"
it_write_config "[ocr]\nlanguages = eng\ntimeout = 300"
it_start_bus
it_start_daemon
it_start_dav

A=$IT_ALICE
B=$IT_BOB
A4=(--mode gray --resolution 300 --width-mm 210 --height-mm 297 --format pdf)

# found PDF [PDFTOTEXT_ARGS]: "N M" = the letter's M expected words, N of
# them found in PDF's text.
found() {
	local pdf=$1
	shift
	pdftotext -enc UTF-8 "$@" "$pdf" - 2>/dev/null | tr -s '[:space:]' '\n' |
		sed -e 's/^[[:punct:]]*//' -e 's/[[:punct:]]*$//' | grep -v '^$' |
		awk -v words="$pages/letter.words" '{ have[$0] = 1 }
		     END { while ((getline w <words) > 0) { n++; if (w in have) f++ }
			   print f + 0, n + 0 }'
}

# scan USER ACCOUNT ARGS...: scan, wait, set JOB (path) and DOC (on the server).
scan() {
	local u=$1 to=$2 url
	shift 2
	JOB=$(ctl "$u" scan --to "$to" "${A4[@]}" --no-wait "$@" 2>&1)
	assert_match "the scan starts" '^/org/mfpscan/Daemon1/job/' "$JOB"
	assert_eq "the job is done" done "$(IT_JOB_TRIES=1800 it_wait_job "$u" "$JOB")"
	url=$(bctl "$u" get-property "$IT_DEST" "$JOB" org.mfpscan.Daemon1.Job \
		RemoteUrl 2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p')
	DOC=$DAV_ROOT/${url#"$DAV_URL"/}
	check "the PDF is on the WebDAV server" test -f "$DOC"
	check "it passes qpdf --check" qpdf --check "$DOC"
}

ocr_prop() {
	bctl "$1" get-property "$IT_DEST" "$2" org.mfpscan.Daemon1.Job Ocr \
		2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p'
}

out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add dav --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --password-stdin --ocr on 2>&1)
assert_match "alice adds a WebDAV account with ocr on by default" created "$out"
assert_match "its Ocr property is on" '^Ocr +: on$' "$(ctl "$A" accounts show dav 2>&1)"

# The account's default: a text layer with the letter's words.
scan "$A" dav
read -r f n <<<"$(found "$DOC")"
assert_match "pdftotext finds >= 95 % of the letter's $n words ($f found)" yes \
	"$([ "$n" -gt 200 ] && [ $((f * 100)) -ge $((n * 95)) ] && echo yes)"
assert_match "the job says the text layer was added" '^done: [0-9]+ words on 1 of 1 pages$' \
	"$(ocr_prop "$A" "$JOB")"
assert_eq "the image-only entry did not stay in the spool" "" \
	"$(find "$IT_DIR/spool/$IT_ALICE_UID" -maxdepth 1 -name '*.doc')"

# Two pages from the ADF: each gets its own text.
scan "$A" dav --source adf --pages 2
assert_match "the job says both pages got text" '^done: [0-9]+ words on 2 of 2 pages$' \
	"$(ocr_prop "$A" "$JOB")"
read -r f n <<<"$(found "$DOC" -f 2 -l 2)"
assert_match "page 2 alone has >= 95 % of the words ($f of $n)" yes \
	"$([ "$n" -gt 200 ] && [ $((f * 100)) -ge $((n * 95)) ] && echo yes)"

# --ocr off wins over the account's default.
scan "$A" dav --ocr off
read -r f n <<<"$(found "$DOC")"
assert_eq "with --ocr off the PDF has no text" 0 "$f"
assert_eq "and the job's Ocr property is empty" "" "$(ocr_prop "$A" "$JOB")"

# OCR that cannot run: the image-only PDF is uploaded and the job says so.
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$B" accounts add dav --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --password-stdin --ocr zzz 2>&1)
assert_match "bob's account asks for a language that is not installed" created "$out"
scan "$B" dav
read -r f n <<<"$(found "$DOC")"
assert_eq "his PDF is the image-only one" 0 "$f"
assert_match "the job says why, and that the image was kept" \
	"^not done: .*zzz.* is not installed.*image-only PDF was kept and uploaded" \
	"$(ocr_prop "$B" "$JOB")"
# A jam mid-page: no document, and the job's Ocr property says so.
job=$(ctl "$A" scan --to dav --device jam "${A4[@]}" --no-wait 2>&1)
assert_eq "a jammed scan fails" failed "$(it_wait_job "$A" "$job")"
assert_eq "its Ocr property says there was nothing to read" \
	"not done: there was no complete document to add text to" "$(ocr_prop "$A" "$job")"
it_daemon_alive "the daemon is still there"

# mfpscanctl scan tells the outcome of the text layer with the rest.
out=$(ctl "$B" scan --to dav "${A4[@]}" 2>&1)
assert_match "mfpscanctl scan prints the OCR outcome" \
	"OCR: not done: .*zzz.* is not installed" "$out"

# Bad values are refused with the key named.
check_fails "an unknown language name is refused" ctl "$A" scan --to dav --ocr '../x'
out=$(ctl "$A" scan --to dav --format png --ocr on 2>&1)
assert_match "ocr with a PNG is refused" "needs format 'pdf'" "$out"
it_finish
