#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kernel: build the kselftest binaries on the host, then for each
# kernel of KVERS (default "6.1 6.12", see scripts/kernel.sh) build the
# modules for it (scripts/build-module.sh, W=1) and run every kselftest in
# ONE VM boot of that kernel (tests/vm/vm-run.sh). The TAP output is printed
# and kept in build/kselftest/last-run-<kver>.tap. Exit status is non-zero if
# any kernel's run failed (a test, a dirty dmesg, a timeout). Arguments name
# a subset of test binaries (e.g. caps_test).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

[ -f build/linux-src/.done ] || bash scripts/deps.sh
make -s -j2 -C tests/kselftest
mkdir -p build/kselftest

worst=0
summary=
for name in ${KVERS:-6.1 6.12}; do
	kver=$(bash scripts/kernel.sh "$name" kver)
	kodir=$(bash scripts/build-module.sh "$kver" W=1)
	t0=$(date +%s)
	set +e
	KVER=$kver bash tests/vm/vm-run.sh --timeout 1500 -- \
		env MFPSCAN_KO_DIR="$kodir" sh tests/vm/guest-kselftest.sh "$@" \
		2>&1 | tee "build/kselftest/last-run-$kver.tap"
	rc=${PIPESTATUS[0]}
	set -e
	summary="$summary
run-kselftest: $kver: exit $rc, $(($(date +%s) - t0)) s wall (boot included)"
	if [ "$rc" = 125 ]; then
		summary="$summary, the kernel log was dirty (build/vm/last-dmesg.txt)"
		cp -f build/vm/last-dmesg.txt "build/kselftest/last-dmesg-$kver.txt"
	fi
	[ "$rc" = 0 ] || worst=$rc
done
echo "$summary"
exit "$worst"
