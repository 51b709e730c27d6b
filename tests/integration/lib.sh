# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: shared helpers of the mfpscand integration tests.
#
# Every test starts the real parts on private addresses: a private
# dbus-daemon with a system-bus-like policy (deny by default, plus the
# project's own dbus/org.mfpscan.Daemon1.conf), the real mfpscand built in
# build/usr, and real clients (busctl, dbus-send, gdbus, mfpscanctl) run as
# two real unprivileged users. Tests must run as root (CI does): they create
# the users, directories and sockets. Everything lives in one temporary
# directory removed on exit (kept with IT_KEEP=1 for post-mortems).
#
# Usage in a test:
#   . "$(dirname "$0")/lib.sh"
#   it_init                  # temp dir, users, trap
#   it_start_bus
#   it_write_config          # optional extra INI text on stdin
#   it_start_daemon
#   check "name" cmd...      # and the other assertions below
#   it_finish                # prints "N passed, N failed", sets exit code
#
# Failed assertions are also appended to build/integration/FAILURES.md so
# that a whole run leaves one list of exact failing cases.

IT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IT_BUILD=${IT_BUILD:-$IT_TOP/build/usr}
IT_TEST=$(basename "${0%.sh}")

# it_find_prog NAME: the built program NAME (a regular executable file) in
# build/usr or build/usr/bin, or empty.
it_find_prog() {
	local p
	for p in "$IT_BUILD/$1" "$IT_BUILD/bin/$1"; do
		if [ -f "$p" ] && [ -x "$p" ]; then printf '%s\n' "$p"; return; fi
	done
}
IT_DAEMON=${IT_DAEMON:-$(it_find_prog mfpscand)}
IT_VERIFY=${IT_VERIFY:-$(it_find_prog tools/mfpscan-verify)}
IT_ALICE=${IT_ALICE:-mfpscan-alice}
IT_BOB=${IT_BOB:-mfpscan-bob}
IT_PASS=0
IT_FAIL=0
IT_DIR=
IT_BUS_ADDR=
IT_BUS_PID=
IT_DAEMON_PID=
IT_BGPIDS=()
IT_FAILURES=$IT_TOP/build/integration/FAILURES.md
IT_DEST=org.mfpscan.Daemon1
IT_TEMPLATE=${IT_TEMPLATE:-"doc-{counter}"}
IT_PATH=/org/mfpscan/Daemon1
IT_MGR=org.mfpscan.Daemon1.Manager
IT_ERR=org.mfpscan.Daemon1.Error	# prefix of the daemon's error names
export IT_ERR

# --- assertions ---------------------------------------------------------

# pass NAME: count a passed check.
pass() {
	IT_PASS=$((IT_PASS + 1))
	printf 'ok   %s\n' "$1"
}

# fail NAME [DETAIL]: count a failed check, print and record it.
fail() {
	IT_FAIL=$((IT_FAIL + 1))
	printf 'FAIL %s\n' "$1"
	[ -n "${2:-}" ] && printf '     %s\n' "$2" | head -c 2000
	mkdir -p "$(dirname "$IT_FAILURES")"
	{
		printf -- '- **%s**: %s\n' "$IT_TEST" "$1"
		[ -n "${2:-}" ] && printf '  ```\n%s\n  ```\n' \
			"$(printf '%s' "$2" | head -c 1500)"
	} >>"$IT_FAILURES"
	return 0
}

# check NAME CMD...: CMD must exit 0.
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then pass "$name"; else
		fail "$name" "exit $rc: $* => $out"; fi
}

# check_fails NAME CMD...: CMD must exit non-zero.
check_fails() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 0 ]; then pass "$name"; else
		fail "$name" "unexpected success: $* => $out"; fi
}

# check_error NAME ERRNAME_REGEX CMD...: CMD must fail and its output must
# name one of the D-Bus errors in ERRNAME_REGEX (an extended regex).
check_error() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -Eq -- "$want"; then
		pass "$name"
	else
		fail "$name" "want failure matching /$want/, got exit $rc: $* => $out"
	fi
}

# check_exit NAME CODE CMD...: CMD must exit with CODE.
check_exit() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$name"; else
		fail "$name" "want exit $want, got $rc: $* => $out"; fi
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "expected [$2], got [$3]"; fi
}

# assert_match NAME REGEX TEXT: TEXT must match the extended REGEX.
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then pass "$1"; else
		fail "$1" "/$2/ not in: $3"; fi
}

# assert_no_match NAME REGEX TEXT: TEXT must not match the extended REGEX.
assert_no_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		fail "$1" "/$2/ found in: $(printf '%s' "$3" | grep -E -- "$2" | head -5)"
	else pass "$1"; fi
}

# assert_file_lacks NAME STRING FILE...: no FILE contains STRING (bytes).
assert_file_lacks() {
	local name=$1 s=$2 hits
	shift 2
	hits=$(grep -rlF -- "$s" "$@" 2>/dev/null || true)
	if [ -z "$hits" ]; then pass "$name"; else
		fail "$name" "found in: $hits"; fi
}

# it_finish: print the summary line; exit status 1 if anything failed.
it_finish() {
	printf '%d passed, %d failed\n' "$IT_PASS" "$IT_FAIL"
	[ "$IT_FAIL" -eq 0 ]
	exit $?
}

# it_die MSG: a setup step failed; count it, print the summary, stop.
it_die() {
	fail "setup: $1" "${2:-}"
	it_finish
}

# --- environment --------------------------------------------------------

# it_cleanup: stop everything this test started, remove the temp dir.
it_cleanup() {
	local p
	# A background client runs as a child of its subshell (as -> setpriv):
	# stop the children by parent id, then the subshell.
	for p in "${IT_BGPIDS[@]}"; do
		pkill -TERM -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	it_stop_daemon
	if [ -n "${IT_DAV_DIR:-}" ]; then
		bash "$IT_TOP/tests/servers/apache-dav.sh" stop "$IT_DAV_DIR" \
			>/dev/null 2>&1 || true
	fi
	if [ -n "$IT_BUS_PID" ]; then kill "$IT_BUS_PID" 2>/dev/null || true; fi
	for p in "${IT_MOUNTS[@]}"; do umount -l "$p" 2>/dev/null || true; done
	if [ -n "$IT_DIR" ] && [ "${IT_KEEP:-0}" != 1 ]; then
		rm -rf "$IT_DIR"
	elif [ -n "$IT_DIR" ]; then
		echo "kept $IT_DIR" >&2
	fi
}
IT_MOUNTS=()

# it_make_user NAME: create an unprivileged system user if absent.
it_make_user() {
	getent passwd "$1" >/dev/null && return 0
	# Another test running at the same time may create it first.
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$1" 2>/dev/null ||
		getent passwd "$1" >/dev/null
}

# it_make_service_user: the daemon's own user "mfpscan" (systemd/
# mfpscan.sysusers.conf makes it on an installed system), in group
# "scanner" for the engines; idempotent, safe with parallel tests.
it_make_service_user() {
	getent group scanner >/dev/null || groupadd --system scanner 2>/dev/null ||
		getent group scanner >/dev/null || return 1
	if ! getent passwd mfpscan >/dev/null; then
		useradd --system --user-group --groups scanner --no-create-home \
			--home-dir /var/lib/mfpscan --shell /usr/sbin/nologin \
			mfpscan 2>/dev/null || getent passwd mfpscan >/dev/null || return 1
	fi
	id -nG mfpscan | grep -qw scanner || usermod -aG scanner mfpscan
}

# The daemon drops to IT_DAEMON_USER: the service user "mfpscan", on the
# host and in the test VM's guests alike (there it_guest_udevd gives the
# engines to group scanner, as on the appliance). "-" passes neither
# --user nor the [local] rules: a daemon from before the privilege
# separation (to show a test failing on it).
IT_DAEMON_USER=${IT_DAEMON_USER:-mfpscan}

# it_guest_udevd: in a test VM's guest, systemd-udevd with the project's
# udev/70-mfpscan.rules (engines root:scanner 0660, the panel's
# attributes group scanner), as on the appliance; start it before the
# module so that every engine gets the rules. Idempotent.
it_guest_udevd() {
	local udevd=/lib/systemd/systemd-udevd
	getent group scanner >/dev/null || groupadd --system scanner ||
		it_die "groupadd scanner"
	mkdir -p /etc/udev/rules.d
	install -m 0644 "$IT_TOP/udev/70-mfpscan.rules" /etc/udev/rules.d/ ||
		it_die "cannot install udev/70-mfpscan.rules"
	udevadm control --ping >/dev/null 2>&1 && { udevadm control --reload; return 0; }
	[ -x "$udevd" ] || udevd=/usr/lib/systemd/systemd-udevd
	"$udevd" --daemon && udevadm control --ping ||
		it_die "systemd-udevd did not start"
}

# it_init: check prerequisites, make the temp dir and the two users.
it_init() {
	[ "$(id -u)" -eq 0 ] || { echo "$IT_TEST: must run as root" >&2; exit 1; }
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	# IT_TMPDIR: where the temp dir goes (it must allow exec: the users
	# run a copy of mfpscanctl from it).
	IT_DIR=$(mktemp -d "${IT_TMPDIR:-/tmp}/mfpscan-it.XXXXXX") || exit 1
	chmod 0755 "$IT_DIR"
	mkdir -p "$IT_DIR/bin"
	it_make_user "$IT_ALICE" || it_die "useradd $IT_ALICE"
	it_make_user "$IT_BOB" || it_die "useradd $IT_BOB"
	it_make_service_user || it_die "useradd mfpscan"
	IT_ALICE_UID=$(id -u "$IT_ALICE")
	IT_BOB_UID=$(id -u "$IT_BOB")
	export IT_ALICE_UID IT_BOB_UID
	# The users run clients from a directory they can surely reach.
	local ctlbin
	ctlbin=${IT_CTL_BIN:-$(it_find_prog mfpscanctl)}
	if [ -n "$ctlbin" ]; then
		install -m 0755 "$ctlbin" "$IT_DIR/bin/mfpscanctl"
	fi
	IT_CTL=$IT_DIR/bin/mfpscanctl
	export IT_DIR IT_CTL
}

# it_setup: what most tests begin with: it_init, the private bus, the
# default configuration (IT_* settings as set before) and the daemon.
it_setup() {
	it_init
	it_start_bus
	it_write_config
	it_start_daemon
}

# it_need_daemon: fail the test (not skip: CI builds it) without the binary.
it_need_daemon() {
	[ -n "$IT_DAEMON" ] ||
		it_die "daemon binary missing" "$IT_BUILD/mfpscand not built (make -C usr)"
}

# it_need_ctl: fail the test without mfpscanctl.
it_need_ctl() {
	[ -x "$IT_CTL" ] ||
		it_die "mfpscanctl missing" "$IT_BUILD/mfpscanctl not built (make -C usr)"
}

# it_need_verify: fail the test without mfpscan-verify.
it_need_verify() {
	[ -n "$IT_VERIFY" ] ||
		it_die "mfpscan-verify missing" "$IT_BUILD/tools/mfpscan-verify not built"
}

# it_start_bus: a private dbus-daemon with a system-bus-like policy.
# IT_BUS_EXTRA: more configuration XML (e.g. a <servicedir>).
it_start_bus() {
	local conf=$IT_DIR/bus.conf
	cat >"$conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$IT_DIR/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <pidfile>$IT_DIR/bus.pid</pidfile>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus"
          send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$IT_TOP/dbus/org.mfpscan.Daemon1.conf</include>
  <limit name="max_message_size">33554432</limit>
  ${IT_BUS_EXTRA:-}
</busconfig>
EOF
	IT_BUS_ADDR=$(dbus-daemon --config-file="$conf" --fork --print-address=1) ||
		it_die "dbus-daemon did not start"
	IT_BUS_PID=$(cat "$IT_DIR/bus.pid")
	export DBUS_SYSTEM_BUS_ADDRESS=$IT_BUS_ADDR
	export IT_BUS_ADDR
}

# it_write_config [EXTRA]: the daemon's config; state and spool under the
# temp dir; the devices are IT_DEVICES (INI sections; default: the
# userspace pattern engine as [device.default]) and the default device is
# IT_DEFAULT_DEVICE (default "default"). EXTRA (INI text, e.g. "[mail]\n
# smtp_url = ...") is appended; it must not repeat a key already written
# (the daemon refuses a key given twice).
it_write_config() {
	local devices=${IT_DEVICES:-'[device.default]\npath = pattern:\ndriver = kernel'}
	mkdir -p "$IT_DIR/state" "$IT_DIR/spool"
	chmod 0700 "$IT_DIR/state" "$IT_DIR/spool"
	IT_CONF=$IT_DIR/mfpscand.conf
	cat >"$IT_CONF" <<EOF
[daemon]
state_dir = $IT_DIR/state
spool_dir = $IT_DIR/spool
default_device = ${IT_DEFAULT_DEVICE:-default}
pending_policy = ${IT_PENDING_POLICY:-block}
full_policy = ${IT_FULL_POLICY:-keep}
sysfs_dir = ${IT_SYSFS_DIR:-/sys}
log_level = debug

[retry]
initial_s = ${IT_RETRY_INITIAL:-60}
max_interval_s = 3600
count = ${IT_RETRY_COUNT:-24}
slow_factor = 4
EOF
	printf '\n%b\n' "$devices" >>"$IT_CONF"
	if [ -n "${1:-}" ]; then printf '%b\n' "$1" >>"$IT_CONF"; fi
}

# it_bus_has_daemon: true when the daemon's name has an owner.
it_bus_has_daemon() {
	dbus-send --bus="$IT_BUS_ADDR" --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
		string:"$IT_DEST" 2>/dev/null | grep -q 'boolean true'
}

# it_local_rules: the privilege helper's rules for the tests ([local]
# in IT_CONF unless the test wrote its own): local folders anywhere in
# the temp dir, owners from uid 100 (the test users are system users).
it_local_rules() {
	[ "$IT_DAEMON_USER" = - ] && return 0
	grep -q '^\[local\]' "$IT_CONF" ||
		printf '\n[local]\nallowed_roots = %s\nmin_uid = 100\n' "$IT_DIR" >>"$IT_CONF"
}

# it_start_daemon: start mfpscand as root, which drops to IT_DAEMON_USER
# (stderr log in $IT_DIR/daemon.log, the helper's too), and wait until
# it owns its name; dies with the log when it does not.
it_start_daemon() {
	it_need_daemon
	it_local_rules
	local user=(--user "$IT_DAEMON_USER")
	[ "$IT_DAEMON_USER" = - ] && user=()
	"$IT_DAEMON" --config "$IT_CONF" --log-stderr "${user[@]}" \
		>>"$IT_DIR/daemon.log" 2>&1 &
	IT_DAEMON_PID=$!
	# IT_START_TRIES: a start that recovers cut scans (with OCR) is longer.
	for _ in $(seq 1 "${IT_START_TRIES:-600}"); do
		it_bus_has_daemon && return 0
		kill -0 "$IT_DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	local log
	log=$(tail -n 20 "$IT_DIR/daemon.log" 2>/dev/null)
	IT_DAEMON_PID=
	it_die "mfpscand did not take $IT_DEST" "$log"
}

# it_stop_daemon: SIGTERM the daemon and reap it.
it_stop_daemon() {
	[ -n "$IT_DAEMON_PID" ] || return 0
	kill -TERM "$IT_DAEMON_PID" 2>/dev/null || true
	wait "$IT_DAEMON_PID" 2>/dev/null || true
	IT_DAEMON_PID=
}

# it_daemon_alive NAME: the same daemon process still runs and answers.
it_daemon_alive() {
	if [ -n "$IT_DAEMON_PID" ] && kill -0 "$IT_DAEMON_PID" 2>/dev/null &&
		busctl --address="$IT_BUS_ADDR" call "$IT_DEST" "$IT_PATH" \
			"$IT_MGR" GetCapabilities >/dev/null 2>&1; then
		pass "$1"
	else
		fail "$1" "daemon gone or not answering; log tail: $(tail -n 15 "$IT_DIR/daemon.log" 2>/dev/null)"
	fi
}

# --- clients ------------------------------------------------------------

# as USER CMD...: run CMD as USER (real uid/gid/groups), bus address kept.
as() {
	local u=$1
	shift
	if [ "$u" = root ]; then
		env HOME=/root "$@"
	else
		setpriv --reuid="$u" --regid="$u" --init-groups \
			env HOME=/nonexistent DBUS_SYSTEM_BUS_ADDRESS="$IT_BUS_ADDR" "$@"
	fi
}

# bctl USER ARGS...: busctl on the private bus as USER.
bctl() {
	local u=$1
	shift
	as "$u" busctl --address="$IT_BUS_ADDR" "$@"
}

# dsend USER ARGS...: dbus-send --print-reply on the private bus as USER.
dsend() {
	local u=$1
	shift
	as "$u" dbus-send --bus="$IT_BUS_ADDR" --print-reply "$@"
}

# ctl USER ARGS...: mfpscanctl as USER.
ctl() {
	local u=$1
	shift
	as "$u" "$IT_CTL" "$@"
}

# pycall USER PATH IFACE METHOD SIG PYARGS: call with python3-dbus as USER,
# for what busctl and dbus-send cannot send (strings over 128 KiB, typed
# variants). PYARGS is a Python expression of the arguments; U(n) and T(n)
# are dbus.UInt32/UInt64, BIG is a 1 MiB string. Prints "OK <reply>" or
# "ERROR <error name> <message>" (exit 1).
pycall() {
	local u=$1
	shift
	as "$u" /usr/bin/python3 - "$IT_BUS_ADDR" "$@" <<'PY'
import sys, dbus
addr, path, iface, method, sig, args = sys.argv[1:7]
bus = dbus.bus.BusConnection(addr)
env = {"dbus": dbus, "U": dbus.UInt32, "T": dbus.UInt64, "B": dbus.Boolean,
       "BIG": "x" * (1 << 20)}
try:
    a = eval(args or "()", env)
    if not isinstance(a, tuple):
        a = (a,)
    obj = bus.get_object("org.mfpscan.Daemon1", path, introspect=False)
    r = obj.get_dbus_method(method, iface)(*a, signature=sig, timeout=120)
    print("OK", repr(r))
except dbus.exceptions.DBusException as e:
    print("ERROR", e.get_dbus_name(), e.get_dbus_message())
    sys.exit(1)
PY
}

# mgr USER METHOD [SIG ARGS...]: call a Manager method with busctl.
mgr() {
	local u=$1
	shift
	bctl "$u" call "$IT_DEST" "$IT_PATH" "$IT_MGR" "$@"
}

# it_busctl_path OUTPUT: the first object path in a busctl call's output
# (`o "/org/..."`).
it_busctl_path() {
	printf '%s\n' "$1" | grep -o '"/org/mfpscan/[^"]*"' | head -n 1 | tr -d '"'
}

# it_first_spooled USER: the user's first spool entry (its object path in
# IT_ENTRY) and its document file in the spool (IT_ENTRY_DOC); dies when
# there is none.
it_first_spooled() {
	local out uid
	uid=$(id -u "$1")
	out=$(mgr "$1" ListSpool 2>&1)
	IT_ENTRY=$(it_busctl_path "$out")
	[ -n "$IT_ENTRY" ] || it_die "no spool entry" "$out"
	IT_ENTRY_DOC=$(find "$IT_DIR/spool/$uid" -maxdepth 1 -name '*.doc' | head -n 1)
	[ -n "$IT_ENTRY_DOC" ] || it_die "no spooled document under $IT_DIR/spool/$uid"
}

# it_local_dir USER: a folder only USER (and root) can enter.
it_local_dir() {
	local d=$IT_DIR/local/$1
	mkdir -p "$d"
	chown "$1:" "$d"
	chmod 0700 "$d"
	chmod 0755 "$IT_DIR/local"
	printf '%s\n' "$d"
}

# it_create_local USER NAME FOLDER [EXTRA_SETTINGS_COUNT EXTRA...]: create
# a "local" account with busctl; prints its object path.
it_create_local() {
	local u=$1 name=$2 folder=$3 out
	out=$(mgr "$u" CreateAccount 'ssa{sv}a{sv}' "$name" local \
		2 folder s "$folder" name-template s "$IT_TEMPLATE" 0) ||
		{ printf '%s\n' "$out" >&2; return 1; }
	it_busctl_path "$out"
}

# it_have_dav: true when the Apache WebDAV test server script exists.
it_have_dav() {
	[ -f "$IT_TOP/tests/servers/apache-dav.sh" ] && command -v apache2 >/dev/null
}

# it_start_dav [FULL_KIB]: start Apache mod_dav on loopback (stopped on
# exit); sets DAV_URL, DAV_USER, DAV_PASSWORD, DAV_ROOT (and DAV_ROOT/full,
# a FULL_KIB tmpfs giving real 507s, when FULL_KIB is given).
it_start_dav() {
	local out
	IT_DAV_DIR=$IT_DIR/dav
	mkdir -p "$IT_DAV_DIR"
	out=$(bash "$IT_TOP/tests/servers/apache-dav.sh" start "$IT_DAV_DIR" "$@") ||
		it_die "apache-dav.sh did not start" "$out"
	eval "$out"
}

# it_bg CMD...: run CMD in the background; stopped by the cleanup trap.
it_bg() {
	"$@" &
	IT_BGPIDS+=("$!")
}

# it_wait_for FILE REGEX [TRIES]: wait (bounded; not a timing assertion)
# until FILE has a line matching REGEX. Returns 1 when it never does.
it_wait_for() {
	local n=${3:-200}
	for _ in $(seq 1 "$n"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# it_job_state USER JOBPATH: the job's State property (bare word).
it_job_state() {
	bctl "$1" get-property "$IT_DEST" "$2" org.mfpscan.Daemon1.Job State \
		2>/dev/null | sed -n 's/^s "\(.*\)"$/\1/p'
}

# it_wait_job USER JOBPATH: wait until the job reaches a final state and
# print it (done, spooled, failed, cancelled), or "timeout".
it_wait_job() {
	local s
	if [ -z "$2" ]; then
		echo "no-job"
		return 0
	fi
	for _ in $(seq 1 "${IT_JOB_TRIES:-600}"); do
		s=$(it_job_state "$1" "$2")
		case $s in
		done | spooled | failed | cancelled)
			printf '%s\n' "$s"
			return 0
			;;
		esac
		sleep 0.1
	done
	printf 'timeout(%s)\n' "$s"
}

# --- the spool as files and lists (the SMB and resumable upload tests) ---

# it_entries USER: the user's spool entry ids (u<uid>_<hex>), one a line.
it_entries() { ctl "$1" spool list 2>/dev/null | awk 'NR > 1 {print $1}'; }

# it_ticket UID ID: the ticket file of entry ID (u<uid>_<hex> or hex).
it_ticket() { printf '%s/spool/%s/%s.json\n' "$IT_DIR" "$1" "${2#*_}"; }

# it_tk FILE KEY.PATH: one field of a ticket (empty when absent).
it_tk() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$1" "$2" 2>/dev/null
}

# it_cut_scan USER SCAN_ARGS...: start `mfpscanctl scan SCAN_ARGS --no-wait`
# as USER (a scan of 2 pages or more), freeze the daemon once page 1 is
# committed and page 2 is being written, and kill it there, as a power cut
# would. Prints the pages the cut scan kept (0 when the scan ended first).
# Run it in $(...), then set IT_DAEMON_PID= and start the daemon again.
it_cut_scan() {
	local u=$1 uid dir end job seen=0
	shift
	uid=$(id -u "$u")
	job=$(ctl "$u" scan "$@" --no-wait 2>&1)
	[[ $job == /org/* ]] || { echo "no-job: $job"; return; }
	# Builtins only: a page is written in a fraction of a second.
	end=$((${EPOCHREALTIME/./} + 120000000))
	while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
		if compgen -G "$IT_DIR/spool/$uid/*.scan/0002.part" >/dev/null; then
			kill -STOP "$IT_DAEMON_PID"
			compgen -G "$IT_DIR/spool/$uid/*.scan/0002.part" >/dev/null && break
			kill -CONT "$IT_DAEMON_PID"
		fi
		if compgen -G "$IT_DIR/spool/$uid/*.scan" >/dev/null; then seen=1
		elif [ "$seen" = 1 ]; then break; fi	# the scan ended first
	done
	echo "cut: scan seen $seen, page 2 being written:" \
		"$(compgen -G "$IT_DIR/spool/$uid/*.scan/0002.part" || echo no)" >&2
	kill -KILL "$IT_DAEMON_PID"
	wait "$IT_DAEMON_PID" 2>/dev/null
	dir=$(compgen -G "$IT_DIR/spool/$uid/*.scan" | head -n 1)
	if [ -n "$dir" ]; then
		find "$dir" -name '[0-9][0-9][0-9][0-9].page' | wc -l
	else
		echo 0
	fi
}

# it_wait_gone USER ID: bounded wait until ID is no longer in USER's spool.
it_wait_gone() {
	for _ in $(seq 1 300); do
		it_entries "$1" | grep -qx "$2" || return 0
		sleep 0.1
	done
	return 1
}
