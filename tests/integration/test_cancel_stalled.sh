#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_cancel_stalled: Cancel and SIGTERM do not wait for an engine that
# stalls. The pattern engine's stall=P:L never delivers the band holding
# line L of page P (band_source.h): the worker then waits in the band
# source, where only the job's wake-up descriptor reaches it.
#   1. Alice's scan stalls on its first page; Cancel() ends the job
#      "cancelled" and nothing of it is kept.
#   2. Her next scan (ADF, 3 pages) stalls on page 2 after page 1 is
#      whole; SIGTERM makes the daemon exit with status 0, and the next
#      start keeps page 1 as a partial document in her spool (nothing
#      lost).
# The elapsed times are printed; the bounds asserted are hang detectors
# (60 s), not timings. Before the wake-up descriptor both waits never
# ended.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_start_bus
export IT_DEVICES='[device.default]\npath = pattern:adf=5,stall=0:300\ndriver = kernel\n\n[device.late]\npath = pattern:adf=5,stall=1:300\ndriver = kernel'
it_write_config
it_start_daemon

A=$IT_ALICE
JOB_IF=org.mfpscan.Daemon1.Job
dir=$(it_local_dir "$A")
ACC=$(it_create_local "$A" home "$dir") || it_die "account"

# wait_scanning JOB [MIN_PAGES]: until the job reads (and has that many pages).
wait_scanning() {
	local s p
	for _ in $(seq 1 600); do
		s=$(it_job_state "$A" "$1")
		p=$(bctl "$A" get-property "$IT_DEST" "$1" $JOB_IF Pages 2>/dev/null | awk '{print $2}')
		[ "$s" = scanning ] && [ "${p:-0}" -ge "${2:-0}" ] && return 0
		case $s in done | spooled | failed | cancelled) return 1 ;; esac
		sleep 0.1
	done
	return 1
}
ms() { date +%s%3N; }

# 1. Cancel on a stalled first page.
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 3 format s pdf resolution u 150 source s adf 2>&1)
JOB=$(it_busctl_path "$out")
wait_scanning "$JOB" || it_die "the first scan never read" "$(it_job_state "$A" "$JOB")"
sleep 1	# it is in the stall by now (line 300 comes at once)
t0=$(ms)
check "Cancel() is accepted" bctl "$A" call "$IT_DEST" "$JOB" $JOB_IF Cancel
IT_JOB_TRIES=600
state=$(it_wait_job "$A" "$JOB")
echo "# Cancel on a stalled engine: $(($(ms) - t0)) ms to the final state"
assert_eq "the stalled scan ends cancelled" cancelled "$state"
assert_eq "nothing of the cancelled scan is kept" "ao 0" "$(mgr "$A" ListSpool 2>&1)"

# 2. SIGTERM with a stalled second page.
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 5 format s pdf resolution u 150 source s adf \
	pages u 3 device s late 2>&1)
JOB=$(it_busctl_path "$out")
wait_scanning "$JOB" 1 || it_die "the second scan never finished page 1" "$out $(it_job_state "$A" "$JOB")"
sleep 1
t0=$(ms)
kill -TERM "$IT_DAEMON_PID"
rc=timeout
for _ in $(seq 1 600); do
	if ! kill -0 "$IT_DAEMON_PID" 2>/dev/null; then
		wait "$IT_DAEMON_PID"
		rc=$?
		break
	fi
	sleep 0.1
done
echo "# SIGTERM with a stalled engine: $(($(ms) - t0)) ms to the daemon's exit"
[ "$rc" = timeout ] && kill -KILL "$IT_DAEMON_PID" 2>/dev/null
IT_DAEMON_PID=
assert_eq "the daemon exits with status 0" 0 "$rc"

assert_eq "the cancelled scan left nothing in alice's folder" "" "$(ls "$dir")"
it_start_daemon
# The start makes the partial document and uploads it to the writable
# folder. (It passes through the spool on its way: a spool entry seen
# before the file is there is not the end, so only the file is waited for.)
doc=
for _ in $(seq 1 300); do
	doc=$(ls "$dir" | head -n 1)
	[ -n "$doc" ] && break
	sleep 0.1
done
[ -n "$doc" ] && pass "the page read before the stall reached alice's folder ($doc)" ||
	fail "the page read before the stall reached alice's folder" \
		"$(ls "$dir") $(mgr "$A" ListSpool 2>&1)"
[ -z "$doc" ] || assert_match "it is the one page that was whole" '^Pages: +1$' \
	"$(pdfinfo "$dir/$doc" 2>&1)"
it_daemon_alive "daemon alive after the restart"
it_finish
