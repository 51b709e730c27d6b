#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_retry_already_there: a spooled document that is already on its
# destination (the daemon crashed between "server accepted" and "entry
# removed") is recovered by the next attempt even when the destination is
# full by then: the attempt finds it there (same name, same size) instead
# of reporting storage-full forever. The destination is a local account on
# a real 1 MiB tmpfs; the first upload is made to fail by remounting it
# read-only (a different file under the name would no longer do: the
# daemon then takes the next free name), then the spooled bytes are put
# under the document's name and the tmpfs filled up, and Retry() must
# succeed without a second copy.
set -u
. "$(dirname "$0")/lib.sh"
it_setup

A=$IT_ALICE
SP_IF=org.mfpscan.Daemon1.SpoolEntry

full=$IT_DIR/full
mkdir -p "$full"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$full" ||
	it_die "cannot mount a tmpfs on $full"
IT_MOUNTS+=("$full")
chown "$A:" "$full"

acc=$(it_create_local "$A" full "$full") || it_die "alice cannot create a local account"
# The first document of the account is doc-0001.pdf: a read-only
# destination makes the upload fail and the document spooled.
mount -o remount,ro "$full" || it_die "cannot remount $full read-only"
out=$(mgr "$A" Scan 'oa{sv}' "$acc" 4 format s pdf source s flatbed \
	color-mode s gray resolution u 75 2>&1)
job=$(it_busctl_path "$out")
assert_eq "a scan onto a read-only destination is spooled" spooled "$(it_wait_job "$A" "$job")"
mount -o remount,rw "$full" || it_die "cannot remount $full read-write"

it_first_spooled "$A"
entry=$IT_ENTRY
doc=$IT_ENTRY_DOC

# As if the upload had gone through just before a crash: the document is
# there under its name. Then the destination fills up.
cp "$doc" "$IT_DIR/spooled.pdf"
cp "$doc" "$full/doc-0001.pdf" && chown "$A:" "$full/doc-0001.pdf"
dd if=/dev/zero of="$full/filler" bs=64k status=none 2>/dev/null
free=$(df -B1 --output=avail "$full" | tail -n 1 | tr -d ' ')
size=$(stat -c %s "$doc")
check "the destination has less free space than the document" \
	test "$free" -lt "$size"

log_lines=$(wc -l <"$IT_DIR/daemon.log")
check "Retry() succeeds: the document was already there" \
	bctl "$A" call "$IT_DEST" "$entry" $SP_IF Retry
assert_eq "the spool entry is gone" "ao 0" "$(mgr "$A" ListSpool 2>&1)"
check "the daemon logged it as already there" \
	sh -c "tail -n +$((log_lines + 1)) '$IT_DIR/daemon.log' | grep -q 'it was already there'"
check "the document is on the destination, byte-exact" \
	cmp "$IT_DIR/spooled.pdf" "$full/doc-0001.pdf"
assert_eq "one copy, no temporary file" "doc-0001.pdf filler" \
	"$(find "$full" -mindepth 1 -printf "%f\n" | sort | xargs)"
it_daemon_alive "daemon alive"

it_finish
