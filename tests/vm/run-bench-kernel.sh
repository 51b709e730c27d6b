#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-kernel: a benchmark, not a test. One VM boot; the sim engine
# unthrottled, consumed through read() and mmap(), against memcpy of the
# same bytes in the same guest. Prints the figures and ratios and keeps them
# in build/bench/kernel.txt. Arguments: pages per job (default 50: a job of
# 435 MB, so that START and the last wake-up are under 1 % of it).
#
# The guest CPU is QEMU's "max" without ERMS and FSRM: with them the kernel
# copies to user space with `rep movsb`, which TCG runs a byte at a time
# (read() at 0.15x memcpy, seen here), a cost of the emulator that real
# CPUs with ERMS do not have. Without them the kernel uses its unrolled
# copy loop, as on a CPU without ERMS. VM_CPU overrides the model.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

[ -f kernel/mfpscan.ko ] || { echo "run-bench-kernel: kernel/mfpscan.ko missing (make modules)" >&2; exit 2; }
make -s -j2 -C tests/kselftest
mkdir -p build/bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
[ $# -gt 0 ] || set -- 50
VM_CPU=${VM_CPU:-max,erms=off,fsrm=off} \
	bash tests/vm/vm-run.sh --mem 2048 --timeout 900 -- sh tests/vm/guest-bench-kernel.sh "$@" >"$out" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
	cat "$out"
	echo "run-bench-kernel: the VM run failed (exit $rc)" >&2
	exit "$rc"
fi
{
	echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo -), QEMU/TCG -cpu ${VM_CPU:-max,erms=off,fsrm=off}, guest kernel $(bash scripts/kernel.sh "${KVER:-default}" kver), host load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
	sed -n '/^mfpscan kernel benchmark/,/^ratio mmap\/producer/p' "$out"
} | tee build/bench/kernel.txt
grep -q '^ratio mmap/producer' build/bench/kernel.txt || { cat "$out"; exit 1; }
