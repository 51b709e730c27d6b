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
# driver for usbu. Output and exit status as tests/integration/lib.sh.
set -u
node=${1:?usage: guest-usb-daemon.sh /dev/mfpscanN}
. "$(dirname "$0")/../integration/lib.sh"
it_init
it_need_daemon
it_need_ctl
it_need_verify
it_start_bus
IT_DEFAULT_DEVICE=usbk \
IT_DEVICES="[device.usbk]\npath = $node\ndriver = kernel\n\n[device.usbu]\npath = libusb:1209:0001\ndriver = libusb" \
	it_write_config
it_start_daemon
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

if k=$(scan_to usbk) && [ -f "$k" ]; then
	pass "scan through the kernel driver (usbk)"
else
	fail "scan through the kernel driver (usbk)" "$(tail -n 15 "$LOG")"
fi
if u=$(scan_to usbu) && [ -f "$u" ]; then
	pass "scan through libusb (usbu)"
else
	fail "scan through libusb (usbu)" "$(tail -n 15 "$LOG")"
fi
check "the kernel-driver document is the engine's 2 pages" \
	"$IT_VERIFY" --format pdf --pages 2 "$k"
check "the libusb document is the engine's 2 pages" \
	"$IT_VERIFY" --format pdf --pages 2 "$u"
a=$(sha256sum <"$k" | cut -d' ' -f1)
b=$(sha256sum <"$u" | cut -d' ' -f1)
echo "kernel $a"
echo "libusb $b"
assert_eq "the two documents are byte-identical (sha256)" "$a" "$b"
check "the daemon log says it detached the kernel driver" \
	grep -q "detached the kernel driver" "$LOG"
check "and that it re-attached it" grep -q "re-attached the kernel driver" "$LOG"
check "the kernel node is back after the libusb job" test -c "$node"
it_finish
