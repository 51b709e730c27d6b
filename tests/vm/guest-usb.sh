#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The USB suite, run inside the test VM (as root, cwd = repo root) by
# tests/vm/run-usb.sh: a FunctionFS gadget (configfs g1, functions/
# ffs.mfpscan) bound to dummy_udc.0 and driven by build/usr/mfpscan-usbemu
# is the scanner engine; it is read through the libusb band source and
# through kernel/mfpscan_usb.ko (/dev/mfpscanN), byte-exact against the
# formula, with every emulator fault surfaced as documented in
# Documentation/usb-protocol.rst. Prints "ok N name" / "not ok N name"
# lines and a final "N passed, N failed"; exit status 0 only if all passed.
# Arguments: test groups to run (default: all).
set -u

top=$(pwd)
emu=$top/build/usr/mfpscan-usbemu
rd=$top/build/usr/tools/mfpscan-read
vf=$top/build/usr/tools/mfpscan-verify
ko_core=${MFPSCAN_KO:-$top/kernel/mfpscan.ko}
ko_usb=$top/kernel/mfpscan_usb.ko
G=/sys/kernel/config/usb_gadget/g1
FFS=/dev/ffs-mfpscan
out=/tmp/usbtest
mkdir -p $out
pass=0
fail=0
n=0
emu_pid=

ok() {
	n=$((n + 1))
	pass=$((pass + 1))
	echo "ok $n $*"
}

notok() {
	n=$((n + 1))
	fail=$((fail + 1))
	echo "not ok $n $*"
}

# check NAME COMMAND...: one test line from a command's exit status
check() {
	local name=$1
	shift
	if "$@" >$out/last.log 2>&1; then
		ok "$name"
	else
		notok "$name"
		sed 's/^/# /' $out/last.log | tail -n 15
	fi
}

bail() {
	echo "Bail out! $*"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
}

setup_gadget() {
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	modprobe dummy_hcd && modprobe libcomposite && modprobe usb_f_fs ||
		bail "cannot load dummy_hcd/libcomposite/usb_f_fs"
	mkdir -p $G || bail "no configfs usb_gadget"
	echo 0x1209 >$G/idVendor
	echo 0x0001 >$G/idProduct
	mkdir -p $G/strings/0x409 $G/configs/c.1/strings/0x409
	echo mfpscan >$G/strings/0x409/manufacturer
	echo "mfpscan USB engine emulator" >$G/strings/0x409/product
	echo EMU0001 >$G/strings/0x409/serialnumber
	echo scanner >$G/configs/c.1/strings/0x409/configuration
	echo 100 >$G/configs/c.1/MaxPower
	mkdir -p $G/functions/ffs.mfpscan
	[ -e $G/configs/c.1/ffs.mfpscan ] || ln -s $G/functions/ffs.mfpscan $G/configs/c.1/
	mkdir -p $FFS
	mountpoint -q $FFS || mount -t functionfs mfpscan $FFS || bail "cannot mount functionfs"
}

# The device with our VID:PID as seen by the host side, or nothing.
usb_present() {
	local d
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/idVendor" ] || continue
		[ "$(cat $d/idVendor):$(cat $d/idProduct)" = 1209:0001 ] && { echo "$d"; return 0; }
	done
	return 1
}

wait_present() {
	local i
	for i in $(seq 1 100); do
		usb_present >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_gone() {
	local i
	for i in $(seq 1 100); do
		usb_present >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# emu_start [OPTIONS...]: (re)start the emulator and wait for enumeration
emu_start() {
	emu_stop
	"$emu" --ffs $FFS --udc-file $G/UDC "$@" 2>>$out/emu.log &
	emu_pid=$!
	wait_present || { echo "# emulator did not enumerate"; tail -5 $out/emu.log | sed 's/^/# /'; return 1; }
	return 0
}

emu_stop() {
	if [ -n "$emu_pid" ]; then
		kill "$emu_pid" 2>/dev/null
		wait "$emu_pid" 2>/dev/null
		emu_pid=
	fi
	[ -n "$(cat $G/UDC 2>/dev/null)" ] && echo "" >$G/UDC
	wait_gone
}

# The /dev/mfpscanN of the USB engine (its parent is a USB interface).
usb_node() {
	local c i
	for i in $(seq 1 50); do
		for c in /sys/class/mfpscan/mfpscan*; do
			[ -e "$c" ] || continue
			if readlink -f "$c/device" 2>/dev/null | grep -q usb; then
				echo "/dev/$(basename "$c")"
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# read_expect SPEC WANT_RC PATTERN ARGS...: run mfpscan-read, expect exit
# status WANT_RC and PATTERN (grep -E) in its output
read_expect() {
	local spec=$1 want=$2 pat=$3 rc
	shift 3
	timeout 120 "$rd" -d "$spec" "$@" >$out/read.log 2>&1
	rc=$?
	cat $out/read.log
	[ "$rc" = "$want" ] || { echo "exit $rc, expected $want"; return 1; }
	[ -z "$pat" ] || grep -Eq "$pat" $out/read.log || { echo "no /$pat/"; return 1; }
}

# --- groups -------------------------------------------------------------

group_libusb() {
	emu_start || { notok "libusb: emulator enumerates"; return; }
	ok "libusb: emulator enumerates"
	check "libusb: caps" read_expect libusb: 0 "model mfpscan-usbemu" --caps
	for mode in mono gray color; do
		check "libusb: adf 3 pages $mode byte-exact" \
			read_expect libusb: 0 "" --source adf --pages 3 --mode $mode \
			--resolution 150 --check
	done
	check "libusb: flatbed 300 dpi gray" read_expect libusb: 0 "" \
		--source flatbed --mode gray --resolution 300 --check
	check "libusb: duplex 4 pages" read_expect libusb: 0 "" \
		--source adf-duplex --pages 4 --mode gray --resolution 75 --check
	emu_start --jam 1:100 || return
	check "libusb: jam surfaces" read_expect libusb: 1 "jam" \
		--source adf --pages 3 --mode gray --resolution 150 --check
	check "libusb: next job after jam works" read_expect libusb: 0 "" \
		--source adf --pages 2 --mode gray --resolution 75 --check
	emu_start --corrupt-crc 0:2 || return
	check "libusb: corrupt CRC -> protocol error" read_expect libusb: 1 \
		"transport error|framing|checksum" --source adf --pages 2 --mode gray \
		--resolution 150 --check
	check "libusb: next job after protocol error works" read_expect libusb: 0 "" \
		--source adf --pages 2 --mode gray --resolution 75 --check
	emu_start --bad-header long || return
	check "libusb: over-long header -> protocol error" read_expect libusb: 1 \
		"transport error|framing" --source adf --pages 1 --mode gray \
		--resolution 150 --band-lines 16 --check
	emu_start --bad-header short || return
	check "libusb: truncated header -> protocol error" read_expect libusb: 1 \
		"transport error|framing" --source adf --pages 1 --mode gray \
		--resolution 150 --band-lines 16 --check
	emu_start --cover-open || return
	check "libusb: cover open surfaces" read_expect libusb: 1 "cover" \
		--source adf --pages 1 --mode gray --resolution 75 --check
	emu_start --adf-pages 0 || return
	check "libusb: empty ADF surfaces" read_expect libusb: 1 "paper|ADF|empty" \
		--source adf --pages 1 --mode gray --resolution 75 --check
	emu_start --disconnect-at 1:200 || return
	check "libusb: unplug mid-band -> removed" read_expect libusb: 1 "removed" \
		--source adf --pages 3 --mode gray --resolution 150 --check
	emu_stop
}

setup_gadget
[ -x "$emu" ] || bail "$emu missing (make -C usr all)"
groups=${*:-libusb}
for g in $groups; do
	"group_$g"
done
emu_stop
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
