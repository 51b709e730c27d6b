#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_isolation: a user sees and touches only their own accounts, jobs
# and spool entries. Alice and Bob each get a local account, a finished job
# and a spooled document (a WebDAV account whose server is down); then each
# listing (ListDestinations, ListJobs, ListSpool, GetManagedObjects,
# Introspect, busctl tree) is checked for the other's objects, and every
# method and property of the other's account, job and spool paths is called
# and must fail without changing anything. root administers all.
set -u
. "$(dirname "$0")/lib.sh"
it_setup

A=$IT_ALICE
B=$IT_BOB
ACC_IF=org.mfpscan.Daemon1.Account
JOB_IF=org.mfpscan.Daemon1.Job
SP_IF=org.mfpscan.Daemon1.SpoolEntry
PROPS_IF=org.freedesktop.DBus.Properties
# What a refused foreign path may answer: it does not exist for this user,
# or access is denied. Never success, never InvalidArgs.
DENY='org.freedesktop.DBus.Error.UnknownObject|org.mfpscan.Daemon1.Error.AccessDenied|org.mfpscan.Daemon1.Error.NotFound|org.freedesktop.DBus.Error.UnknownInterface|org.freedesktop.DBus.Error.UnknownMethod'

# make_objects USER: local account, done job, spooled entry; sets
# ACC_<u> JOB_<u> DOWN_<u> SPOOL_<u>.
make_objects() {
	local u=$1 tag=$2 dir out job entry down
	dir=$(it_local_dir "$u")
	ACC=$(it_create_local "$u" "home-$tag" "$dir") ||
		it_die "$u cannot create a local account"
	out=$(mgr "$u" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75)
	job=$(it_busctl_path "$out")
	assert_eq "$u's scan to the local account is done" "done" \
		"$(it_wait_job "$u" "$job")"
	out=$(mgr "$u" CreateAccount 'ssa{sv}a{sv}' "down-$tag" webdav \
		3 url s http://127.0.0.1:1/dav username s "$tag" allow-insecure-http s yes \
		1 password s "pw-$tag-not-here")
	down=$(it_busctl_path "$out")
	[ -n "$down" ] || it_die "$u cannot create a webdav account" "$out"
	out=$(mgr "$u" Scan 'oa{sv}' "$down" 2 format s png resolution u 75)
	assert_eq "$u's scan to a server that is down is spooled" spooled \
		"$(it_wait_job "$u" "$(it_busctl_path "$out")")"
	entry=$(mgr "$u" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
	[ -n "$entry" ] || it_die "$u has no spool entry" "$(tail "$IT_DIR/daemon.log")"
	JOB=$job DOWN=$down SPOOL=$entry
}

make_objects "$A" alice
ACC_A=$ACC JOB_A=$JOB DOWN_A=$DOWN SPOOL_A=$SPOOL
make_objects "$B" bob
ACC_B=$ACC JOB_B=$JOB DOWN_B=$DOWN SPOOL_B=$SPOOL

# --- listings -----------------------------------------------------------
for pair in "$A:$B" "$B:$A"; do
	me=${pair%%:*} other=${pair##*:}
	if [ "$me" = "$A" ]; then
		mine="$ACC_A $JOB_A $SPOOL_A"; theirs="$ACC_B $DOWN_B $JOB_B $SPOOL_B"
	else
		mine="$ACC_B $JOB_B $SPOOL_B"; theirs="$ACC_A $DOWN_A $JOB_A $SPOOL_A"
	fi
	lists="$(mgr "$me" ListDestinations) $(mgr "$me" ListJobs) $(mgr "$me" ListSpool)"
	om=$(bctl "$me" call "$IT_DEST" "$IT_PATH" \
		org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)
	tree=$(bctl "$me" tree "$IT_DEST" 2>&1)
	nodes=""
	for sub in account job spool; do
		nodes="$nodes $(bctl "$me" introspect --xml-interface "$IT_DEST" \
			"$IT_PATH/$sub" 2>&1)"
	done
	for p in $mine; do
		assert_match "$me lists own $p" "$p" "$lists"
		assert_match "$me's GetManagedObjects has own $p" "$p" "$om"
		assert_match "$me's busctl tree has own $p" "$p" "$tree"
	done
	for p in $theirs; do
		assert_no_match "$me's lists lack $other's $p" "$p\b" "$lists"
		assert_no_match "$me's GetManagedObjects lacks $other's $p" "$p\b" "$om"
		assert_no_match "$me's busctl tree lacks $other's $p" "$p\b" "$tree"
		assert_no_match "$me's introspection lacks $other's node ${p##*/}" \
			"node name=\"${p##*/}\"" "$nodes"
	done
	assert_no_match "$me's GetManagedObjects lacks $other's uid" \
		"\"Owner\" u $(id -u "$other")\b" "$om"
	assert_no_match "$me's ListDestinations lacks $other's account names" \
		"home-$( [ "$other" = "$A" ] && echo alice || echo bob)" \
		"$(mgr "$me" ListDestinations)"
done

# --- every member of Bob's view of Alice's objects fails ----------------
# deny NAME CMD...: CMD fails with one of $DENY.
deny() { check_error "$1" "$DENY" "${@:2}"; }
ds() { dsend "$B" --dest="$IT_DEST" "$@"; }

for prop in Name Type Url Username Folder NameTemplate NotifyEmail Owner; do
	deny "bob cannot Get alice's account $prop" \
		ds "$ACC_A" $PROPS_IF.Get string:$ACC_IF string:$prop
done
deny "bob cannot GetAll alice's account" ds "$ACC_A" $PROPS_IF.GetAll string:$ACC_IF
deny "bob cannot Set alice's account Name" \
	ds "$ACC_A" $PROPS_IF.Set string:$ACC_IF string:Name variant:string:x
deny "bob cannot Introspect alice's account" \
	ds "$ACC_A" org.freedesktop.DBus.Introspectable.Introspect
out=$(ds "$ACC_A" org.freedesktop.DBus.Introspectable.Introspect 2>&1)
assert_no_match "alice's account introspection shows bob no Account interface" \
	"$ACC_IF" "$out"
deny "bob cannot Update alice's account" pycall "$B" "$ACC_A" $ACC_IF Update \
	'a{sv}' '{"folder": "/tmp"}'
deny "bob cannot SetSecrets on alice's account" pycall "$B" "$ACC_A" $ACC_IF \
	SetSecrets 'a{sv}' '{"password": "stolen"}'
deny "bob cannot Check alice's account" ds "$ACC_A" $ACC_IF.Check
deny "bob cannot Delete alice's account" ds "$ACC_A" $ACC_IF.Delete
deny "bob cannot Scan to alice's account" pycall "$B" "$IT_PATH" "$IT_MGR" \
	Scan 'oa{sv}' "('$ACC_A', {'format': 'png', 'resolution': U(75)})"

for prop in State Owner Account Pages BytesScanned BytesUploaded RemoteUrl Error; do
	deny "bob cannot Get alice's job $prop" \
		ds "$JOB_A" $PROPS_IF.Get string:$JOB_IF string:$prop
done
deny "bob cannot GetAll alice's job" ds "$JOB_A" $PROPS_IF.GetAll string:$JOB_IF
deny "bob cannot Cancel alice's job" ds "$JOB_A" $JOB_IF.Cancel
deny "bob cannot Introspect alice's job" \
	ds "$JOB_A" org.freedesktop.DBus.Introspectable.Introspect

for prop in Owner Account Created Size Pages State RetriesLeft NextRetry \
	ErrorClass LastError; do
	deny "bob cannot Get alice's spool entry $prop" \
		ds "$SPOOL_A" $PROPS_IF.Get string:$SP_IF string:$prop
done
deny "bob cannot GetAll alice's spool entry" \
	ds "$SPOOL_A" $PROPS_IF.GetAll string:$SP_IF
deny "bob cannot Retry alice's spool entry" ds "$SPOOL_A" $SP_IF.Retry
deny "bob cannot Open alice's spool entry" ds "$SPOOL_A" $SP_IF.Open
deny "bob cannot Discard alice's spool entry" ds "$SPOOL_A" $SP_IF.Discard boolean:true
deny "bob cannot Introspect alice's spool entry" \
	ds "$SPOOL_A" org.freedesktop.DBus.Introspectable.Introspect
deny "bob cannot GetManagedObjects below alice's account" \
	ds "$ACC_A" org.freedesktop.DBus.ObjectManager.GetManagedObjects

# The same through mfpscanctl (paths, since names are per user): refused
# by the daemon (exit 1 and its answer), not a usage error (exit 64).
ctl_denied() {
	local name=$1 out rc
	shift
	out=$(ctl "$B" "$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -Eq -- "$DENY"; then
		pass "$name"
	else
		fail "$name" "want exit 1 and /$DENY/, got exit $rc: $out"
	fi
}
if [ -x "$IT_CTL" ]; then
	ctl_denied "mfpscanctl: bob cannot scan to alice's account path" \
		scan --to "$ACC_A" --format png --resolution 75
	ctl_denied "mfpscanctl: bob cannot export alice's spool entry" \
		spool export "$SPOOL_A" "$IT_DIR/stolen"
	check "mfpscanctl: nothing was exported" test ! -e "$IT_DIR/stolen"
	ctl_denied "mfpscanctl: bob cannot remove alice's account" \
		accounts remove "$ACC_A"
fi

# --- nothing of Alice's changed ------------------------------------------
assert_match "alice's account still there, unchanged" "$IT_DIR/local/$A\"" \
	"$(bctl "$A" get-property "$IT_DEST" "$ACC_A" $ACC_IF Folder 2>&1)"
assert_eq "alice's job still done" "done" "$(it_job_state "$A" "$JOB_A")"
assert_match "alice's spool entry still there" "$SPOOL_A" "$(mgr "$A" ListSpool)"
assert_no_match "no account of bob has alice's folder" "$IT_DIR/local/$A" \
	"$(bctl "$B" call "$IT_DEST" "$IT_PATH" \
		org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)"

# --- a user's folder rules ----------------------------------------------
check_error "bob cannot make a local account in alice's folder" \
	'org.mfpscan.Daemon1.Error.(InvalidArgument|AccessDenied)' \
	pycall "$B" "$IT_PATH" "$IT_MGR" CreateAccount 'ssa{sv}a{sv}' \
	"('sneaky', 'local', {'folder': '$IT_DIR/local/$A'}, {})"
check_error "bob cannot point a local account at /etc" \
	'org.mfpscan.Daemon1.Error.(InvalidArgument|AccessDenied)' \
	pycall "$B" "$IT_PATH" "$IT_MGR" CreateAccount 'ssa{sv}a{sv}' \
	"('etc', 'local', {'folder': '/etc'}, {})"
check_error "bob cannot move his account into alice's folder" \
	'org.mfpscan.Daemon1.Error.(InvalidArgument|AccessDenied)' \
	pycall "$B" "$ACC_B" $ACC_IF Update 'a{sv}' \
	"{'folder': '$IT_DIR/local/$A'}"
# The harness made alice's folder 0700; a folder others may enter must
# not expose her documents either: the daemon writes them hers, 0600.
chmod 0755 "$IT_DIR/local/$A"
docs=$(find "$IT_DIR/local/$A" -type f -printf '%m %u %p\n')
assert_match "alice's folder holds her scan" . "$docs"
assert_eq "alice's documents are hers, 0600" "" \
	"$(printf '%s\n' "$docs" | grep -v "^600 $A " || true)"
check "alice's document is readable by alice" \
	as "$A" sh -c "cat '$IT_DIR/local/$A'/* >/dev/null"
check_error "alice's document is not readable by bob, even in an open folder" \
	'Permission denied' as "$B" sh -c "cat '$IT_DIR/local/$A'/* >/dev/null"

# --- root administers all -------------------------------------------------
om=$(bctl root call "$IT_DEST" "$IT_PATH" \
	org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)
for p in "$ACC_A" "$ACC_B" "$JOB_A" "$JOB_B" "$SPOOL_A" "$SPOOL_B"; do
	assert_match "root sees $p" "$p" "$om"
done
check "root can read alice's job" \
	bctl root get-property "$IT_DEST" "$JOB_A" $JOB_IF State
# alice watches: root's Discard is told to her.
for u in "$A"; do
	(exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME=/nonexistent \
		DBUS_SYSTEM_BUS_ADDRESS="$IT_BUS_ADDR" "$IT_CTL" watch) >"$IT_DIR/watch-$u" 2>&1 &
	IT_BGPIDS+=("$!")
	it_wait_for "$IT_DIR/watch-$u" watching || it_die "watch as $u" "$(cat "$IT_DIR/watch-$u")"
done
check "root can Discard alice's spool entry" \
	dsend root --dest="$IT_DEST" "$SPOOL_A" $SP_IF.Discard boolean:true
assert_no_match "the entry is gone for alice" "$SPOOL_A" "$(mgr "$A" ListSpool)"
it_wait_for "$IT_DIR/watch-$A" '^discarded ' >/dev/null
assert_match "alice is told that root discarded her entry" \
	"^discarded ${SPOOL_A##*/} 0\$" "$(grep '^discarded' "$IT_DIR/watch-$A")"

it_daemon_alive "daemon alive after the isolation checks"
it_finish
