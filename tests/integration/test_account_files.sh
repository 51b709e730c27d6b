#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_account_files: the account files as the writer thread keeps them
# (accounts.h, retry.rst "Threads"), against the real daemon:
#  - a reply to CreateAccount, Update and Delete means the change is on
#    disk: the file holds it (or is gone) as soon as the call returns;
#  - parallel Updates of one account: each is answered, either done or
#    "still being saved" (Local), and at the end the file and the Folder
#    property agree (no write lost its place in the order);
#  - the {counter} of scanned documents is in the file before the name is
#    used, and goes on after a restart without reuse;
#  - temp files a crash left (durable.c's .tmp-NAME, older NAME.tmp) are
#    removed at start.
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl
A=$IT_ALICE
ACCDIR=$IT_DIR/state/accounts
dir=$(it_local_dir "$A")

# jget FILE KEY: a string or number of an account file.
jget() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>&1; }

out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' home local 2 folder s "$dir" \
	name-template s 'doc-{counter}' 0 2>&1)
ACC=$(it_busctl_path "$out")
ID=${ACC##*/}
check "CreateAccount answers with the account" test -n "$ID"
assert_eq "... whose file is on disk when it answers" "$dir" "$(jget "$ACCDIR/$ID.json" folder)"

mkdir -p "$dir/sub" && chown "$A:" "$dir/sub"
check "Update answers" bctl "$A" call "$IT_DEST" "$ACC" org.mfpscan.Daemon1.Account \
	Update 'a{sv}' 1 folder s "$dir/sub"
assert_eq "... and the file holds the change when it does" "$dir/sub" \
	"$(jget "$ACCDIR/$ID.json" folder)"

# --- parallel Updates of one account ------------------------------------------
for i in 1 2 3 4 5 6; do
	mkdir -p "$dir/p$i" && chown "$A:" "$dir/p$i"
done
pids=()
for i in 1 2 3 4 5 6; do
	bctl "$A" call "$IT_DEST" "$ACC" org.mfpscan.Daemon1.Account \
		Update 'a{sv}' 1 folder s "$dir/p$i" >"$IT_DIR/upd$i.out" 2>&1 &
	pids+=("$!")
done
wait "${pids[@]}"	# not the daemon, also a child of this shell
ok=0 busy=0 other=
for i in 1 2 3 4 5 6; do
	if [ ! -s "$IT_DIR/upd$i.out" ]; then
		ok=$((ok + 1))
	elif grep -q 'a change to this account is still being saved; try again' "$IT_DIR/upd$i.out"; then
		busy=$((busy + 1))
	else
		other+="$(cat "$IT_DIR/upd$i.out") "
	fi
done
assert_eq "6 parallel Updates: each done or 'still being saved' ($ok done, $busy busy)" \
	"" "$other"
check "... at least one was done" test "$ok" -ge 1
prop=$(bctl "$A" get-property "$IT_DEST" "$ACC" org.mfpscan.Daemon1.Account Folder 2>&1)
assert_eq "... and the file and the Folder property agree" "s \"$(jget "$ACCDIR/$ID.json" folder)\"" "$prop"

# --- the document counter -------------------------------------------------------
for n in 1 2; do
	ctl "$A" scan --to home --format png --resolution 75 --mode mono >/dev/null 2>&1
done
assert_eq "two documents counted in the file" 2 "$(jget "$ACCDIR/$ID.json" counter)"
it_stop_daemon
: >"$ACCDIR/.tmp-$ID.json"
: >"$ACCDIR/$ID.json.tmp"
it_start_daemon
check "a crash's .tmp-NAME is removed at start" test ! -e "$ACCDIR/.tmp-$ID.json"
check "... and an older version's NAME.tmp" test ! -e "$ACCDIR/$ID.json.tmp"
check "... saying so in the log" grep -q "removing half-written $ACCDIR/.tmp-$ID.json" \
	"$IT_DIR/daemon.log"
ctl "$A" scan --to home --format png --resolution 75 --mode mono >/dev/null 2>&1
folder=$(jget "$ACCDIR/$ID.json" folder)
check "after the restart the counter goes on: doc-0003-001.png" test -f "$folder/doc-0003-001.png"
assert_eq "... and no earlier number was used twice" "doc-0001-001.png doc-0002-001.png doc-0003-001.png" \
	"$(find "$dir" -name 'doc-*' -printf '%f\n' | sort | xargs)"

check "Delete answers" bctl "$A" call "$IT_DEST" "$ACC" org.mfpscan.Daemon1.Account Delete
check "... and the account's file is gone when it does" test ! -e "$ACCDIR/$ID.json"
it_daemon_alive "the same daemon answers at the end"
it_finish
