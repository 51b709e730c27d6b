#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-kernel: a benchmark, not a test. One VM boot; the sim engine
# unthrottled, consumed through read() and mmap(), against memcpy of the
# same bytes in the same guest. Prints the figures and ratios and keeps them
# in build/bench/kernel.txt. Arguments: pages per job (default 10).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

[ -f kernel/mfpscan.ko ] || { echo "run-bench-kernel: kernel/mfpscan.ko missing (make modules)" >&2; exit 2; }
make -s -j2 -C tests/kselftest
mkdir -p build/bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
bash tests/vm/vm-run.sh --mem 2048 --timeout 900 -- sh tests/vm/guest-bench-kernel.sh "$@" >"$out" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
	cat "$out"
	echo "run-bench-kernel: the VM run failed (exit $rc)" >&2
	exit "$rc"
fi
{
	echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo -), QEMU/TCG, Debian $(ls -1 /lib/modules | sort -V | tail -n 1)"
	sed -n '/^mfpscan kernel benchmark/,/^ratio mmap\/producer/p' "$out"
} | tee build/bench/kernel.txt
grep -q '^ratio mmap/producer' build/bench/kernel.txt || { cat "$out"; exit 1; }
