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
it_init
it_need_ctl
it_start_bus
it_write_config
it_start_daemon

A=$IT_ALICE
N=8
W=$IT_DIR/watch.log

ADIR=$(it_local_dir "$A")
check "alice adds a local account" \
	ctl "$A" accounts add home --type local --folder "$ADIR"
it_bg ctl "$A" watch >"$W" 2>&1
it_wait_for "$W" 'watching' ||
	it_die "mfpscanctl watch did not start" "$(cat "$W")"

for i in $(seq 1 "$N"); do
	out=$(ctl "$A" scan --to home --format jpeg --resolution 75 --mode gray \
		--width-mm 20 --height-mm 20 --name "s$i" 2>&1) && rc=0 || rc=$?
	[ "$rc" -eq 0 ] || fail "scan $i exits 0" "$out"
done
# The last job's "done" is the last signal we wait for.
it_wait_for "$W" "^job [^ ]+ done" 200 || true
sleep 0.5

# job ID STATE [...] lines -> "ID: state state ..." with repeats folded.
seqs=$(awk '$1 == "job" && $3 != "changed" {
		if (last[$2] != $3) { s[$2] = s[$2] " " $3; last[$2] = $3 }
		if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
	}
	END { for (i = 1; i <= n; i++) print order[i] ":" s[order[i]] }' "$W")
assert_eq "the watch saw $N jobs" "$N" "$(printf '%s\n' "$seqs" | grep -c .)"
bad=$(printf '%s\n' "$seqs" | grep -Ev '^[^:]+: (queued )?scanning uploading done$')
assert_eq "each job's States: scanning, then uploading, then done" "" "$bad"
[ -z "$bad" ] || printf '     %s\n' "$(grep '^job' "$W" | head -n 40)"
it_daemon_alive "daemon alive"

it_finish
