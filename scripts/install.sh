#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything but the userspace binaries (usr/Makefile installs those):
# the module source for DKMS, the systemd unit, D-Bus policy and activation,
# udev rules, man pages and the sample configuration.
#   install.sh DESTDIR PREFIX
set -euo pipefail
destdir=${1:-}
prefix=${2:-/usr}
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

# DKMS source tree: /usr/src/mfpscan-VERSION
src=$destdir/usr/src/mfpscan-$ver
install -d "$src/kernel" "$src/include/uapi/linux"
install -m 0644 "$top/dkms.conf" "$top/Kbuild" "$src/"
install -m 0644 "$top"/kernel/*.c "$top"/kernel/*.h "$top/kernel/Kbuild" "$src/kernel/"
install -m 0644 "$top/include/uapi/linux/mfpscan.h" "$src/include/uapi/linux/"
install -D -m 0644 "$top/include/uapi/linux/mfpscan.h" "$destdir$prefix/include/linux/mfpscan.h"

install -D -m 0644 "$top/systemd/mfpscand.service" "$destdir/lib/systemd/system/mfpscand.service"
install -D -m 0644 "$top/dbus/org.mfpscan.Daemon1.conf" "$destdir$prefix/share/dbus-1/system.d/org.mfpscan.Daemon1.conf"
install -D -m 0644 "$top/dbus/org.mfpscan.Daemon1.service" "$destdir$prefix/share/dbus-1/system-services/org.mfpscan.Daemon1.service"
install -D -m 0644 "$top/dbus/org.mfpscan.Daemon1.xml" "$destdir$prefix/share/dbus-1/interfaces/org.mfpscan.Daemon1.xml"
for r in "$top"/udev/*.rules; do
	[ -e "$r" ] && install -D -m 0644 "$r" "$destdir/lib/udev/rules.d/$(basename "$r")"
done
for m in "$top"/Documentation/*.[1-8]; do
	[ -e "$m" ] || continue
	sec=${m##*.}
	install -D -m 0644 "$m" "$destdir$prefix/share/man/man$sec/$(basename "$m")"
done
install -D -m 0644 "$top/usr/mfpscand/mfpscand.conf.example" "$destdir$prefix/share/doc/mfpscan/mfpscand.conf.example"
[ -e "$destdir/etc/mfpscan/mfpscand.conf" ] ||
	install -D -m 0644 "$top/usr/mfpscand/mfpscand.conf.example" "$destdir/etc/mfpscan/mfpscand.conf"

# Register with DKMS only on a real install (no DESTDIR) where dkms exists.
if [ -z "$destdir" ] && command -v dkms >/dev/null; then
	dkms add -m mfpscan -v "$ver" 2>/dev/null || true
	dkms install -m mfpscan -v "$ver"
fi
