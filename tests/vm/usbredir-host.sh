#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host half of the USB suite's xHCI bed (tests/vm/run-usb.sh): starts,
# stops and signals mfpscan-usbemu --redir on the usb-redir sockets of the
# guest (vm-run.sh --usbredir), as the guest's tests ask.
#
#   usbredir-host.sh CTLDIR EMULATOR SOCKET0 [SOCKET1...]
#
# CTLDIR is in build/vm/share (the guest sees it at the same path). The
# guest (tests/vm/usb-bed.sh) writes a request as CTLDIR/cmd.STAMP, one
# line; the answer is CTLDIR/done.STAMP, "ok" or "error ...". Requests:
#   start I ARGS...  (re)start emulator I on SOCKETI with ARGS, its stderr
#                    appended to CTLDIR/emuI.log
#   stop I           SIGTERM emulator I and wait for it (the socket closes:
#                    the device is unplugged)
#   signal I SIG     send SIG (USR1: the button, USR2: the cable)
#   quit
# Runs until "quit" or until killed; stops its emulators on the way out.
set -u
ctl=$1
emu=$2
shift 2
socks=("$@")
declare -A pid=()

stop() {
	local p=${pid[$1]:-}
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "pid[$1]"
}

cleanup() {
	local i
	for i in "${!pid[@]}"; do
		stop "$i"
	done
}
trap cleanup EXIT
trap 'exit 0' TERM INT

# do_request WORDS...: one request; prints the answer
do_request() {
	local what=${1:-} i=${2:-}
	case $what in
	start)
		[ -n "${socks[$i]:-}" ] || { echo "error: no socket $i"; return; }
		stop "$i"
		shift 2
		"$emu" --redir "${socks[$i]}" "$@" 2>>"$ctl/emu$i.log" &
		pid[$i]=$!
		echo "ok ${pid[$i]}"
		;;
	stop)
		stop "$i"
		echo ok
		;;
	signal)
		if [ -n "${pid[$i]:-}" ] && kill -"$3" "${pid[$i]}"; then
			echo ok
		else
			echo "error: no emulator $i to signal"
		fi
		;;
	quit)
		echo ok
		;;
	*)
		echo "error: unknown request '$*'"
		;;
	esac
}

while :; do
	for f in "$ctl"/cmd.*; do
		[ -e "$f" ] || continue
		stamp=${f##*/cmd.}
		line=$(cat "$f")
		rm -f "$f"
		eval "set -- $line"
		do_request "$@" >"$ctl/.done.$stamp"
		mv "$ctl/.done.$stamp" "$ctl/done.$stamp"
		[ "${1:-}" = quit ] && exit 0
	done
	sleep 0.05
done
