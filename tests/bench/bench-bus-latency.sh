#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the daemon's main loop under load, on the real bus (issue 11,
# "a main loop that never waits on disk or network"). A benchmark: it
# prints figures and asserts no time.
#
# A private dbus-daemon, the real mfpscand (root), Apache mod_dav on
# loopback, and a throttling proxy in front of it (a slow server). Bob, a
# second real user, calls Manager.GetCapabilities and Manager.ListSpool in
# turn over the bus (usr/tools/mfpscan-bus-latency.c, sd-bus) and gets
# p50/p99/max latencies and the number of calls:
#   1. idle: the daemon has nothing to do (the baseline, same run);
#   2. loaded: alice has 4 uploads running to the slow server, and a scan
#      of BENCH_BUS_DOC_MB MiB (default 1024; 300 dpi color TIFF of noise,
#      which does not compress) is being assembled and committed by the
#      daemon into her spool (spool_commit: fsync and SHA-256 of the whole
#      document). The window runs from the moment the assembled document
#      appears in her spool's tmp/ until the entry is committed.
# Goal: p99 <= 50 ms in the loaded window (printed, not asserted).
# Exit non-zero only when the load could not be set up: the uploads were
# not all running at both ends of the window, or the commit did not happen
# inside it (both checks are printed).
# GetCapabilities answers from the devices' capabilities probed in the
# background (device_caps.c): the big scan's device (pattern:image= of
# 32 MB of noise, loaded at each open) is probed at the start, not at each
# call. (Until issue 11 it was opened on the main thread at every call.)
# Knobs: BENCH_BUS_DOC_MB, BENCH_BUS_IDLE_S (20), BENCH_BUS_RATE (bytes/s
# per upload connection, 1024). Results: build/bench/bus-latency.txt.
set -u
. "$(dirname "$0")/../integration/lib.sh"
IT_TEST=bench-bus-latency
it_init
it_need_ctl
probe=$IT_BUILD/tools/mfpscan-bus-latency
[ -x "$probe" ] || it_die "mfpscan-bus-latency missing" "build it: make usr"
out=$IT_TOP/build/bench
mkdir -p "$out"
report=$out/bus-latency.txt
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }
now() { date +%s.%N; }
doc_mb=${BENCH_BUS_DOC_MB:-1024}
idle_s=${BENCH_BUS_IDLE_S:-20}
rate=${BENCH_BUS_RATE:-1024}
ok=1

# Noise, so that neither Deflate nor the spool makes the document small:
# one legal-size 300 dpi page (2550 x 4200 RGB, 32 MB).
img=$IT_DIR/noise.ppm
{ printf 'P6\n2550 4200\n255\n'; head -c $((2550 * 4200 * 3)) /dev/urandom; } >"$img"
# 215 x 355 mm at 300 dpi: 2539 x 4192 pixels, 3 bytes each.
page_bytes=$((2539 * 4192 * 3))
pages=$(( (doc_mb * 1048576 + page_bytes - 1) / page_bytes ))
[ "$pages" -le 50 ] || it_die "BENCH_BUS_DOC_MB too big" "at most 50 pages fit the ADF"

IT_DEVICES="[device.default]\npath = pattern:\ndriver = kernel"
IT_DEVICES+="\n[device.big]\npath = pattern:image=$img,adf=50\ndriver = kernel"
for i in 1 2 3 4; do
	IT_DEVICES+="\n[device.up$i]\npath = pattern:\ndriver = kernel"
done
it_start_bus
it_write_config "[spool]\nmax_bytes_per_user = $((16 << 30))\n[upload]\ntimeout_s = 3600"
it_start_daemon
it_start_dav

# The slow server: a proxy forwarding to Apache at $rate bytes/s per
# connection (client to server); its stats file says "open=N puts=P
# bytes=M" (P: PUTs whose body is being sent).
dav_port=${DAV_URL#http://127.0.0.1:}
dav_port=${dav_port%%/*}
cat >"$IT_DIR/slowproxy.py" <<'PY'
import asyncio, os, re, sys
port_file, stats, target, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
state = {"open": 0, "puts": 0, "bytes": 0}
method = re.compile(rb"^[A-Z]+ /")
def write_stats():
    with open(stats + ".tmp", "w") as f:
        f.write("open=%d puts=%d bytes=%d\n" % (state["open"], state["puts"], state["bytes"]))
    os.replace(stats + ".tmp", stats)
def set_put(conn, on):
    if conn["put"] != on:
        conn["put"] = on
        state["puts"] += 1 if on else -1
        write_stats()
# Client to server at `rate` bytes/s; a PUT counts as running from its
# request line until the server's answer (other than 100 Continue).
async def up(r, w, conn):
    try:
        while True:
            b = await r.read(min(rate, 65536))
            if not b:
                break
            if method.match(b):
                set_put(conn, b.startswith(b"PUT "))
            w.write(b)
            await w.drain()
            state["bytes"] += len(b)
            write_stats()
            await asyncio.sleep(len(b) / rate)
    except (ConnectionError, OSError):
        pass
    finally:
        w.close()
async def down(r, w, conn):
    try:
        while True:
            b = await r.read(65536)
            if not b:
                break
            if not re.match(rb"HTTP/1\.[01] 100 ", b):
                set_put(conn, False)
            w.write(b)
            await w.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        w.close()
async def handle(cr, cw):
    conn = {"put": False}
    state["open"] += 1
    write_stats()
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(up(cr, sw, conn), down(sr, cw, conn))
    except OSError:
        cw.close()
    finally:
        set_put(conn, False)
        state["open"] -= 1
        write_stats()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    write_stats()
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.sockets[0].getsockname()[1])
    os.replace(port_file + ".tmp", port_file)
    await srv.serve_forever()
asyncio.run(main())
PY
it_bg python3 "$IT_DIR/slowproxy.py" "$IT_DIR/proxy.port" "$IT_DIR/proxy.stats" \
	"$dav_port" "$rate"
it_wait_for "$IT_DIR/proxy.port" '^[0-9]+$' 400 || it_die "the slow proxy did not start"
slow_url="http://127.0.0.1:$(cat "$IT_DIR/proxy.port")/dav"
proxy_stat() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$IT_DIR/proxy.stats"; }

A=$IT_ALICE
B=$IT_BOB
A_UID=$IT_ALICE_UID
for acct in fast:$DAV_URL slow:$slow_url; do
	printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add "${acct%%:*}" --type webdav --allow-insecure-http yes \
		--url "${acct#*:}" --username "$DAV_USER" --folder bench --password-stdin \
		>/dev/null 2>&1 || it_die "cannot add the WebDAV account ${acct%%:*}"
done
# bob has a spool entry, so that his ListSpool has something to list: a
# scan to an account whose server refuses him is kept.
printf 'wrong\n' | ctl "$B" accounts add bad --type webdav --allow-insecure-http yes --url "$DAV_URL" \
	--username "$DAV_USER" --folder bench --password-stdin >/dev/null 2>&1
ctl "$B" scan --to bad --format pdf --resolution 75 >/dev/null 2>&1

# probe LABEL ARGS...: bob's calls; the figures go to the report.
probe() {
	local label=$1
	shift
	as "$B" "$probe" --address "$IT_BUS_ADDR" --label "$label " "$@" \
		>"$IT_DIR/probe.$label" 2>&1
}

say "# mfpscan bus latency under load, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
say "## idle: bob calls GetCapabilities and ListSpool for ${idle_s} s, the daemon has nothing to do"
probe idle --seconds "$idle_s" || ok=0
tee -a "$report" <"$IT_DIR/probe.idle"

say "## loaded: 4 uploads (10-page TIFFs of the formula, ~1.5 MB) at $rate B/s to a slow WebDAV server + a ${doc_mb} MiB scan committing (${pages} pages, 300 dpi color TIFF of noise)"
for i in 1 2 3 4; do
	ctl "$A" scan --no-wait --to slow --device "up$i" --source adf --pages 10 \
		--format tiff --mode color --resolution 300 \
		>"$IT_DIR/up$i.job" 2>&1 || it_die "upload scan $i refused" "$(cat "$IT_DIR/up$i.job")"
done
for _ in $(seq 1 1200); do
	[ "$(proxy_stat puts)" -ge 4 ] 2>/dev/null && break
	sleep 0.5
done
n_puts=$(proxy_stat puts)
say "uploads: $n_puts PUTs running to the slow server, $(proxy_stat bytes) bytes sent so far"
[ "$n_puts" -ge 4 ] || it_die "the 4 uploads did not start" "$(cat "$IT_DAV_DIR"/*.log 2>/dev/null | tail -5)"

spool_a=$IT_DIR/spool/$A_UID
# The uploads' scans are over (their pages are entries) before the big one
# starts, so that the one new scan directory is the big scan's.
for _ in $(seq 1 1200); do
	compgen -G "$spool_a/*.scan" >/dev/null || break
	sleep 0.5
done
compgen -G "$spool_a/*.scan" >/dev/null && it_die "the upload scans did not end"
t_scan=$(now)
ctl "$A" scan --no-wait --to fast --device big --source adf --pages "$pages" \
	--format tiff --mode color --resolution 300 --width-mm 215 --height-mm 355 \
	>"$IT_DIR/big.job" 2>&1 || it_die "the big scan was refused" "$(cat "$IT_DIR/big.job")"
# Its scan directory, then the assembled document in tmp/.
id=
for _ in $(seq 1 1200); do
	for id in "$spool_a"/*.scan; do
		[ -d "$id" ] && break
		id=
	done
	[ -n "$id" ] && break
	sleep 0.5
done
id=$(basename "${id%.scan}")
[ -n "$id" ] || it_die "the big scan did not start" "$(tail -5 "$IT_DIR/daemon.log")"
tmpdoc=$spool_a/tmp/$id.doc
# Reading 34 pages of noise takes minutes on a loaded machine: bounded by 1 h.
for _ in $(seq 1 36000); do
	[ -e "$tmpdoc" ] && break
	[ -e "$spool_a/$id.json" ] && break
	sleep 0.1
done
t_read=$(now)
say "the big scan read its ${pages} pages in $(awk -v a="$t_scan" -v b="$t_read" 'BEGIN{printf "%.0f", b-a}') s"
rm -f "$IT_DIR/stop"
open0=$(proxy_stat puts)
bytes0=$(proxy_stat bytes)
size0=$(stat -c %s "$tmpdoc" 2>/dev/null || echo gone)
as "$B" "$probe" --address "$IT_BUS_ADDR" --label "loaded " --stop "$IT_DIR/stop" \
	--min-calls 10 >"$IT_DIR/probe.loaded" 2>&1 &
probe_pid=$!
IT_BGPIDS+=("$probe_pid")
t_w0=$(now)
# Until the entry is committed (its ticket exists and tmp/ no longer holds
# the document), bounded by 1 h.
for _ in $(seq 1 36000); do
	[ -e "$spool_a/$id.json" ] && [ ! -e "$tmpdoc" ] && break
	sleep 0.05
done
t_commit=$(now)
open1=$(proxy_stat puts)
bytes1=$(proxy_stat bytes)
: >"$IT_DIR/stop"
wait "$probe_pid" || ok=0
size1=$(stat -c %s "$spool_a/$id.doc" 2>/dev/null || echo 0)
tee -a "$report" <"$IT_DIR/probe.loaded"

say "## was the load there?"
say "assembled document in tmp/ at the window's start: $size0 bytes; committed entry $id: $size1 bytes ($((size1 >> 20)) MiB), $(awk -v a="$t_w0" -v b="$t_commit" 'BEGIN{printf "%.1f", b-a}') s after the window opened"
if [ "$size0" = gone ] || [ ! -e "$spool_a/$id.json" ] || [ "$size1" -lt $((doc_mb << 20)) ]; then
	say "LOAD NOT SET UP: the ${doc_mb} MiB commit did not happen inside the window"
	ok=0
else
	say "commit inside the window: yes"
fi
say "slow uploads: $open0 PUTs running at the window's start, $open1 at its end; $((bytes1 - bytes0)) bytes sent during it"
if [ "${open0:-0}" -lt 4 ] || [ "${open1:-0}" -lt 4 ] || [ "$((bytes1 - bytes0))" -le 0 ]; then
	say "LOAD NOT SET UP: the 4 uploads did not run throughout the window"
	ok=0
else
	say "4 uploads throughout the window: yes"
fi
say "goal: p99 <= 50 ms for both calls in the loaded window (printed, not asserted)"
say "results: $report"
[ "$ok" = 1 ] || exit 1
it_finish
