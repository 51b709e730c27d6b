#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_signals: signals about a user's objects reach that user (and
# root connections that called Manager.Subscribe) only. Root runs three
# greedy listeners: one that never subscribes, one that subscribes, one
# that subscribes and later unsubscribes (commands through a FIFO), and
# "mfpscanctl watch" as root. Alice and Bob each run "mfpscanctl watch" and a greedy
# listener (python3-dbus with a match on every signal, any sender). Alice
# produces every kind of event: job state changes, UploadFailed (Apache
# answering 507 from a full tmpfs), UploadRecovered (space freed, Retry),
# NeedsAttention (retries exhausted against a server that is down). Bob
# then scans himself; once his own watcher has his "done", everything the
# daemon sent before has been delivered (one connection, in order), and
# Bob's listeners must hold none of Alice's events.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_start_bus
export IT_RETRY_COUNT=2
it_write_config
it_start_daemon
it_have_dav || it_die "Apache WebDAV server missing" "tests/servers/apache-dav.sh"
it_start_dav 4

A=$IT_ALICE
B=$IT_BOB
SP_IF=org.mfpscan.Daemon1.SpoolEntry

# listen USER FILE: every signal this user's connection receives.
cat >"$IT_DIR/bin/listen.py" <<'PY'
import sys, dbus, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
bus.set_exit_on_disconnect(True)
def on(*args, **kw):
    print(kw["path"], kw["member"], " ".join(str(a) for a in args), flush=True)
bus.add_signal_receiver(on, path_keyword="path", member_keyword="member")
def mgr(method):
    bus.call_blocking("org.mfpscan.Daemon1", "/org/mfpscan/Daemon1",
                      "org.mfpscan.Daemon1.Manager", method, "", [])
mode = sys.argv[2] if len(sys.argv) > 2 else ""
if mode == "subscribe" or mode.startswith("/"):
    mgr("Subscribe")
elif mode != "passive":
    # Introduce this connection to the daemon, as mfpscanctl watch does.
    mgr("ListJobs")
if mode.startswith("/"):
    # a FIFO of Manager method names to call (Subscribe, Unsubscribe)
    import os
    fifo = os.open(mode, os.O_RDWR)
    def on_cmd(src, cond):
        for line in os.read(fifo, 4096).decode().split():
            mgr(line)
            print("did", line, flush=True)
        return True
    GLib.io_add_watch(fifo, GLib.IO_IN, on_cmd)
print("listening", flush=True)
GLib.MainLoop().run()
PY
listen() {
	it_bg as "$1" /usr/bin/python3 -u "$IT_DIR/bin/listen.py" "$IT_BUS_ADDR" \
		${3:-} >"$2" 2>&1
}
for u in "$A" "$B"; do
	it_bg ctl "$u" watch >"$IT_DIR/watch-$u.log" 2>&1
	listen "$u" "$IT_DIR/listen-$u.log"
done
# A connection that only subscribes and never calls is still Alice's.
listen "$A" "$IT_DIR/passive-$A.log" passive
# Root: no Subscribe, Subscribe, Subscribe then Unsubscribe (the FIFO).
listen root "$IT_DIR/root-plain.log" passive
listen root "$IT_DIR/root-plain-call.log"
listen root "$IT_DIR/root-sub.log" subscribe
mkfifo "$IT_DIR/root-ctl.fifo"
listen root "$IT_DIR/root-unsub.log" "$IT_DIR/root-ctl.fifo"
it_bg env DBUS_SYSTEM_BUS_ADDRESS="$IT_BUS_ADDR" "$IT_CTL" watch \
	>"$IT_DIR/watch-root.log" 2>&1
for f in root-plain root-plain-call root-sub root-unsub; do
	it_wait_for "$IT_DIR/$f.log" '^listening' ||
		it_die "root listener $f did not start" "$(cat "$IT_DIR/$f.log")"
done
it_wait_for "$IT_DIR/watch-root.log" 'watching' ||
	it_die "mfpscanctl watch did not start for root" "$(cat "$IT_DIR/watch-root.log")"
for u in "$A" "$B"; do
	it_wait_for "$IT_DIR/watch-$u.log" 'watching' ||
		it_die "mfpscanctl watch did not start for $u" "$(cat "$IT_DIR/watch-$u.log")"
	it_wait_for "$IT_DIR/listen-$u.log" '^listening' ||
		it_die "listener did not start for $u" "$(cat "$IT_DIR/listen-$u.log")"
done
it_wait_for "$IT_DIR/passive-$A.log" '^listening' ||
	it_die "passive listener did not start" "$(cat "$IT_DIR/passive-$A.log")"

# Alice: a job that ends done.
dir=$(it_local_dir "$A")
ACC=$(it_create_local "$A" home "$dir") || it_die "account"
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75)
JOB1=$(it_busctl_path "$out")
assert_eq "alice's first job is done" "done" "$(it_wait_job "$A" "$JOB1")"

# Alice: upload to a full server -> spooled, UploadFailed (storage-full).
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add full --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full --password-stdin 2>&1)
assert_match "alice adds the account on the full server" created "$out"
FULL=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/account/[0-9a-zA-Z_]*')
out=$(mgr "$A" Scan 'oa{sv}' "$FULL" 2 format s png resolution u 150 2>&1)
JOB2=$(it_busctl_path "$out")
assert_eq "alice's upload to a full server is spooled" spooled \
	"$(it_wait_job "$A" "$JOB2")"
ENTRY=$(mgr "$A" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
EID=${ENTRY##*/}
check "root's subscribed listener has alice's UploadFailed" \
	it_wait_for "$IT_DIR/root-sub.log" "UploadFailed $ENTRY storage-full"
check "root's listener that unsubscribes later has it too" \
	it_wait_for "$IT_DIR/root-unsub.log" "UploadFailed $ENTRY storage-full"
check "mfpscanctl watch as root (it subscribes) shows it" \
	it_wait_for "$IT_DIR/watch-root.log" "^upload-failed $EID storage-full"
echo Unsubscribe >"$IT_DIR/root-ctl.fifo"
check "root's listener unsubscribed" \
	it_wait_for "$IT_DIR/root-unsub.log" "^did Unsubscribe"
check "alice's watch shows upload-failed storage-full" \
	it_wait_for "$IT_DIR/watch-$A.log" "^upload-failed $EID storage-full"
check "alice's listener has UploadFailed" \
	it_wait_for "$IT_DIR/listen-$A.log" "UploadFailed $ENTRY storage-full"
check "alice's passive listener (no call made) has UploadFailed" \
	it_wait_for "$IT_DIR/passive-$A.log" "UploadFailed $ENTRY storage-full" 20

# Space freed, Retry -> UploadRecovered.
mount -o remount,size=4096k "$DAV_ROOT/full" ||
	fail "setup: grow the tmpfs" "mount -o remount failed"
check "alice retries" dsend "$A" --dest="$IT_DEST" "$ENTRY" $SP_IF.Retry
check "alice's watch shows upload-recovered" \
	it_wait_for "$IT_DIR/watch-$A.log" "^upload-recovered $EID " 400
check "alice's listener has UploadRecovered" \
	it_wait_for "$IT_DIR/listen-$A.log" "UploadRecovered $ENTRY "

# A server that is down and retries that run out -> NeedsAttention.
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' down webdav 1 url s \
	http://127.0.0.1:1/dav 0 2>&1)
DOWN=$(it_busctl_path "$out")
out=$(mgr "$A" Scan 'oa{sv}' "$DOWN" 2 format s png resolution u 75 2>&1)
JOB3=$(it_busctl_path "$out")
it_wait_job "$A" "$JOB3" >/dev/null
ENTRY2=$(mgr "$A" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
for _ in 1 2 3 4; do
	grep -q "NeedsAttention" "$IT_DIR/listen-$A.log" && break
	dsend "$A" --dest="$IT_DEST" "$ENTRY2" $SP_IF.Retry >/dev/null 2>&1
	it_wait_for "$IT_DIR/listen-$A.log" "NeedsAttention $ENTRY2" 60 || true
done
check "alice's listener has NeedsAttention" \
	it_wait_for "$IT_DIR/listen-$A.log" "NeedsAttention $ENTRY2"
check "alice's watch shows needs-attention" \
	it_wait_for "$IT_DIR/watch-$A.log" "^needs-attention ${ENTRY2##*/}"
assert_match "the entry is kept, needs-attention" needs-attention \
	"$(bctl "$A" get-property "$IT_DEST" "$ENTRY2" $SP_IF State 2>&1)"
check "alice's watch shows her job states" \
	it_wait_for "$IT_DIR/watch-$A.log" "^job ${JOB1##*/} done"

# Account changes: PropertiesChanged on Update, InterfacesRemoved on Delete.
check "alice updates her account" pycall "$A" "$ACC" org.mfpscan.Daemon1.Account \
	Update 'a{sv}' "{'name-template': 'renamed-{counter}'}"
check "alice's listener has her account's PropertiesChanged" \
	it_wait_for "$IT_DIR/listen-$A.log" "^$ACC PropertiesChanged"
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' gone local 1 folder s "$dir" 0 2>&1)
GONE=$(it_busctl_path "$out")
check "alice deletes an account" dsend "$A" --dest="$IT_DEST" "$GONE" \
	org.mfpscan.Daemon1.Account.Delete
check "alice's listener has InterfacesRemoved for it" \
	it_wait_for "$IT_DIR/listen-$A.log" "InterfacesRemoved $GONE"

# Bob's own event orders everything before it.
bdir=$(it_local_dir "$B")
BACC=$(it_create_local "$B" home "$bdir") || it_die "bob's account"
out=$(mgr "$B" Scan 'oa{sv}' "$BACC" 2 format s png resolution u 75)
BJOB=$(it_busctl_path "$out")
assert_eq "bob's job is done" "done" "$(it_wait_job "$B" "$BJOB")"
check "bob's watch shows his own job" \
	it_wait_for "$IT_DIR/watch-$B.log" "^job ${BJOB##*/} done"
check "bob's listener has his own job's change" \
	it_wait_for "$IT_DIR/listen-$B.log" "^$BJOB PropertiesChanged"

check "root's subscribed listener has bob's job too" \
	it_wait_for "$IT_DIR/root-sub.log" "^$BJOB PropertiesChanged"
check "root's subscribed listener has alice's NeedsAttention" \
	grep -q "NeedsAttention $ENTRY2" "$IT_DIR/root-sub.log"
# Bob's job came after everything else: the root connections that did not
# subscribe (or no longer are) had every chance to get something by now.
for f in root-plain root-plain-call; do
	n=$(grep -c '^/org/mfpscan' "$IT_DIR/$f.log")
	assert_eq "root's $f listener (never subscribed) got no signal" 0 "$n"
done
# Everything below happened after the Unsubscribe reply.
ul=$(cat "$IT_DIR/root-unsub.log")
for p in "$JOB3" "$ENTRY2" "$BJOB" "$GONE" UploadRecovered NeedsAttention; do
	assert_no_match "root's listener got no ${p##*/} after Unsubscribe" "$p\b" "$ul"
done
n=$(grep -c '^/org/mfpscan' "$IT_DIR/root-sub.log")
[ "$n" -gt 10 ] && pass "root's subscribed listener got the daemon's signals ($n)" ||
	fail "root's subscribed listener got signals" "$(cat "$IT_DIR/root-sub.log")"

bw=$(cat "$IT_DIR/watch-$B.log")
bl=$(cat "$IT_DIR/listen-$B.log")
for p in "$JOB1" "$JOB2" "$JOB3" "$ENTRY" "$ENTRY2" "$ACC" "$FULL" "$DOWN" "$GONE"; do
	assert_no_match "bob's listener never got ${p#/org/mfpscan/Daemon1/}" "$p\b" "$bl"
	assert_no_match "bob's watch never showed ${p##*/}" " ${p##*/}( |$)" "$bw"
done
for s in UploadFailed UploadRecovered NeedsAttention; do
	assert_no_match "bob's listener never got $s" "$s" "$bl"
done
assert_no_match "bob's watch has no upload events" \
	'^(upload-failed|upload-recovered|needs-attention)' "$bw"
al=$(cat "$IT_DIR/listen-$A.log")
assert_no_match "alice's listener never got bob's job" "$BJOB\b" "$al"
it_daemon_alive "daemon alive after the signal checks"
it_finish
