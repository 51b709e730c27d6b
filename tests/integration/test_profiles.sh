#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_profiles: panel profiles over the bus, with the pattern engine. alice
# assigns profile 1 to her local account; bob cannot take it, clear it or
# see it; ListProfiles shows each user their own (root: all); Trigger is
# root's (udev's) only and starts a job owned by alice whose document lands
# in alice's folder; an unassigned profile is NotFound, logged, and the
# daemon stays alive; bad input is refused clearly; the store survives a
# restart; mfpscanctl profile set/list/clear and trigger do the same; a
# write the disk refuses is the call's error and changes nothing.
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl

A=$IT_ALICE
B=$IT_BOB
LOG=$IT_DIR/daemon.log
adir=$(it_local_dir "$A")
bdir=$(it_local_dir "$B")
ACC=$(it_create_local "$A" home "$adir") || it_die "alice's account"
BACC=$(it_create_local "$B" home "$bdir") || it_die "bob's account"

# pm USER METHOD SIG PYARGS: a Manager call with python3-dbus, which prints
# the D-Bus error name of a refusal (busctl prints only the message).
pm() {
	pycall "$1" "$IT_PATH" "$IT_MGR" "$2" "$3" "$4"
}

# --- AssignProfile ---------------------------------------------------------
check "alice assigns profile 1 to her account" \
	mgr "$A" AssignProfile 'uoa{sv}' 1 "$ACC" 3 format s png resolution u 75 \
	color-mode s gray
check_error "bob cannot take alice's profile 1" 'Error.AccessDenied' \
	pm "$B" AssignProfile 'uoa{sv}' "(U(1), '$BACC', {})"
check_error "bob cannot assign alice's account" 'Error.NotFound' \
	pm "$B" AssignProfile 'uoa{sv}' "(U(2), '$ACC', {})"
check "bob assigns profile 2 to his own account" \
	mgr "$B" AssignProfile 'uoa{sv}' 2 "$BACC" 1 format s pdf
check "alice re-assigns her profile 1 (new settings)" \
	mgr "$A" AssignProfile 'uoa{sv}' 1 "$ACC" 3 format s png resolution u 75 \
	color-mode s color

# --- ListProfiles ------------------------------------------------------------
out=$(mgr "$A" ListProfiles)
assert_match "alice lists her profile 1" "^a\(uos\) 1 1 \"$ACC\" \"color-mode=color resolution=75 format=png\"" "$out"
assert_no_match "alice does not see bob's profile" "$BACC| 2 " "$out"
out=$(mgr "$B" ListProfiles)
assert_match "bob lists only his profile 2" "^a\(uos\) 1 2 \"$BACC\"" "$out"
out=$(mgr root ListProfiles)
assert_match "root lists every profile" "^a\(uos\) 2 1 .* 2 " "$out"

# --- bad input -----------------------------------------------------------------
check_error "profile 0 is refused" 'Error.InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(0), '$ACC', {})"
check_error "profile 100 is refused" 'Error.InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(100), '$ACC', {})"
check_error "an unknown option is refused" 'Error.InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(3), '$ACC', {'colour': 'gray'})"
check_error "a bad option value is refused" 'Error.InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(3), '$ACC', {'resolution': U(1)})"
check_error "a string resolution is refused" 'Error.InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(3), '$ACC', {'resolution': '300'})"
check_error "a missing account is NotFound" 'Error.NotFound' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(3), '/org/mfpscan/Daemon1/account/nope', {})"
check_error "wrong argument types are refused" 'InvalidArgs' \
	pm "$A" AssignProfile 'so' "('x', '$ACC')"
check_error "a wrong option type is refused" 'InvalidArgument' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(3), '$ACC', {'format': dbus.Array(['pdf'], signature='s')})"
out=$(pycall "$A" "$IT_PATH" "$IT_MGR" AssignProfile 'uoa{sv}' \
	"(U(4), '$ACC', {'name': BIG})" 2>&1)
assert_match "a 1 MiB job name is refused" 'InvalidArgument' "$out"
out=$(mgr root ListProfiles)
assert_no_match "refused assignments left nothing behind" ' (0|3|4|100) "' "$out"

# --- Trigger -------------------------------------------------------------------
check_error "alice may not press the button" 'Error.AccessDenied' \
	pm "$A" Trigger su "('', U(1))"
check_error "bob may not press the button" 'Error.AccessDenied' \
	pm "$B" Trigger su "('', U(1))"
out=$(mgr root Trigger su "" 1)
JOB=$(it_busctl_path "$out")
assert_match "root's Trigger of profile 1 starts a job" '^/org/mfpscan/Daemon1/job/' "$JOB"
assert_eq "the profile's job ends done" "done" "$(it_wait_job "$A" "$JOB")"
owner=$(bctl "$A" get-property "$IT_DEST" "$JOB" org.mfpscan.Daemon1.Job Owner)
assert_eq "the job is owned by alice" "u $IT_ALICE_UID" "$owner"
acc=$(bctl "$A" get-property "$IT_DEST" "$JOB" org.mfpscan.Daemon1.Job Account)
assert_eq "the job uses alice's account" "o \"$ACC\"" "$acc"
out=$(mgr "$A" ListJobs)
assert_match "alice's ListJobs has the job" "$JOB" "$out"
out=$(mgr "$B" ListJobs)
assert_no_match "bob's ListJobs does not" "$JOB" "$out"
f=$(find "$adir" -type f -name '*.png' | head -n 1)
check "the document lands in alice's folder" test -s "$f"
assert_eq "and it belongs to nobody else's folder" "" \
	"$(find "$bdir" -type f | head -n 1)"
check "the document is a PNG" sh -c "file -b '$f' | grep -q '^PNG image data, .* 8-bit/color RGB'"
check "the trigger is logged with the job" \
	grep -q "panel profile 1 on the default device: job $JOB for uid $IT_ALICE_UID" "$LOG"
check_fails "bob cannot read alice's job" \
	bctl "$B" get-property "$IT_DEST" "$JOB" org.mfpscan.Daemon1.Job State

out=$(mgr root Trigger su "" 2)
JOB2=$(it_busctl_path "$out")
assert_eq "bob's profile 2 runs as bob" "done" "$(it_wait_job "$B" "$JOB2")"
check "bob's document is a PDF in his folder" \
	sh -c "find '$bdir' -type f -name '*.pdf' | grep -q ."

check_error "an unassigned profile is NotFound" 'Error.NotFound' \
	pm root Trigger su "('', U(7))"
check "the unassigned profile is logged" \
	grep -q "panel profile 7 is not assigned" "$LOG"
check_error "profile 0 cannot be triggered" 'Error.InvalidArgument' \
	pm root Trigger su "('', U(0))"
check_error "an unknown engine is NoDevice" 'Error.NoDevice' \
	pm root Trigger su "('mfpscan9', U(1))"
check_error "a path as engine is NoDevice" 'Error.NoDevice' \
	pm root Trigger su "('../../etc/passwd', U(1))"
check "a configured device name is an engine" mgr root Trigger su default 1
it_daemon_alive "the daemon is alive after the refused triggers"

# A profile whose account was deleted since is refused, logged, harmless.
tdir=$(it_local_dir "$A")/tmp
mkdir -p "$tdir" && chown "$A:" "$tdir"
TACC=$(it_create_local "$A" tmp "$tdir") || it_die "alice's second account"
check "alice assigns profile 6 to her second account" \
	mgr "$A" AssignProfile 'uoa{sv}' 6 "$TACC" 0
check "alice deletes that account" \
	bctl "$A" call "$IT_DEST" "$TACC" org.mfpscan.Daemon1.Account Delete
check_error "the profile of a deleted account is NotFound" 'Error.NotFound' \
	pm root Trigger su "('', U(6))"
check "the deleted account is logged" \
	grep -q "panel profile 6: its account $TACC no longer exists" "$LOG"
it_daemon_alive "the daemon is alive after the deleted account's profile"
check "alice clears the orphaned profile 6" mgr "$A" ClearProfile u 6

# --- ClearProfile ------------------------------------------------------------------
check_error "bob cannot clear alice's profile" 'Error.AccessDenied' \
	pm "$B" ClearProfile u "U(1)"
check_error "clearing an unassigned profile is NotFound" 'Error.NotFound' \
	pm "$A" ClearProfile u "U(9)"
check_error "clearing profile 100 is InvalidArgument" 'Error.InvalidArgument' \
	pm "$A" ClearProfile u "U(100)"

# --- the store survives a restart ---------------------------------------------------
check "profiles.json is root-only" \
	sh -c "stat -c %a '$IT_DIR/state/profiles.json' | grep -qx 600"
it_stop_daemon
it_start_daemon
out=$(mgr "$A" ListProfiles)
assert_match "alice's profile 1 is back after a restart" "^a\(uos\) 1 1 \"$ACC\" \"color-mode=color resolution=75 format=png\"" "$out"
check "alice clears her profile 1" mgr "$A" ClearProfile u 1
check_error "a cleared profile is not assigned" 'Error.NotFound' \
	pm root Trigger su "('', U(1))"

# --- mfpscanctl ------------------------------------------------------------------------
check "mfpscanctl profile set" \
	ctl "$A" profile set 5 --to home --format jpeg --resolution 75 --mode gray
out=$(ctl "$A" profile list 2>&1)
assert_match "mfpscanctl profile list shows it" '^5 +home +color-mode=gray resolution=75 format=jpeg' "$out"
check_error "mfpscanctl profile set of bob's profile fails" 'AccessDenied' \
	ctl "$A" profile set 2 --to home
check_exit "mfpscanctl profile set without --to is a usage error" 64 \
	ctl "$A" profile set 5
check_exit "mfpscanctl profile set with a bad number is a usage error" 64 \
	ctl "$A" profile set five --to home
check_error "mfpscanctl trigger as alice is refused" 'AccessDenied' \
	ctl "$A" trigger --profile 5
out=$(ctl root trigger --profile 5 2>&1)
JOB5=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[A-Za-z0-9_]*' | head -n 1)
assert_eq "mfpscanctl trigger's job ends done" "done" "$(it_wait_job "$A" "$JOB5")"
check "its JPEG is in alice's folder" \
	sh -c "find '$adir' -type f -name '*.jp*g' | grep -q ."
check_exit "mfpscanctl trigger of an unassigned profile fails" 1 \
	ctl root trigger --device default --profile 8
check "mfpscanctl trigger --no-wait returns at once" \
	ctl root trigger --profile 5 --no-wait
check "mfpscanctl profile clear" ctl "$A" profile clear 5
out=$(ctl "$A" profile list 2>&1)
assert_no_match "the cleared profile is gone" '^5 ' "$out"

# --- a change the disk refuses --------------------------------------------------
# The writer thread writes the store; its failure is the call's answer and
# the change is not adopted. A directory where the file goes makes the
# rename fail for any user, root included.
PJ=$IT_DIR/state/profiles.json
mv "$PJ" "$PJ.keep"
mkdir -p "$PJ/block"
check_error "an assignment the disk refuses is answered with the error" 'Error.Local' \
	pm "$A" AssignProfile 'uoa{sv}' "(U(6), '$ACC', {})"
out=$(mgr root ListProfiles)
assert_no_match "the refused assignment is not adopted" ' 6 "' "$out"
rm -r "$PJ"
mv "$PJ.keep" "$PJ"
check "the next assignment is written" \
	mgr "$A" AssignProfile 'uoa{sv}' 6 "$ACC" 0
check "... and cleared" mgr "$A" ClearProfile u 6
it_daemon_alive "the daemon is alive at the end"
it_finish
