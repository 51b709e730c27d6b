#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kernel: build the kselftest binaries on the host, then run them
# all in ONE VM boot (tests/vm/vm-run.sh) against kernel/mfpscan.ko. The TAP
# output is printed and kept in build/kselftest/last-run.tap. Exit status is
# the guest's (non-zero if any test failed) or vm-run's (dirty dmesg,
# timeout). Arguments name a subset of test binaries (e.g. caps_test).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

[ -f build/linux-src/.done ] || bash scripts/deps.sh
[ -f kernel/mfpscan.ko ] || { echo "run-kselftest: kernel/mfpscan.ko missing (make modules)" >&2; exit 2; }
make -s -j2 -C tests/kselftest
mkdir -p build/kselftest

t0=$(date +%s)
set +e
bash tests/vm/vm-run.sh --timeout 900 -- sh tests/vm/guest-kselftest.sh "$@" \
	2>&1 | tee build/kselftest/last-run.tap
rc=${PIPESTATUS[0]}
set -e
echo "run-kselftest: exit $rc, $(($(date +%s) - t0)) s wall (boot included)"
if [ "$rc" = 125 ]; then
	echo "run-kselftest: the kernel log was dirty; see build/vm/last-dmesg.txt" >&2
fi
exit "$rc"
