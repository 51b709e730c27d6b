#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_secrets: secrets are write-only. Passwords and S3 keys given to
# CreateAccount, SetSecrets and mfpscanctl never come back: not in any
# property, GetManagedObjects, introspection or error message (for their
# owner, the other user or root), not in the daemon's log, not in plain
# text in the state or spool directories (whose files are the service user mfpscan's, 0600).
# With the Apache WebDAV server, Check() logs in with the stored password,
# also after a restart (so it is really kept, encrypted).
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_start_bus
it_write_config
# The harness makes the state and spool dirs 0700 itself; here the daemon
# must: the state dir is left open (0755), the spool dir is not there yet.
chmod 0755 "$IT_DIR/state"
rmdir "$IT_DIR/spool"
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
ACC_IF=org.mfpscan.Daemon1.Account
tok=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
PW_A="alice-pw-$tok"
PW_A2="alice-pw2-$tok"
PW_B="bob-pw-$tok"
AK="AKIA$tok"
SK="s3-secret-$tok"
SECRETS="$PW_A $PW_A2 $PW_B $SK"

# Accounts with secrets, three ways.
if [ -x "$IT_CTL" ]; then
	out=$(printf '%s\n' "$PW_A" | ctl "$A" accounts add dav --type webdav --allow-insecure-http yes \
		--url http://127.0.0.1:1/dav --username alice --password-stdin 2>&1)
	assert_match "mfpscanctl accounts add --password-stdin" 'created' "$out"
else
	fail "mfpscanctl missing" "$IT_BUILD/mfpscanctl"
fi
DAV_A=$(mgr "$A" ListDestinations | grep -o '"/org[^"]*"' | head -n1 | tr -d '"')
out=$(mgr "$B" CreateAccount 'ssa{sv}a{sv}' dav webdav \
	3 url s http://127.0.0.1:1/dav username s bob allow-insecure-http s yes 1 password s "$PW_B" 2>&1)
DAV_B=$(it_busctl_path "$out")
assert_match "bob creates a webdav account with a password" '^o ' "$out"
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' s3 s3 \
	4 url s http://127.0.0.1:1 folder s bucket region s us-east-1 allow-insecure-http s yes \
	2 access-key s "$AK" secret-key s "$SK" 2>&1)
S3_A=$(it_busctl_path "$out")
assert_match "alice creates an s3 account with keys" '^o ' "$out"
check "alice replaces her password with SetSecrets" \
	pycall "$A" "$DAV_A" $ACC_IF SetSecrets 'a{sv}' "{'password': '$PW_A2'}"
check_error "SetSecrets refuses an unknown key" \
	'org.mfpscan.Daemon1.Error.InvalidArgument' \
	pycall "$A" "$DAV_A" $ACC_IF SetSecrets 'a{sv}' "{'token': '$PW_A2'}"

# A spooled document (the server is down) and a Check (fails: down).
out=$(mgr "$A" Scan 'oa{sv}' "$DAV_A" 2 format s png resolution u 75 2>&1)
assert_eq "scan to the down server is spooled" spooled \
	"$(it_wait_job "$A" "$(it_busctl_path "$out")")"
check_out=$(bctl "$A" call "$IT_DEST" "$DAV_A" $ACC_IF Check 2>&1)
assert_match "Check of a down server says not ok" '^bts false' "$check_out"
url_err=$(pycall "$A" "$IT_PATH" "$IT_MGR" CreateAccount 'ssa{sv}a{sv}' \
	"('inurl', 'webdav', {'url': 'http://alice:$PW_A@127.0.0.1:1/dav'}, {})" 2>&1)
assert_match "a password inside the url is refused" 'InvalidArgument' "$url_err"
assert_no_match "... and the refusal does not repeat it" "$PW_A" "$url_err"

# Nothing reads them back.
for u in "$A" "$B" root; do
	all="$(bctl "$u" call "$IT_DEST" "$IT_PATH" \
		org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)"
	for p in "$DAV_A" "$DAV_B" "$S3_A"; do
		all="$all $(bctl "$u" call "$IT_DEST" "$p" \
			org.freedesktop.DBus.Properties GetAll s $ACC_IF 2>&1)"
		all="$all $(bctl "$u" introspect "$IT_DEST" "$p" 2>&1)"
	done
	all="$all $(bctl "$u" call "$IT_DEST" "$IT_PATH" "$IT_MGR" ListSpool 2>&1)"
	[ -x "$IT_CTL" ] && all="$all $(ctl "$u" accounts show dav 2>&1) \
		$(ctl "$u" accounts list 2>&1) $(ctl "$u" spool list 2>&1)"
	for s in $SECRETS; do
		assert_no_match "no secret ${s%%-$tok} in what $u can read" "$s" "$all"
	done
	assert_no_match "$u's view has no Password/Secret property" \
		'"(Password|SecretKey|Secret|AccessKey|Token)"|name="(Password|Secret)' "$all"
done
check_error "Get of a Password property fails" 'UnknownProperty|InvalidArgs' \
	dsend "$A" --dest="$IT_DEST" "$DAV_A" org.freedesktop.DBus.Properties.Get \
	string:$ACC_IF string:Password
assert_no_match "Check's message has no secret" "$PW_A2" "$check_out"

# Files and log: ciphertext only, mfpscan-only.
for s in $SECRETS $AK; do
	assert_file_lacks "state dir has no plain ${s%%-$tok}" "$s" "$IT_DIR/state"
	assert_file_lacks "spool dir has no plain ${s%%-$tok}" "$s" "$IT_DIR/spool"
	assert_file_lacks "daemon log has no ${s%%-$tok}" "$s" "$IT_DIR/daemon.log"
done
nfiles=$(find "$IT_DIR/state" -type f | wc -l)
[ "$nfiles" -gt 0 ] && pass "the state dir holds files ($nfiles)" ||
	fail "the state dir holds files" "none in $IT_DIR/state"
bad=$(find "$IT_DIR/state" "$IT_DIR/spool" \
	\( -type f \( ! -perm 0600 -a ! -perm 0400 \) -o -type d ! -perm 0700 \
	-o ! -user mfpscan \) -printf '%m %u %p\n')
assert_eq "state and spool files are mfpscan's, 0600 (dirs, the two top ones too, 0700)" "" "$bad"
check_error "alice cannot list the state dir" 'Permission denied' \
	as "$A" ls "$IT_DIR/state"
check_error "alice cannot list the spool dir" 'Permission denied' \
	as "$A" ls "$IT_DIR/spool"

# Stored, not just dropped: the password works after a restart.
if it_have_dav; then
	it_start_dav
	out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add real \
		--type webdav --allow-insecure-http yes --url "$DAV_URL" --username "$DAV_USER" \
		--password-stdin 2>&1)
	assert_match "alice adds an account on the real server" created "$out"
	check "Check logs in with the stored password" ctl "$A" accounts check real
	it_stop_daemon
	it_start_daemon
	check "Check still logs in after a restart" ctl "$A" accounts check real
	for f in "$IT_DIR/state" "$IT_DIR/daemon.log" "$IT_DIR/spool"; do
		assert_file_lacks "$(basename "$f") lacks the server password" \
			"$DAV_PASSWORD" "$f"
	done
	out=$(printf 'wrong-%s\n' "$tok" | ctl "$A" accounts update real \
		--password-stdin 2>&1)
	assert_match "alice sets a wrong password" updated "$out"
	out=$(ctl "$A" accounts check real 2>&1) && rc=0 || rc=$?
	assert_eq "Check with the wrong password fails (exit 1)" 1 "$rc"
	assert_no_match "... without showing the password" "wrong-$tok" "$out"
else
	fail "Apache WebDAV server missing" "tests/servers/apache-dav.sh or apache2"
fi

it_daemon_alive "daemon alive after the secret checks"
it_finish
