#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command as root inside a QEMU/TCG guest booting Debian's kernel, with
# the host's root filesystem shared read-only over 9p under a tmpfs overlay:
# every host tool, library and this repository are at the same paths in the
# guest; guest writes go to tmpfs, except build/vm/share (shared read-write,
# same path) which carries results back.
#
#   tests/vm/vm-run.sh [--mem MB] [--smp N] [--timeout SEC] [--disk IMG]
#                      [--keep-dmesg-noise] [--iommu] [--usbredir SOCKET]...
#                      [--systemd] -- COMMAND...
#
# Exit status: COMMAND's, or 124 on timeout, or 125 when the guest's kernel
# log shows BUG/WARNING/Oops/Call Trace/lockdep/KASAN-style reports (saved in
# build/vm/last-dmesg.txt), or 126 when the guest never reported back.
# --disk IMG attaches IMG (raw) as /dev/vda, persistent across runs.
# --systemd boots systemd as PID 1 (tests/vm/systemd-boot.sh) and runs
# COMMAND as a service once basic.target is reached (udevd, journald and the
# system bus are up); without it, COMMAND runs under a shell as PID 1.
# KVER=NAME boots another kernel (a series such as 6.12 or a release, see
# scripts/kernel.sh); the default is Debian 12's 6.1. A kernel unpacked in
# build/kernels/ gets its /lib/modules linked into the guest.
# VM_CPU=MODEL sets QEMU's -cpu (default max; the kernel benchmark turns
# ERMS/FSRM off, see tests/vm/run-bench-kernel.sh).
# The guest boots with slub_debug=FZPU page_poison=1: SLUB checks red zones,
# poisons freed objects and pages, and any report it makes fails the run.
# --iommu: a q35 machine with an Intel IOMMU (intel-iommu, no interrupt
# remapping), booted with intel_iommu=on iommu.strict=1: every DMA of a PCI
# device but the virtio ones is translated, and a DMAR fault in the kernel
# log fails the run like a BUG. --usbredir SOCKET (repeatable): a qemu-xhci
# controller with one usb-redir device per SOCKET, a unix socket QEMU
# listens on (server=on, wait=off): a usbredir peer that connects there
# (mfpscan-usbemu --redir) is a USB device plugged into the guest's xHCI,
# and one that disconnects is unplugged.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mem=2048
smp=2
timeout=900
disk=
iommu=
redir=()
init=
while [ $# -gt 0 ]; do
	case "$1" in
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--iommu) iommu=1; shift ;;
	--usbredir) redir+=("$2"); shift 2 ;;
	--systemd) init=" mfpscan.systemd=1"; shift ;;
	--) shift; break ;;
	*) echo "vm-run: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: vm-run.sh [options] -- COMMAND..." >&2; exit 2; }

kver=$(bash "$top/scripts/kernel.sh" "${KVER:-default}" kver)
kernel=$(bash "$top/scripts/kernel.sh" "$kver" vmlinuz)
kroot=$(bash "$top/scripts/kernel.sh" "$kver" root)
[ -r "$kernel" ] || { echo "vm-run: $kernel missing (make deps)" >&2; exit 2; }

vmdir=$top/build/vm
mkdir -p "$vmdir/share"
initrd=$vmdir/initramfs-$kver.cpio.gz
[ -f "$initrd" ] && [ "$initrd" -nt "$0" ] && [ "$initrd" -nt "$top/tests/vm/initramfs-init" ] ||
	bash "$top/tests/vm/mkinitramfs.sh" "$kver" "$initrd" "$kroot"

# One run directory per invocation, so that concurrent runs don't collide.
run=$(mktemp -d "$vmdir/share/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
{
	printf 'cd %q\n' "$top"
	printf '%q ' "$@"
	printf '\n'
} >"$run/cmd.sh"

drive=()
[ -n "$disk" ] && drive=(-drive "file=$disk,format=raw,if=virtio,cache=writeback")

machine=()
append=
if [ -n "$iommu" ]; then
	machine=(-M q35 -device intel-iommu,intremap=off)
	append=" intel_iommu=on iommu.strict=1"
fi
usb=()
if [ ${#redir[@]} -gt 0 ]; then
	usb=(-device qemu-xhci,id=xhci)
	for i in "${!redir[@]}"; do
		usb+=(-chardev "socket,id=redir$i,path=${redir[$i]},server=on,wait=off"
		      -device "usb-redir,chardev=redir$i,id=usbredir$i,bus=xhci.0")
	done
fi

# TCG only: KVM is present on these machines but hangs at boot.
set +e
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu "${VM_CPU:-max}" -smp "$smp" -m "$mem" "${machine[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=4 panic=-1 no_timer_check slub_debug=FZPU page_poison=1$append mfpscan.top=$top mfpscan.run=$run mfpscan.share=$vmdir/share mfpscan.kroot=$kroot$init" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$vmdir/share,mount_tag=share,security_model=none,multidevs=remap" \
	"${drive[@]}" "${usb[@]}" \
	-nic none -display none -no-reboot -serial stdio -monitor none \
	</dev/null | sed -u 's/\r$//'
qemu_rc=${PIPESTATUS[0]}
set -e

cp -f "$run/dmesg.txt" "$vmdir/last-dmesg.txt" 2>/dev/null || true
if [ "$qemu_rc" = 124 ]; then
	echo "vm-run: timed out after ${timeout}s" >&2
	exit 124
fi
if [ ! -f "$run/rc" ]; then
	echo "vm-run: the guest did not report an exit status (qemu rc $qemu_rc)" >&2
	exit 126
fi
rc=$(cat "$run/rc")
if grep -E -n "$(cat "$top/tests/vm/dmesg-bad.re")" "$vmdir/last-dmesg.txt" >&2; then
	echo "vm-run: the guest kernel log shows a bug report (build/vm/last-dmesg.txt)" >&2
	exit 125
fi
exit "$rc"
