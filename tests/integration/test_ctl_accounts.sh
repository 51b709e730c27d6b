#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_ctl_accounts: "mfpscanctl accounts" as a user would run it: add,
# list, show, update, check, remove, with the daemon's own refusals shown;
# passwords only from a file, stdin or a prompt, never from argv; --help of
# every command; usage errors exit 64.
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl

A=$IT_ALICE
B=$IT_BOB
dir=$(it_local_dir "$A")
dir2=$dir/other
mkdir -p "$dir2" && chown "$A:" "$dir2"
bdir=$(it_local_dir "$B")

# --help everywhere, usage errors.
for c in "" caps accounts scan jobs watch spool; do
	check "mfpscanctl $c --help" ctl "$A" $c --help
done
check_exit "no command: usage, exit 64" 64 ctl "$A"
check_exit "unknown command: exit 64" 64 ctl "$A" frobnicate
check_exit "accounts add without --type: exit 64" 64 ctl "$A" accounts add x
check_exit "unknown option: exit 64" 64 ctl "$A" accounts list --colour

# Passwords never on argv.
for arg in --password=hunter2-argv "--password hunter2-argv"; do
	# shellcheck disable=SC2086
	out=$(ctl "$A" accounts add argv --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav \
		$arg 2>&1) && rc=0 || rc=$?
	assert_eq "'$arg' is rejected (exit 64)" 64 "$rc"
	assert_match "... saying how to give it instead" 'password-file|password-stdin' "$out"
	assert_no_match "... without repeating it" hunter2-argv "$out"
done
check_exit "an abbreviated --pass=... is refused (exit 64)" 64 \
	ctl "$A" accounts add argv2 --type local --pass=x
assert_no_match "no account was created from argv" 'argv' "$(ctl "$A" accounts list 2>&1)"

# The prompt on a terminal (a pty): echo off, the password not shown.
cat >"$IT_DIR/bin/ptydrive.py" <<'PY'
import os, pty, signal, sys
signal.alarm(60)  # a client stuck at the prompt fails the check, never hangs CI
secret = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
sent = False
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"Password" in out:
        os.write(fd, secret)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
out=$(as "$A" /usr/bin/python3 "$IT_DIR/bin/ptydrive.py" "pty-secret-$$" "$IT_CTL" \
	accounts add prompted --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav 2>&1) &&
	rc=0 || rc=$?
assert_eq "accounts add prompts on a terminal (exit 0)" 0 "$rc"
assert_match "... with a password prompt" 'Password for account "prompted"' "$out"
assert_match "... and creates the account" 'Account "prompted" created' "$out"
assert_no_match "... without echoing the password" "pty-secret-$$" "$out"
check "the prompted account can be removed" ctl "$A" accounts remove prompted

# add / list / show.
out=$(ctl "$A" accounts add home --type local --folder "$dir" \
	--name-template 'scan-{counter}' --notify-email alice@example.org 2>&1)
assert_match "accounts add local" 'Account "home" created: /org/mfpscan/Daemon1/account/' "$out"
out=$(printf 'dav-pw-file\n' >"$IT_DIR/pw" && chown "$A:" "$IT_DIR/pw" &&
	chmod 0600 "$IT_DIR/pw" && ctl "$A" accounts add dav --type webdav --allow-insecure-http yes \
	--url http://127.0.0.1:1/dav --username alice --password-file "$IT_DIR/pw" 2>&1)
assert_match "accounts add webdav --password-file" 'created' "$out"
out=$(ctl "$A" accounts add nofile --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav \
	--password-file /nonexistent/pw 2>&1) && rc=0 || rc=$?
assert_eq "unreadable --password-file fails (exit 1)" 1 "$rc"
assert_match "... and says which file" /nonexistent/pw "$out"
out=$(printf 's3-secret-%s\n' "$$" | ctl "$A" accounts add bucket --type s3 --allow-insecure-http yes \
	--url http://127.0.0.1:1 --folder scans --region us-east-1 \
	--access-key "AKIATEST$$" --password-stdin 2>&1)
assert_match "accounts add s3 --access-key, secret key from stdin" created "$out"
assert_file_lacks "the s3 secret key is not stored in clear" "s3-secret-$$" "$IT_DIR/state"
assert_file_lacks "the s3 access key is not stored in clear" "AKIATEST$$" "$IT_DIR/state"
list=$(ctl "$A" accounts list 2>&1)
assert_match "list shows home" "^home +local +$dir" "$list"
assert_match "list shows dav" '^dav +webdav +http://127.0.0.1:1/dav' "$list"
assert_no_match "list hides the password" dav-pw-file "$list"
show=$(ctl "$A" accounts show home 2>&1)
assert_match "show has NameTemplate" 'NameTemplate: scan-\{counter\}' "$show"
assert_match "show has NotifyEmail" 'NotifyEmail *: alice@example.org' "$show"
assert_match "show has Owner" "Owner *: $(id -u "$A")" "$show"
assert_eq "bob's list is empty" 1 "$(ctl "$B" accounts list 2>&1 | wc -l)"
check_exit "bob cannot show alice's account by name" 1 ctl "$B" accounts show home

# The daemon's refusals come through with its error name.
out=$(ctl "$A" accounts add bad --type ftp 2>&1) && rc=0 || rc=$?
assert_eq "unknown type: exit 1" 1 "$rc"
assert_match "unknown type: the daemon's error" \
	'org.mfpscan.Daemon1.Error.InvalidArgument: .*ftp' "$out"
out=$(ctl "$A" accounts add steal --type local --folder "$bdir" 2>&1) && rc=0 || rc=$?
assert_eq "someone else's folder: exit 1" 1 "$rc"
assert_match "someone else's folder: the daemon's message" 'InvalidArgument|AccessDenied' "$out"
out=$(ctl "$A" accounts add home --type local --folder "$dir" 2>&1) && rc=0 || rc=$?
assert_eq "a second account with the same name is refused" 1 "$rc"
dup=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/account/[0-9a-zA-Z_]*')
if [ -n "$dup" ]; then
	out=$(ctl "$A" accounts show home 2>&1) && rc=0 || rc=$?
	assert_match "mfpscanctl refuses an ambiguous name" \
		'accounts are named "home"; give its object path' "$out"
	check "the duplicate can be removed by its path" \
		ctl "$A" accounts remove "$dup"
fi

# update.
check "update the folder" ctl "$A" accounts update home --folder "$dir2"
assert_match "the new folder shows" "Folder *: $dir2" "$(ctl "$A" accounts show home 2>&1)"
check_exit "update with nothing to change: exit 64" 64 ctl "$A" accounts update home
check_exit "update to a bad template: exit 1" 1 \
	ctl "$A" accounts update home --name-template '../x'
assert_match "the template is unchanged" 'NameTemplate: scan-\{counter\}' \
	"$(ctl "$A" accounts show home 2>&1)"
out=$(printf 'new-pw\n' | ctl "$A" accounts update dav --password-stdin 2>&1)
assert_match "update the password from stdin" updated "$out"
check_exit "update of a missing account: exit 1" 1 \
	ctl "$A" accounts update nosuch --folder "$dir"

# check.
out=$(ctl "$A" accounts check home 2>&1) && rc=0 || rc=$?
assert_eq "check of a local folder: exit 0" 0 "$rc"
assert_match "check prints ok" '^home: ok' "$out"
out=$(ctl "$A" accounts check dav 2>&1) && rc=0 || rc=$?
assert_eq "check of a server that is down: exit 1" 1 "$rc"
assert_match "... with the daemon's message" 'check failed: .*(connect|reach)' "$out"
if it_have_dav; then
	it_start_dav
	out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add real --type webdav --allow-insecure-http yes \
		--url "$DAV_URL" --username "$DAV_USER" --password-stdin 2>&1)
	assert_match "add an account on the real server" created "$out"
	check "check of the real server: exit 0" ctl "$A" accounts check real
	printf 'wrong\n' | ctl "$A" accounts update real --password-stdin >/dev/null 2>&1
	out=$(ctl "$A" accounts check real 2>&1) && rc=0 || rc=$?
	assert_eq "check with a wrong password: exit 1" 1 "$rc"
	assert_match "... says it is the login" '(auth|password|login|401|credential)' "$out"
fi

# remove.
out=$(ctl "$A" accounts remove home 2>&1)
assert_match "remove" 'Account "home" removed' "$out"
assert_no_match "removed account is gone from the list" '^home ' "$(ctl "$A" accounts list 2>&1)"
check_exit "remove it again: exit 1" 1 ctl "$A" accounts remove home
check_exit "bob cannot remove alice's dav by name" 1 ctl "$B" accounts remove dav
assert_match "alice's dav is still there" '^dav ' "$(ctl "$A" accounts list 2>&1)"

# caps and jobs need no account.
caps=$(ctl "$A" caps 2>&1)
assert_match "caps lists the formats" '^formats: pdf, jpeg, png, tiff' "$caps"
assert_match "caps lists the devices" '^devices: .*name=default' "$caps"
assert_match "jobs prints its header" '^ID +STATE' "$(ctl "$A" jobs 2>&1)"
it_daemon_alive "daemon alive after the mfpscanctl account commands"
it_finish
