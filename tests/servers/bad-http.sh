#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A deliberately broken HTTP/WebDAV server (tests/servers/badhttp.js) on
# 127.0.0.1, to check that bad replies become clear errors.
#
#   bad-http.sh start DIR   prints BAD_URL=http://127.0.0.1:PORT
#   bad-http.sh stop DIR
#
# Paths: /garbage, /html, /badquota (PROPFIND), /hugebody, /status (PUT);
# see badhttp.js. Pid file DIR/badhttp.pid, log DIR/badhttp.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

start() {
	local dir=$1 port
	mkdir -p "$dir"
	port=$(srv_free_port)
	node "$here/badhttp.js" "$port" </dev/null >>"$dir/badhttp.log" 2>&1 &
	echo $! >"$dir/badhttp.pid"
	srv_wait_port "$port"
	echo "BAD_URL=http://127.0.0.1:$port"
}

case "${1:-}" in
start) start "${2:?DIR}" ;;
stop) srv_stop_pidfile "${2:?DIR}/badhttp.pid" ;;
*) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
esac
