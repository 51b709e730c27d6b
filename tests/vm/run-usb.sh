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
#   [KVERS="6.1 6.12"] run-usb.sh [--bed ffs|xhci|both] [GROUP...]
#
# KVERS names the kernels the beds boot, one after the other (as for
# tests/vm/run-kselftest.sh: series or releases, scripts/kernel.sh;
# default 6.1); the modules are built for each (scripts/build-module.sh).
# The results of a kernel other than 6.1 go to build/usb/*-BED-SERIES.
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

mkdir -p build/usb build/vm/share
kvers=${KVERS:-6.1}
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

# run_bed BED TAG GROUP...: one VM booting $kver with the modules of
# $kodir; its output in build/usb/last-run-TAG.txt, its exit status in
# build/usb/rc-TAG, its wall time in build/usb/wall-TAG
run_bed() {
	local bed=$1 tag=$2 t0=$(date +%s) rc ctl= host= vmargs=()
	shift 2
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
	KVER=$kver bash tests/vm/vm-run.sh --timeout 1500 "${vmargs[@]}" \
		-- env USB_BED=$bed BED_CTL=$ctl MFPSCAN_KO=$kodir/mfpscan.ko \
		MFPSCAN_USB_KO=$kodir/mfpscan_usb.ko bash tests/vm/guest-usb.sh "$@" 2>&1 |
		grep --line-buffered -v '^\[ *[0-9.]*\]' >build/usb/last-run-$tag.txt
	rc=${PIPESTATUS[0]}
	set -e
	if [ -n "$host" ]; then
		kill "$host" 2>/dev/null || true
		wait "$host" 2>/dev/null || true
		cp -f "$ctl"/emu*.log build/usb/ 2>/dev/null || true
		rm -rf "$ctl" "$top/build/usb/redir-$$"-*
	fi
	echo "$rc" >build/usb/rc-$tag
	echo "$(($(date +%s) - t0))" >build/usb/wall-$tag
}

t0=$(date +%s)
rc=0
: >build/usb/last-run.txt
for name in $kvers; do
	kver=$(bash scripts/kernel.sh "$name" kver)
	kodir=$(bash scripts/build-module.sh "$kver")
	[ -f "$kodir/mfpscan_usb.ko" ] || { echo "run-usb: $kodir/mfpscan_usb.ko missing" >&2; exit 2; }
	case $kver in 6.1.*) sfx= ;; *) sfx=-$(echo "$kver" | cut -d. -f1-2) ;; esac
	pids=()
	for bed in $beds; do
		run_bed "$bed" "$bed$sfx" "$@" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || true
	done
	for bed in $beds; do
		r=$(cat build/usb/rc-$bed$sfx 2>/dev/null || echo 126)
		{
			echo "== bed $bed, kernel $kver"
			cat build/usb/last-run-$bed$sfx.txt
			echo "run-usb: bed $bed ($kver): exit $r, $(cat build/usb/wall-$bed$sfx 2>/dev/null) s wall (boot included)"
		} | tee -a build/usb/last-run.txt
		if [ "$r" = 125 ]; then
			echo "run-usb: bed $bed ($kver): the kernel log was dirty (or a DMAR fault); see build/vm/last-dmesg.txt" >&2
		fi
		[ "$rc" != 0 ] || rc=$r
	done
done
echo "run-usb: beds $beds, kernels $kvers: $(($(date +%s) - t0)) s wall in all"
exit "$rc"
