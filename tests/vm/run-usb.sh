#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The USB suite (for make check): builds the modules and the programs it
# needs, then runs tests/vm/guest-usb.sh on two test beds, one VM boot
# each, both at once (tests/vm/usb-bed.sh):
#   ffs   the FunctionFS engine emulator in the guest on dummy_hcd;
#   xhci  the same emulator on the host as a usbredir device behind the
#         guest's qemu-xhci on a q35 machine with an Intel IOMMU in strict
#         mode (vm-run.sh --iommu --usbredir; tests/vm/usbredir-host.sh
#         starts the emulator as the guest asks).
# On each: the engine read through kernel/mfpscan_usb.ko and through the
# libusb band source, faults, unplug, plug cycles, events, and the
# differential kernel-vs-libusb document test. Output: "ok N [bed] ..." /
# "not ok N [bed] ..." lines and "N passed, N failed" per bed, kept in
# build/usb/last-run-BED.txt, and each bed's wall time. Exit status: 0 if
# both beds passed, else the first failing bed's (the guest's, or
# vm-run's: 125 dirty dmesg or a DMAR fault, 124 timeout).
#
#   run-usb.sh [--bed ffs|xhci|both] [GROUP...]
#
# Groups: kernel control hostile plug libusb diff daemon (default all); "bench" is
# the benchmark: throughput of kernel read/mmap and libusb against a raw
# usbfs read of the same emulator on the same controller (make bench-usb:
# the xhci bed). USB_BEDS="ffs xhci" is the default bed list.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

beds=${USB_BEDS:-ffs xhci}
if [ "${1:-}" = --bed ]; then
	case $2 in
	both) beds="ffs xhci" ;;
	ffs | xhci) beds=$2 ;;
	*) echo "run-usb: unknown bed $2 (ffs, xhci, both)" >&2; exit 2 ;;
	esac
	shift 2
fi

mkdir -p build/usb
make -s modules >/dev/null
[ -f kernel/mfpscan_usb.ko ] || { echo "run-usb: kernel/mfpscan_usb.ko missing" >&2; exit 2; }
# Only what the suite runs (the default target of usr/ is one program).
make -s -j2 -C usr ../build/usr/mfpscan-usbemu ../build/usr/tools/mfpscan-read \
	../build/usr/tools/mfpscan-verify ../build/usr/mfpscand ../build/usr/mfpscanctl
# The benchmark's baseline: a raw usbfs reader (group "bench").
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude/uapi \
	$(pkg-config --cflags libusb-1.0) -o build/usb/usb_rawread \
	tests/kselftest/usb_rawread.c $(pkg-config --libs libusb-1.0)
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude/uapi \
	-o build/usb/usb_mmap_unplug tests/kselftest/usb_mmap_unplug.c
cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	-Itests/kselftest -o build/usb/usb_hostile tests/kselftest/usb_hostile.c \
	tests/kselftest/mfpscan_util.c -lz
cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	-Itests/kselftest -o build/usb/usb_straggle tests/kselftest/usb_straggle.c \
	tests/kselftest/mfpscan_util.c -lz
cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	-Itests/kselftest -o build/usb/usb_hang tests/kselftest/usb_hang.c \
	tests/kselftest/mfpscan_util.c -lz -lpthread
cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	-Itests/kselftest -o build/usb/usb_panel_hang tests/kselftest/usb_panel_hang.c \
	tests/kselftest/mfpscan_util.c -lz -lpthread
cc -O2 -std=c11 -Wall -Wextra -Werror -o build/usb/usb_reset tests/kselftest/usb_reset.c

# run_bed BED GROUP...: one VM; its output in build/usb/last-run-BED.txt,
# its exit status in build/usb/rc-BED, its wall time in build/usb/wall-BED
run_bed() {
	local bed=$1 t0=$(date +%s) rc ctl= host= vmargs=()
	shift
	if [ "$bed" = xhci ]; then
		# sockets outside the 9p share; the request directory inside it
		ctl=$(mktemp -d "$top/build/vm/share/usbredir.XXXXXX")
		local sock=$top/build/usb/redir-$$
		rm -f "$sock"-0 "$sock"-1
		bash tests/vm/usbredir-host.sh "$ctl" "$top/build/usr/mfpscan-usbemu" \
			"$sock-0" "$sock-1" &
		host=$!
		vmargs=(--iommu --usbredir "$sock-0" --usbredir "$sock-1")
	fi
	set +e
	bash tests/vm/vm-run.sh --timeout 1500 "${vmargs[@]}" \
		-- env USB_BED=$bed BED_CTL=$ctl bash tests/vm/guest-usb.sh "$@" 2>&1 |
		grep --line-buffered -v '^\[ *[0-9.]*\]' >build/usb/last-run-$bed.txt
	rc=${PIPESTATUS[0]}
	set -e
	if [ -n "$host" ]; then
		kill "$host" 2>/dev/null || true
		wait "$host" 2>/dev/null || true
		cp -f "$ctl"/emu*.log build/usb/ 2>/dev/null || true
		rm -rf "$ctl" "$top/build/usb/redir-$$"-*
	fi
	echo "$rc" >build/usb/rc-$bed
	echo "$(($(date +%s) - t0))" >build/usb/wall-$bed
}

t0=$(date +%s)
pids=()
for bed in $beds; do
	run_bed "$bed" "$@" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || true
done

rc=0
: >build/usb/last-run.txt
for bed in $beds; do
	r=$(cat build/usb/rc-$bed 2>/dev/null || echo 126)
	{
		echo "== bed $bed"
		cat build/usb/last-run-$bed.txt
		echo "run-usb: bed $bed: exit $r, $(cat build/usb/wall-$bed 2>/dev/null) s wall (boot included)"
	} | tee -a build/usb/last-run.txt
	if [ "$r" = 125 ]; then
		echo "run-usb: bed $bed: the kernel log was dirty (or a DMAR fault); see build/vm/last-dmesg.txt" >&2
	fi
	[ "$rc" != 0 ] || rc=$r
done
echo "run-usb: beds $beds: $(($(date +%s) - t0)) s wall in all"
exit "$rc"
