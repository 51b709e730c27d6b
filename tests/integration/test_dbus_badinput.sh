#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_badinput: the daemon survives any bad request and says what is
# wrong. Every method is called with wrong argument types (dbus-send), with
# 1 MiB strings, unknown keys, values of the wrong variant type, invalid
# enumeration values and ranges, nonexistent paths, and folders and name
# templates that try to leave their directory. Each must fail with a clear
# error; afterwards the same daemon process still answers and still scans.
set -u
. "$(dirname "$0")/lib.sh"
it_setup

A=$IT_ALICE
PID0=$IT_DAEMON_PID
ACC_IF=org.mfpscan.Daemon1.Account
JOB_IF=org.mfpscan.Daemon1.Job
SP_IF=org.mfpscan.Daemon1.SpoolEntry
INVARGS=org.freedesktop.DBus.Error.InvalidArgs
INVALID='org.mfpscan.Daemon1.Error.InvalidArgument'

dir=$(it_local_dir "$A")
ACC=$(it_create_local "$A" home "$dir") || it_die "cannot create an account"
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75)
JOB=$(it_busctl_path "$out")
it_wait_job "$A" "$JOB" >/dev/null
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' down webdav 1 url s \
	http://127.0.0.1:1/dav 0)
DOWN=$(it_busctl_path "$out")
out=$(mgr "$A" Scan 'oa{sv}' "$DOWN" 2 format s png resolution u 75)
it_wait_job "$A" "$(it_busctl_path "$out")" >/dev/null
SPOOL=$(mgr "$A" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')
[ -n "$SPOOL" ] || fail "setup: a spool entry exists" "ListSpool is empty"

# --- wrong argument types, every method ---------------------------------
# wrong NAME PATH IFACE.METHOD ARGS...: dbus-send must get InvalidArgs.
wrong() {
	check_error "wrong types: $1" "$INVARGS" \
		dsend "$A" --dest="$IT_DEST" "$2" "$3" "${@:4}"
}
M=$IT_MGR
wrong "GetCapabilities(s)" "$IT_PATH" $M.GetCapabilities string:x
wrong "ListDestinations(i)" "$IT_PATH" $M.ListDestinations int32:1
wrong "CreateAccount(i)" "$IT_PATH" $M.CreateAccount int32:1
wrong "CreateAccount(ss)" "$IT_PATH" $M.CreateAccount string:a string:local
wrong "CreateAccount(ssa{ss}a{ss})" "$IT_PATH" $M.CreateAccount string:a \
	string:local dict:string:string:folder,/tmp dict:string:string:
wrong "Scan(s)" "$IT_PATH" $M.Scan string:"$ACC"
wrong "Scan(os)" "$IT_PATH" $M.Scan objpath:"$ACC" string:x
wrong "Scan(oa{ss})" "$IT_PATH" $M.Scan objpath:"$ACC" dict:string:string:format,png
wrong "ListJobs(s)" "$IT_PATH" $M.ListJobs string:x
wrong "ListSpool(b)" "$IT_PATH" $M.ListSpool boolean:true
wrong "Account.Update(s)" "$ACC" $ACC_IF.Update string:x
wrong "Account.Update()" "$ACC" $ACC_IF.Update
wrong "Account.SetSecrets(as)" "$ACC" $ACC_IF.SetSecrets array:string:a,b
wrong "Account.Check(s)" "$ACC" $ACC_IF.Check string:x
wrong "Account.Delete(i)" "$ACC" $ACC_IF.Delete int32:1
wrong "Job.Cancel(s)" "$JOB" $JOB_IF.Cancel string:x
wrong "SpoolEntry.Retry(s)" "$SPOOL" $SP_IF.Retry string:x
wrong "SpoolEntry.Open(i)" "$SPOOL" $SP_IF.Open int32:0
wrong "SpoolEntry.Discard(s)" "$SPOOL" $SP_IF.Discard string:yes
wrong "SpoolEntry.Discard()" "$SPOOL" $SP_IF.Discard
wrong "Properties.Get(i)" "$ACC" org.freedesktop.DBus.Properties.Get int32:1
wrong "GetManagedObjects(s)" "$IT_PATH" \
	org.freedesktop.DBus.ObjectManager.GetManagedObjects string:x
check_error "Properties.Set on a read-only property" \
	'PropertyReadOnly|AccessDenied|InvalidArgs|UnknownProperty' \
	dsend "$A" --dest="$IT_DEST" "$ACC" org.freedesktop.DBus.Properties.Set \
	string:$ACC_IF string:Owner variant:uint32:0
check_error "Properties.Set of Job State" \
	'PropertyReadOnly|AccessDenied|InvalidArgs|UnknownProperty' \
	dsend "$A" --dest="$IT_DEST" "$JOB" org.freedesktop.DBus.Properties.Set \
	string:$JOB_IF string:State variant:string:done
check_error "Discard(false) is refused" \
	'org.mfpscan.Daemon1.Error.(InvalidArgument|AccessDenied)' \
	dsend "$A" --dest="$IT_DEST" "$SPOOL" $SP_IF.Discard boolean:false
assert_match "the entry is kept after Discard(false)" "$SPOOL" "$(mgr "$A" ListSpool)"
it_daemon_alive "alive after wrong types"

# --- 1 MiB strings ------------------------------------------------------
# big NAME PATH IFACE METHOD SIG PYARGS: refused with a clear error.
big() {
	check_error "1 MiB: $1" "$INVALID|$INVARGS" pycall "$A" "${@:2}"
}
C="$IT_PATH $IT_MGR CreateAccount ssa{sv}a{sv}"
big "account name" $C "(BIG, 'local', {'folder': '$dir'}, {})"
big "account type" $C "('x', BIG, {'folder': '$dir'}, {})"
big "url" $C "('x', 'webdav', {'url': 'http://h/' + BIG}, {})"
big "username" $C "('x', 'webdav', {'url': 'http://h/', 'username': BIG}, {})"
big "folder" $C "('x', 'local', {'folder': '$dir/' + BIG}, {})"
big "name-template" $C "('x', 'local', {'folder': '$dir', 'name-template': BIG}, {})"
big "notify-email" $C "('x', 'local', {'folder': '$dir', 'notify-email': BIG + '@x.org'}, {})"
big "password" $C "('x', 'webdav', {'url': 'http://h/'}, {'password': BIG})"
big "settings key" $C "('x', 'local', {BIG: 'v'}, {})"
big "Update folder" "$ACC" $ACC_IF Update 'a{sv}' "{'folder': BIG}"
big "SetSecrets password" "$ACC" $ACC_IF SetSecrets 'a{sv}' "{'password': BIG}"
big "Scan name" "$IT_PATH" $IT_MGR Scan 'oa{sv}' "('$ACC', {'name': BIG})"
big "Scan device" "$IT_PATH" $IT_MGR Scan 'oa{sv}' "('$ACC', {'device': BIG})"
big "Scan option key" "$IT_PATH" $IT_MGR Scan 'oa{sv}' "('$ACC', {BIG: 'x'})"
check_error "1 MiB: property name" 'UnknownProperty|InvalidArgs' \
	pycall "$A" "$ACC" org.freedesktop.DBus.Properties Get ss "('$ACC_IF', BIG)"
it_daemon_alive "alive after huge strings"

# --- unknown keys and wrong variant types -------------------------------
inv() { check_error "$1" "$INVALID" pycall "$A" "${@:2}"; }
inv "unknown settings key" $C "('x', 'local', {'folder': '$dir', 'colour': 'red'}, {})"
inv "unknown secrets key" $C "('x', 'webdav', {'url': 'http://h/'}, {'pin': '1234'})"
inv "settings value not a string" $C "('x', 'webdav', {'url': U(5)}, {})"
inv "Update cannot set the owner" "$ACC" $ACC_IF Update 'a{sv}' "{'owner': U(0)}"
inv "Update unknown key" "$ACC" $ACC_IF Update 'a{sv}' "{'colour': 'red'}"
inv "Scan unknown option" "$IT_PATH" $IT_MGR Scan 'oa{sv}' "('$ACC', {'dpi': U(300)})"
inv "Scan resolution as a string" "$IT_PATH" $IT_MGR Scan 'oa{sv}' \
	"('$ACC', {'resolution': '300'})"
inv "Scan negative pages" "$IT_PATH" $IT_MGR Scan 'oa{sv}' \
	"('$ACC', {'source': 'adf', 'pages': dbus.Int32(-1)})"
inv "Scan format as a number" "$IT_PATH" $IT_MGR Scan 'oa{sv}' "('$ACC', {'format': U(1)})"
assert_match "Owner is unchanged" '^u '"$(id -u "$A")"'$' \
	"$(bctl "$A" get-property "$IT_DEST" "$ACC" $ACC_IF Owner 2>&1)"

# --- invalid values -------------------------------------------------------
inv "account type ftp" $C "('x', 'ftp', {'url': 'ftp://h/'}, {})"
inv "empty account name" $C "('', 'local', {'folder': '$dir'}, {})"
inv "account name with a newline" $C "('a\\nb', 'local', {'folder': '$dir'}, {})"
inv "account name not UTF-8 safe control" $C "('a\\x01b', 'local', {'folder': '$dir'}, {})"
inv "local account without folder" $C "('x', 'local', {}, {})"
inv "webdav url ftp://" $C "('x', 'webdav', {'url': 'ftp://h/'}, {})"
inv "notify-email header injection" $C \
	"('x', 'local', {'folder': '$dir', 'notify-email': 'a@b.org\\r\\nBcc: c@d.org'}, {})"
inv "notify-email not an address" $C \
	"('x', 'local', {'folder': '$dir', 'notify-email': 'not an address'}, {})"
S="$IT_PATH $IT_MGR Scan oa{sv}"
inv "source glass" $S "('$ACC', {'source': 'glass'})"
inv "color-mode sepia" $S "('$ACC', {'color-mode': 'sepia'})"
inv "format bmp" $S "('$ACC', {'format': 'bmp'})"
inv "resolution 0" $S "('$ACC', {'resolution': U(0)})"
inv "resolution 99999" $S "('$ACC', {'resolution': U(99999)})"
inv "resolution 100 (not offered)" $S "('$ACC', {'resolution': U(100)})"
inv "width-mm 100000" $S "('$ACC', {'width-mm': U(100000)})"
inv "height-mm 100000" $S "('$ACC', {'height-mm': U(100000)})"
inv "pages 100000" $S "('$ACC', {'source': 'adf', 'pages': U(100000)})"
inv "flatbed with 3 pages" $S "('$ACC', {'source': 'flatbed', 'pages': U(3)})"
check_error "unknown device" "$INVALID|org.mfpscan.Daemon1.Error.NoDevice" \
	pycall "$A" $S "('$ACC', {'device': 'nosuch'})"
check_error "Scan to a nonexistent account" \
	'org.mfpscan.Daemon1.Error.NotFound|UnknownObject' \
	pycall "$A" $S "('/org/mfpscan/Daemon1/account/doesnotexist', {})"
check_error "Scan to a job path" \
	'org.mfpscan.Daemon1.Error.(NotFound|InvalidArgument)' \
	pycall "$A" $S "('$JOB', {})"
check_error "Scan to /" 'org.mfpscan.Daemon1.Error.(NotFound|InvalidArgument)' \
	pycall "$A" $S "('/', {})"
check_error "methods on a nonexistent account" 'UnknownObject|NotFound' \
	dsend "$A" --dest="$IT_DEST" /org/mfpscan/Daemon1/account/nosuch $ACC_IF.Check
check_error "methods on a nonexistent job" 'UnknownObject|NotFound' \
	dsend "$A" --dest="$IT_DEST" /org/mfpscan/Daemon1/job/999999 $JOB_IF.Cancel
check_error "methods on a nonexistent spool entry" 'UnknownObject|NotFound' \
	dsend "$A" --dest="$IT_DEST" /org/mfpscan/Daemon1/spool/nosuch $SP_IF.Retry
it_daemon_alive "alive after invalid values"

# --- folders and templates that try to leave ------------------------------
mkdir -p "$dir/sub"
chown "$A:" "$dir/sub"
ln -sfn "$dir/sub" "$dir/link"
inv "folder with /../" $C "('x', 'local', {'folder': '$dir/sub/../sub'}, {})"
inv "folder /tmp/../etc" $C "('x', 'local', {'folder': '/tmp/../etc'}, {})"
inv "relative folder" $C "('x', 'local', {'folder': 'scans'}, {})"
inv "folder through a symlink" $C "('x', 'local', {'folder': '$dir/link'}, {})"
inv "folder with a control character" $C "('x', 'local', {'folder': '$dir/a\\x01'}, {})"
inv "webdav folder ../../etc" $C "('x', 'webdav', {'url': 'http://h/', 'folder': '../../etc'}, {})"
inv "webdav folder a/../../b" $C "('x', 'webdav', {'url': 'http://h/', 'folder': 'a/../../b'}, {})"
for t in '../x' 'a/b' '..' '.hidden' 'x\x01y' '{nosuchfield}' '{date' 'a\\b'; do
	inv "name-template '$t'" $C \
		"('x', 'local', {'folder': '$dir', 'name-template': '$t'}, {})"
done
inv "Update folder to /etc" "$ACC" $ACC_IF Update 'a{sv}' "{'folder': '/etc'}"
inv "Update name-template ../x" "$ACC" $ACC_IF Update 'a{sv}' "{'name-template': '../x'}"
assert_match "the account kept its folder" "$dir\"" \
	"$(bctl "$A" get-property "$IT_DEST" "$ACC" $ACC_IF Folder 2>&1)"

# A scan name that would leave the folder through {name}. The spooled
# entry would make any scan fail with PendingUploads (pending_policy=block):
# drop it first, so only the name can be the reason for a refusal.
check "alice discards her spooled entry" \
	dsend "$A" --dest="$IT_DEST" "$SPOOL" $SP_IF.Discard boolean:true
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' byname local 2 folder s "$dir" \
	name-template s '{name}' 0 2>&1)
BYNAME=$(it_busctl_path "$out")
find "$IT_DIR" -type f | sort >"$IT_DIR/files.before"
for n in '../../escaped' 'a/b' '..'; do
	check_error "scan name '$n' refused" "$INVALID" \
		pycall "$A" $S "('$BYNAME', {'name': '$n', 'format': 'png', 'resolution': U(75)})"
done
find "$IT_DIR" -type f | sort >"$IT_DIR/files.after"
assert_eq "no new file, in the folder or outside it" "" \
	"$(comm -13 "$IT_DIR/files.before" "$IT_DIR/files.after" | grep -v "^$IT_DIR/files\.")"

# --- still the same daemon, still working --------------------------------
assert_eq "the daemon was never restarted" "$PID0" "$IT_DAEMON_PID"
it_daemon_alive "alive at the end"
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75 2>&1)
assert_eq "a good scan still works" "done" "$(it_wait_job "$A" "$(it_busctl_path "$out")")"
assert_no_match "the log has no crash report" 'AddressSanitizer|Segmentation|assert' \
	"$(cat "$IT_DIR/daemon.log")"
it_finish
