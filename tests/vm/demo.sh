#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the appliance in a QEMU/TCG guest (Debian's kernel, the
# module with a simulated engine, the system dbus-daemon with the installed
# policy, mfpscand as its service runs it, a WebDAV and an SMTP server on
# the guest's loopback, a fresh disk image for the spool and state) and
# narrate the main job (tests/vm/demo-guest.sh). Ends with one line:
# "DEMO SUCCEEDED" or "DEMO FAILED".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
img=$top/build/vm/appliance.img
mkdir -p "$top/build/vm"
rm -f "$img"
truncate -s 256M "$img"
mkfs.ext4 -q -F -L mfpscan-spool "$img"
rc=0
"$top/tests/vm/vm-run.sh" --disk "$img" --mem 2048 --timeout 900 -- \
	bash tests/vm/demo-guest.sh || rc=$?
if [ "$rc" -eq 0 ]; then
	echo "DEMO SUCCEEDED: every page of every scan reached its owner's storage."
else
	echo "DEMO FAILED (exit $rc): see the narration above."
fi
exit "$rc"
