#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_fuzz: the D-Bus fuzzer (dbus_fuzz.c) as alice, an unprivileged
# real user, sends FUZZ_CALLS (default 100000) random and mutated calls to
# every method and property of dbus/org.mfpscan.Daemon1.xml over hundreds
# of connections, aimed also at bob's accounts, jobs and spool entry.
# Meanwhile:
#  - bob scans again and again to his local folder: every document is the
#    engine's pages byte for byte (mfpscan-verify), none fails;
#  - root asks GetCapabilities every half second on a connection of its
#    own: every call is answered;
#  - the daemon's VmRSS is sampled twice a second: after the warm-up (the
#    first quarter of the samples) it grows by at most RSS_GROWTH_KIB.
# Afterwards: the same daemon process answers, no call went unanswered,
# the calls reached the handlers (the daemon's own InvalidArgument and
# AccessDenied/NotFound answers, method returns), and bob's account and
# spool entry are untouched.
#
# The fuzzer prints its seed; FUZZ_SEED=N reruns the same call sequence
# (Documentation/testing.rst).
#
# The two users scan on two devices: the fuzzer's scans use the default
# device, a pattern engine with its cover open (every scan fails at once,
# so random Scan calls cost no encoding), bob's the device "bobdev". On
# one shared scanner bob could rightly get DeviceBusy while alice scans.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
FUZZ=${FUZZ:-$IT_TOP/build/adversarial/dbus_fuzz}
[ -x "$FUZZ" ] || it_die "dbus_fuzz missing" "make build/adversarial/dbus_fuzz"
CALLS=${FUZZ_CALLS:-100000}
SEED=${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
# RSS growth bound, after the warm-up. Nothing the fuzzer does may keep
# memory: its calls create no lasting objects (alice's few accounts and
# failed jobs are bounded by the per-user limits: 16 accounts, 64 kept
# jobs of a few KiB), and what transits is at most the messages in flight
# (16 connections x 16 calls, one in 333 carrying 1 MiB: a few MiB) plus
# bob's scans (75 dpi gray pages, well under 1 MiB each). glibc keeps freed
# arenas of the daemon's threads mapped: allow 24 MiB for that, about 3x
# the growth seen in runs on a loaded 2-core machine; a leak of one
# message per call (100,000 x >= 100 bytes) or of one big string in 100
# exceeds it.
RSS_GROWTH_KIB=${RSS_GROWTH_KIB:-24576}
A=$IT_ALICE
B=$IT_BOB
it_start_bus
IT_DEVICES='[device.default]\npath = pattern:cover\ndriver = kernel\n\n[device.bobdev]\npath = pattern:\ndriver = kernel'
it_write_config
it_start_daemon
PID=$IT_DAEMON_PID
install -m 0755 "$FUZZ" "$IT_DIR/bin/dbus_fuzz"

# --- the members to fuzz, from the interface description ------------------
SPEC=$IT_DIR/spec.txt
python3 - "$IT_TOP/dbus/org.mfpscan.Daemon1.xml" >"$SPEC" <<'PY'
import sys, xml.etree.ElementTree as ET
for i in ET.parse(sys.argv[1]).getroot().iter("interface"):
    for m in i.findall("method"):
        sig = "".join(a.get("type") for a in m.findall("arg")
                      if a.get("direction", "in") == "in")
        print("M", i.get("name"), m.get("name"), sig or "-")
    for p in i.findall("property"):
        print("P", i.get("name"), p.get("name"), p.get("type"), p.get("access"))
PY
assert_eq "the spec lists every method of the XML" \
	"$(grep -c '<method ' "$IT_TOP/dbus/org.mfpscan.Daemon1.xml")" "$(grep -c '^M ' "$SPEC")"
assert_eq "... and every property" \
	"$(grep -c '<property ' "$IT_TOP/dbus/org.mfpscan.Daemon1.xml")" "$(grep -c '^P ' "$SPEC")"
chmod 0644 "$SPEC"

# --- objects of both users, the fuzzer's targets --------------------------
DEAD=http://127.0.0.1:$(srv_free_port)/dav
BDIR=$(it_local_dir "$B")
ADIR=$(it_local_dir "$A")
check "bob adds a local account" ctl "$B" accounts add bhome --type local --folder "$BDIR"
out=$(printf 'pw\n' | ctl "$B" accounts add bdown --type webdav --allow-insecure-http yes --url "$DEAD" \
	--username bob --password-stdin 2>&1)
assert_match "bob adds an account on a server that is down" created "$out"
check "alice adds a local account" ctl "$A" accounts add ahome --type local --folder "$ADIR"
out=$(printf 'pw\n' | ctl "$A" accounts add adown --type webdav --allow-insecure-http yes --url "$DEAD" \
	--username alice --password-stdin 2>&1)
assert_match "alice adds an account on a server that is down" created "$out"
SCAN=(--device bobdev --format png --resolution 75 --mode mono)
ctl "$B" scan --to bdown "${SCAN[@]}" >/dev/null 2>&1
ctl "$A" scan --to adown "${SCAN[@]}" >/dev/null 2>&1
B_ENTRY=$(it_entries "$B" | head -n 1)
assert_match "bob has a spool entry" "^u${IT_BOB_UID}_" "$B_ENTRY"
assert_match "alice has a spool entry" "^u${IT_ALICE_UID}_" "$(it_entries "$A" | head -n 1)"
B_DOC=$IT_DIR/spool/$IT_BOB_UID/${B_ENTRY#*_}.doc
B_DOC_SHA=$(sha256sum <"$B_DOC")
PATHS=$IT_DIR/paths.txt
{
	for u in "$A" "$B"; do
		for m in ListDestinations ListJobs ListSpool; do
			mgr "$u" "$m" 2>/dev/null | grep -o '"/org/mfpscan/[^"]*"' | tr -d '"'
		done
	done
} | sort -u >"$PATHS"
chmod 0644 "$PATHS"
assert_match "the fuzzer gets bob's spool entry among its targets" \
	"/spool/$B_ENTRY" "$(cat "$PATHS")"
B_ACCOUNTS=$(mgr "$B" ListDestinations 2>&1)

# --- the run --------------------------------------------------------------
RSS_LOG=$IT_DIR/rss.log
(
	while kill -0 "$PID" 2>/dev/null; do
		awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"
		sleep 0.5
	done
) >"$RSS_LOG" 2>/dev/null &
IT_BGPIDS+=("$!")
RSS_PID=$!
adv_probe_start root "$IT_DIR/probe.log"

echo "fuzzer: seed $SEED, $CALLS calls"
start=$SECONDS
as "$A" "$IT_DIR/bin/dbus_fuzz" --address "$IT_BUS_ADDR" --spec "$SPEC" \
	--paths "$PATHS" --seed "$SEED" --calls "$CALLS" ${FUZZ_OPTS:-} >"$IT_DIR/fuzz.log" 2>&1 &
FUZZ_PID=$!
IT_BGPIDS+=("$FUZZ_PID")

# bob scans while the fuzzer runs (at least once, even if it ends first)
scans=0
bad_scans=
while :; do
	out=$(ctl "$B" scan --to bhome --device bobdev --format pdf --source adf \
		--pages 2 --resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
	file=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p')
	scans=$((scans + 1))
	if [ "$rc" != 0 ] || ! "$IT_VERIFY" --format pdf --pages 2 "${file:-/nonexistent}" \
		>/dev/null 2>&1; then
		bad_scans+="scan $scans: exit $rc: $(printf '%s' "$out" | tail -n 3); "
	fi
	kill -0 "$FUZZ_PID" 2>/dev/null || break
done
wait "$FUZZ_PID" && frc=0 || frc=$?
elapsed=$((SECONDS - start))
kill "$RSS_PID" 2>/dev/null
adv_probe_stop "$IT_DIR/probe.log" "root's GetCapabilities answered throughout the fuzzing"
sed -n '1p; /^outcome/p; /^sent/p; /^FAIL/p' "$IT_DIR/fuzz.log"
echo "fuzzer wall time ${elapsed} s; bob scanned $scans documents meanwhile"

# --- what it proves -------------------------------------------------------
outcome() { awk -v n="$1" '$1 == "outcome" && $3 == n {print $2; f=1} END {if (!f) print 0}' "$IT_DIR/fuzz.log"; }
assert_eq "the fuzzer ran to its end (exit 0: every call answered, no connection lost; seed $SEED)" \
	0 "$frc"
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' "$IT_DIR/fuzz.log")
conns=$(sed -n 's/.* connections \([0-9]*\) .*/\1/p' "$IT_DIR/fuzz.log")
mid=$(sed -n 's/.* closed-mid-call \([0-9]*\) .*/\1/p' "$IT_DIR/fuzz.log")
check "at least $CALLS calls were sent (sent ${sent:-0})" test "${sent:-0}" -ge "$CALLS"
check "hundreds of connections opened and closed (${conns:-0})" test "${conns:-0}" -ge 200
check "some closed with calls unanswered (${mid:-0})" test "${mid:-0}" -ge 10
for n in org.mfpscan.Daemon1.Error.InvalidArgument org.mfpscan.Daemon1.Error.AccessDenied \
	'(return)' org.freedesktop.DBus.Error.InvalidArgs \
	org.freedesktop.DBus.Error.UnknownObject org.freedesktop.DBus.Error.AccessDenied; do
	c=$(outcome "$n")
	check "the daemon answered $n ($c times)" test "$c" -gt 0
done
# our child: if it had died it would be a zombie until reaped
check "the same daemon process runs (pid $PID, not a zombie)" \
	grep -Eq '^State:[[:space:]]+[RSD]' "/proc/$PID/status"
it_daemon_alive "the daemon answers after the fuzzing"
check "bob scanned at least once during the fuzzing" test "$scans" -ge 1
assert_eq "every scan of bob's is the engine's pages, byte-exact" "" "$bad_scans"
assert_eq "bob's accounts are untouched" "$B_ACCOUNTS" "$(mgr "$B" ListDestinations 2>&1)"
assert_eq "bob's spool entry is still there" "$B_ENTRY" "$(it_entries "$B" | head -n 1)"
assert_eq "... with its document unchanged" "$B_DOC_SHA" "$(sha256sum <"$B_DOC" 2>&1)"

# RSS: warm-up is the first quarter of the samples
mapfile -t rss <"$RSS_LOG"
n=${#rss[@]}
if [ "$n" -ge 8 ]; then
	warm=${rss[$((n / 4))]}
	max=$warm
	for v in "${rss[@]:$((n / 4))}"; do [ "$v" -gt "$max" ] && max=$v; done
	first=${rss[0]}
	echo "VmRSS: start $first KiB, after warm-up $warm KiB, max after $max KiB ($n samples)"
	check "RSS grew by $((max - warm)) KiB after the warm-up (bound $RSS_GROWTH_KIB KiB)" \
		test $((max - warm)) -le "$RSS_GROWTH_KIB"
else
	fail "RSS was sampled" "$n samples"
fi
it_finish
