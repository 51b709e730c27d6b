# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# session.sh: a desktop session for the GUI tests, sourced after
# tests/integration/lib.sh (which gives the private system bus, the real
# daemon and the users). What a login would start, started by hand:
#
#   gui_start_x NAME WxH     an Xvfb screen; its DISPLAY in GUI_DISPLAY_<NAME>
#   gui_start_session USER   USER's home and runtime dir under the test dir
#                            and a session dbus-daemon run as USER (which
#                            activates the AT-SPI bus when an app asks)
#   gui_as USER DISPLAY CMD  CMD as USER in that session on that screen
#   gui_a11y_address USER    the AT-SPI bus address of USER's session
#
# Everything is stopped by lib.sh's cleanup (IT_BGPIDS) and the session
# buses by gui_stop_sessions (called from the test's EXIT trap).

GUI_SESSION_PIDS=()

# gui_start_x NAME WxH: start Xvfb on a free display number.
gui_start_x() {
	local name=$1 size=$2 fifo=$IT_DIR/x-$1.display n
	: >"$fifo"
	Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp -noreset \
		3>"$fifo" >"$IT_DIR/xvfb-$name.log" 2>&1 &
	IT_BGPIDS+=("$!")
	for _ in $(seq 1 200); do
		n=$(head -n 1 "$fifo" 2>/dev/null)
		[ -n "$n" ] && break
		sleep 0.05
	done
	[ -n "$n" ] || it_die "Xvfb $name did not start" "$(cat "$IT_DIR/xvfb-$name.log")"
	printf -v "GUI_DISPLAY_$name" ':%s' "$n"
}

# gui_home USER: USER's home for the session (created owned by USER).
gui_home() {
	printf '%s\n' "$IT_DIR/home/$1"
}

# gui_start_session USER: home, runtime dir and session bus of USER.
gui_start_session() {
	local u=$1 home run addr pid
	home=$(gui_home "$u")
	run=$IT_DIR/run/$u
	mkdir -p "$home/.config" "$run" "$home/Documents"
	chmod 0755 "$IT_DIR/home" "$IT_DIR/run"
	chown -R "$u:" "$home" "$run"
	chmod 0700 "$run"
	# dbus-daemon prints its address, then its pid, on one descriptor
	{ read -r addr; read -r pid; } < <(setpriv --reuid="$u" --regid="$u" \
		--init-groups env HOME="$home" XDG_RUNTIME_DIR="$run" \
		dbus-daemon --session --fork --address="unix:path=$run/bus" \
		--print-address=1 --print-pid=1)
	[ -n "$addr" ] || it_die "the session bus of $u did not start"
	GUI_SESSION_PIDS+=("$pid")
	printf -v "GUI_BUS_${u//-/_}" '%s' "$addr"
}

# gui_bus USER: USER's session bus address.
gui_bus() {
	local v="GUI_BUS_${1//-/_}"
	printf '%s\n' "${!v}"
}

# gui_as USER DISPLAY CMD...: run CMD as USER in USER's session.
gui_as() {
	local u=$1 display=$2 home
	shift 2
	home=$(gui_home "$u")
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i PATH=/usr/bin:/bin HOME="$home" USER="$u" LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="$IT_DIR/run/$u" XDG_CONFIG_HOME="$home/.config" \
		XDG_DATA_DIRS="${GUI_DATA_DIRS:-/usr/local/share:/usr/share}" \
		DISPLAY="$display" GDK_BACKEND=x11 GSETTINGS_BACKEND=memory \
		DBUS_SESSION_BUS_ADDRESS="$(gui_bus "$u")" \
		DBUS_SYSTEM_BUS_ADDRESS="$IT_BUS_ADDR" "$@"
}

# gui_a11y_address USER: the AT-SPI bus of USER's session (started on
# demand by the session bus); root may connect to it (at-spi2-core's
# accessibility.conf allows root).
gui_a11y_address() {
	gui_as "$1" "${2:-}" dbus-send --session --print-reply --dest=org.a11y.Bus \
		/org/a11y/bus org.a11y.Bus.GetAddress 2>/dev/null |
		sed -n 's/^ *string "\(.*\)"$/\1/p'
}

# gui_session_procs: the pids of every process left of this test's
# sessions: the users' processes whose environment carries a runtime dir
# under this test's directory (the session buses, what they activated and
# what those started in turn: at-spi-bus-launcher, the AT-SPI bus's own
# dbus-daemon, at-spi2-registryd, the apps). Other tests' sessions of the
# same users have other directories and are not listed.
gui_session_procs() {
	local d pid uid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		uid=$(stat -c %u "$d" 2>/dev/null) || continue
		[ "$uid" = "$IT_ALICE_UID" ] || [ "$uid" = "$IT_BOB_UID" ] || continue
		tr '\0' '\n' 2>/dev/null <"$d/environ" |
			grep -qxF -e "XDG_RUNTIME_DIR=$IT_DIR/run/$IT_ALICE" \
			-e "XDG_RUNTIME_DIR=$IT_DIR/run/$IT_BOB" && printf '%s\n' "$pid"
	done
}

# gui_stop_sessions: stop the session buses and everything they
# activated, also what was reparented to init once its launcher went (the
# AT-SPI bus's dbus-daemon and registry outlive at-spi-bus-launcher):
# TERM, a bounded wait, then KILL, all by pid.
gui_stop_sessions() {
	local p left
	for p in "${GUI_SESSION_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in $(gui_session_procs); do kill -TERM "$p" 2>/dev/null || true; done
	for _ in $(seq 1 50); do
		left=$(gui_session_procs)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
}
