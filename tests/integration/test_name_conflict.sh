#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_name_conflict: when the name a new scan gets is already taken on the
# destination by a DIFFERENT file, the scan is delivered under the next
# free variant ("doc-x-2.pdf", then "doc-x-3.pdf", ...), the other file is
# left untouched, and mfpscanctl scan exits 0 printing the final URL. For a
# local account and for Apache mod_dav (WebDAV). The account's template has
# no {counter} (doc-{name}), so scans with the same --name collide. Also a
# spooled document whose name is taken before its retry (local).
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl

A=$IT_ALICE
SCAN=(--format pdf --resolution 75 --mode gray)

# conflict_case LABEL ACCOUNT DIR URLPREFIX
conflict_case() {
	local label=$1 acc=$2 dir=$3 prefix=$4 out rc
	printf 'somebody else'"'"'s file, not a scan\n' >"$dir/doc-x.pdf"
	cp "$dir/doc-x.pdf" "$IT_DIR/other-$acc"

	out=$(ctl "$A" scan --to "$acc" "${SCAN[@]}" --width-mm 40 --name x 2>&1) && rc=0 || rc=$?
	assert_eq "$label: a scan onto a taken name exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || printf '     %s\n' "$out"
	assert_match "$label: ... and says it went to doc-x-2.pdf" \
		"the document is at: $prefix/doc-x-2.pdf\$" "$out"
	check "$label: doc-x-2.pdf is a PDF" \
		sh -c "head -c 5 '$dir/doc-x-2.pdf' | grep -q '%PDF-'"
	check "$label: the other file under doc-x.pdf is untouched" \
		cmp "$IT_DIR/other-$acc" "$dir/doc-x.pdf"

	out=$(ctl "$A" scan --to "$acc" "${SCAN[@]}" --width-mm 50 --name x 2>&1) && rc=0 || rc=$?
	assert_eq "$label: a second scan with other settings exits 0" 0 "$rc"
	assert_match "$label: ... and goes to doc-x-3.pdf" \
		"the document is at: $prefix/doc-x-3.pdf\$" "$out"
	check "$label: doc-x-3.pdf differs from doc-x-2.pdf" \
		sh -c "! cmp -s '$dir/doc-x-2.pdf' '$dir/doc-x-3.pdf'"
	check "$label: the other file is still untouched" \
		cmp "$IT_DIR/other-$acc" "$dir/doc-x.pdf"
	assert_eq "$label: nothing is left in the spool" "ao 0" \
		"$(mgr "$A" ListSpool 2>&1)"
}

# --- local -----------------------------------------------------------------
ADIR=$(it_local_dir "$A")
check "alice adds a local account with the template doc-{name}" \
	ctl "$A" accounts add home --type local --folder "$ADIR" \
	--name-template 'doc-{name}'
conflict_case local home "$ADIR" "file://$ADIR"

# --- a spooled document whose name is taken before its retry ----------------
# The first upload fails (read-only tmpfs): the entry keeps doc-y.pdf. A
# different file then takes that name; Retry() must store and use
# doc-y-2.pdf and leave the other file alone.
RO=$IT_DIR/ro
mkdir -p "$RO"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$RO" || it_die "cannot mount a tmpfs on $RO"
IT_MOUNTS+=("$RO")
chown "$A:" "$RO"
check "alice adds a local account on the tmpfs" \
	ctl "$A" accounts add ro --type local --folder "$RO" --name-template 'doc-{name}'
mount -o remount,ro "$RO" || it_die "cannot remount $RO read-only"
out=$(ctl "$A" scan --to ro "${SCAN[@]}" --width-mm 40 --name y 2>&1) && rc=0 || rc=$?
assert_eq "retry: a scan to a read-only destination is kept (exit 2)" 2 "$rc"
mount -o remount,rw "$RO" || it_die "cannot remount $RO read-write"
it_first_spooled "$A"
entry=$IT_ENTRY
doc=$IT_ENTRY_DOC
cp "$doc" "$IT_DIR/spooled-y.pdf"
printf 'another file\n' >"$RO/doc-y.pdf"
cp "$RO/doc-y.pdf" "$IT_DIR/other-y"
check "retry: Retry() succeeds" \
	bctl "$A" call "$IT_DEST" "$entry" org.mfpscan.Daemon1.SpoolEntry Retry
check "retry: the document is doc-y-2.pdf, byte-exact" \
	cmp "$IT_DIR/spooled-y.pdf" "$RO/doc-y-2.pdf"
check "retry: the other file under doc-y.pdf is untouched" \
	cmp "$IT_DIR/other-y" "$RO/doc-y.pdf"
assert_eq "retry: the spool entry is gone" "ao 0" "$(mgr "$A" ListSpool 2>&1)"

# --- WebDAV (Apache mod_dav) -----------------------------------------------
if it_have_dav; then
	it_start_dav
	out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add dav \
		--type webdav --allow-insecure-http yes --url "$DAV_URL" --username "$DAV_USER" \
		--folder nc --name-template 'doc-{name}' --password-stdin 2>&1)
	assert_match "alice adds a WebDAV account (Apache)" created "$out"
	mkdir -p "$DAV_ROOT/nc"
	chown "$(stat -c %u:%g "$DAV_ROOT")" "$DAV_ROOT/nc"
	conflict_case webdav dav "$DAV_ROOT/nc" "$DAV_URL/nc"
else
	fail "Apache mod_dav is not installed: the WebDAV case cannot run"
fi
it_daemon_alive "daemon alive"

it_finish
