# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: the adversarial tests' helpers, on top of the integration
# harness (tests/integration/lib.sh: private dbus-daemon, the real daemon,
# two real users, the assertions), which it sources; failures are listed
# in build/adversarial/FAILURES.md instead.
#
#   . "$(dirname "$0")/lib.sh"

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
IT_FAILURES=$IT_TOP/build/adversarial/FAILURES.md
ADV_DIR=$IT_TOP/tests/adversarial

# adv_free_port: a TCP port on 127.0.0.1 nobody listens on now.
adv_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# adv_wait_port PORT: bounded wait until something listens on PORT.
adv_wait_port() {
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# adv_probe_start USER LOG: GetCapabilities as USER on its own connection
# every half second until adv_probe_stop, one line "ok" or "FAIL ..." each
# in LOG (each call may take up to 20 s: a slow answer is not a failure
# here, no answer is).
adv_probe_start() {
	local u=$1 log=$2
	: >"$log"
	(
		while :; do
			if out=$(as "$u" busctl --address="$IT_BUS_ADDR" --timeout=20 \
				call "$IT_DEST" "$IT_PATH" "$IT_MGR" GetCapabilities 2>&1); then
				echo ok
			else
				echo "FAIL $out"
			fi
			sleep 0.5
		done
	) >>"$log" 2>&1 &
	ADV_PROBE_PID=$!
	IT_BGPIDS+=("$ADV_PROBE_PID")
}

# adv_probe_stop LOG NAME: stop the prober; at least one answer and no
# failure: the daemon answered another user throughout.
adv_probe_stop() {
	local log=$1 name=$2 ok bad
	pkill -TERM -P "$ADV_PROBE_PID" 2>/dev/null || true
	kill "$ADV_PROBE_PID" 2>/dev/null || true
	wait "$ADV_PROBE_PID" 2>/dev/null || true
	ok=$(grep -c '^ok$' "$log")
	bad=$(grep -c '^FAIL' "$log")
	if [ "$ok" -ge 1 ] && [ "$bad" -eq 0 ]; then
		pass "$name ($ok GetCapabilities answered)"
	else
		fail "$name" "$ok answered, $bad failed: $(grep -m3 '^FAIL' "$log")"
	fi
}

# adv_spool_prop USER ENTRY_ID PROPERTY: a spool entry's property, bare.
adv_spool_prop() {
	bctl "$1" get-property "$IT_DEST" "$IT_PATH/spool/$2" \
		org.mfpscan.Daemon1.SpoolEntry "$3" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/'
}
