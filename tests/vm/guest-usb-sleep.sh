#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The USB engine across a system suspend, inside the test VM on the xhci
# bed (tests/vm/run-usb-sleep.sh; USB_BED=xhci, BED_CTL as in
# tests/vm/usb-bed.sh): the emulator on the host behind the guest's xHCI
# and IOMMU, paced at 100 lines/s so that a job spans a suspend.
#
# The guest's root is the host's over virtio-9p, and 9p does not come back
# from a suspend (virtio-pci resets the device, the 9p transport has no
# freeze/restore): the first file access after the resume would wait
# forever. So this script does everything that needs the root first
# (modules, the emulator, the node), copies the statically linked test
# build/usb/usb_sleep and the host's static busybox into a tmpfs, and
# execs stage 2 from there. Stage 2 runs the test, prints the kernel log
# between "=== dmesg" and "=== end dmesg" (the share is gone too, so the
# host reads the log from the console) and powers the guest off.
set -u
top=$(pwd)
ko_usb=$top/kernel/mfpscan_usb.ko
. "$top/tests/vm/usb-bed.sh"

bail() {
	echo "Bail out! $*"
	echo "usb-sleep: exit 1"
	echo o >/proc/sysrq-trigger
	sleep 30
	exit 1
}

[ "$USB_BED" = xhci ] || bail "usb-sleep runs on the xhci bed only"
sh "$top/scripts/load-modules.sh" -d "$(dirname "$ko_usb")" usb ||
	bail "cannot load mfpscan.ko and mfpscan_usb.ko"
bed_setup || bail "bed setup"
bed_emu_start --line-rate 100 || bail "the emulator did not start"
node=
for i in $(seq 1 300); do
	for c in /sys/class/mfpscan/mfpscan*; do
		[ -e "$c" ] || continue
		readlink -f "$c/device" | grep -q usb && node=/dev/${c##*/}
	done
	[ -n "$node" ] && [ -e "$node" ] && break
	sleep 0.1
done
[ -n "$node" ] || bail "no USB engine node in 30 s"
[ -w /sys/power/pm_test ] || bail "no /sys/power/pm_test (CONFIG_PM_DEBUG)"
grep -qw freeze /sys/power/state || bail "no suspend to idle (/sys/power/state: $(cat /sys/power/state))"

stage=/run/usb-sleep
mkdir -p "$stage"
mountpoint -q /run || bail "/run is not a tmpfs"
cp "$top/build/usb/usb_sleep" /bin/busybox "$stage/" || bail "cannot stage the test"
cat >"$stage/stage2.sh" <<'STAGE2'
cd /run/usb-sleep
echo 8 >/proc/sys/kernel/printk
echo N >/sys/module/printk/parameters/console_suspend
./usb_sleep "$1"
echo "usb-sleep: exit $?"
echo "=== dmesg"
./busybox dmesg
echo "=== end dmesg"
echo o >/proc/sysrq-trigger
./busybox sleep 60
STAGE2
echo "# usb-sleep: $node, stage 2 from $stage"
exec "$stage/busybox" sh "$stage/stage2.sh" "$node"
