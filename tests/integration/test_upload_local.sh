#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Upload to a local directory with mfpscan-upload: success byte-exact, no
# temporary file left, idempotent retry, a different file (even of the same
# size) never replaced nor taken for ours,
# a full filesystem (a real 512 KiB tmpfs) reported as storage-full with
# nothing left behind, bad folders refused.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"

L=(-t local)
doc=$scratch/doc.pdf
make_file "$doc" 300
dest=$scratch/store/scans/2026

run_upload "${L[@]}" -f "$dest" check
expect_eq "check creates the folder and answers ok" 0 "$rc"
expect_text "check reports free space" "ok free=" "$out"
[ -d "$dest" ] && ok "the folder exists after check" || not_ok "the folder exists after check"

run_upload "${L[@]}" -f "$dest" put "$doc" scan-1.pdf
expect_eq "put succeeds" "uploaded file://$dest/scan-1.pdf" "$out"
expect_same_file "stored bytes equal the document" "$doc" "$dest/scan-1.pdf"
expect_eq "no temporary file is left" "scan-1.pdf" "$(ls -A "$dest")"

run_upload "${L[@]}" -f "$dest" put "$doc" scan-1.pdf
expect_eq "a retried put reports already-there" "already-there file://$dest/scan-1.pdf" "$out"
expect_eq "the retry left one copy" "scan-1.pdf" "$(ls -A "$dest")"

run_upload "${L[@]}" -f "$dest" exists scan-1.pdf "$(stat -c %s "$doc")"
expect_eq "exists finds the document" yes "$out"
run_upload "${L[@]}" -f "$dest" exists scan-2.pdf 10
expect_eq "exists does not find another name" no "$out"

head -c 1000 "$doc" >"$dest/.scan-2.pdf.0a1b2c"
touch "$dest/.scan-2.pdf.keepme"
expect_ok "a put after a crash" "${L[@]}" -f "$dest" put "$doc" scan-2.pdf
expect_eq "removes the temporary file the crash left, nothing else" \
	".scan-2.pdf.keepme scan-1.pdf scan-2.pdf" "$(ls -A "$dest" | sort | xargs)"
rm -f "$dest/.scan-2.pdf.keepme" "$dest/scan-2.pdf"

other=$scratch/other.pdf
make_file "$other" 10
expect_class "a different file with the same name is refused" server \
	"${L[@]}" -f "$dest" put "$other" scan-1.pdf
expect_text "the refusal says why" "different file" "$errout"
expect_same_file "the stored document was not replaced" "$doc" "$dest/scan-1.pdf"

# Same name and size, other bytes (a wrapped counter, a template without
# {counter}): somebody else's document, never "already there".
twin=$scratch/twin.pdf
make_file "$twin" 300
expect_class "a different file of the same size is refused" server \
	"${L[@]}" -f "$dest" put "$twin" scan-1.pdf
expect_text "the refusal says so" "same size, other content" "$errout"
expect_same_file "the stored document is still the first one" "$doc" "$dest/scan-1.pdf"

full=$scratch/full
srv_tmpfs "$full" 512 root
big=$scratch/big.pdf
make_file "$big" 800
expect_class "a full filesystem is storage-full" storage-full \
	"${L[@]}" -f "$full" put "$big" big.pdf
expect_text "the message keeps the system's words" "No space left on device" "$errout"
expect_eq "nothing is left on the full filesystem" "" "$(ls -A "$full")"
run_upload "${L[@]}" -f "$full" check
expect_text "check of the empty tmpfs reports its size" "ok free=524288" "$out"
expect_ok "a document that fits still goes in" "${L[@]}" -f "$full" put "$doc" small.pdf
expect_same_file "it is byte-exact" "$doc" "$full/small.pdf"

expect_class "a relative folder is refused" invalid "${L[@]}" -f "rel/dir" check
expect_class "a folder with .. is refused" invalid "${L[@]}" -f "$scratch/../etc" check
expect_class "a name with / is refused" invalid "${L[@]}" -f "$dest" put "$doc" "a/b.pdf"
expect_class "a name starting with . is refused" invalid "${L[@]}" -f "$dest" put "$doc" ".x"

finish
