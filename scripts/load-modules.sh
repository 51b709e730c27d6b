#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load mfpscan's modules from a build directory, in dependency order, each
# only if it is not loaded yet: mfpscan.ko (the core), then the engines
# named (default: sim), each a module of its own on top of the core. The
# kernel's modules they need (configfs, the USB core) come from modprobe.
# The one place that knows which .ko files make up mfpscan: the test
# guests, the demo and the benchmark load through it. An installed system
# (DKMS) needs none of this: "modprobe mfpscan_sim" pulls in mfpscan.
#
#   load-modules.sh [-d DIR] [ENGINE...]   ENGINE: sim, usb
#                                          DIR: default kernel/ of this tree
set -eu

dir=$(cd "$(dirname "$0")/.." && pwd)/kernel
if [ "${1:-}" = -d ]; then
	dir=$2
	shift 2
fi

# load NAME: NAME.ko from $dir after what it depends on
load() {
	local name=$1 ko=$dir/$1.ko dep

	[ -d "/sys/module/$name" ] && return 0
	[ -f "$ko" ] || { echo "load-modules: $ko missing (make modules)" >&2; return 1; }
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		case $dep in
		mfpscan | mfpscan_*) load "$dep" ;;
		*) [ -d "/sys/module/$dep" ] || modprobe "$dep" ;;
		esac
	done
	insmod "$ko" || { echo "load-modules: insmod $ko failed" >&2; return 1; }
}

load mfpscan
for engine in ${*:-sim}; do
	load "mfpscan_$engine"
done
