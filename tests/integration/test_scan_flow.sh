#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_scan_flow: the patent's flow without exceptions (issue 10, flow half)
# with the real daemon, a real dbus-daemon, alice and bob, and a WebDAV
# server answering as Nextcloud does (tests/servers/nextcloud-dav.js):
#
#  (a) unlimited (-3) and unknown (-2, -1) Nextcloud quotas upload on the
#      first try (no spool entry).
#  (b) Scan answers while alice's 10 kept documents upload to a server that
#      holds every PUT: the reply (a job, "preparing") arrives before the
#      server is released, bob scans on the same device meanwhile without
#      DeviceBusy, and once released all 10 and the new scan arrive.
#  (c) the panel (a fake sysfs tree, [daemon] sysfs_dir): a panel-button
#      scan (Trigger) to full storage (a real Nextcloud-style quota) is read
#      and kept: "Kept: storage full - will retry" and the amber lamp; the
#      next scan to it is refused: "Refused: earlier scans waiting"; a
#      delivered scan: "Sent to <account>", green on, amber off.
#  (d) a kept document whose account was deleted: alice's next scan makes
#      it needs-attention at once with advice, and does not block.
#  (e) a full local folder (a tmpfs filled up, statvfs reports it): the
#      scan is read and kept (full_policy = keep) and uploads on Retry once
#      space is freed.
#  (f) with [retry] count = 0 a kept document is needs-attention at once;
#      the owner's next scan (to another account) uploads it all the same.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
it_start_bus

A=$IT_ALICE
B=$IT_BOB
SCAN=(--format png --resolution 75 --mode mono)
NCD_DIR=$IT_DIR/ncd
SYS=$IT_DIR/sys
PANEL=$SYS/class/mfpscan/mfpscan0

cleanup_flow() {
	rm -f "$NCD_DIR/ctl/hold"
	bash "$IT_TOP/tests/servers/nextcloud-dav.sh" stop "$NCD_DIR" >/dev/null 2>&1 || true
	it_cleanup
}
trap cleanup_flow EXIT

# The panel files as mfpscan.ko makes them (Documentation/uapi.rst) and
# udev/70-mfpscan.rules hands them over (group scanner, 0664): the daemon
# writes them as the user mfpscan.
mkdir -p "$PANEL/leds/mfpscan0:green:status" "$PANEL/leds/mfpscan0:amber:attention"
: >"$PANEL/panel_message"
echo 0 >"$PANEL/leds/mfpscan0:green:status/brightness"
echo 0 >"$PANEL/leds/mfpscan0:amber:attention/brightness"
chgrp scanner "$PANEL/panel_message" "$PANEL"/leds/*/brightness
chmod 0664 "$PANEL/panel_message" "$PANEL"/leds/*/brightness
panel_text() { cat "$PANEL/panel_message"; }
lamp() { cat "$PANEL/leds/mfpscan0:$1/brightness"; }

out=$(bash "$IT_TOP/tests/servers/nextcloud-dav.sh" start "$NCD_DIR" 2>&1) ||
	it_die "nextcloud-dav.sh did not start" "$out"
eval "$out"
echo -3 >"$NCD_CTL/quota"

IT_RETRY_INITIAL=3600
IT_SYSFS_DIR=$SYS
IT_DEVICES='[device.default]\npath = pattern:\ndriver = kernel\npanel = mfpscan0'
it_write_config
it_start_daemon

entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }
job_prop() {
	bctl "$1" get-property "$IT_DEST" "$2" org.mfpscan.Daemon1.Job "$3" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/'
}
add_nc() {
	printf '%s\n' "$NCD_PASSWORD" | ctl "$A" accounts add "$1" --type webdav --allow-insecure-http yes \
		--url "$2" --username "$NCD_USER" --folder "$3" \
		--name-template '{name}' --password-stdin 2>&1
}

ADIR=$(it_local_dir "$A")
BDIR=$(it_local_dir "$B")
check "alice adds a local account" ctl "$A" accounts add home --type local \
	--folder "$ADIR" --name-template '{name}'
check "bob adds a local account" ctl "$B" accounts add home --type local \
	--folder "$BDIR" --name-template '{name}'


# --- (a) Nextcloud's quota sentinels -----------------------------------------
out=$(add_nc nc "$NCD_URL" scans)
assert_match "alice adds a Nextcloud-style account" created "$out"
ACC_NC=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/account/[0-9a-zA-Z_]*')
for q in -3 -2 -1; do
	echo "$q" >"$NCD_CTL/quota"
	out=$(ctl "$A" scan --to nc "${SCAN[@]}" --name "q$q" 2>&1) && rc=0 || rc=$?
	assert_eq "(a) quota-available-bytes $q: the scan uploads on the first try (exit 0)" 0 "$rc"
	check "(a) ... byte-exact on the server" "$IT_VERIFY" --format png "$NCD_ROOT/scans/q$q-001.png"
done
assert_eq "(a) nothing was kept" "" "$(entries "$A")"
echo -3 >"$NCD_CTL/quota"

# --- (b) the reply does not wait for old documents; the device is free ------
# Ten kept documents: the account points at a port nobody listens on.
check "alice points the account at a dead port" \
	ctl "$A" accounts update nc --url "http://127.0.0.1:1"
for i in $(seq 1 10); do
	ctl "$A" scan --to nc "${SCAN[@]}" --width-mm $((20 + i)) --name "old$i" \
		>/dev/null 2>&1
done
assert_eq "(b) alice has 10 kept documents" 10 "$(entries "$A" | wc -l)"
check "alice points the account back at the server" \
	ctl "$A" accounts update nc --url "$NCD_URL"
touch "$NCD_CTL/hold"
t0=$(date +%s%N)
out=$(bctl "$A" --timeout=30 call "$IT_DEST" "$IT_PATH" "$IT_MGR" Scan 'oa{sv}' "$ACC_NC" \
	3 format s png resolution u 75 name s new 2>&1)
t1=$(date +%s%N)
held=$([ -e "$NCD_CTL/hold" ] && echo held || echo released)
echo "# Scan reply after $(((t1 - t0) / 1000000)) ms (the server holds every PUT)"
JOBA=$(it_busctl_path "$out")
assert_match "(b) alice's Scan answers with a job" '^/org/mfpscan/Daemon1/job/' "$JOBA"
assert_eq "(b) ... while the server still holds the old documents' uploads" held "$held"
check "(b) alice's preparation is inside a held PUT" it_wait_for "$NCD_CTL/held" PUT 400
assert_eq "(b) alice's job is preparing" preparing "$(it_job_state "$A" "$JOBA")"
out=$(ctl "$B" scan --to home "${SCAN[@]}" --name bob1 2>&1) && rc=0 || rc=$?
assert_eq "(b) bob scans on the same device meanwhile (exit 0)" 0 "$rc"
assert_no_match "(b) ... without DeviceBusy" DeviceBusy "$out"
check "(b) ... and his page arrives" "$IT_VERIFY" --format png "$BDIR/bob1-001.png"
assert_eq "(b) alice's job is still preparing after bob's scan" preparing \
	"$(it_job_state "$A" "$JOBA")"
rm -f "$NCD_CTL/hold"
assert_eq "(b) once released alice's job is done" done "$(it_wait_job "$A" "$JOBA")"
assert_eq "(b) ... her 10 old documents were uploaded first" "" "$(entries "$A")"
for i in $(seq 1 10); do
	[ -f "$NCD_ROOT/scans/old$i-001.png" ] || fail "(b) old$i is on the server"
done
check "(b) ... and the new one" "$IT_VERIFY" --format png "$NCD_ROOT/scans/new-001.png"

# --- (c) the panel -------------------------------------------------------------
echo 1000 >"$NCD_CTL/quota"	# far less than a page: known full
mgr "$A" AssignProfile 'uoa{sv}' 1 "$ACC_NC" 4 format s png resolution u 75 \
	color-mode s mono name s panel >/dev/null 2>&1
out=$(mgr root Trigger su default 1 2>&1)
JOB=$(it_busctl_path "$out")
assert_eq "(c) the button scan to full storage is read and kept" spooled \
	"$(it_wait_job "$A" "$JOB")"
assert_eq "(c) the panel says so" "Kept: storage full — will retry" "$(panel_text)"
assert_eq "(c) the amber lamp is on" 1 "$(lamp amber:attention)"
assert_eq "(c) the green lamp is off" 0 "$(lamp green:status)"
assert_eq "(c) one kept document" 1 "$(entries "$A" | wc -l)"
out=$(mgr root Trigger su default 1 2>&1)
JOB=$(it_busctl_path "$out")
assert_eq "(c) the next button scan to the full storage is refused" failed \
	"$(it_wait_job "$A" "$JOB")"
assert_eq "(c) ... with PendingUploads" "$IT_ERR.PendingUploads" "$(job_prop "$A" "$JOB" ErrorName)"
assert_eq "(c) the panel says why" "Refused: earlier scans waiting" "$(panel_text)"
assert_eq "(c) the amber lamp stays on" 1 "$(lamp amber:attention)"
out=$(ctl "$A" scan --to home "${SCAN[@]}" --name sent 2>&1) && rc=0 || rc=$?
assert_eq "(c) a scan to the healthy account is delivered" 0 "$rc"
assert_eq "(c) the panel says where it went" "Sent to home" "$(panel_text)"
assert_eq "(c) green on" 1 "$(lamp green:status)"
assert_eq "(c) amber off after a delivered job" 0 "$(lamp amber:attention)"
echo -3 >"$NCD_CTL/quota"
e=$(entries "$A" | head -n 1)
check "(c) space freed: the kept document uploads on Retry" \
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$e" org.mfpscan.Daemon1.SpoolEntry Retry
check "(c) ... it is on the server" "$IT_VERIFY" --format png "$NCD_ROOT/scans/panel-001.png"

# --- (d) a document whose account was deleted ---------------------------------
assert_match "alice adds an account on a dead port" created \
	"$(add_nc gone "http://127.0.0.1:1" gone)"
out=$(ctl "$A" scan --to gone "${SCAN[@]}" --name gone1 2>&1) && rc=0 || rc=$?
assert_eq "(d) the scan is kept (exit 2)" 2 "$rc"
e=$(entries "$A" | head -n 1)
check "alice deletes the account" ctl "$A" accounts remove gone
out=$(ctl "$A" scan --to home "${SCAN[@]}" --name after 2>&1) && rc=0 || rc=$?
assert_eq "(d) the next scan is not blocked by it (exit 0)" 0 "$rc"
sp="$IT_PATH/spool/$e"
state=$(bctl "$A" get-property "$IT_DEST" "$sp" org.mfpscan.Daemon1.SpoolEntry State 2>&1)
assert_match "(d) the entry is needs-attention at once" 'needs-attention' "$state"
assert_match "(d) ... with no automatic retry left" '^u 0$' \
	"$(bctl "$A" get-property "$IT_DEST" "$sp" org.mfpscan.Daemon1.SpoolEntry RetriesLeft 2>&1)"
assert_match "(d) ... and a message saying what to do" 'no longer exists; use Open .* or Discard' \
	"$(bctl "$A" get-property "$IT_DEST" "$sp" org.mfpscan.Daemon1.SpoolEntry LastError 2>&1)"

# --- (e) a full local folder ------------------------------------------------
full=$IT_DIR/full
mkdir -p "$full"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$full" || it_die "cannot mount a tmpfs on $full"
IT_MOUNTS+=("$full")
chown "$A:" "$full"
check "alice adds a local account on a small disk" ctl "$A" accounts add disk --type local \
	--folder "$full" --name-template '{name}'
dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1
n0=$(entries "$A" | wc -l)
out=$(ctl "$A" scan --to disk "${SCAN[@]}" --name e1 2>&1) && rc=0 || rc=$?
assert_eq "(e) a scan to the full folder is read and kept (exit 2)" 2 "$rc"
assert_match "(e) ... it was read" 'page 1 scanned' "$out"
assert_eq "(e) ... one more kept document" $((n0 + 1)) "$(entries "$A" | wc -l)"
rm -f "$full/filler"
for e in $(entries "$A"); do
	bctl "$A" call "$IT_DEST" "$IT_PATH/spool/$e" org.mfpscan.Daemon1.SpoolEntry Retry \
		>/dev/null 2>&1 || true
done
check "(e) space freed: the kept document uploads on Retry" \
	"$IT_VERIFY" --format png "$full/e1-001.png"

# --- (f) a needs-attention entry goes with the owner's next scan -------------
it_stop_daemon
IT_RETRY_COUNT=0
it_write_config
it_start_daemon
check "alice points nc at a dead port" ctl "$A" accounts update nc --url "http://127.0.0.1:1"
out=$(ctl "$A" scan --to nc "${SCAN[@]}" --name na1 2>&1) && rc=0 || rc=$?
assert_eq "(f) the scan is kept (exit 2)" 2 "$rc"
na=""
for e in $(entries "$A"); do
	st=$(bctl "$A" get-property "$IT_DEST" "$IT_PATH/spool/$e" org.mfpscan.Daemon1.SpoolEntry Name 2>&1)
	case $st in *na1-001.png*) na=$e ;; esac
done
assert_match "(f) ... as needs-attention (no retries)" needs-attention \
	"$(bctl "$A" get-property "$IT_DEST" "$IT_PATH/spool/$na" org.mfpscan.Daemon1.SpoolEntry State 2>&1)"
check "alice points nc back at the server" ctl "$A" accounts update nc --url "$NCD_URL"
out=$(ctl "$A" scan --to home "${SCAN[@]}" --name na2 2>&1) && rc=0 || rc=$?
assert_eq "(f) alice's next scan (to home) is done" 0 "$rc"
check "(f) ... and her needs-attention document was uploaded first" \
	"$IT_VERIFY" --format png "$NCD_ROOT/scans/na1-001.png"
assert_no_match "(f) ... and is no longer kept" "^$na\$" "$(entries "$A")"

it_daemon_alive "daemon alive after the scan flows"
it_finish
