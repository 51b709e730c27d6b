#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real OpenSSH sftp server on 127.0.0.1 for the upload tests.
#
#   sshd.sh start DIR [FULL_KIB]   start; prints shell assignments:
#                                  SFTP_URL SFTP_PORT SFTP_USER SFTP_PASSWORD
#                                  SFTP_HOSTKEY (base64 SHA256 fingerprint)
#                                  SFTP_ROOT (the sftp start directory)
#   sshd.sh stop DIR               stop it and unmount DIR's tmpfs
#
# The test user (mfpscan-sftp, created if absent, password set on each
# start) lands in DIR/files (internal-sftp -d), so "sftp://127.0.0.1:PORT/~"
# is that directory. With FULL_KIB, DIR/files/full is a tmpfs of that size
# owned by the user: uploads there fail for lack of space for real.
# Needs root (sshd, useradd, mount). The pid file is DIR/sshd.pid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
. "$here/sshd-config.sh"

user=mfpscan-sftp
password=sftp-test-pass

start() {
	local dir=$1 full=${2:-} port
	mkdir -p "$dir/files" /run/sshd
	dir=$(cd "$dir" && pwd)
	srv_user "$user" "$password"
	chown "$user:" "$dir/files"
	[ -z "$full" ] || srv_tmpfs "$dir/files/full" "$full" "$user"
	[ -f "$dir/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
	port=$(srv_free_port)
	srv_sshd_config "$port" "$dir/hostkey" "$dir/sshd.pid" "$user" \
		"$dir/files" ERROR >"$dir/sshd_config"
	/usr/sbin/sshd -f "$dir/sshd_config" -D -e </dev/null >>"$dir/sshd.log" 2>&1 &
	echo $! >"$dir/sshd.pid"
	srv_wait_port "$port"
	echo "SFTP_URL=sftp://127.0.0.1:$port/~"
	echo "SFTP_PORT=$port"
	echo "SFTP_USER=$user"
	echo "SFTP_PASSWORD=$password"
	echo "SFTP_HOSTKEY=$(ssh-keygen -l -E sha256 -f "$dir/hostkey.pub" | awk '{print $2}' | sed 's/^SHA256://')"
	echo "SFTP_ROOT=$dir/files"
}

stop() {
	srv_stop_pidfile "$1/sshd.pid"
	srv_umount_below "$1"
}

case "${1:-}" in
start) start "${2:?DIR}" "${3:-}" ;;
stop) stop "${2:?DIR}" ;;
*) echo "usage: $0 start DIR [FULL_KIB] | stop DIR" >&2; exit 2 ;;
esac
