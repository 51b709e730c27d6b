#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_install: `make install DESTDIR=...` lays out every installed file
# (binaries, unit, D-Bus policy/activation/introspection, udev rules, man
# page, docs, sample config, the DKMS source tree), the installed policy
# and unit are well formed, and DKMS builds both modules from the installed
# tree for the installed kernel (dkms add/build/remove, nothing left).
set -u
. "$(dirname "$0")/lib.sh"
it_init
dest=$IT_DIR/root
out=$(make -s -C "$IT_TOP" install DESTDIR="$dest" PREFIX=/usr 2>&1)
check "make install DESTDIR succeeds" test $? -eq 0 || printf '%s\n' "$out"
for f in usr/sbin/mfpscand usr/bin/mfpscanctl \
	lib/systemd/system/mfpscand.service \
	usr/share/dbus-1/system.d/org.mfpscan.Daemon1.conf \
	usr/share/dbus-1/system-services/org.mfpscan.Daemon1.service \
	usr/share/dbus-1/interfaces/org.mfpscan.Daemon1.xml \
	lib/udev/rules.d/70-mfpscan.rules usr/share/man/man1/mfpscanctl.1 \
	usr/share/doc/mfpscan/admin-guide.rst etc/mfpscan/mfpscand.conf \
	usr/include/linux/mfpscan.h usr/src/mfpscan-1.0/dkms.conf \
	usr/src/mfpscan-1.0/Kbuild usr/src/mfpscan-1.0/kernel/Kbuild \
	usr/src/mfpscan-1.0/kernel/mfpscan_core.c; do
	check "installs /$f" test -s "$dest/$f"
done
check "no generated kbuild files in the DKMS tree" \
	test -z "$(find "$dest/usr/src/mfpscan-1.0" -name '*.mod.c' -o -name '*.o')"
check "the installed daemon parses the installed sample config" \
	"$dest/usr/sbin/mfpscand" --config "$dest/etc/mfpscan/mfpscand.conf" --check-config
# systemd-analyze checks every directive against this machine: point the
# unit's ExecStart at the installed binary, which is not under / here.
mkdir -p "$IT_DIR/unit"
sed "s|^ExecStart=/usr/sbin/mfpscand|ExecStart=$dest/usr/sbin/mfpscand|" \
	"$dest/lib/systemd/system/mfpscand.service" >"$IT_DIR/unit/mfpscand.service"
check "the installed unit passes systemd-analyze verify" \
	env SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no "$IT_DIR/unit/mfpscand.service"

kver=$(ls -1 /lib/modules | sort -V | tail -n 1)
if command -v dkms >/dev/null; then
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$dest/usr/src/mfpscan-1.0/dkms.conf")
	dkms remove "mfpscan/$ver" --all >/dev/null 2>&1
	check "dkms add takes the installed tree" dkms add "$dest/usr/src/mfpscan-$ver"
	check "dkms builds both modules for $kver" dkms build -m mfpscan -v "$ver" -k "$kver"
	check "... mfpscan.ko" test -s "/var/lib/dkms/mfpscan/$ver/$kver/x86_64/module/mfpscan.ko"
	check "... mfpscan_usb.ko" test -s "/var/lib/dkms/mfpscan/$ver/$kver/x86_64/module/mfpscan_usb.ko"
	check "dkms remove cleans up" dkms remove "mfpscan/$ver" --all
	rm -rf "/usr/src/mfpscan-$ver"
else
	fail "dkms is installed (scripts/deps.sh)"
fi
it_finish
