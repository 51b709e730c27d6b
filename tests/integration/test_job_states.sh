#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_job_states: every change of a job's State is signalled, in order.
# Alice runs "mfpscanctl watch" and scans several small documents to a
# local account (small scans go from scanning to uploading quickly, which
# is when a coalesced progress post used to swallow "scanning"); for each
# job, the States its PropertiesChanged signals carry (repeats folded)
# must read "scanning uploading done" (after an optional "queued").
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl

A=$IT_ALICE
N=8
W=$IT_DIR/watch.log

ADIR=$(it_local_dir "$A")
check "alice adds a local account" \
	ctl "$A" accounts add home --type local --folder "$ADIR"
it_bg ctl "$A" watch >"$W" 2>&1
it_wait_for "$W" 'watching' ||
	it_die "mfpscanctl watch did not start" "$(cat "$W")"

# One scan after the other: each job must be done before the next starts.
ids=()
for i in $(seq 1 "$N"); do
	out=$(ctl "$A" scan --to home --format jpeg --resolution 75 --mode gray \
		--width-mm 20 --height-mm 20 --name "s$i" --no-wait 2>&1)
	job=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[0-9]*' | head -n 1)
	[ -n "$job" ] || it_die "scan $i did not start" "$out"
	assert_eq "scan $i is done" "done" "$(it_wait_job "$A" "$job")"
	ids+=("${job##*/}")
done
# Every one of these jobs' "done" reached the watcher (signals of one
# sender arrive in order: nothing of a job comes after its "done").
for id in "${ids[@]}"; do
	it_wait_for "$W" "^job $id done" 200 ||
		fail "the watch saw job $id done" "$(grep '^job' "$W" | tail -n 20)"
done

# job ID STATE [...] lines -> "ID: state state ..." with repeats folded.
seqs=$(awk '$1 == "job" && $3 != "changed" {
		if (last[$2] != $3) { s[$2] = s[$2] " " $3; last[$2] = $3 }
		if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
	}
	END { for (i = 1; i <= n; i++) print order[i] ":" s[order[i]] }' "$W")
assert_eq "the watch saw our $N jobs, in order, and no other" "${ids[*]}" \
	"$(printf '%s\n' "$seqs" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
bad=$(printf '%s\n' "$seqs" | grep -Ev '^[^:]+: (queued )?scanning uploading done$')
assert_eq "each job's States: scanning, then uploading, then done" "" "$bad"
[ -z "$bad" ] || printf '     %s\n' "$(grep '^job' "$W" | head -n 40)"
it_daemon_alive "daemon alive"

it_finish
