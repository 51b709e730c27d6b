#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test guest once and run tests/vm/guest-udev.sh: systemd-udevd
# with udev/70-mfpscan.rules, the real module's sim engine, the daemon's
# udev monitor (scan button, hotplug). Prints "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/tests/vm/vm-run.sh" --mem 2048 --timeout 900 -- \
	bash tests/vm/guest-udev.sh
