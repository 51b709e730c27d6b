# SPDX-License-Identifier: GPL-2.0
#
# The contract every folder-like destination (SFTP, SMB) keeps, sourced
# after upload-common.sh: check creates the folder and reports free space,
# a put is byte-exact with no temporary file left and no password in the
# output, a retried put is already-there, exists finds only that name, and
# a different file or one of the same size with other bytes is refused
# without replacing what is stored.

# upload_contract URL ROOT PASSWORD FLAGS...: run the contract against the
# server at URL whose files are under ROOT; FLAGS select the type and
# credentials. Sets doc (a 300 KiB document) and size for the caller.
upload_contract() {
	local url=$1 root=$2 password=$3 other twin
	shift 3
	doc=$scratch/doc.pdf
	make_file "$doc" 300
	size=$(stat -c %s "$doc")

	run_upload "$@" -u "$url" -f scans/2026 check
	expect_eq "check logs in and creates the folder" 0 "$rc"
	expect_text "check reports free space" "ok free=" "$out"
	[ -d "$root/scans/2026" ] && ok "the folder exists on the server" ||
		not_ok "the folder exists on the server"

	run_upload "$@" -u "$url" -f scans/new put "$doc" "scan 1.pdf"
	expect_eq "put creates the folder and returns the URL" \
		"uploaded $url/scans/new/scan%201.pdf" "$out"
	expect_same_file "the bytes on the server equal the document" "$doc" "$root/scans/new/scan 1.pdf"
	expect_eq "no temporary file is left" "scan 1.pdf" "$(ls -A "$root/scans/new")"
	expect_no_text "the password is not in the output" "$password" "$out$errout"

	run_upload "$@" -u "$url" -f scans/new put "$doc" "scan 1.pdf"
	expect_eq "a retried put reports already-there" \
		"already-there $url/scans/new/scan%201.pdf" "$out"
	expect_eq "one copy on the server" 1 "$(ls -A "$root/scans/new" | wc -l)"
	run_upload "$@" -u "$url" -f scans/new exists "scan 1.pdf" "$size"
	expect_eq "exists finds it" yes "$out"
	run_upload "$@" -u "$url" -f scans/new exists "scan 2.pdf" "$size"
	expect_eq "exists does not find another name" no "$out"
	other=$scratch/other.pdf
	make_file "$other" 5
	expect_class "a different file under the same name is refused" server \
		"$@" -u "$url" -f scans/new put "$other" "scan 1.pdf"
	expect_same_file "the stored file was not replaced" "$doc" "$root/scans/new/scan 1.pdf"
	twin=$scratch/twin.pdf
	head -c "$size" /dev/urandom >"$twin"
	expect_class "a file of our size with other bytes is refused, not already-there" \
		server "$@" -u "$url" -f scans/new put "$twin" "scan 1.pdf"
	expect_text "as a different file of the same size" "same size, other content" "$errout"
	expect_same_file "and the stored file is still the first" "$doc" "$root/scans/new/scan 1.pdf"
	expect_eq "no temporary file is left by the refusals" "scan 1.pdf" "$(ls -A "$root/scans/new")"
}
