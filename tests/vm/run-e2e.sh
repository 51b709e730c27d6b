#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-e2e: boot the test guest once and run tests/vm/guest-e2e.sh
# (the real module, the daemon, real clients and a WebDAV server inside).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/tests/vm/vm-run.sh" --mem 2048 --timeout 900 -- \
	bash tests/vm/guest-e2e.sh
