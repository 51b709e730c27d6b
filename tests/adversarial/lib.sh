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

# srv_free_port, srv_wait_port: the test servers' own port helpers.
. "$IT_TOP/tests/servers/common.sh"

# adv_start: what most cases begin with: it_setup (the harness, the
# private bus, the daemon with the default configuration), mfpscanctl
# needed; A is alice.
adv_start() {
	it_setup
	it_need_ctl
	# shellcheck disable=SC2034 # the tests read it
	A=$IT_ALICE
}

# adv_probe_start USER LOG: GetCapabilities as USER on its own connection
# every half second until adv_probe_stop, one line "ok" or "FAIL ..." each
# in LOG (each call may take up to 20 s: a slow answer is not a failure
# here, no answer is).  The loop ends itself when LOG.stop appears, so no
# call is ever cut short by the stop (a killed call would read as a FAIL
# with its answer already printed).
adv_probe_start() {
	local u=$1 log=$2
	: >"$log"
	rm -f "$log.stop"
	(
		while [ ! -e "$log.stop" ]; do
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

# adv_probe_stop LOG NAME: let the prober finish its call in flight and
# stop; at least one answer and no failure: the daemon answered another
# user throughout.
adv_probe_stop() {
	local log=$1 name=$2 ok bad
	touch "$log.stop"
	wait "$ADV_PROBE_PID" 2>/dev/null || true
	ok=$(grep -c '^ok$' "$log")
	bad=$(grep -c '^FAIL' "$log")
	if [ "$ok" -ge 1 ] && [ "$bad" -eq 0 ]; then
		pass "$name ($ok GetCapabilities answered)"
	else
		fail "$name" "$ok answered, $bad failed: $(grep -m3 '^FAIL' "$log")"
	fi
}

# adv_spool_prop USER ENTRY_ID PROPERTY: a spool entry's property, bare
# (busctl's quoting and its escaped apostrophes and backslashes undone).
adv_spool_prop() {
	bctl "$1" get-property "$IT_DEST" "$IT_PATH/spool/$2" \
		org.mfpscan.Daemon1.SpoolEntry "$3" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/' | sed "s/\\\\\\([\\\\']\\)/\\1/g"
}

# adv_http_start NAME [OPTIONS...]: tests/adversarial/hostile_http.py in
# $IT_DIR/NAME (its store; requests logged to $IT_DIR/NAME/requests.log),
# stopped on exit or by adv_http_stop NAME; its port in ADV_PORT.
declare -A ADV_HTTP_PID
adv_http_start() {
	local name=$1 dir=$IT_DIR/$1
	shift
	mkdir -p "$dir"
	rm -f "$dir/port"
	/usr/bin/python3 "$ADV_DIR/hostile_http.py" "$dir/port" "$dir/requests.log" \
		"$dir" "$@" >"$dir/server.log" 2>&1 &
	IT_BGPIDS+=("$!")
	ADV_HTTP_PID[$name]=$!
	for _ in $(seq 1 200); do
		[ -s "$dir/port" ] && break
		sleep 0.05
	done
	[ -s "$dir/port" ] || it_die "hostile_http.py did not start" "$(cat "$dir/server.log")"
	: >>"$dir/requests.log"
	ADV_PORT=$(cat "$dir/port")
}

# adv_http_stop NAME: stop that server and wait until it is gone.
adv_http_stop() {
	kill "${ADV_HTTP_PID[$1]}" 2>/dev/null
	wait "${ADV_HTTP_PID[$1]}" 2>/dev/null
	return 0
}

# adv_new_entry USER BEFORE: the USER's spool entry that is not in the
# list BEFORE (one id a line), or empty.
adv_new_entry() {
	comm -13 <(printf '%s\n' "$2" | sort) <(it_entries "$1" | sort) | head -n 1
}

# adv_entry_doc UID ID: the spooled document file of entry ID.
adv_entry_doc() { printf '%s/spool/%s/%s.doc\n' "$IT_DIR" "$1" "${2#*_}"; }

# adv_rss_start: sample the daemon's VmRSS (KiB) every 0.2 s into
# $IT_DIR/rss.log until it exits; ADV_RSS0 is the first sample.
adv_rss_start() {
	local pid=$IT_DAEMON_PID
	ADV_RSS0=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	(
		while kill -0 "$pid" 2>/dev/null; do
			awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"
			sleep 0.2
		done
	) >"$IT_DIR/rss.log" 2>/dev/null &
	IT_BGPIDS+=("$!")
}

# adv_rss_max: the largest sample so far.
adv_rss_max() { sort -n "$IT_DIR/rss.log" | tail -n 1; }

# adv_rss_bounded PREFIX: the daemon's RSS grew by at most 32 MiB since
# adv_rss_start (hostile replies must not be held or expanded in memory).
adv_rss_bounded() {
	local max
	max=$(adv_rss_max)
	echo "VmRSS: $ADV_RSS0 KiB at start, at most $max KiB"
	check "$1the daemon's RSS grew by $((max - ADV_RSS0)) KiB (bound 32768)" \
		test $((max - ADV_RSS0)) -le 32768
}

# adv_heal_and_deliver STORE USER: the hostile server turns healthy (the
# STORE/heal file) and every case's kept entry (the caller's ENTRY and SHA
# arrays) is retried and delivered byte-exact into STORE/files.
adv_heal_and_deliver() {
	local store=$1 u=$2 c
	touch "$store/heal"
	for c in "${!ENTRY[@]}"; do
		adv_retry_delivered "$c" "$u" "${ENTRY[$c]}" "${SHA[$c]}" "$store/files"
	done
}

# adv_account USER NAME TYPE URL [MORE mfpscanctl accounts add OPTIONS...]:
# an account whose password (the S3 secret key) is "pw-NAME-secret"; dies
# when it is refused.
adv_account() {
	local u=$1 name=$2 type=$3 url=$4 out
	shift 4
	# the hostile servers speak plain http on loopback: consent to it
	case $url in http://*) set -- --allow-insecure-http yes "$@" ;; esac
	out=$(printf 'pw-%s-secret\n' "$name" | ctl "$u" accounts add "$name" --type "$type" \
		--url "$url" --password-stdin "$@" 2>&1) ||
		it_die "account $name refused" "$out"
}

# adv_scan USER ACCOUNT: one scan (a 75 dpi mono PNG, on ADV_DEVICE if
# set); sets ADV_RC (0
# uploaded, 2 kept, 1 refused), ADV_OUT, ADV_ENTRY (the new spool entry or
# empty), ADV_SHA (the spooled document's SHA-256, its ticket's
# document.sha256 in ADV_TICKET_SHA).
adv_scan() {
	local u=$1 before uid
	uid=$(id -u "$u")
	before=$(it_entries "$u")
	ADV_OUT=$(ctl "$u" scan --to "$2" --format png --resolution 75 --mode mono \
		${ADV_DEVICE:+--device "$ADV_DEVICE"} 2>&1) &&
		ADV_RC=0 || ADV_RC=$?
	ADV_ENTRY=$(adv_new_entry "$u" "$before")
	ADV_SHA=
	ADV_TICKET_SHA=
	if [ -n "$ADV_ENTRY" ]; then
		ADV_SHA=$(sha256sum <"$(adv_entry_doc "$uid" "$ADV_ENTRY")" | cut -d' ' -f1)
		ADV_TICKET_SHA=$(it_tk "$(it_ticket "$uid" "$ADV_ENTRY")" document.sha256)
	fi
}

# adv_check_kept CASE USER CLASS MESSAGE_REGEX: the last adv_scan was kept:
# exit 2, a spool entry whose ErrorClass is CLASS and whose LastError
# matches MESSAGE_REGEX, its document intact (the ticket's SHA-256).
adv_check_kept() {
	local c=$1 u=$2
	assert_eq "$c: the scan is kept (exit 2)" 2 "$ADV_RC"
	if [ -z "$ADV_ENTRY" ]; then
		fail "$c: a spool entry holds the document" "$ADV_OUT"
		return
	fi
	assert_eq "$c: classified $3" "$3" "$(adv_spool_prop "$u" "$ADV_ENTRY" ErrorClass)"
	assert_match "$c: the user reads why" "$4" "$(adv_spool_prop "$u" "$ADV_ENTRY" LastError)"
	assert_eq "$c: the spooled document is intact" "$ADV_TICKET_SHA" "$ADV_SHA"
}

# adv_scan_kept CASE USER CLASS MESSAGE_REGEX: USER scans to the account
# named CASE, the scan is kept (adv_check_kept), and its entry and SHA go
# into the caller's ENTRY and SHA arrays under CASE (adv_heal_and_deliver
# retries them).
adv_scan_kept() {
	adv_scan "$2" "$1"
	adv_check_kept "$@"
	ENTRY[$1]=$ADV_ENTRY
	SHA[$1]=$ADV_SHA
}

# adv_store_has STORE SHA: a file under STORE has SHA-256 SHA.
adv_store_has() {
	find "$1" -type f -exec sha256sum {} + 2>/dev/null | grep -q "^$2 "
}

# adv_retry_until_gone USER ENTRY: Retry ENTRY (again while an attempt
# of it still runs, when Retry is refused) until it leaves the spool;
# bounded (about a minute).
adv_retry_until_gone() {
	for _ in $(seq 1 60); do
		ctl "$1" spool retry "$2" >/dev/null 2>&1
		it_entries "$1" | grep -qx "$2" || return 0
		sleep 1
	done
	return 1
}

# adv_retry_kept CASE USER ENTRY SHA CLASS MESSAGE_REGEX: USER retries
# the kept document ENTRY against a server that still refuses it: the
# retry is classified CLASS (waited for, bounded), its LastError matches
# MESSAGE_REGEX, and the document stays in the spool byte for byte (SHA).
adv_retry_kept() {
	local c=$1 u=$2 e=$3 sha=$4 want=$5 cls=
	ctl "$u" spool retry "$e" >/dev/null 2>&1
	for _ in $(seq 1 100); do
		cls=$(adv_spool_prop "$u" "$e" ErrorClass)
		[ "$cls" = "$want" ] && break
		sleep 0.2
	done
	assert_eq "$c: the retry is classified $want" "$want" "$cls"
	assert_match "$c: ... the user reads why" "$6" \
		"$(adv_spool_prop "$u" "$e" LastError)"
	assert_eq "$c: the document is still kept" "$e" "$(it_entries "$u" | grep -x "$e")"
	assert_eq "$c: ... intact" "$sha" \
		"$(sha256sum <"$(adv_entry_doc "$(id -u "$u")" "$e")" | cut -d' ' -f1)"
}

# adv_retry_delivered CASE USER ENTRY SHA STORE: Retry ENTRY; it leaves the
# spool and its document arrives under STORE byte for byte.
adv_retry_delivered() {
	check "$1: after the server recovers, Retry uploads it (the entry is gone)" \
		adv_retry_until_gone "$2" "$3"
	check "$1: ... the document on the server is the scan, byte-exact" \
		adv_store_has "$5" "$4"
}
