#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_pipeline_names: the pages of one job share one document counter even
# when another job of the same account names its pages meanwhile. Two
# scanner engines (two pattern devices) scan 6-page JPEG jobs at once into
# one local account; each job's pages must be NAME-<n>-001..006 with one
# <n> per job, two different <n>, every job done, nothing spooled.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_start_bus
it_write_config "[device.second]\npath = pattern:\ndriver = kernel"
it_start_daemon

A=$IT_ALICE
PAGES=6
dir=$(it_local_dir "$A")
acc=$(it_create_local "$A" home "$dir") || it_die "alice cannot create a local account"

for round in 1 2 3; do
	jobs=()
	for dev in default second; do
		out=$(mgr "$A" Scan 'oa{sv}' "$acc" 7 device s "$dev" format s jpeg \
			source s adf color-mode s color resolution u 150 \
			pages u "$PAGES" name s "r$round" 2>&1)
		job=$(it_busctl_path "$out")
		[ -n "$job" ] || fail "round $round: scan on $dev" "$out"
		jobs+=("$job")
	done
	for job in "${jobs[@]}"; do
		assert_eq "round $round: $job done" "done" "$(it_wait_job "$A" "$job")"
	done
done

assert_eq "nothing was spooled" "ao 0" "$(mgr "$A" ListSpool 2>&1)"
assert_eq "$((3 * 2 * PAGES)) pages in the folder" "$((3 * 2 * PAGES))" \
	"$(find "$dir" -type f | wc -l)"
# doc-<counter>-<page>.jpg: per counter value, pages 001..PAGES exactly.
bad=$(find "$dir" -type f -printf '%f\n' | sed -n 's/^doc-\([0-9]*\)-\([0-9]*\)\.jpg$/\1 \2/p' |
	sort | awk -v n="$PAGES" '
		{ c[$1]++; p[$1] = p[$1] " " $2 }
		END { for (k in c) if (c[k] != n) print k ":" p[k]; print length(c) " counters" }')
assert_eq "each counter value names exactly one job's $PAGES pages" \
	"6 counters" "$bad"
it_daemon_alive "daemon alive"
it_finish
