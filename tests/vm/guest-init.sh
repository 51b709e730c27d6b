#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the test guest (PID 1 in the overlay of the host root): mount
# the usual filesystems and the read-write share, run the command that
# vm-run.sh wrote, hand back its exit status and the kernel log, power off.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root TERM=dumb LANG=C.UTF-8

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm
# devtmpfs has no /dev/fd: bash's <(...) and /dev/stdin need it.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
# A fresh /tmp for the guest; a repository that lives under the host's /tmp
# (CI clones anywhere) is carried over the new /tmp by a bind mount.
top=$(arg mfpscan.top)
case $top in
/tmp/*)
	mkdir -p /run/top
	mount --bind "$top" /run/top
	mount -t tmpfs tmpfs /tmp
	mkdir -p "$top"
	mount --move /run/top "$top"
	;;
*)
	mount -t tmpfs tmpfs /tmp
	;;
esac
chmod 1777 /tmp /dev/shm
# A kernel unpacked in build/kernels/ (not installed on the host): its
# modules, for modprobe and modinfo.
kroot=$(arg mfpscan.kroot)
if [ -n "$kroot" ] && [ "$kroot" != / ] && [ ! -e "/lib/modules/$(uname -r)" ]; then
	ln -s "$kroot/lib/modules/$(uname -r)" "/lib/modules/$(uname -r)"
fi
modprobe configfs 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ln -sf /proc/self/mounts /etc/mtab 2>/dev/null
hostname mfpscan-vm
ip link set lo up

share=$(arg mfpscan.share)
run=$(arg mfpscan.run)
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share "$share" ||
	echo "guest-init: cannot mount the share at $share"

# vm-run.sh --systemd: systemd becomes PID 1 and runs the command as a
# service (tests/vm/systemd-boot.sh).
if [ "$(arg mfpscan.systemd)" = 1 ]; then
	exec /bin/sh "$top/tests/vm/systemd-boot.sh" boot "$run"
fi

rc=126
if [ -f "$run/cmd.sh" ]; then
	sh "$run/cmd.sh" </dev/null
	rc=$?
else
	echo "guest-init: no command at $run/cmd.sh"
fi
dmesg >"$run/dmesg.txt" 2>/dev/null
echo "$rc" >"$run/rc"
sync
echo o >/proc/sysrq-trigger
# PID 1 must not exit (that panics): wait with shell builtins only, since
# the 9p root can be gone before the power is.
while :; do :; done
