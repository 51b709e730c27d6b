#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM: loads kernel/mfpscan.ko and mfpscan_sim.ko and runs the
# kernel benchmark (build/kselftest/bench_kernel) once. Arguments are passed
# to it.
set -eu
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
sh scripts/load-modules.sh
exec ./build/kselftest/bench_kernel "$@"
