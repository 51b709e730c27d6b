#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM: loads kernel/mfpscan.ko and runs the kernel benchmark
# (build/kselftest/bench_kernel) once. Arguments are passed to it.
set -eu
ko=$(pwd)/kernel/mfpscan.ko
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do modprobe "$dep"; done
[ -d /sys/module/mfpscan ] || insmod "$ko"
exec ./build/kselftest/bench_kernel "$@"
