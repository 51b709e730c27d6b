#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The USB engine across a system suspend (for make check-usb): one VM on
# the xhci bed (q35, Intel IOMMU in strict mode, the emulator on the host
# as a usbredir device: tests/vm/run-usb.sh) runs tests/vm/guest-usb-sleep.sh
# and tests/kselftest/usb_sleep.c. The guest cannot write its exit status
# to the share after a suspend (virtio-9p does not resume), so the result
# comes from the console: usb_sleep's "N passed, N failed", its exit
# status, and the kernel log it prints, checked against
# tests/vm/dmesg-bad.re. Output in build/usb/last-run-sleep.txt. Exit
# status 0 only if both tests passed with a clean kernel log.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

mkdir -p build/usb build/vm/share
make -s modules >/dev/null
make -s -j2 -C usr ../build/usr/mfpscan-usbemu
# static: stage 2 runs it from a tmpfs, without the 9p root
cc -O2 -std=c11 -static -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	-Itests/kselftest -o build/usb/usb_sleep tests/kselftest/usb_sleep.c \
	tests/kselftest/mfpscan_util.c -lz

ctl=$(mktemp -d "$top/build/vm/share/usbredir.XXXXXX")
sock=$top/build/usb/redir-sleep-$$
rm -f "$sock"
bash tests/vm/usbredir-host.sh "$ctl" "$top/build/usr/mfpscan-usbemu" "$sock" &
host=$!
cleanup() {
	kill "$host" 2>/dev/null || true
	wait "$host" 2>/dev/null || true
	cp -f "$ctl"/emu0.log build/usb/emu-sleep.log 2>/dev/null || true
	rm -rf "$ctl" "$sock"
}
trap cleanup EXIT

t0=$(date +%s)
set +e
bash tests/vm/vm-run.sh --timeout 900 --iommu --usbredir "$sock" \
	-- env USB_BED=xhci BED_CTL="$ctl" bash tests/vm/guest-usb-sleep.sh \
	>build/usb/last-run-sleep.txt 2>&1
vm_rc=$?
set -e
out=build/usb/last-run-sleep.txt
sed -n '/^=== dmesg$/,/^=== end dmesg$/!p' "$out" | grep -v '^\[ *[0-9.]*\]' |
	grep -v '^vm-run: the guest did not report' || true
echo "run-usb-sleep: $(($(date +%s) - t0)) s wall (boot included)"

[ "$vm_rc" != 124 ] || { echo "run-usb-sleep: the VM timed out" >&2; exit 124; }
grep -q '^usb-sleep: exit 0$' "$out" && grep -q '^2 passed, 0 failed$' "$out" || {
	echo "run-usb-sleep: failed (build/usb/last-run-sleep.txt)" >&2
	exit 1
}
grep -q '^=== end dmesg$' "$out" || { echo "run-usb-sleep: no kernel log on the console" >&2; exit 1; }
if sed -n '/^=== dmesg$/,/^=== end dmesg$/p' "$out" |
	grep -E -n "$(cat tests/vm/dmesg-bad.re)" >&2; then
	echo "run-usb-sleep: the guest kernel log shows a bug report" >&2
	exit 125
fi
echo "run-usb-sleep: passed"
