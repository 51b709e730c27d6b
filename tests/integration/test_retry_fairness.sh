#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_retry_fairness: one user's hundred failing entries cannot hold the
# upload slots. Alice has 100 spooled documents for a WebDAV server that
# answers her slowly (3 s, then 503); Bob has one. Alice calls Retry() on
# all 100 at once; as soon as the server has seen her first attempt, Bob
# calls Retry() on his. The server (a small HTTP server on 127.0.0.1 that
# logs every request in arrival order with its Basic-auth user and the
# number of that user's requests in flight) must show:
#   - at most one of Alice's requests in flight at any time (she holds one
#     upload slot, not a hundred threads), and
#   - at most two of Alice's attempts (PROPFIND, the first request of every
#     attempt) before Bob's first: the one running when he asked, and at
#     most one that took the slot it freed while his call was on its way.
# On the code before the upload slots, all 100 of Alice's attempts started
# at once and Bob's came after them.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_start_bus
# No background retry during the test: only Retry() calls start attempts.
export IT_RETRY_INITIAL=3600
it_write_config
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
N=100
SP_IF=org.mfpscan.Daemon1.SpoolEntry

# The server: every request is logged when it arrives, as
# "user method path inflight_of_that_user"; Alice's wait 3 s.
cat >"$IT_DIR/bin/slowdav.py" <<'PY'
import base64, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
log = open(sys.argv[2], "a", buffering=1)
slow = {u: float(d) for u, d in (a.split("=") for a in sys.argv[3:])}
lock = threading.Lock()
inflight = {}
class H(BaseHTTPRequestHandler):
    def handle_any(self):
        auth = self.headers.get("Authorization", "")
        user = "-"
        if auth.startswith("Basic "):
            user = base64.b64decode(auth[6:]).decode().split(":")[0]
        with lock:
            inflight[user] = inflight.get(user, 0) + 1
            log.write(f"{user} {self.command} {self.path} {inflight[user]}\n")
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            n -= len(self.rfile.read(min(n, 65536)) or b"x" * n)
        time.sleep(slow.get(user, 0))
        with lock:
            inflight[user] -= 1
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_PUT = do_HEAD = do_PROPFIND = do_MKCOL = do_DELETE = handle_any
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
open(sys.argv[1], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
SRVLOG=$IT_DIR/slowdav.log
it_bg /usr/bin/python3 "$IT_DIR/bin/slowdav.py" "$IT_DIR/slowdav.port" "$SRVLOG" alice=3
for _ in $(seq 1 100); do [ -s "$IT_DIR/slowdav.port" ] && break; sleep 0.1; done
[ -s "$IT_DIR/slowdav.port" ] || it_die "the test server did not start"
URL=http://127.0.0.1:$(cat "$IT_DIR/slowdav.port")/dav

# account USER LOGIN: a WebDAV account on the test server; prints its path.
account() {
	local out
	out=$(mgr "$1" CreateAccount 'ssa{sv}a{sv}' slow webdav 3 url s "$URL" \
		username s "$2" allow-insecure-http s yes 1 password s pw 2>&1) || { echo "$out" >&2; return 1; }
	it_busctl_path "$out"
}
# spool_one USER ACCOUNT: one scan that ends spooled.
spool_one() {
	local out job
	out=$(mgr "$1" Scan 'oa{sv}' "$2" 2 format s png resolution u 75 2>&1)
	job=$(it_busctl_path "$out")
	it_wait_job "$1" "$job"
}
AACC=$(account "$A" alice) || it_die "alice's account"
BACC=$(account "$B" bob) || it_die "bob's account"
assert_eq "alice's scan is spooled" spooled "$(spool_one "$A" "$AACC")"
assert_eq "bob's scan is spooled" spooled "$(spool_one "$B" "$BACC")"

# Alice's one entry becomes N: copies under new ids while the daemon is
# stopped (the spool recovers them at start as it would after a crash).
it_stop_daemon
auid=$(id -u "$A")
src=$(find "$IT_DIR/spool/$auid" -maxdepth 1 -name '*.json' | head -n 1)
[ -n "$src" ] || it_die "alice's ticket is missing"
for i in $(seq 2 "$N"); do
	id=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	cp -p "${src%.json}.doc" "$IT_DIR/spool/$auid/$id.doc"
	cp -p "$src" "$IT_DIR/spool/$auid/$id.json"
done
it_start_daemon
mapfile -t AENT < <(mgr "$A" ListSpool | grep -o '"/org[^"]*"' | tr -d '"')
assert_eq "alice has $N spooled entries" "$N" "${#AENT[@]}"
BENT=$(mgr "$B" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
[ -n "$BENT" ] || it_die "bob's entry is missing"

: >"$SRVLOG"
# Alice: Retry() on every entry at once (asynchronous calls, one connection).
cat >"$IT_DIR/bin/retry_all.py" <<'PY'
import sys, dbus, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
for path in sys.argv[2:]:
    o = bus.get_object("org.mfpscan.Daemon1", path)
    o.Retry(dbus_interface="org.mfpscan.Daemon1.SpoolEntry", timeout=3600,
            reply_handler=lambda *a: None, error_handler=lambda *a: None)
print("sent", flush=True)
GLib.MainLoop().run()
PY
it_bg as "$A" /usr/bin/python3 -u "$IT_DIR/bin/retry_all.py" "$IT_BUS_ADDR" \
	"${AENT[@]}" >"$IT_DIR/retry_all.log" 2>&1
it_wait_for "$SRVLOG" '^alice PROPFIND' 600 ||
	it_die "alice's retries never reached the server" "$(tail -n 5 "$IT_DIR/daemon.log")"
# Bob asks now; his call ends when his attempt does.
it_bg dsend "$B" --dest="$IT_DEST" --reply-timeout=120000 "$BENT" $SP_IF.Retry \
	>"$IT_DIR/bob-retry.log" 2>&1
it_wait_for "$SRVLOG" '^bob ' 1200 ||
	fail "bob's retry reached the server" "$(cat "$SRVLOG" | head -n 20)"

before=$(awk '$1 == "bob" { exit } $1 == "alice" && $2 == "PROPFIND" { n++ } END { print n + 0 }' "$SRVLOG")
maxin=$(awk '$1 == "alice" && $4 > m { m = $4 } END { print m + 0 }' "$SRVLOG")
echo "# alice's attempts before bob's: $before; alice's requests in flight at most: $maxin"
[ "$before" -ge 1 ] && [ "$before" -le 2 ] &&
	pass "bob's retry waited for at most one of alice's attempts ($before of hers came first)" ||
	fail "bob's retry waited for at most one of alice's attempts" \
		"$before of alice's attempts came first: $(head -n 12 "$SRVLOG")"
assert_eq "alice never had more than one request in flight" 1 "$maxin"
it_daemon_alive "daemon alive with alice's retries queued"
it_finish
