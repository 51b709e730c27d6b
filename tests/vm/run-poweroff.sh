#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-poweroff.sh [CUTS]: hard power-offs at random pages of 50-sheet ADF
# jobs, each followed by a reboot from the same disk image
# (tests/vm/guest-poweroff.sh). Cut i is a PDF job for odd i, a JPEG job
# for even i; the boots are chained (each checks the cut before it and
# makes the next), so CUTS cuts take CUTS + 1 boots (about 2.5 min a boot
# on a loaded 2-core host). make check-e2e runs 2 (POWEROFF_CUTS: one PDF,
# one JPEG), make check-poweroff 40 (20 per format).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cuts=${1:-${POWEROFF_CUTS:-2}}
img=$top/build/vm/poweroff.img
mkdir -p "$top/build/vm"
rm -rf "$top/build/vm/share/poweroff" "$img"
truncate -s 256M "$img"
mkfs.ext4 -q -F "$img"
for i in $(seq 1 "$cuts"); do
	step=$([ "$i" -eq 1 ] && echo first || echo next)
	# A boot that cuts the power reports no exit status (126).
	rc=0
	"$top/tests/vm/vm-run.sh" --disk "$img" --timeout 600 -- \
		bash tests/vm/guest-poweroff.sh "$step" "$cuts" || rc=$?
	if [ "$rc" -ne 126 ]; then
		echo "boot $i: expected a power cut, got exit $rc" >&2
		cat "$top/build/vm/share/poweroff/result.txt" 2>/dev/null >&2 || true
		exit 1
	fi
	echo "boot $i: power cut ($(cat "$top/build/vm/share/poweroff/cut.txt"))"
done
exec "$top/tests/vm/vm-run.sh" --disk "$img" --timeout 600 -- \
	bash tests/vm/guest-poweroff.sh last "$cuts"
