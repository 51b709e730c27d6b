#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hard power-off while spooling, then a reboot from the same disk image
# (tests/vm/guest-poweroff.sh). Part of make check-e2e.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
img=$top/build/vm/poweroff.img
rm -rf "$top/build/vm/share/poweroff" "$img"
truncate -s 256M "$img"
mkfs.ext4 -q -F "$img"
# Phase 1 ends by cutting the power: the guest reports no exit status (126).
rc=0
"$top/tests/vm/vm-run.sh" --disk "$img" --timeout 600 -- \
	bash tests/vm/guest-poweroff.sh 1 || rc=$?
[ "$rc" -eq 126 ] || { echo "phase 1: expected a power cut, got exit $rc" >&2; exit 1; }
exec "$top/tests/vm/vm-run.sh" --disk "$img" --timeout 600 -- \
	bash tests/vm/guest-poweroff.sh 2
