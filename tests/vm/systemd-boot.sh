#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The test guest with systemd as PID 1 (tests/vm/vm-run.sh --systemd).
#
#   systemd-boot.sh boot RUN   run by guest-init.sh as PID 1, once proc,
#                              sysfs, /run, /tmp and the share are mounted:
#                              writes a boot target and a service that runs
#                              RUN/cmd.sh into the overlay's /etc, then
#                              becomes systemd
#   systemd-boot.sh run RUN    that service: runs RUN/cmd.sh, hands back its
#                              exit status and the kernel log, powers off
#
# The target pulls in basic.target only (sysinit: journald, udevd, tmpfiles,
# sysusers; sockets: the system bus), not the host's multi-user.target with
# its web, database and file servers: the command starts what it tests.
mode=$1
run=$2
top=$(sed -n 's/.*mfpscan\.top=\([^ ]*\).*/\1/p' /proc/cmdline)

boot() {
	units=/etc/systemd/system
	mkdir -p "$units"
	cat >"$units/mfpscan-vm.target" <<EOF
[Unit]
Description=mfpscan test guest
Requires=basic.target
After=basic.target
Wants=mfpscan-vm.service
AllowIsolate=yes
EOF
	cat >"$units/mfpscan-vm.service" <<EOF
[Unit]
Description=mfpscan test command (tests/vm/vm-run.sh)

[Service]
Type=oneshot
ExecStart=/bin/sh $top/tests/vm/systemd-boot.sh run $run
Environment=HOME=/root TERM=dumb LANG=C.UTF-8
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity
EOF
	ln -sf mfpscan-vm.target "$units/default.target"
	# The host's periodic jobs and binfmt have no place in a test boot.
	for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
		e2scrub_all.timer man-db.timer systemd-binfmt.service \
		proc-sys-fs-binfmt_misc.automount; do
		ln -sf /dev/null "$units/$u"
	done
	exec /lib/systemd/systemd --unit=mfpscan-vm.target \
		--show-status=false --log-level=warning
}

# Like the end of guest-init.sh: the exit status and the kernel log travel
# back through the share, then the power goes off at once (the command
# stopped what it started; nothing in the overlay is worth a clean stop).
run_cmd() {
	cd "$top" || exit 1
	rc=126
	if [ -f "$run/cmd.sh" ]; then
		sh "$run/cmd.sh" </dev/null
		rc=$?
	else
		echo "systemd-boot: no command at $run/cmd.sh"
	fi
	dmesg >"$run/dmesg.txt" 2>/dev/null
	echo "$rc" >"$run/rc"
	sync
	echo o >/proc/sysrq-trigger
}

case $mode in
boot) boot ;;
run) run_cmd ;;
*) echo "usage: systemd-boot.sh boot|run RUN" >&2; exit 2 ;;
esac
