#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_spool_diskfull: the spool's own filesystem is full. spool_dir is a
# small tmpfs mounted for this test ([spool] min_free_bytes = 1 MiB, so
# that a 4 MiB tmpfs is "small"); documents are spooled because alice's
# WebDAV server is down (network).
#
#   * a scan whose document could not be kept (600 dpi colour, the ADF's
#     50 sheets) is refused up front with the spool's message (Local),
#     no job is created, the existing entry is intact (sha256 of its
#     document and ticket unchanged), the daemon keeps answering;
#   * the tmpfs filled to the last byte: a small scan is refused the same
#     way; a retry of the existing entry (which must rewrite its ticket)
#     fails cleanly and leaves the entry intact and listed;
#   * space back: scanning works again;
#   * [spool] max_entries_per_user = 2: the 3rd failing scan is refused up
#     front ("your spool is full"), nothing accepted and then dropped;
#     bob's own limit is separate;
#   * no temp leftovers after the refusals, and a restart recovers both
#     entries intact.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_start_bus

A=$IT_ALICE
B=$IT_BOB
SP_IF=org.mfpscan.Daemon1.SpoolEntry
SCAN=(--format png --resolution 75 --mode mono)
SPOOL=$IT_DIR/spoolfs
mkdir -p "$SPOOL"
mount -t tmpfs -o size=4096k,mode=0700 tmpfs "$SPOOL" || it_die "mount the spool tmpfs"
IT_MOUNTS+=("$SPOOL")
IT_PENDING_POLICY=allow
it_write_config "[spool]\nmax_entries_per_user = 2\nmin_free_bytes = 1048576"
sed -i "s|^spool_dir = .*|spool_dir = $SPOOL|" "$IT_CONF"
it_start_daemon

entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }
# state UID: every spool file of UID with its sha256 (the entries' bytes).
state() {
	(cd "$SPOOL/$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
tmpfiles() { find "$SPOOL" -mindepth 3 -path "$SPOOL/*/tmp/*" -type f | wc -l; }

for u in "$A" "$B"; do
	out=$(printf 'pw\n' | ctl "$u" accounts add down --type webdav --allow-insecure-http yes \
		--url http://127.0.0.1:1/dav --name-template '{name}' --password-stdin 2>&1)
	assert_match "$u adds an account on a server that is down" created "$out"
done
out=$(ctl "$A" scan --to down "${SCAN[@]}" --name one 2>&1) && rc=0 || rc=$?
assert_eq "a scan to the server that is down is kept (exit 2)" 2 "$rc"
E1=$(entries "$A" | head -n 1)
assert_match "... as a spool entry" "^u${IT_ALICE_UID}_[0-9a-f]{32}$" "$E1"
s1=$(state "$IT_ALICE_UID")
assert_match "its document and ticket are on the spool tmpfs" '\.doc.*\.json' "$(printf '%s' "$s1" | tr '\n' ' ')"

# A document that could not be kept: refused before scanning.
out=$(ctl "$A" scan --to down --format pdf --resolution 600 --mode color --pages 1 2>&1) && rc=0 || rc=$?
assert_eq "a scan too big for the spool disk is refused (exit 1)" 1 "$rc"
assert_match "... with the spool's own message (Local)" \
	'org\.mfpscan\.Daemon1\.Error\.Local: .*spool disk is nearly full' "$out"
assert_no_match "... nothing was read (the job ends before scanning)" 'page [0-9]+ scanned' "$out"
# (the pre-scan retry of pending_policy = allow rewrites the ticket)
assert_eq "... the existing entry's document is intact" \
	"$(printf '%s\n' "$s1" | grep '\.doc$')" "$(state "$IT_ALICE_UID" | grep '\.doc$')"
assert_eq "... nothing left in tmp/" 0 "$(tmpfiles)"
it_daemon_alive "the daemon answers after the refusal"

# The tmpfs full to the last byte.
dd if=/dev/zero of="$SPOOL/filler" bs=4k >/dev/null 2>&1
assert_eq "the spool tmpfs is full" 0 "$(df --output=avail "$SPOOL" | tail -n 1 | tr -d ' ')"
out=$(ctl "$A" scan --to down "${SCAN[@]}" --name two 2>&1) && rc=0 || rc=$?
assert_eq "with the spool disk full a small scan is refused (exit 1)" 1 "$rc"
assert_match "... with the spool's message" 'Local: .*spool disk is nearly full' "$out"
assert_match "... which says what to do" 'ask the administrator' "$out"
assert_no_match "... nothing was read (the job ends before scanning)" 'page [0-9]+ scanned' "$out"
out=$(ctl "$B" scan --to down "${SCAN[@]}" --name bob1 2>&1) && rc=0 || rc=$?
assert_eq "bob's scan is refused too (the disk is shared)" 1 "$rc"
out=$(bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$E1" $SP_IF Retry 2>&1) && rc=0 || rc=$?
check "a retry with the spool disk full fails (the server is down)" test "$rc" -ne 0
assert_eq "... the entry is still listed" "$E1" "$(entries "$A")"
t1=$(printf '%s' "$s1" | grep '\.doc$')
assert_eq "... its document is intact" "$t1" "$(state "$IT_ALICE_UID" | grep '\.doc$')"
check "... its ticket still parses" python3 -c \
	'import json,sys; t=json.load(open(sys.argv[1])); assert t["version"] in (1, 2, 3)' \
	"$SPOOL/$IT_ALICE_UID/${E1#*_}.json"
assert_eq "... nothing left in tmp/" 0 "$(tmpfiles)"
it_daemon_alive "the daemon answers with its spool disk full"

# Space back.
rm -f "$SPOOL/filler"
s1=$(state "$IT_ALICE_UID")
out=$(ctl "$A" scan --to down "${SCAN[@]}" --name three 2>&1) && rc=0 || rc=$?
assert_eq "with space again the scan is kept (exit 2)" 2 "$rc"
assert_eq "alice has two entries" 2 "$(entries "$A" | wc -l)"

# Per-user limit: the 3rd failing scan is refused up front.
s2=$(state "$IT_ALICE_UID")
out=$(ctl "$A" scan --to down "${SCAN[@]}" --name four 2>&1) && rc=0 || rc=$?
assert_eq "the 3rd scan is refused (exit 1)" 1 "$rc"
assert_match "... up front with the spool's message" \
	'Local: .*your spool is full: 2 documents' "$out"
assert_match "... which says what to do" 'mfpscanctl spool' "$out"
assert_no_match "... nothing was read (nothing accepted then dropped)" 'page [0-9]+ scanned' "$out"
assert_eq "... still two entries" 2 "$(entries "$A" | wc -l)"
assert_eq "... both intact (the pre-scan retry only rewrote tickets)" \
	"$(printf '%s\n' "$s2" | grep '\.doc$')" "$(state "$IT_ALICE_UID" | grep '\.doc$')"
out=$(ctl "$B" scan --to down "${SCAN[@]}" --name bob2 2>&1) && rc=0 || rc=$?
assert_eq "bob's own limit is separate: his scan is kept (exit 2)" 2 "$rc"
assert_eq "nothing left in tmp/" 0 "$(tmpfiles)"
assert_eq "no orphans" 0 "$(find "$SPOOL" -path '*/orphans/*' -type f | wc -l)"

# A restart recovers every entry intact.
docs=$(state "$IT_ALICE_UID" | grep '\.doc$')
it_stop_daemon
it_start_daemon
assert_eq "after a restart alice's two entries are back" 2 "$(entries "$A" | wc -l)"
assert_eq "... byte-identical" "$docs" "$(state "$IT_ALICE_UID" | grep '\.doc$')"
assert_eq "bob's entry is back" 1 "$(entries "$B" | wc -l)"
it_daemon_alive "daemon alive after the spool-full checks"
it_finish
