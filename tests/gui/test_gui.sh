#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_gui: mfpscan-panel and mfpscan-notify used as a person would, in a
# real session: Xvfb screens (desktop 1280x800 and an MFP's 800x480), a
# session dbus-daemon per user with the AT-SPI bus, the dunst
# notification daemon, the private system-like bus with the real
# mfpscand, a real WebDAV server (Apache) whose disk is a full tmpfs, and
# two real users. tests/gui/scenario.py clicks through the panel with
# AT-SPI (see its header) and saves a screenshot of each screen under
# build/screenshots/ (refused when blank). bob's panel shows none of
# alice's accounts or waiting scans. The daemon's notices of a real failed
# upload and of its delivery after a retry are listed in the panel, live
# and at its start, and dismissed there (ListNotices is empty after); at
# the end the daemon retries in the background and the panel follows.
# GUI_DISPLAY_desk and GUI_DISPLAY_panel are set by gui_start_x (printf -v).
# shellcheck disable=SC2154
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"
# shellcheck source=tests/gui/session.sh
. "$here/session.sh"
it_init
trap 'gui_stop_sessions; it_cleanup' EXIT

A=$IT_ALICE
B=$IT_BOB
SHOTS=$IT_TOP/build/screenshots
XSHOT=$IT_TOP/build/gui/xshot
PANEL=$IT_DIR/bin/mfpscan-panel
NOTIFY=$IT_DIR/bin/mfpscan-notify
PY=/usr/bin/python3	# Debian's, which has pyatspi (not a pyenv one)

for p in mfpscan-panel mfpscan-notify; do
	bin=$(it_find_prog "$p")
	[ -n "$bin" ] || it_die "$p not built (make -C usr)"
	install -m 0755 "$bin" "$IT_DIR/bin/$p"
done
[ -x "$XSHOT" ] || it_die "$XSHOT not built (make check-gui builds it)"
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

it_start_bus
# shellcheck disable=SC2034 # read by it_write_config
IT_RETRY_INITIAL=3600	# only "Retry Now" may upload during the test
it_write_config ""
# A leftover of an interrupted scan in alice's spool: the daemon keeps it
# in orphans/ at start and keeps a notice for her while no session of
# hers exists (the daemon gives the tree to its user at start).
mkdir -p "$IT_DIR/spool/$IT_ALICE_UID/tmp"
chmod 0700 "$IT_DIR/spool/$IT_ALICE_UID" "$IT_DIR/spool/$IT_ALICE_UID/tmp"
printf 'half a page\n' >"$IT_DIR/spool/$IT_ALICE_UID/tmp/leftover.doc"
it_start_daemon
it_start_dav 256
FULL=$DAV_ROOT/full
ADIR=$(it_local_dir "$A")

gui_start_x desk 1280x800
gui_start_x panel 800x480
gui_start_session "$A"
gui_start_session "$B"

# What the person chose last time: small scans, so the test is quick.
mkdir -p "$(gui_home "$A")/.config/mfpscan"
printf '[scan]\nresolution=75\ncolor-modes=mono\nformats=pdf\n' \
	>"$(gui_home "$A")/.config/mfpscan/panel.ini"
chown -R "$A:" "$(gui_home "$A")/.config"

# alice's session on the desktop screen: notification daemon, agent, panel.
cat >"$IT_DIR/bin/as-alice" <<SH
#!/bin/bash
. "$here/../integration/lib.sh"
. "$here/session.sh"
IT_DIR=$IT_DIR IT_BUS_ADDR=$IT_BUS_ADDR
GUI_BUS_${A//-/_}=$(gui_bus "$A")
gui_as "$A" "$GUI_DISPLAY_desk" "\$@"
SH
chmod 0755 "$IT_DIR/bin/as-alice"
it_bg gui_as "$A" "$GUI_DISPLAY_desk" dunst >"$IT_DIR/dunst.log" 2>&1
it_bg gui_as "$A" "$GUI_DISPLAY_desk" "$NOTIFY" --panel "$PANEL" \
	>"$IT_DIR/notify.log" 2>&1
NOTIFY_BG=${IT_BGPIDS[-1]}
it_bg gui_as "$A" "$GUI_DISPLAY_desk" "$PANEL" >"$IT_DIR/panel.log" 2>&1
PANEL_BG=${IT_BGPIDS[-1]}

# The notice kept while she was away is on her desktop when the agent
# starts; a click on it acknowledges it.
notice_shown() {
	gui_as "$A" "$GUI_DISPLAY_desk" dunstctl history 2>/dev/null |
		grep -q 'Files of your scans were kept after an interruption'
}
# (Nothing else notifies her yet: the one displayed is the agent's.)
shown=no
for _ in $(seq 1 300); do
	if gui_as "$A" "$GUI_DISPLAY_desk" dunstctl count displayed 2>/dev/null |
		grep -q '^1$'; then shown=yes; break; fi
	sleep 0.1
done
assert_eq "the agent shows alice a notification at its start" yes "$shown"
assert_match "it names the file kept in orphans/" "leftover.doc" \
	"$(mgr "$A" ListNotices 2>&1)"
gui_as "$A" "$GUI_DISPLAY_desk" dunstctl action 0 >/dev/null 2>&1
acked=no
for _ in $(seq 1 100); do
	[ "$(mgr "$A" ListNotices 2>&1)" = "a(tsxsu) 0" ] && { acked=yes; break; }
	sleep 0.1
done
assert_eq "clicking it acknowledges it (ListNotices is empty)" yes "$acked"
gui_as "$A" "$GUI_DISPLAY_desk" dunstctl close-all >/dev/null 2>&1
check "it was the notice kept while she was away (dunst's history)" notice_shown

A11Y=$(gui_a11y_address "$A")
[ -n "$A11Y" ] || it_die "no AT-SPI bus in alice's session"

# run_scenario PHASE DISPLAY A11Y: the person's steps; their checks are
# counted here.
run_scenario() {
	local out line
	out=$(env AT_SPI_BUS_ADDRESS="$3" GUI_SHOTS="$SHOTS" GUI_XSHOT="$XSHOT" \
		GUI_DISPLAY="$2" ALICE_DIR="$ADIR" DAV_URL="$DAV_URL" \
		DAV_USER="$DAV_USER" DAV_PASSWORD="$DAV_PASSWORD" DAV_FULL="$FULL" \
		GUI_AS_ALICE="$IT_DIR/bin/as-alice" \
		GUI_PREFS="$(gui_home "$A")/.config/mfpscan/panel.ini" \
		GUI_HOME="$(gui_home "$A")" GUI_SPOOL="$IT_DIR/spool/$IT_ALICE_UID" \
		timeout 600 "$PY" "$here/scenario.py" "$1" 2>&1)
	while IFS= read -r line; do
		case $line in
		"ok   "*) pass "$1: ${line#ok   }" ;;
		"FAIL "*) fail "$1: ${line#FAIL }" "$(printf '%s\n' "$out" |
			grep -F -A1 -- "$line" | sed -n '2s/^     //p')" ;;
		esac
	done <<<"$out"
	printf '%s\n' "$out" | grep -qE '^[0-9]+ passed, [0-9]+ failed$' ||
		fail "$1: the scenario finished" "$(printf '%s\n' "$out" | tail -n 20)"
}

run_scenario desktop "$GUI_DISPLAY_desk" "$A11Y"
assert_eq "the panel's Dismiss acknowledged the notices (ListNotices is empty)" \
	"a(tsxsu) 0" "$(mgr "$A" ListNotices 2>&1)"

# The daemon restarts (an update, a crash): the agent must find it again.
it_stop_daemon
it_start_daemon
run_scenario after-restart "$GUI_DISPLAY_desk" "$A11Y"
check "the agent saw the daemon come back" \
	it_wait_for "$IT_DIR/notify.log" 'the scan service \(re\)started' 10

# Two more notices for her, each of files kept after an interruption (a
# leftover in her spool's tmp/ at a start), so that the kiosk panel starts
# with three listed: the Scan button must stay on its 800x480 screen.
for n in 1 2; do
	it_stop_daemon
	printf 'half a page\n' >"$IT_DIR/spool/$IT_ALICE_UID/tmp/leftover-$n.doc"
	it_start_daemon
done
assert_match "she has three notices or more before the kiosk panel starts" \
	"^a\\(tsxsu\\) ([3-9]|[1-9][0-9]) " "$(mgr "$A" ListNotices 2>&1)"

# The same person at the MFP: the panel full screen at 800x480.
stop_panel() {
	pkill -TERM -P "$PANEL_BG" 2>/dev/null
	wait "$PANEL_BG" 2>/dev/null
}
stop_panel
it_bg gui_as "$A" "$GUI_DISPLAY_panel" "$PANEL" --kiosk >>"$IT_DIR/panel.log" 2>&1
PANEL_BG=${IT_BGPIDS[-1]}
run_scenario kiosk "$GUI_DISPLAY_panel" "$A11Y"
assert_eq "the notice listed at the panel's start was acknowledged" \
	"a(tsxsu) 0" "$(mgr "$A" ListNotices 2>&1)"
assert_file_lacks "the panel stored no password in its settings" \
	"$DAV_PASSWORD" "$(gui_home "$A")/.config/mfpscan/panel.ini"

# bob's panel on the same daemon, in his own session.
stop_panel
it_bg gui_as "$B" "$GUI_DISPLAY_panel" "$PANEL" --kiosk >"$IT_DIR/panel-bob.log" 2>&1
run_scenario bob "$GUI_DISPLAY_panel" "$(gui_a11y_address "$B")"

# The background retry: the daemon again, retrying after a few seconds;
# alice's panel on the desktop again.
it_stop_daemon
IT_RETRY_INITIAL=1
it_write_config ""
it_start_daemon
it_bg gui_as "$A" "$GUI_DISPLAY_desk" "$PANEL" >>"$IT_DIR/panel.log" 2>&1
run_scenario background "$GUI_DISPLAY_desk" "$A11Y"
check "the background retry sent it (the daemon's log)" \
	grep -Eq "spooled document $IT_ALICE_UID/[^ ]+ uploaded" "$IT_DIR/daemon.log"
assert_eq "Dismiss All acknowledged both notices" "a(tsxsu) 0" \
	"$(mgr "$A" ListNotices 2>&1)"

# The agent's own title and the daemon's words for a kept scan, one that
# needs attention and one sent after a retry: one document, kept on the
# full server, retried by hand while it is still full (the one retry
# allowed is spent), then once space is freed. The agent shows the notices
# not yet seen when it starts.
it_need_ctl
it_stop_daemon
IT_RETRY_INITIAL=3600	# only the Retry calls below upload
IT_RETRY_COUNT=1
it_write_config ""
it_start_daemon
fill_dav() {
	local bs
	for bs in 65536 1; do
		dd if=/dev/zero of="$FULL/filler" bs=$bs oflag=append \
			conv=notrunc status=none 2>/dev/null
	done
}
# has_notice KIND: alice has a notice of KIND not yet acknowledged.
has_notice() { mgr "$A" ListNotices 2>&1 | grep -q "\"$1\""; }
wait_notice() {
	for _ in $(seq 1 300); do has_notice "$1" && return 0; sleep 0.1; done
	return 1
}
fill_dav
ctl "$A" scan --to Nextcloud --format pdf --resolution 75 --name agent \
	>/dev/null 2>&1 && rc=0 || rc=$?
assert_eq "a scan to the full server is kept (exit 2)" 2 "$rc"
KEPT=$(mgr "$A" ListSpool | grep -o '"/org/[^"]*"' | head -n 1 | tr -d '"')
check_fails "Retry while it is still full fails (the one retry spent)" \
	bctl "$A" call "$IT_DEST" "$KEPT" org.mfpscan.Daemon1.SpoolEntry Retry
check "... and the document needs her attention (a notice)" \
	wait_notice needs-attention
rm -f "$FULL/filler"
check "Retry once space is freed sends it" \
	bctl "$A" call "$IT_DEST" "$KEPT" org.mfpscan.Daemon1.SpoolEntry Retry
check "... and the notice says it was sent after a retry" \
	wait_notice sent-after-retry
pkill -TERM -P "$NOTIFY_BG" 2>/dev/null
wait "$NOTIFY_BG" 2>/dev/null
gui_as "$A" "$GUI_DISPLAY_desk" dunstctl close-all >/dev/null 2>&1
it_bg gui_as "$A" "$GUI_DISPLAY_desk" "$NOTIFY" --panel "$PANEL" \
	>>"$IT_DIR/notify.log" 2>&1
# notified TITLE WORDS: dunst showed alice a notification called TITLE
# whose body has WORDS (the displayed ones are closed into the history).
notified() {
	gui_as "$A" "$GUI_DISPLAY_desk" dunstctl close-all >/dev/null 2>&1
	gui_as "$A" "$GUI_DISPLAY_desk" dunstctl history 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)["data"][0]
sys.exit(not any(n["summary"]["data"] == sys.argv[1] and
                 sys.argv[2] in n["body"]["data"] for n in h))' "$1" "$2"
}
wait_notified() {
	for _ in $(seq 1 100); do notified "$1" "$2" && return 0; sleep 0.1; done
	return 1
}
check "the restarted agent shows the kept notice under its own title" \
	wait_notified "A scan of yours was kept and will be sent again" \
	"Kept: storage full"
check "... the one that needs attention under its own" \
	wait_notified "A kept scan of yours needs your attention" \
	"after every automatic attempt"
check "... and the one sent after a retry under its own" \
	wait_notified "A kept scan of yours was sent after a retry" \
	"reached Nextcloud"
check "no notice of those kinds is left under the generic title" \
	test "$(gui_as "$A" "$GUI_DISPLAY_desk" dunstctl history 2>/dev/null |
		grep -c 'Notices about your scans')" = 0

it_daemon_alive "the daemon still answers"

# What make install lays out for the session apps, and that it is valid.
dest=$IT_DIR/root
check "make -C usr install puts both programs in \$PREFIX/bin" \
	make -s -C "$IT_TOP/usr" install DESTDIR="$dest" PREFIX=/usr
check "scripts/install.sh installs the data files" \
	bash "$IT_TOP/scripts/install.sh" "$dest" /usr
for f in usr/bin/mfpscan-panel usr/bin/mfpscan-notify \
	usr/share/applications/org.mfpscan.Panel.desktop \
	usr/share/icons/hicolor/scalable/apps/org.mfpscan.Panel.svg \
	usr/share/metainfo/org.mfpscan.Panel.metainfo.xml \
	etc/xdg/autostart/org.mfpscan.Notify.desktop \
	usr/lib/systemd/user/mfpscan-notify.service \
	usr/share/man/man1/mfpscan-panel.1 usr/share/man/man1/mfpscan-notify.1; do
	check "installs /$f" test -s "$dest/$f"
done
check "the desktop entries are valid" desktop-file-validate \
	"$dest/usr/share/applications/org.mfpscan.Panel.desktop" \
	"$dest/etc/xdg/autostart/org.mfpscan.Notify.desktop"
check "the AppStream metadata is valid" appstreamcli validate --no-net \
	"$dest/usr/share/metainfo/org.mfpscan.Panel.metainfo.xml"
assert_match "the user unit starts the installed agent" \
	'^ExecStart=/usr/bin/mfpscan-notify$' \
	"$(grep ExecStart "$dest/usr/lib/systemd/user/mfpscan-notify.service")"
check "the man pages render" sh -c "man -l '$dest/usr/share/man/man1/mfpscan-panel.1' \
	'$dest/usr/share/man/man1/mfpscan-notify.1' >/dev/null"

# The sessions end: nothing of them may be left behind (the AT-SPI bus and
# registry were once left running after every run).
regs=$(for p in $(gui_session_procs); do cat "/proc/$p/comm" 2>/dev/null; done)
assert_match "the sessions had an AT-SPI registry running" 'at-spi2-registr' "$regs"
gui_stop_sessions
for p in "${IT_BGPIDS[@]}"; do
	pkill -TERM -P "$p" 2>/dev/null || true
	kill "$p" 2>/dev/null || true
done
left=
for _ in $(seq 1 50); do
	left=$(gui_session_procs)
	[ -z "$left" ] && break
	sleep 0.1
done
assert_eq "no process of the test users' sessions is left" "" \
	"$(for p in $left; do ps -o pid=,user=,args= -p "$p"; done)"
it_finish
