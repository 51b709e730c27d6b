#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The npm webdav-server (tests/servers/node_modules, see package.json) with
# a per-user quota, on 127.0.0.1, for the upload tests: it reports RFC 4331
# quota properties in PROPFIND and answers 507 past the quota.
#
#   webdav-node.sh start DIR [QUOTA_BYTES]   start (default quota 1 MiB);
#       prints WDN_URL WDN_USER WDN_PASSWORD WDN_ROOT WDN_QUOTA
#   webdav-node.sh stop DIR
#
# Files land in DIR/files. The quota counter lives in the server's memory:
# it starts at 0 on each start whatever DIR/files holds. Pid file
# DIR/webdav-node.pid, log DIR/webdav-node.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

user=quotauser
password=wdn-test-pass

start() {
	local dir=$1 quota=${2:-1048576} port
	[ -d "$here/node_modules/webdav-server" ] || {
		echo "webdav-server is not installed: run scripts/deps.sh" >&2
		exit 1
	}
	mkdir -p "$dir/files"
	dir=$(cd "$dir" && pwd)
	port=$(srv_free_port)
	node "$here/webdav-quota.js" "$port" "$dir/files" "$user" "$password" \
		"$quota" </dev/null >>"$dir/webdav-node.log" 2>&1 &
	echo $! >"$dir/webdav-node.pid"
	srv_wait_port "$port"
	echo "WDN_URL=http://127.0.0.1:$port"
	echo "WDN_USER=$user"
	echo "WDN_PASSWORD=$password"
	echo "WDN_ROOT=$dir/files"
	echo "WDN_QUOTA=$quota"
}

case "${1:-}" in
start) start "${2:?DIR}" "${3:-}" ;;
stop) srv_stop_pidfile "${2:?DIR}/webdav-node.pid" ;;
*) echo "usage: $0 start DIR [QUOTA_BYTES] | stop DIR" >&2; exit 2 ;;
esac
