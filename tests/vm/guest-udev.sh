#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-udev: the udev half of the appliance, run inside the test guest
# (tests/vm/run-udev.sh boots it). A real systemd-udevd with
# udev/70-mfpscan.rules, the real module and its sim engine:
#   - /dev/mfpscanN is group scanner, mode 0660; /dev/mfpscan points to
#     mfpscan0, or to the engine a local rule marks as default;
#     /dev/mfpscan-by-serial/SERIAL; MFPSCAN_MODEL/SERIAL/BUS properties;
#     `udevadm test` on the class device shows the rules applied;
#   - the scan button: alice assigns panel profile 2 to her account with
#     mfpscanctl; `echo 2 > .../button` makes the daemon's udev monitor start
#     the job as alice and the document lands in her folder; a button with
#     an unassigned profile is logged, starts nothing, the daemon lives on;
#   - the panel (S107, S409): a button scan to a full folder is kept and the
#     engine's panel_message and amber lamp say so; a press while it waits
#     is refused ("Refused: earlier scans waiting"); space freed, the next
#     press uploads the kept document byte-exact, then "Sent to <account>",
#     green on, amber off; the background retry delivering a kept
#     document turns the panel's "Kept" into "Sent to <account>", but never
#     overwrites a newer job's message;
#   - hotplug: an engine that appears and one that is removed are logged;
#     an engine removed mid-job ends that job as failed, clearly, with the
#     completed pages kept in the owner's spool.
set -u
. "$(dirname "$0")/../integration/lib.sh"
it_init
it_need_ctl

A=$IT_ALICE
RULES=$IT_TOP/udev/70-mfpscan.rules
LOG=$IT_DIR/daemon.log
DBG=/sys/kernel/debug/mfpscan
CFS=/sys/kernel/config/mfpscan-sim

# --- udevd with our rules ---------------------------------------------------
getent group scanner >/dev/null || groupadd --system scanner ||
	it_die "groupadd scanner"
mkdir -p /etc/udev/rules.d
install -m 0644 "$RULES" /etc/udev/rules.d/70-mfpscan.rules ||
	it_die "cannot install the rules"
UDEVD=/lib/systemd/systemd-udevd
[ -x "$UDEVD" ] || UDEVD=/usr/lib/systemd/systemd-udevd
"$UDEVD" --daemon || it_die "systemd-udevd did not start"
udevadm control --ping || it_die "udevd does not answer"

sh "$IT_TOP/scripts/load-modules.sh" || it_die "cannot load mfpscan.ko and mfpscan_sim.ko"
# sim_new NAME [SERIAL] [LINE_RATE]: a live sim instance; prints its devname.
sim_new() {
	local s=$CFS/$1
	mkdir "$s" && echo 5 >"$s/adf_pages" || return 1
	[ -n "${2:-}" ] && { echo "$2" >"$s/serial" || return 1; }
	[ -n "${3:-}" ] && { echo "$3" >"$s/line_rate" || return 1; }
	echo 1 >"$s/live" && cat "$s/devname"
}
dev0=$(sim_new panel SIM-0001) || it_die "cannot create the first sim engine"
udevadm settle -t 30
assert_eq "the first engine is mfpscan0" mfpscan0 "$dev0"
check "/dev/mfpscan0 exists" test -c /dev/mfpscan0
assert_eq "/dev/mfpscan0 is root:scanner 0660" "root scanner 660" \
	"$(stat -c '%U %G %a' /dev/mfpscan0 2>&1)"
assert_eq "/dev/mfpscan points to mfpscan0" /dev/mfpscan0 \
	"$(readlink -f /dev/mfpscan 2>&1)"
assert_eq "/dev/mfpscan-by-serial/SIM-0001 points to mfpscan0" /dev/mfpscan0 \
	"$(readlink -f /dev/mfpscan-by-serial/SIM-0001 2>&1)"
info=$(udevadm info -q property -n /dev/mfpscan0 2>&1)
assert_match "MFPSCAN_MODEL is the engine's model" '^MFPSCAN_MODEL=MFP-SIM' "$info"
assert_match "MFPSCAN_SERIAL is the engine's serial" '^MFPSCAN_SERIAL=SIM-0001$' "$info"
assert_match "MFPSCAN_BUS says virtual for the sim" '^MFPSCAN_BUS=virtual$' "$info"
# udevadm test: what the rules do to the class device, line by line.
out=$(udevadm test /sys/class/mfpscan/mfpscan0 2>&1 |
	grep -E '70-mfpscan|GROUP|MODE|DEVLINKS|MFPSCAN_|[Ss]ymlink')
sgid=$(getent group scanner | cut -d: -f3)
assert_match "udevadm test runs 70-mfpscan.rules" '70-mfpscan\.rules:[0-9]+' "$out"
assert_match "udevadm test sets group scanner" "70-mfpscan\.rules:[0-9]+ GROUP $sgid|GROUP.*scanner" "$out"
assert_match "udevadm test sets mode 0660" "70-mfpscan\.rules:[0-9]+ MODE 0?660|MODE.*0660" "$out"
assert_match "udevadm test adds the by-serial link" "mfpscan-by-serial/SIM-0001" "$out"
assert_match "udevadm test sets MFPSCAN_SERIAL" "MFPSCAN_SERIAL=SIM-0001" "$out"

# A local rule marks the second engine's serial as the default.
cat >/etc/udev/rules.d/69-mfpscan-local.rules <<'EOF'
SUBSYSTEM=="mfpscan", ATTR{serial}=="SIM-DEFAULT", ENV{MFPSCAN_DEFAULT}="1"
EOF
udevadm control --reload
dev1=$(sim_new second SIM-DEFAULT) || it_die "cannot create the second sim engine"
udevadm settle -t 30
assert_eq "the second engine is mfpscan1" mfpscan1 "$dev1"
assert_eq "the engine marked default gets /dev/mfpscan" /dev/mfpscan1 \
	"$(readlink -f /dev/mfpscan 2>&1)"
assert_eq "/dev/mfpscan-by-serial/SIM-DEFAULT points to mfpscan1" /dev/mfpscan1 \
	"$(readlink -f /dev/mfpscan-by-serial/SIM-DEFAULT 2>&1)"
assert_eq "/dev/mfpscan1 is root:scanner 0660" "root scanner 660" \
	"$(stat -c '%U %G %a' /dev/mfpscan1 2>&1)"

# --- the daemon and the scan button ------------------------------------------------
it_start_bus
mkdir -p "$IT_DIR/state" "$IT_DIR/spool"
chmod 0700 "$IT_DIR/state" "$IT_DIR/spool"
IT_CONF=$IT_DIR/mfpscand.conf
cat >"$IT_CONF" <<CONF
[daemon]
state_dir = $IT_DIR/state
spool_dir = $IT_DIR/spool
default_device = default
log_level = debug

[device.default]
path = /dev/mfpscan
driver = kernel

[device.panel]
path = /dev/mfpscan-by-serial/SIM-0001
driver = kernel
CONF
it_start_daemon
assert_eq "the daemon runs as the service user mfpscan" "$(id -u mfpscan)" \
	"$(awk '/^Uid:/ {print $2}' "/proc/$IT_DAEMON_PID/status" 2>&1)"
check "the daemon's udev monitor runs" \
	it_wait_for "$LOG" 'udev: watching subsystem mfpscan'
check "the daemon lists the engines present" \
	it_wait_for "$LOG" 'udev: engine mfpscan1 present \(model MFP-SIM.*serial SIM-DEFAULT'

adir=$(it_local_dir "$A")
it_create_local "$A" home "$adir" >/dev/null || it_die "alice's account"
check "alice assigns panel profile 2 with mfpscanctl" \
	ctl "$A" profile set 2 --to home --format pdf --mode gray --resolution 75

# wait_log REGEX: the daemon log gets a line matching REGEX (bounded wait).
wait_log() { it_wait_for "$LOG" "$1" 400; }

echo 2 >"$DBG/mfpscan0/button" || fail "writing the button file"
check "the button press reaches the daemon" \
	wait_log 'udev: engine mfpscan0: scan button, panel profile 2'
check "profile 2 starts a job on the engine whose button was pressed" \
	wait_log "panel profile 2 on panel: job /org/mfpscan/Daemon1/job/[0-9]+ for uid $IT_ALICE_UID"
JOB=$(grep -Eo 'panel profile 2 on panel: job /org/mfpscan/Daemon1/job/[0-9]+' "$LOG" |
	head -n 1 | grep -o '/org/.*')
assert_eq "the button's job ends done" "done" "$(it_wait_job "$A" "$JOB")"
assert_eq "the job is alice's" "u $IT_ALICE_UID" \
	"$(bctl "$A" get-property "$IT_DEST" "$JOB" org.mfpscan.Daemon1.Job Owner 2>&1)"
f=$(find "$adir" -type f -name '*.pdf' | head -n 1)
check "the document lands in alice's folder" test -s "$f"
check "the engine's pages counter moved" \
	test "$(cat /sys/class/mfpscan/mfpscan0/pages)" -ge 1

njobs=$(mgr "$A" ListJobs)
echo 7 >"$DBG/mfpscan0/button" || fail "writing the button file (profile 7)"
check "an unassigned profile is logged" \
	wait_log 'panel profile 7 is not assigned'
sleep 1
assert_eq "an unassigned profile starts nothing" "$njobs" "$(mgr "$A" ListJobs)"
it_daemon_alive "the daemon is alive after the unassigned profile"

# --- the panel after a button scan to full storage (S107, S409) -------------
# Alice's profile 3 goes to a local folder on a tmpfs that is full
# (statvfs reports it). The scan is read and kept (full_policy = keep):
# the engine's panel says so and the amber lamp is lit. Her next press,
# still full, is refused (pending_policy = block): the panel says why.
# Space freed, the next press first uploads the kept document (byte-exact),
# then scans: "Sent to full", green on, amber off.
PANEL=/sys/class/mfpscan/mfpscan0
GREEN=/sys/class/leds/mfpscan0:green:status/brightness
AMBER=/sys/class/leds/mfpscan0:amber:attention/brightness
full=$IT_DIR/full
mkdir -p "$full"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$full" || it_die "tmpfs on $full"
IT_MOUNTS+=("$full")
chown "$A:" "$full"
it_create_local "$A" full "$full" >/dev/null || it_die "alice's full account"
check "alice assigns panel profile 3 to the small disk" \
	ctl "$A" profile set 3 --to full --format pdf --mode gray --resolution 75
dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1
# press_wait PROFILE: press the button, print the new job's final state.
press_wait() {
	local before job
	before=$(grep -c "panel profile $1 on panel: job" "$LOG")
	echo "$1" >"$DBG/mfpscan0/button" || { echo "no-button"; return; }
	for _ in $(seq 1 400); do
		[ "$(grep -c "panel profile $1 on panel: job" "$LOG")" -gt "$before" ] && break
		sleep 0.1
	done
	job=$(grep -Eo "panel profile $1 on panel: job /org/mfpscan/Daemon1/job/[0-9]+" \
		"$LOG" | tail -n 1 | grep -o '/org/.*')
	[ "$(grep -c "panel profile $1 on panel: job" "$LOG")" -gt "$before" ] || job=
	it_wait_job "$A" "$job"
}
assert_eq "a button scan to full storage is read and kept" spooled "$(press_wait 3)"
assert_eq "the panel says it was kept" "Kept: storage full — will retry" \
	"$(cat "$PANEL/panel_message" 2>&1)"
assert_eq "the amber lamp is on" 1 "$(cat "$AMBER" 2>&1)"
assert_eq "the green lamp is off" 0 "$(cat "$GREEN" 2>&1)"
kept=$(it_entries "$A")
assert_eq "one kept document in alice's spool" 1 "$(printf '%s\n' "$kept" | grep -c .)"
ksum=$(ctl "$A" spool export "$kept" - | sha256sum | cut -d' ' -f1)

assert_eq "a second press, still full, is refused" failed "$(press_wait 3)"
assert_eq "the panel says earlier scans are waiting" "Refused: earlier scans waiting" \
	"$(cat "$PANEL/panel_message" 2>&1)"
assert_eq "the amber lamp stays on" 1 "$(cat "$AMBER" 2>&1)"
assert_eq "the refused scan kept nothing new" "$kept" "$(it_entries "$A")"

rm -f "$full/filler"
assert_eq "space freed, the next press is delivered" done "$(press_wait 3)"
assert_eq "the panel says where it went" "Sent to full" \
	"$(cat "$PANEL/panel_message" 2>&1)"
assert_eq "the green lamp is on" 1 "$(cat "$GREEN" 2>&1)"
assert_eq "the amber lamp is off" 0 "$(cat "$AMBER" 2>&1)"
check "the kept document left the spool" it_wait_gone "$A" "$kept"
assert_eq "two documents are in the folder" 2 \
	"$(find "$full" -type f -name '*.pdf' | wc -l)"
check "the kept document arrived byte-exact" \
	bash -c 'sha256sum "$1"/*.pdf | grep -q "^$2 "' _ "$full" "$ksum"

# --- the panel after a background retry --------------------------------------
# The daemon again, now retrying every 2 s. A button scan to the full disk
# is kept; a failed background attempt leaves "Kept" on the panel; space
# freed, the background retry (no press) delivers it and the panel says
# "Sent to full", green on, amber off. Then a newer message is not
# overwritten: kept again, a press of profile 2 ("Sent to home") follows,
# and the later delivery of the kept document leaves "Sent to home".
it_stop_daemon
printf '\n[retry]\ninitial_s = 2\nmax_interval_s = 2\nslow_factor = 1\n' >>"$IT_CONF"
it_start_daemon
# log_count REGEX: how many daemon log lines match so far.
log_count() { grep -Ec -- "$1" "$LOG"; }
# wait_more REGEX N: wait until more than N log lines match (bounded).
wait_more() {
	for _ in $(seq 1 600); do
		[ "$(log_count "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
check "the daemon watches the engines again" \
	wait_more 'udev: watching subsystem mfpscan' 1
FAILED_RE="spooled document $IT_ALICE_UID/[^:]*: upload failed \(storage-full\)"
SENT_RE="spooled document $IT_ALICE_UID/[^ ]* uploaded"
dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1
assert_eq "a button scan to the full disk is kept again" spooled "$(press_wait 3)"
kept=$(it_entries "$A")
nfail=$(log_count "$FAILED_RE")
check "a background attempt fails while the disk is full" \
	wait_more "$FAILED_RE" "$nfail"
assert_eq "after it the panel still says kept" "Kept: storage full — will retry" \
	"$(cat "$PANEL/panel_message" 2>&1)"
nsent=$(log_count "$SENT_RE")
rm -f "$full/filler"
check "space freed, the background retry delivers it (no press)" \
	wait_more "$SENT_RE" "$nsent"
check "the kept document left the spool" it_wait_gone "$A" "$kept"
check "the panel says where it went" it_wait_for "$PANEL/panel_message" '^Sent to full$' 100
assert_eq "the panel message after the background retry" "Sent to full" \
	"$(cat "$PANEL/panel_message" 2>&1)"
assert_eq "the green lamp is on" 1 "$(cat "$GREEN" 2>&1)"
assert_eq "the amber lamp is off" 0 "$(cat "$AMBER" 2>&1)"
check "the daemon logs why the panel changed" \
	it_wait_for "$LOG" "engine panel: the kept document $IT_ALICE_UID/[^ ]+ was delivered" 100

dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1
assert_eq "kept once more" spooled "$(press_wait 3)"
kept=$(it_entries "$A")
assert_eq "a press of profile 2 is delivered" done "$(press_wait 2)"
assert_eq "the panel says so" "Sent to home" "$(cat "$PANEL/panel_message" 2>&1)"
nsent=$(log_count "$SENT_RE")
rm -f "$full/filler"
check "the background retry delivers the kept one" wait_more "$SENT_RE" "$nsent"
check "... and it left the spool" it_wait_gone "$A" "$kept"
assert_eq "the newer message stays on the panel" "Sent to home" \
	"$(cat "$PANEL/panel_message" 2>&1)"

# --- hotplug ----------------------------------------------------------------------------
dev2=$(sim_new hotplug SIM-HOT) || fail "cannot create a third sim engine"
check "an engine that appears is logged" \
	wait_log "udev: engine $dev2 appeared \(model MFP-SIM.*serial SIM-HOT"
echo 0 >"$CFS/hotplug/live"
check "an engine that goes away is logged" \
	wait_log "udev: engine $dev2 removed"
udevadm settle -t 30
check "its by-serial link is gone" test ! -e /dev/mfpscan-by-serial/SIM-HOT

# An engine removed mid-job: a slow 3-page ADF job on mfpscan0, removed
# while it reads.
echo 0 >"$CFS/panel/live"
echo 600 >"$CFS/panel/line_rate"
echo 1 >"$CFS/panel/live"
udevadm settle -t 30
dev0=$(cat "$CFS/panel/devname")
check "profile 2 is re-assigned for an ADF job" \
	ctl "$A" profile set 2 --to home --format pdf --mode gray --resolution 75 \
	--source adf --pages 3
echo 2 >"$DBG/$dev0/button"
check "the slow job starts" \
	wait_log "panel profile 2 on panel: job /org/mfpscan/Daemon1/job/[0-9]+ .*"
JOB2=$(grep -Eo 'panel profile 2 on panel: job /org/mfpscan/Daemon1/job/[0-9]+' "$LOG" |
	tail -n 1 | grep -o '/org/.*')
for _ in $(seq 1 200); do
	[ "$(cat "/sys/class/mfpscan/$dev0/pages" 2>/dev/null || echo 0)" -ge 1 ] && break
	sleep 0.05
done
echo 1 >"$DBG/$dev0/remove" || fail "forced removal"
check "the removal is logged" wait_log "udev: engine $dev0 removed"
state=$(it_wait_job "$A" "$JOB2")
assert_eq "the job on the removed engine ends failed" failed "$state"
err=$(bctl "$A" get-property "$IT_DEST" "$JOB2" org.mfpscan.Daemon1.Job Error 2>&1)
assert_match "its Error says the scanner went away" '[Rr]emoved|[Gg]one|disconnect|ENODEV|[Nn]o such device|unplug' "$err"
list=$(ctl "$A" spool list 2>&1)
assert_match "the completed pages are kept in alice's spool" "partial|attention" "$list"
it_daemon_alive "the daemon is alive after the removal"
printf '%s\n' "--- daemon log (tail) ---"
tail -n 40 "$LOG"
it_finish
