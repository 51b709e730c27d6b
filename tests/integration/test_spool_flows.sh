#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_spool_flows: the patent's flows (S501-S512 pre-processing, S601-S610
# upload and spooling, S701-S811 background retry) against real servers, a
# real bus and two real users, as in issue 4's "Tests":
#
#  (a) Apache mod_dav over a full tmpfs answers 507: the scan is "spooled",
#      alice's "mfpscanctl watch" shows UploadFailed (bob's does not), the
#      exported bytes match the ticket; space is freed and the background
#      retry uploads it: UploadRecovered, the entry is gone, the document
#      is on the server byte-exact.
#  (b) the same recovered by alice's next scan (retry interval 1 h): the
#      pre-scan retry uploads the old document first, then the new scan.
#  (c) pending_policy = block refuses the next scan to the same full
#      storage (the job ends failed, ErrorName PendingUploads, a human
#      message; Scan itself answers with the job at once), without using up
#      a retry; a scan to another account is not blocked; allow scans and
#      queues the new document behind.
#  (d) bob's scans (his own failing uploads included) never touch alice's
#      entries: her tickets are byte-identical afterwards.
#  (e) retries run out (count = 2): needs-attention, NeedsAttention, the
#      entry is kept, export and Open() give the spooled bytes,
#      Discard(false) is refused, Discard(true) removes it.
#  (g) idempotency must not swallow another document: a new scan whose
#      file name is taken on the server by a different document of the same
#      size (planted: random bytes of the scan's size) goes to the next
#      free name with its own bytes, never reported done with the other
#      document's URL; on WebDAV, S3 (s3rver) and SFTP (OpenSSH). The
#      planted document is not overwritten either.
#  (f) the npm webdav-server with an RFC 4331 quota: an entry that cannot
#      fit is not PUT (the server's storage is unchanged: that server
#      leaves an empty file behind a PUT over quota); a new scan that
#      cannot fit is read and kept (full_policy = keep) and uploaded once
#      space is freed; with full_policy = refuse it is refused up front
#      with StorageFull.
#
# The daemon is restarted between parts with new [retry]/[daemon]
# settings; the spool directory persists across restarts as in real life.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
it_have_dav || it_die "Apache WebDAV server missing" "tests/servers/apache-dav.sh or apache2"
it_start_bus

A=$IT_ALICE
B=$IT_BOB
SP_IF=org.mfpscan.Daemon1.SpoolEntry
SCAN=(--format png --resolution 75 --mode mono)
WATCH_PIDS=()
EPOCH=0
WDN_DIR=
S3_DIR=
SFTP_DIR=

cleanup_flows() {
	local p
	for p in "${WATCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -z "$WDN_DIR" ] || bash "$IT_TOP/tests/servers/webdav-node.sh" stop "$WDN_DIR" \
		>/dev/null 2>&1 || true
	[ -z "$S3_DIR" ] || bash "$IT_TOP/tests/servers/s3rver.sh" stop "$S3_DIR" \
		>/dev/null 2>&1 || true
	[ -z "$SFTP_DIR" ] || bash "$IT_TOP/tests/servers/sshd.sh" stop "$SFTP_DIR" \
		>/dev/null 2>&1 || true
	it_cleanup
}
trap cleanup_flows EXIT

# watch_start USER: "mfpscanctl watch" as USER into $IT_DIR/watch-USER-EPOCH.log
# (exec'd, so that its pid is the watcher's own), waits for "watching".
watch_start() {
	local log=$IT_DIR/watch-$1-$EPOCH.log
	(exec setpriv --reuid="$1" --regid="$1" --init-groups env HOME=/nonexistent \
		DBUS_SYSTEM_BUS_ADDRESS="$IT_BUS_ADDR" "$IT_CTL" watch) >"$log" 2>&1 &
	WATCH_PIDS+=("$!")
	it_wait_for "$log" 'watching' ||
		it_die "mfpscanctl watch did not start for $1" "$(cat "$log")"
}
wlog() { printf '%s\n' "$IT_DIR/watch-$1-$EPOCH.log"; }

# restart: stop the daemon, write the config from the IT_* knobs and SLOW
# (slow_factor), start it, and start fresh watchers (the daemon
# only signals connections that called it since it started).
restart() {
	local p
	for p in "${WATCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	WATCH_PIDS=()
	it_stop_daemon
	it_write_config
	# The daemon refuses a key given twice: edit it in place.
	sed -i "s/^slow_factor = .*/slow_factor = ${SLOW:-4}/" "$IT_CONF"
	it_start_daemon
	EPOCH=$((EPOCH + 1))
	watch_start "$A"
	watch_start "$B"
}

# entries USER: the user's spool entry ids (u<uid>_<hex>), one a line.
entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }
# ticket UID ID: the ticket file of entry ID (u<uid>_<hex> or hex).
ticket() { printf '%s/spool/%s/%s.json\n' "$IT_DIR" "$1" "${2#*_}"; }
doc() { printf '%s/spool/%s/%s.doc\n' "$IT_DIR" "$1" "${2#*_}"; }
# tk FILE KEY.PATH: one field of a ticket.
tk() {
	python3 - "$1" "$2" <<'PY' 2>/dev/null
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)
PY
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
prop() {
	bctl "$1" get-property "$IT_DEST" "$IT_PATH/spool/$2" $SP_IF "$3" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/'
}
# fill DIR: fill the filesystem of DIR with DIR/filler (no space left).
fill() { dd if=/dev/zero of="$1/filler" bs=4k >/dev/null 2>&1 || true; sync; }
unfill() { rm -f "$1/filler"; }
# wait_gone USER ID: bounded wait until ID is no longer in USER's spool.
wait_gone() {
	local i
	for i in $(seq 1 300); do
		entries "$1" | grep -qx "$2" || return 0
		sleep 0.1
	done
	return 1
}
# discard USER ID: Discard(true), again while an attempt of it runs
# (refused then); bounded.
discard() {
	local i
	for i in $(seq 1 100); do
		ctl "$1" spool discard "$2" --yes >/dev/null 2>&1
		entries "$1" | grep -qx "$2" || return 0
		sleep 0.1
	done
	return 1
}
# sync_bob: bob scans to his own folder and waits until his watcher shows
# it; every signal the daemon sent before is then delivered to him.
BDIR=
sync_bob() {
	local out job
	out=$(ctl "$B" scan --to bhome "${SCAN[@]}" --no-wait 2>&1)
	job=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[0-9]*' | head -n 1)
	it_wait_job "$B" "$job" >/dev/null
	it_wait_for "$(wlog "$B")" "^job ${job##*/} done" 200
}
# no_alice_in_bobs_watch PART
no_alice_in_bobs_watch() {
	sync_bob || fail "$1: bob's own event did not reach his watcher" \
		"$(cat "$(wlog "$B")")"
	assert_no_match "$1: bob's watch shows none of alice's entries" \
		"u${IT_ALICE_UID}_" "$(cat "$(wlog "$B")")"
}

# --- setup ---------------------------------------------------------------
it_start_dav 256
FULL=$DAV_ROOT/full
IT_RETRY_INITIAL=1 SLOW=1
restart
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add full --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full \
	--name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds a WebDAV account (Apache over a tmpfs)" created "$out"
ACC_FULL=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/account/[0-9a-zA-Z_]*')
ADIR=$(it_local_dir "$A")
check "alice adds a local account" \
	ctl "$A" accounts add home --type local --folder "$ADIR" --name-template '{name}'
BDIR=$(it_local_dir "$B")
check "bob adds a local account" \
	ctl "$B" accounts add bhome --type local --folder "$BDIR" --name-template '{name}'

# --- (a) 507 -> spooled -> space freed -> background retry ----------------
fill "$FULL"
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 60 --name a1 2>&1) && rc=0 || rc=$?
assert_eq "(a) scan to the full server exits 2 (kept)" 2 "$rc"
assert_match "(a) ... says the storage is full" 'storage is full' "$out"
E1=$(entries "$A" | head -n 1)
assert_match "(a) the document is a spool entry" "^u${IT_ALICE_UID}_[0-9a-f]{32}$" "$E1"
check "(a) alice's watch shows UploadFailed storage-full" \
	it_wait_for "$(wlog "$A")" "^upload-failed $E1 storage-full " 100
T1=$(ticket "$IT_ALICE_UID" "$E1")
SHA1=$(tk "$T1" document.sha256)
assert_match "(a) the ticket has the document's sha256" '^[0-9a-f]{64}$' "$SHA1"
assert_eq "(a) the spooled document has the ticket's sha256" "$SHA1" "$(sha "$(doc "$IT_ALICE_UID" "$E1")")"
assert_eq "(a) the ticket names the destination file" a1-001.png "$(tk "$T1" destination.file-name)"
check "(a) spool export" ctl "$A" spool export "$E1" "$ADIR/a1-export.png"
assert_eq "(a) the export is the spooled bytes" "$SHA1" "$(sha "$ADIR/a1-export.png")"
check "(a) the export is the engine's page" "$IT_VERIFY" --format png "$ADIR/a1-export.png"
check "(a) nothing is on the server yet" test ! -e "$FULL/a1-001.png"
no_alice_in_bobs_watch "(a)"
unfill "$FULL"
check "(a) after space is freed the background retry sends UploadRecovered" \
	it_wait_for "$(wlog "$A")" "^upload-recovered $E1 $DAV_URL/full/a1-001.png" 600
check "(a) ... the entry is gone from the list" wait_gone "$A" "$E1"
check "(a) ... and from the spool directory" \
	test ! -e "$T1" -a ! -e "$(doc "$IT_ALICE_UID" "$E1")"
assert_eq "(a) the document on the server is byte-exact" "$SHA1" \
	"$(sha "$FULL/a1-001.png" 2>/dev/null)"
check "(a) ... and the engine's page" "$IT_VERIFY" --format png "$FULL/a1-001.png"
assert_eq "(a) exactly one file on the server" "a1-001.png" "$(ls "$FULL")"
no_alice_in_bobs_watch "(a) recovered"
assert_no_match "(a) bob's watch has no upload events at all" \
	'^(upload-failed|upload-recovered|needs-attention)' "$(cat "$(wlog "$B")")"

# --- (b) recovered by alice's next scan (S504-S511) ----------------------
IT_RETRY_INITIAL=3600 SLOW=4
restart
fill "$FULL"
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 70 --name b1 2>&1) && rc=0 || rc=$?
assert_eq "(b) scan to the full server exits 2" 2 "$rc"
E2=$(entries "$A" | head -n 1)
T2=$(ticket "$IT_ALICE_UID" "$E2")
SHA2=$(tk "$T2" document.sha256)
ctl "$A" spool export "$E2" - >"$IT_DIR/b1-export.png" 2>/dev/null
assert_eq "(b) the export is the spooled bytes" "$SHA2" "$(sha "$IT_DIR/b1-export.png")"
nr=$(prop "$A" "$E2" NextRetry)
assert_match "(b) the next background retry is an hour away" \
	'^[0-9]+$' "$nr"
[ "${nr:-0}" -gt "$(($(date +%s) + 1800))" ] && pass "(b) ... (NextRetry > now + 30 min)" ||
	fail "(b) ... (NextRetry > now + 30 min)" "NextRetry=$nr now=$(date +%s)"
unfill "$FULL"
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 80 --name b2 --no-wait 2>&1)
JOB=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[0-9]*' | head -n 1)
assert_eq "(b) alice's next scan is done" done "$(it_wait_job "$A" "$JOB")"
check "(b) the pre-scan retry sent UploadRecovered for the old document" \
	it_wait_for "$(wlog "$A")" "^upload-recovered $E2 $DAV_URL/full/b1-001.png" 100
check "(b) the new job's end is in the watch" \
	it_wait_for "$(wlog "$A")" "^job ${JOB##*/} done" 100
wl=$(cat "$(wlog "$A")")
lr=$(printf '%s\n' "$wl" | grep -n "^upload-recovered $E2 " | head -n 1 | cut -d: -f1)
# The job reads only after the pre-processing (retry.rst, Scan 4).
ls=$(printf '%s\n' "$wl" | grep -n "^job ${JOB##*/} scanning" | head -n 1 | cut -d: -f1)
if [ -n "$lr" ] && [ -n "$ls" ] && [ "$lr" -lt "$ls" ]; then
	pass "(b) the old document was uploaded before the new job started scanning"
else
	fail "(b) the old document was uploaded before the new job started scanning" "$wl"
fi
check "(b) the entry is gone" wait_gone "$A" "$E2"
assert_eq "(b) the old document on the server is byte-exact" "$SHA2" \
	"$(sha "$FULL/b1-001.png" 2>/dev/null)"
check "(b) the new document is on the server" \
	"$IT_VERIFY" --format png "$FULL/b2-001.png"

# --- (c) pending_policy block / allow --------------------------------------
fill "$FULL"
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 90 --name c1 2>&1) && rc=0 || rc=$?
assert_eq "(c) scan to the full server exits 2" 2 "$rc"
E3=$(entries "$A" | head -n 1)
T3=$(ticket "$IT_ALICE_UID" "$E3")
# one_more_attempt LABEL: each scan of alice's retries her old entry first:
# its ticket counts exactly one attempt more than before that scan.
a3=$(tk "$T3" retry.attempts)
one_more_attempt() {
	a3=$((a3 + 1))
	assert_eq "(c) $1: the old entry was tried once before it" "$a3" "$(tk "$T3" retry.attempts)"
}
rl3=$(prop "$A" "$E3" RetriesLeft)
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 91 --name c2 2>&1) && rc=0 || rc=$?
one_more_attempt "c2"
assert_eq "(c) block: the next scan is refused (exit 1)" 1 "$rc"
assert_match "(c) block: ... with PendingUploads" \
	'org\.mfpscan\.Daemon1\.Error\.PendingUploads' "$out"
assert_match "(c) block: ... and a message a person understands" \
	"previous scan to 'full' could not be uploaded: your storage is full.*Free some space and scan again" "$out"
out=$(pycall "$A" "$IT_PATH" "$IT_MGR" Scan 'oa{sv}' \
	"('${ACC_FULL:-/x}', {'format': 'png', 'resolution': U(75)})" 2>&1)
JOB=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[0-9]*' | head -n 1)
assert_match "(c) block: Manager.Scan answers with the job at once" '^OK ' "$out"
assert_eq "(c) block: ... which ends failed" failed "$(it_wait_job "$A" "$JOB")"
one_more_attempt "Manager.Scan"
assert_eq "(c) block: ... with ErrorName PendingUploads" \
	"$IT_ERR.PendingUploads" "$(bctl "$A" get-property "$IT_DEST" "$JOB" \
	org.mfpscan.Daemon1.Job ErrorName 2>&1 | sed -n 's/^s "\(.*\)"$/\1/p')"
assert_eq "(c) block: ... having read nothing" 0 "$(bctl "$A" get-property "$IT_DEST" \
	"$JOB" org.mfpscan.Daemon1.Job Pages 2>&1 | awk '{print $2}')"
assert_eq "(c) block: the refused scans used up no retry (RetriesLeft unchanged)" \
	"$rl3" "$(prop "$A" "$E3" RetriesLeft)"
out=$(ctl "$A" scan --to home "${SCAN[@]}" --width-mm 92 --name c3 2>&1) && rc=0 || rc=$?
one_more_attempt "c3"
assert_eq "(c) block: a scan to another account is not blocked by the full one (exit 0)" 0 "$rc"
check "(c) block: ... its document is there" "$IT_VERIFY" --format png "$ADIR/c3-001.png"
assert_eq "(c) block: the spool still holds one entry" "$E3" "$(entries "$A")"
check "(c) block: nothing of the refused scan reached the server" test ! -e "$FULL/c2-001.png"

IT_PENDING_POLICY=allow
restart
assert_eq "(c) the entry is recovered after the restart" "$E3" "$(entries "$A")"
out=$(ctl "$A" scan --to home "${SCAN[@]}" --width-mm 93 --name c4 2>&1) && rc=0 || rc=$?
one_more_attempt "c4, after a restart"
assert_eq "(c) allow: a scan to another account proceeds (exit 0)" 0 "$rc"
check "(c) allow: ... its document is there" "$IT_VERIFY" --format png "$ADIR/c4-001.png"
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 94 --name c5 2>&1) && rc=0 || rc=$?
one_more_attempt "c5"
assert_eq "(c) allow: a scan to the full server proceeds and is kept (exit 2)" 2 "$rc"
E4=$(entries "$A" | grep -vx "$E3" | head -n 1)
assert_eq "(c) allow: the new document queues behind the old one" 2 "$(entries "$A" | wc -l)"
assert_eq "(c) allow: ... the old one is still there" "$E3" "$(entries "$A" | grep -x "$E3")"
T4=$(ticket "$IT_ALICE_UID" "$E4")
assert_eq "(c) allow: ... the new one is c5" c5-001.png "$(tk "$T4" destination.file-name)"

# --- (d) bob's scans never touch alice's entries -----------------------------
cp "$T3" "$IT_DIR/t3.before"
cp "$T4" "$IT_DIR/t4.before"
r3=$(prop "$A" "$E3" RetriesLeft)
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$B" accounts add bfull --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full \
	--name-template '{name}' --password-stdin 2>&1)
assert_match "(d) bob adds an account on the same full server" created "$out"
out=$(ctl "$B" scan --to bfull "${SCAN[@]}" --width-mm 100 --name d1 2>&1) && rc=0 || rc=$?
assert_eq "(d) bob's scan to the full server is kept (exit 2)" 2 "$rc"
for i in 2 3; do
	out=$(ctl "$B" scan --to bfull "${SCAN[@]}" --width-mm $((100 + i)) --name d$i 2>&1) && rc=0 || rc=$?
	assert_eq "(d) bob's scan $i proceeds (allow) and is kept" 2 "$rc"
done
check "(d) bob's local scan is done" ctl "$B" scan --to bhome "${SCAN[@]}" --width-mm 110 --name d4
assert_eq "(d) bob has his own three entries" 3 "$(entries "$B" | wc -l)"
check "(d) alice's first ticket is byte-identical after bob's scans" \
	cmp "$IT_DIR/t3.before" "$T3"
check "(d) alice's second ticket is byte-identical after bob's scans" \
	cmp "$IT_DIR/t4.before" "$T4"
assert_eq "(d) alice's RetriesLeft is unchanged" "$r3" "$(prop "$A" "$E3" RetriesLeft)"
assert_eq "(d) alice still has her two entries" 2 "$(entries "$A" | wc -l)"
assert_no_match "(d) bob's spool list shows none of alice's entries" \
	"u${IT_ALICE_UID}_" "$(ctl "$B" spool list 2>&1)"
check_exit "(d) bob cannot retry alice's entry" 1 ctl "$B" spool retry "$E3"
check_exit "(d) bob cannot discard alice's entry" 1 ctl "$B" spool discard "$E3" --yes
check "(d) ... which is still there" test -e "$T3"
no_alice_in_bobs_watch "(d)"
for e in $(entries "$B"); do discard "$B" "$e"; done
for e in "$E3" "$E4"; do
	check "(d) alice discards ${e:0:12}... (--yes)" ctl "$A" spool discard "$e" --yes
done
assert_eq "(d) bob's discards and alice's leave both spools empty" "0 0" \
	"$(entries "$A" | wc -l) $(entries "$B" | wc -l)"

# --- (e) retries exhausted -> needs-attention, kept, Open, Discard ----------
IT_RETRY_COUNT=2 IT_RETRY_INITIAL=1 IT_PENDING_POLICY=block SLOW=1
restart
out=$(ctl "$A" scan --to full "${SCAN[@]}" --width-mm 120 --name e1 2>&1) && rc=0 || rc=$?
assert_eq "(e) scan to the full server exits 2" 2 "$rc"
E5=$(entries "$A" | head -n 1)
T5=$(ticket "$IT_ALICE_UID" "$E5")
SHA5=$(tk "$T5" document.sha256)
check "(e) NeedsAttention once both retries failed" \
	it_wait_for "$(wlog "$A")" "^needs-attention $E5\$" 600
assert_eq "(e) State is needs-attention" needs-attention "$(prop "$A" "$E5" State)"
assert_eq "(e) RetriesLeft is 0" 0 "$(prop "$A" "$E5" RetriesLeft)"
assert_eq "(e) NextRetry is 0 (no automatic retry)" 0 "$(prop "$A" "$E5" NextRetry)"
assert_eq "(e) ErrorClass is storage-full" storage-full "$(prop "$A" "$E5" ErrorClass)"
assert_eq "(e) the ticket counts 3 attempts" 3 "$(tk "$T5" retry.attempts)"
assert_eq "(e) the entry is kept" "$E5" "$(entries "$A")"
assert_eq "(e) the kept document has the spooled sha256" "$SHA5" "$(sha "$(doc "$IT_ALICE_UID" "$E5")")"
assert_eq "(e) spool export gives the exact bytes" "$SHA5" \
	"$(ctl "$A" spool export "$E5" - 2>/dev/null | sha256sum | cut -d' ' -f1)"
out=$(as "$A" /usr/bin/python3 - "$IT_BUS_ADDR" "$IT_PATH/spool/$E5" <<'PY' 2>&1
import hashlib, os, sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object("org.mfpscan.Daemon1", sys.argv[2], introspect=False)
fd = obj.Open(dbus_interface="org.mfpscan.Daemon1.SpoolEntry").take()
h = hashlib.sha256()
while True:
    b = os.read(fd, 65536)
    if not b:
        break
    h.update(b)
try:
    os.write(fd, b"x")
    print("writable")
except OSError:
    print("read-only")
print(h.hexdigest())
PY
)
assert_match "(e) Open() returns the exact bytes" "^$SHA5\$" "$out"
assert_match "(e) ... on a read-only descriptor" '^read-only$' "$out"
out=$(ctl "$A" scan --to home "${SCAN[@]}" --width-mm 121 --name e2 2>&1) && rc=0 || rc=$?
assert_eq "(e) a needs-attention entry does not block a new scan" 0 "$rc"
check_error "(e) Discard(false) is refused with InvalidArgument" \
	'^ERROR org\.mfpscan\.Daemon1\.Error\.InvalidArgument .*confirm' \
	pycall "$A" "$IT_PATH/spool/$E5" $SP_IF Discard b 'B(False)'
check_error "(e) busctl's Discard b false is refused too" 'confirm=true' \
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$E5" $SP_IF Discard b false
assert_eq "(e) ... and the entry is still there" "$E5" "$(entries "$A")"
check "(e) ... with its document" test -e "$(doc "$IT_ALICE_UID" "$E5")"
check_error "(e) bob's Discard(true) of alice's entry is refused" \
	'^ERROR org\.freedesktop\.DBus\.Error\.(UnknownObject|AccessDenied)' \
	pycall "$B" "$IT_PATH/spool/$E5" $SP_IF Discard b 'B(True)'
assert_eq "(e) ... and the entry is still there" "$E5" "$(entries "$A")"
check "(e) Discard(true) by alice" \
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$E5" $SP_IF Discard b true
check "(e) the entry is gone" wait_gone "$A" "$E5"
check "(e) ... ticket and document deleted" \
	test ! -e "$T5" -a ! -e "$(doc "$IT_ALICE_UID" "$E5")"
no_alice_in_bobs_watch "(e)"
unfill "$FULL"

# --- (g) a new scan whose name is taken by another document of equal size --
# The "already there" test that makes a retry after a crash idempotent must
# not swallow a different document: a scan onto a name taken by a document
# of its very size but other bytes (planted on purpose, as the upload tests
# do) goes to the next free name, "same-2.pdf", with its own bytes, and the
# planted document survives. The reference scan into the local folder gives
# the scan's bytes (the same settings give the same bytes).
PDF=(--format pdf --resolution 75 --mode mono --width-mm 40)
UPLOAD=$(it_find_prog tools/mfpscan-upload)
[ -n "$UPLOAD" ] || it_die "tools/mfpscan-upload is not built"
check "(g) the reference scan into the local folder" \
	ctl "$A" scan --to home "${PDF[@]}" --name gref
R=$(sha "$ADIR/gref.pdf")
head -c "$(stat -c %s "$ADIR/gref.pdf")" /dev/urandom >"$IT_DIR/twin.pdf"
TWIN=$(sha "$IT_DIR/twin.pdf")
# g_file DIR NAME: where the server keeps NAME (s3rver: NAME._S3rver_object).
g_file() {
	if [ -f "$1/$2._S3rver_object" ]; then printf '%s\n' "$1/$2._S3rver_object"; else
		printf '%s\n' "$1/$2"; fi
}
# g_case LABEL ACCOUNT DIR URLPREFIX UPLOAD_ARGS...: plant the twin as
# "same.pdf" with mfpscan-upload UPLOAD_ARGS (server files in DIR), then
# scan "same" to ACCOUNT.
g_case() {
	local label=$1 acc=$2 dir=$3 prefix=$4 out rc
	shift 4
	out=$("$UPLOAD" "$@" put "$IT_DIR/twin.pdf" same.pdf 2>&1)
	assert_eq "(g) $label: a document of the scan's size, other bytes, is planted as same.pdf" \
		"$TWIN" "$(sha "$(g_file "$dir" same.pdf)" 2>/dev/null)"
	[ -f "$(g_file "$dir" same.pdf)" ] || printf '     %s\n' "$out"
	out=$(ctl "$A" scan --to "$acc" "${PDF[@]}" --name same 2>&1) && rc=0 || rc=$?
	assert_eq "(g) $label: the scan onto the taken name exits 0" 0 "$rc"
	assert_match "(g) $label: ... and says it went to same-2.pdf" \
		"the document is at: $prefix/same-2.pdf\$" "$out"
	assert_eq "(g) $label: same-2.pdf holds the scan's bytes" "$R" \
		"$(sha "$(g_file "$dir" same-2.pdf)" 2>/dev/null)"
	assert_eq "(g) $label: the planted same.pdf is untouched" "$TWIN" \
		"$(sha "$(g_file "$dir" same.pdf)" 2>/dev/null)"
	assert_eq "(g) $label: nothing was spooled" "" "$(entries "$A")"
}
printf '%s\n' "$DAV_PASSWORD" >"$IT_DIR/dav.pw"
g_case webdav full "$FULL" "$DAV_URL/full" -t webdav -I -u "$DAV_URL" -f full \
	-U "$DAV_USER" -p "$IT_DIR/dav.pw"
S3_DIR=$IT_DIR/s3
if out=$(bash "$IT_TOP/tests/servers/s3rver.sh" start "$S3_DIR" 2>&1); then
	eval "$out"
	out=$(printf '%s\n' "$S3_SECRET_KEY" | ctl "$A" accounts add s3 --type s3 --allow-insecure-http yes \
		--url "$S3_URL" --access-key "$S3_ACCESS_KEY" --name-template '{name}' \
		--password-stdin 2>&1)
	assert_match "(g) alice adds an S3 account (s3rver)" created "$out"
	printf '%s\n' "$S3_SECRET_KEY" >"$IT_DIR/s3.pw"
	g_case s3 s3 "$S3_ROOT/scans" "$S3_URL" -t s3 -I -u "$S3_URL" \
		-k "$S3_ACCESS_KEY" -p "$IT_DIR/s3.pw"
	assert_file_lacks "(g) s3: the daemon's log does not hold the secret key" \
		"$S3_SECRET_KEY" "$IT_DIR/daemon.log"
else
	fail "(g) setup: s3rver.sh did not start" "$out"
fi
SFTP_DIR=$IT_DIR/sftp
if out=$(bash "$IT_TOP/tests/servers/sshd.sh" start "$SFTP_DIR" 2>&1); then
	eval "$out"
	out=$(printf '%s\n' "$SFTP_PASSWORD" | ctl "$A" accounts add sf --type sftp \
		--url "$SFTP_URL" --username "$SFTP_USER" --host-key "SHA256:$SFTP_HOSTKEY" \
		--name-template '{name}' --password-stdin 2>&1)
	assert_match "(g) alice adds an SFTP account (OpenSSH)" created "$out"
	printf '%s\n' "$SFTP_PASSWORD" >"$IT_DIR/sftp.pw"
	g_case sftp sf "$SFTP_ROOT" "$SFTP_URL" -t sftp -u "$SFTP_URL" \
		-U "$SFTP_USER" -H "$SFTP_HOSTKEY" -p "$IT_DIR/sftp.pw"
else
	fail "(g) setup: sshd.sh did not start" "$out"
fi

# --- (f) RFC 4331 free space: no blind PUT, refused up front --------------
WDN_DIR=$IT_DIR/wdn
mkdir -p "$WDN_DIR"
QUOTA=40000
out=$(bash "$IT_TOP/tests/servers/webdav-node.sh" start "$WDN_DIR" "$QUOTA" 2>&1) ||
	it_die "webdav-node.sh did not start" "$out"
eval "$out"
# The account first points at a port where nothing listens: the scan is
# spooled (network); then alice fixes the URL (the entry follows it).
out=$(printf '%s\n' "$WDN_PASSWORD" | ctl "$A" accounts add quota --type webdav --allow-insecure-http yes \
	--url http://127.0.0.1:1 --username "$WDN_USER" --name-template '{name}' \
	--password-stdin 2>&1)
assert_match "(f) alice adds an account (server unreachable for now)" created "$out"
out=$(ctl "$A" scan --to quota "${SCAN[@]}" --width-mm 150 --name f1 2>&1) && rc=0 || rc=$?
assert_eq "(f) scan while the server is unreachable is kept (exit 2)" 2 "$rc"
E6=$(entries "$A" | head -n 1)
T6=$(ticket "$IT_ALICE_UID" "$E6")
SIZE6=$(tk "$T6" document.size)
# Let the two background retries (1 s apart, retry count 2) run out first:
# one of them running at the time of the Retry below made Retry answer
# "already running" now and then.
check "(f) the entry needs attention once its background retries failed" \
	it_wait_for "$(wlog "$A")" "^needs-attention $E6\$" 600
check "(f) alice points the account at the quota server" \
	ctl "$A" accounts update quota --url "$WDN_URL"
# Fill the quota with a file of its own, leaving less than the entry.
head -c $((QUOTA - SIZE6 / 2)) /dev/urandom >"$IT_DIR/qfill"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$WDN_USER:$WDN_PASSWORD" \
	-T "$IT_DIR/qfill" "$WDN_URL/qfill")
assert_eq "(f) the filler fills the quota" 201 "$code"
pf='<?xml version="1.0"?><propfind xmlns="DAV:"><prop><quota-available-bytes/></prop></propfind>'
avail=$(curl -s -u "$WDN_USER:$WDN_PASSWORD" -X PROPFIND -H 'Depth: 0' --data "$pf" \
	"$WDN_URL/" | grep -o 'quota-available-bytes[^>]*>[0-9]*' | grep -o '[0-9]*$')
[ -n "$avail" ] && [ "$avail" -lt "$SIZE6" ] &&
	pass "(f) the server reports less free space ($avail) than the entry needs ($SIZE6)" ||
	fail "(f) the server reports less free space than the entry needs" "avail=$avail size=$SIZE6"
before=$(cd "$WDN_ROOT" && find . -printf '%p %s\n' | sort)
out=$(pycall "$A" "$IT_PATH/spool/$E6" $SP_IF Retry '' '' 2>&1)
assert_match "(f) Retry of an entry that cannot fit fails with StorageFull" \
	'^ERROR org\.mfpscan\.Daemon1\.Error\.StorageFull .*free' "$out"
assert_eq "(f) ... without a PUT: the server's storage is unchanged" "$before" \
	"$(cd "$WDN_ROOT" && find . -printf '%p %s\n' | sort)"
assert_eq "(f) the entry is kept" "$E6" "$(entries "$A")"
assert_eq "(f) its ErrorClass is storage-full" storage-full "$(prop "$A" "$E6" ErrorClass)"
check "(f) alice discards it" discard "$A" "$E6"
# full_policy = keep (the default): the scan is read and kept (S601-S609).
out=$(ctl "$A" scan --to quota "${SCAN[@]}" --width-mm 150 --name f2 2>&1) && rc=0 || rc=$?
assert_eq "(f) keep: a new scan that cannot fit is read and kept (exit 2)" 2 "$rc"
assert_match "(f) keep: ... the reason is the full storage" '(full|free)' "$out"
E7=$(entries "$A" | head -n 1)
assert_eq "(f) keep: ... one entry in the spool" 1 "$(entries "$A" | wc -l)"
assert_eq "(f) keep: ... its ErrorClass is storage-full" storage-full "$(prop "$A" "$E7" ErrorClass)"
assert_eq "(f) keep: ... and nothing was PUT" "$before" \
	"$(cd "$WDN_ROOT" && find . -printf '%p %s\n' | sort)"
check "(f) keep: alice was told (UploadFailed)" \
	it_wait_for "$(wlog "$A")" "^upload-failed $E7 storage-full" 100
# As for E6: its background retries run out first, so none runs at the
# time of the Retry below (and none uploads it before that Retry).
check "(f) keep: its background retries ran out (needs-attention)" \
	it_wait_for "$(wlog "$A")" "^needs-attention $E7\$" 600
curl -s -o /dev/null -u "$WDN_USER:$WDN_PASSWORD" -X DELETE "$WDN_URL/qfill"
out=$(pycall "$A" "$IT_PATH/spool/$E7" $SP_IF Retry '' '' 2>&1)
assert_match "(f) keep: once space is freed the kept document uploads" '^OK' "$out"
check "(f) keep: ... byte-exact on the server" "$IT_VERIFY" --format png "$WDN_ROOT/f2-001.png"
assert_eq "(f) keep: ... and the entry is gone" 0 "$(entries "$A" | wc -l)"

# full_policy = refuse: refused up front, nothing read.
avail=$(curl -s -u "$WDN_USER:$WDN_PASSWORD" -X PROPFIND -H 'Depth: 0' --data "$pf" \
	"$WDN_URL/" | grep -o 'quota-available-bytes[^>]*>[0-9]*' | grep -o '[0-9]*$')
head -c $((${avail:-1000} - 500)) /dev/urandom >"$IT_DIR/qfill"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$WDN_USER:$WDN_PASSWORD" \
	-T "$IT_DIR/qfill" "$WDN_URL/qfill")
assert_eq "(f) refuse: the filler leaves 500 bytes" 201 "$code"
before=$(cd "$WDN_ROOT" && find . -printf '%p %s\n' | sort)
IT_FULL_POLICY=refuse
restart
out=$(ctl "$A" scan --to quota "${SCAN[@]}" --width-mm 150 --name f3 2>&1) && rc=0 || rc=$?
assert_eq "(f) refuse: a new scan that cannot fit is refused (exit 1)" 1 "$rc"
assert_match "(f) refuse: ... up front with StorageFull" \
	'org\.mfpscan\.Daemon1\.Error\.StorageFull: .*free' "$out"
assert_no_match "(f) refuse: ... nothing was read" 'page 1 scanned' "$out"
assert_eq "(f) refuse: ... nothing was spooled" 0 "$(entries "$A" | wc -l)"
assert_eq "(f) refuse: ... and nothing was PUT" "$before" \
	"$(cd "$WDN_ROOT" && find . -printf '%p %s\n' | sort)"
IT_FULL_POLICY=keep

it_daemon_alive "daemon alive after the spool flows"
it_finish
