#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_install: `make install DESTDIR=...` lays out every installed file
# (binaries, the privilege helper, units, sysusers/tmpfiles files, D-Bus policy/activation/introspection, udev rules, man
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
	usr/libexec/mfpscan/mfpscan-privhelper \
	lib/systemd/system/mfpscand.service \
	lib/systemd/system/mfpscan-privhelper.socket \
	lib/systemd/system/mfpscan-privhelper@.service \
	usr/lib/sysusers.d/mfpscan.conf usr/lib/tmpfiles.d/mfpscan.conf \
	usr/share/doc/mfpscan/privsep.rst \
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
for u in mfpscand.service mfpscan-privhelper.socket mfpscan-privhelper@.service; do
	sed -e "s|^ExecStart=/usr/sbin/mfpscand|ExecStart=$dest/usr/sbin/mfpscand|" \
		-e "s|^ExecStart=/usr/libexec/|ExecStart=$dest/usr/libexec/|" \
		"$dest/lib/systemd/system/$u" >"$IT_DIR/unit/$u"
done
check "the installed units pass systemd-analyze verify" \
	env SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no \
	"$IT_DIR/unit/mfpscand.service" "$IT_DIR/unit/mfpscan-privhelper.socket"
unit=$(cat "$dest/lib/systemd/system/mfpscand.service")
assert_match "the daemon's unit runs it as mfpscan" '^User=mfpscan$' "$unit"
assert_match "... with no capabilities" '^CapabilityBoundingSet=$' "$unit"
# sysusers.d and tmpfiles.d applied to an empty root: the user, its
# groups, and its state and spool directories owned by it.
sr=$IT_DIR/sysroot
mkdir -p "$sr/etc"
check "systemd-sysusers applies sysusers.d" \
	systemd-sysusers --root="$sr" "$dest/usr/lib/sysusers.d/mfpscan.conf"
muid=$(awk -F: '$1 == "mfpscan" {print $3}' "$sr/etc/passwd")
assert_match "... the user mfpscan exists" '^[0-9]+$' "$muid"
assert_match "... in group scanner" '^scanner:.*:mfpscan$' "$(cat "$sr/etc/group")"
check "systemd-tmpfiles applies tmpfiles.d" env SYSTEMD_LOG_LEVEL=err \
	systemd-tmpfiles --root="$sr" --create "$dest/usr/lib/tmpfiles.d/mfpscan.conf"
assert_eq "... state and spool are mfpscan's, 0700" "$muid 700 $muid 700" \
	"$(stat -c '%u %a' "$sr/var/lib/mfpscan" "$sr/var/spool/mfpscan" 2>&1 | xargs)"

kver=$(ls -1 /lib/modules | sort -V | tail -n 1)
if command -v dkms >/dev/null; then
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$dest/usr/src/mfpscan-1.0/dkms.conf")
	dkms remove "mfpscan/$ver" --all >/dev/null 2>&1
	check "dkms add takes the installed tree" dkms add "$dest/usr/src/mfpscan-$ver"
	check "dkms builds the three modules for $kver" dkms build -m mfpscan -v "$ver" -k "$kver"
	check "... mfpscan.ko" test -s "/var/lib/dkms/mfpscan/$ver/$kver/x86_64/module/mfpscan.ko"
	check "... mfpscan_usb.ko" test -s "/var/lib/dkms/mfpscan/$ver/$kver/x86_64/module/mfpscan_usb.ko"
	check "... mfpscan_sim.ko" test -s "/var/lib/dkms/mfpscan/$ver/$kver/x86_64/module/mfpscan_sim.ko"
	check "dkms remove cleans up" dkms remove "mfpscan/$ver" --all
	rm -rf "/usr/src/mfpscan-$ver"
else
	fail "dkms is installed (scripts/deps.sh)"
fi
it_finish
