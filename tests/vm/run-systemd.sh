#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-systemd: install the tree with the project's own `make install`
# into build/systemd/root, boot the test guest once with systemd as PID 1
# and run tests/vm/guest-systemd.sh there (the installed unit, bus policy
# and activation, udev rules, sysusers and tmpfiles files; local, WebDAV
# and SFTP scans under the unit; its security exposure).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$top/build/systemd/root
rm -rf "$root"
mkdir -p "$root"
make -C "$top" -s install DESTDIR="$root" PREFIX=/usr >/dev/null
exec "$top/tests/vm/vm-run.sh" --systemd --mem 2048 --timeout 900 -- \
	bash tests/vm/guest-systemd.sh
