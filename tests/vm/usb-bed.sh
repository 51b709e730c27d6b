#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The USB suite's two test beds, sourced by tests/vm/guest-usb.sh and
# tests/vm/guest-usb-daemon.sh in the guest. USB_BED names the bed:
#   ffs   the emulator in the guest on FunctionFS, a configfs gadget bound
#         to dummy_udc.0 (dummy_hcd: no DMA happens);
#   xhci  the emulator on the host as a usbredir device (mfpscan-usbemu
#         --redir) behind the guest's qemu-xhci controller, on a q35
#         machine with an Intel IOMMU in strict mode: every transfer is
#         the controller's DMA through the IOMMU. The host half is
#         tests/vm/usbredir-host.sh; requests go through BED_CTL, a
#         directory of the read-write share.
# Functions: bed_setup, bed_emu_start [OPTIONS], bed_emu_stop, bed_unplug,
# bed_plug, bed_press (the scan button), bed_emu2_start/bed_emu2_stop (a
# second engine), bed_unplug_file (a path a program writes a line to in
# order to unplug), bed_emu_log (the emulator's stderr).
USB_BED=${USB_BED:-ffs}
G=/sys/kernel/config/usb_gadget/g1
G2=/sys/kernel/config/usb_gadget/g2
FFS=/dev/ffs-mfpscan
FFS2=/dev/ffs-mfpscan2
emu=${emu:-$(pwd)/build/usr/mfpscan-usbemu}
bed_out=${bed_out:-/tmp/usbtest}
mkdir -p "$bed_out"
# the FunctionFS emulator's pid (exported for guest-usb-daemon.sh)
EMU_PID=${EMU_PID:-}
emu2_pid=

bed_emu_log() {
	case $USB_BED in
	xhci) echo "$BED_CTL/emu0.log" ;;
	*) echo "$bed_out/emu.log" ;;
	esac
}

# bed_request WORDS...: one request to the host half; fails unless "ok"
bed_request() {
	local stamp i ans
	stamp=$(date +%s%N).$$
	printf '%q ' "$@" >"$BED_CTL/.cmd.$stamp"
	mv "$BED_CTL/.cmd.$stamp" "$BED_CTL/cmd.$stamp"
	for i in $(seq 1 1200); do
		if [ -e "$BED_CTL/done.$stamp" ]; then
			ans=$(cat "$BED_CTL/done.$stamp")
			rm -f "$BED_CTL/done.$stamp"
			case $ans in
			ok*) return 0 ;;
			*) echo "usb-bed: $*: $ans" >&2; return 1 ;;
			esac
		fi
		sleep 0.05
	done
	echo "usb-bed: $*: no answer from the host in 60 s" >&2
	return 1
}

# gadget_make DIR FFSNAME SERIAL: a configfs gadget with one FunctionFS
# function, mounted on /dev/ffs-FFSNAME
gadget_make() {
	local g=$1 f=$2
	mkdir -p $g || return 1
	echo 0x1209 >$g/idVendor
	echo 0x0001 >$g/idProduct
	mkdir -p $g/strings/0x409 $g/configs/c.1/strings/0x409
	echo mfpscan >$g/strings/0x409/manufacturer
	echo "mfpscan USB engine emulator" >$g/strings/0x409/product
	echo "$3" >$g/strings/0x409/serialnumber
	echo scanner >$g/configs/c.1/strings/0x409/configuration
	echo 100 >$g/configs/c.1/MaxPower
	mkdir -p $g/functions/ffs.$f
	[ -e $g/configs/c.1/ffs.$f ] || ln -s $g/functions/ffs.$f $g/configs/c.1/
	mkdir -p /dev/ffs-$f
	mountpoint -q /dev/ffs-$f || mount -t functionfs $f /dev/ffs-$f
}

# bed_setup: the host controller side; fails with a message
bed_setup() {
	case $USB_BED in
	xhci)
		[ -d "${BED_CTL:-}" ] || { echo "no BED_CTL directory"; return 1; }
		modprobe xhci_pci || { echo "cannot load xhci_pci"; return 1; }
		;;
	*)
		mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
		# two controllers: dummy_udc.0 and dummy_udc.1 (two engines at once)
		modprobe dummy_hcd num=2 && modprobe libcomposite && modprobe usb_f_fs ||
			{ echo "cannot load dummy_hcd/libcomposite/usb_f_fs"; return 1; }
		gadget_make $G mfpscan EMU0001 && gadget_make $G2 mfpscan2 EMU0002 ||
			{ echo "cannot make the gadgets"; return 1; }
		;;
	esac
}

bed_emu_start() {
	case $USB_BED in
	xhci) bed_request start 0 "$@" ;;
	*)
		"$emu" --ffs $FFS --udc-file $G/UDC "$@" 2>>"$(bed_emu_log)" &
		EMU_PID=$!
		;;
	esac
}

bed_emu_stop() {
	case $USB_BED in
	xhci) bed_request stop 0 ;;
	*)
		if [ -n "$EMU_PID" ]; then
			kill "$EMU_PID" 2>/dev/null
			wait "$EMU_PID" 2>/dev/null
			EMU_PID=
		fi
		[ -n "$(cat $G/UDC 2>/dev/null)" ] && echo "" >$G/UDC
		;;
	esac
	return 0
}

# The cable: on the xhci bed the emulator sends usbredir device_disconnect
# and, plugged back, device_connect (SIGUSR2 toggles it).
bed_unplug() {
	case $USB_BED in
	xhci) bed_request signal 0 USR2 ;;
	*) echo "" >$G/UDC ;;
	esac
}

bed_plug() {
	case $USB_BED in
	xhci) bed_request signal 0 USR2 ;;
	*) echo dummy_udc.0 >$G/UDC ;;
	esac
}

bed_press() {
	case $USB_BED in
	xhci) bed_request signal 0 USR1 ;;
	*) kill -USR1 "$EMU_PID" ;;
	esac
}

# A second engine, serial USBEMU-1 (dummy_udc.1, or the second usb-redir),
# with the emulator OPTIONS given.
bed_emu2_start() {
	case $USB_BED in
	xhci) bed_request start 1 --serial USBEMU-1 "$@" ;;
	*)
		"$emu" --ffs $FFS2 --udc-file $G2/UDC --udc dummy_udc.1 \
			--serial USBEMU-1 "$@" 2>>"$bed_out/emu2.log" &
		emu2_pid=$!
		;;
	esac
}

bed_emu2_stop() {
	case $USB_BED in
	xhci) bed_request stop 1 ;;
	*)
		kill "$emu2_pid" 2>/dev/null
		wait "$emu2_pid" 2>/dev/null
		echo "" >$G2/UDC 2>/dev/null
		;;
	esac
	return 0
}

# bed_unplug_file: a file whose first written line pulls the cable. The
# gadget's UDC file on the ffs bed; on the xhci bed a FIFO that a
# background reader turns into bed_unplug.
bed_unplug_file() {
	case $USB_BED in
	xhci)
		local fifo=$bed_out/unplug.fifo
		rm -f "$fifo"
		mkfifo "$fifo"
		(read -r _ <"$fifo" && bed_unplug) >/dev/null 2>&1 &
		echo "$fifo"
		;;
	*) echo "$G/UDC" ;;
	esac
}
