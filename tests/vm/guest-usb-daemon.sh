#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemon over a USB engine, run by the "daemon" group of
# tests/vm/guest-usb.sh (as root, cwd = repo root) while the FunctionFS
# emulator is enumerated and kernel/mfpscan_usb.ko is loaded. Argument: the
# engine's /dev/mfpscanN. A private bus and the real mfpscand with two
# devices on the same engine: usbk (driver = kernel, path = the node) and
# usbu (driver = libusb, path = libusb:1209:0001). Alice scans the same
# 2-page mono ADF PDF through each; both must match the formula and be
# byte-identical, and the daemon's log must say it detached the kernel
# driver for usbu.
# Then the USB watcher (usr/mfpscand/usb_watch.c) with systemd-udevd running:
# libusb hotplug reports the engine, the kernel driver is unloaded so the
# daemon reads the engine's interrupt endpoint itself, the scan button
# (SIGUSR1 to the emulator) starts alice's panel profile on usbu, the
# cable is pulled and put back (both seen), and a scan after that takes the
# engine from the watcher and gives it back.
# Argument: the engine's /dev/mfpscanN; the bed (button, cable) is
# tests/vm/usb-bed.sh's, from USB_BED (and EMU_PID on the ffs bed, BED_CTL
# on the xhci bed). Output and exit status as tests/integration/lib.sh.
set -u
node=${1:?usage: guest-usb-daemon.sh /dev/mfpscanN}
. "$(dirname "$0")/usb-bed.sh"
. "$(dirname "$0")/../integration/lib.sh"
it_init
it_need_daemon
it_need_ctl
it_need_verify
it_start_bus
# libusb learns of hotplug from udevd, as on the appliance; the project's
# rules give the daemon's user (mfpscan, group scanner) the engine's
# /dev/mfpscanN and its usbfs node. The engine was enumerated before udevd
# ran: replay its events so that the rules apply to it.
it_guest_udevd
udevadm trigger --action=add --subsystem-match=usb --subsystem-match=mfpscan
udevadm settle -t 30
usbnode=$(for d in /sys/bus/usb/devices/*; do
	[ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 1209:0001 ] &&
		printf '/dev/bus/usb/%03d/%03d\n' "$(cat "$d/busnum")" "$(cat "$d/devnum")"
done | head -n 1)
assert_eq "the engine's usbfs node $usbnode is root:scanner 0660" "root scanner 660" \
	"$(stat -c '%U %G %a' "${usbnode:-/nonexistent}" 2>&1)"
assert_eq "$node is root:scanner 0660" "root scanner 660" "$(stat -c '%U %G %a' "$node" 2>&1)"
IT_DEFAULT_DEVICE=usbk \
IT_DEVICES="[device.usbk]\npath = $node\ndriver = kernel\n\n[device.usbu]\npath = libusb:1209:0001\ndriver = libusb" \
	it_write_config
it_start_daemon
assert_eq "the daemon runs as the service user mfpscan" "$(id -u mfpscan)" \
	"$(awk '/^Uid:/ {print $2}' "/proc/$IT_DAEMON_PID/status" 2>&1)"
LOG=$IT_DIR/daemon.log
A=$IT_ALICE
dir=$(it_local_dir "$A")
check "alice adds a local account" \
	ctl "$A" accounts add home --type local --folder "$dir"

# scan_to DEVICE: scan through DEVICE, print the document's path
scan_to() {
	local out
	out=$(ctl "$A" scan --to home --device "$1" --format pdf --source adf \
		--pages 2 --mode mono --resolution 150 2>&1) || {
		printf '%s\n' "$out" >&2
		return 1
	}
	printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p'
}

# scan_verified DEVICE NAME: a scan through DEVICE must deliver a document
# that is the engine's 2 pages; its path is left in $doc
scan_verified() {
	if doc=$(scan_to "$1") && [ -f "$doc" ]; then
		pass "$2"
	else
		fail "$2" "$(grep -E 'usb:|jobs:' "$LOG" | tail -n 15)"
		doc=/nonexistent
	fi
	check "$2: the document is the engine's 2 pages" \
		"$IT_VERIFY" --format pdf --pages 2 "$doc"
}

scan_verified usbk "scan through the kernel driver (usbk)"
k=$doc
scan_verified usbu "scan through libusb (usbu)"
u=$doc
a=$(sha256sum <"$k" | cut -d' ' -f1)
b=$(sha256sum <"$u" | cut -d' ' -f1)
echo "kernel $a"
echo "libusb $b"
assert_eq "the two documents are byte-identical (sha256)" "$a" "$b"
check "the daemon log says it detached the kernel driver" \
	grep -q "detached the kernel driver" "$LOG"
check "and that it re-attached it" grep -q "re-attached the kernel driver" "$LOG"
check "the kernel node is back after the libusb job" test -c "$node"

# --- the USB watcher -------------------------------------------------------

# wait_count REGEX N: the daemon log gets N lines matching REGEX (bounded)
wait_count() {
	for _ in $(seq 1 300); do
		[ "$(grep -Ec -- "$1" "$LOG")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "fewer than $2 lines match '$1':"
	grep -E 'usb:' "$LOG" | tail -n 10
	return 1
}

# docs: the number of PDFs in alice's folder
docs() { find "$dir" -name '*.pdf' -type f | wc -l; }

# wait_docs N: alice's folder holds N PDFs (bounded)
wait_docs() {
	for _ in $(seq 1 600); do
		[ "$(docs)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "$(docs) documents, expected $1"
	return 1
}

ENG='USB engine 1209:0001 \(device usbu\)'
check "hotplug: the watcher found the engine at start" \
	wait_count "usb: $ENG plugged in" 1
check "the engine's events are the kernel driver's while it is bound" \
	wait_count 'usb: USB engine 1209:0001: not reading its events: the kernel driver' 1
check "alice assigns panel profile 1 (usbu; the emulator presses profile 1)" \
	ctl "$A" profile set 1 --to home --format pdf --source adf --pages 2 \
	--mode gray --resolution 75
check "unloading the kernel driver" rmmod mfpscan_usb
check "with no kernel driver the daemon reads the engine's events" \
	wait_count "usb: $ENG: listening for its events" 1
n0=$(docs)
check "the emulator's button is pressed" bed_press
check "the button reaches the daemon over libusb" \
	wait_count 'usb: device usbu: scan button, panel profile 1' 1
check "the profile's job runs on usbu and its document lands" wait_docs $((n0 + 1))
b=$(ls -t "$dir"/*.pdf | head -n 1)
check "the button's document is the engine's 2 gray pages" \
	"$IT_VERIFY" --format pdf --pages 2 "$b"
check "after the job the watcher takes the engine back" \
	wait_count "usb: $ENG: listening for its events" 2
# listening: how many times the watcher has taken the engine so far
listening() { grep -Ec "usb: $ENG: listening for its events" "$LOG"; }
BUTTON='usb: device usbu: scan button, panel profile 1'
# press N: press the button for the Nth time; the watcher reads it (only
# a watcher that holds the engine can), its job's document lands and the
# watcher takes the engine back (a "listening" line after that button's).
press() {
	local at
	bed_press || return 1
	wait_count "$BUTTON" "$1" || return 1
	at=$(grep -En "$BUTTON" "$LOG" | sed -n "$1p" | cut -d: -f1)
	wait_docs $((n0 + $1)) || return 1
	for _ in $(seq 1 300); do
		tail -n +"$at" "$LOG" | grep -Eq "usb: $ENG: listening for its events" && return 0
		sleep 0.1
	done
	echo "the watcher did not take the engine back after press $1"
	return 1
}
caps=$(mgr "$A" GetCapabilities 2>&1)
assert_match "GetCapabilities: usbu available" \
	'"name" s "usbu" "default" b [a-z]+ "available" b true' "$caps"
# The first call may open the engine once to read its caps; a press after
# it is read by the watcher holding the engine again.
check "a second press after GetCapabilities: its job runs, the watcher takes the engine back" \
	press 2
l0=$(wc -l <"$LOG")
mgr "$A" GetCapabilities >/dev/null 2>&1
check "a third press after GetCapabilities again" press 3
# Had the call made the watcher let go, it would have taken the engine
# again before it could read the third press: no "listening" in between.
assert_eq "GetCapabilities again: answered from the watcher, which keeps the engine" "" \
	"$(tail -n +"$((l0 + 1))" "$LOG" | sed "/$BUTTON/,\$d" | grep -E "usb: $ENG: listening")"
n1=$(listening)

check "the cable is pulled" bed_unplug
check "hotplug: unplugging is seen" wait_count "usb: $ENG unplugged" 1
sleep 1
assert_match "GetCapabilities: usbu is not plugged in" \
	'the USB engine \(libusb:1209:0001\) is not plugged in' \
	"$(mgr "$A" GetCapabilities 2>&1)"
check "the cable is plugged back" bed_plug
check "hotplug: plugging back in is seen" wait_count "usb: $ENG plugged in" 2
check "and its events are read again" \
	wait_count "usb: $ENG: listening for its events" $((n1 + 1))
scan_verified usbu "a scan on usbu after the replug (the watcher lets go of the engine)"
check "the watcher takes the engine back after that job" \
	wait_count "usb: $ENG: listening for its events" $((n1 + 2))
it_daemon_alive "the daemon is still running"
# the watcher's thread is stopped and joined at exit: a clean, prompt stop
kill -TERM "$IT_DAEMON_PID"
wait "$IT_DAEMON_PID"
assert_eq "the daemon exits 0 on SIGTERM with the watcher running" 0 "$?"
IT_DAEMON_PID=
check "the watcher logged no failure" \
	sh -c "! grep -Ei 'usb: .*(did not let go|cannot|lost|reading events failed)' '$LOG'"
udevadm control --exit 2>/dev/null
it_finish
