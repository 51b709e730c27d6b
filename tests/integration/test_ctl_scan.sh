#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_ctl_scan: "mfpscanctl scan", "jobs" and "spool" as a user would run
# them. A scan that is delivered prints where the document is and exits 0;
# one whose server is down or full prints the daemon's message, says the
# document was kept, exits 2; a refused scan prints the daemon's error and
# exits 1. On a terminal (a pty from script(1)) a progress bar is drawn,
# otherwise plain lines. The spool commands list, show, export (byte-exact,
# never overwriting), refuse discard without --yes, retry once space is
# freed, and discard.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
it_start_bus
it_write_config
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
dir=$(it_local_dir "$A")
check "alice adds a local account" \
	ctl "$A" accounts add home --type local --folder "$dir"

# Delivered: location printed, exit 0, the file is there and right.
out=$(ctl "$A" scan --to home --format pdf --source adf --pages 3 \
	--resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
assert_eq "scan to a local folder exits 0" 0 "$rc"
assert_match "it prints where the document went" \
	"^Scanned 3 pages; the document is at: file://$dir/" "$out"
file=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p')
check "the document is where it says" test -f "$file"
check "the document is the engine's 3 pages" \
	"$IT_VERIFY" --format pdf --pages 3 "$file"
assert_match "plain lines when not on a terminal" '^state: scanning' "$out"
assert_no_match "no bar when not on a terminal" $'\r' "$out"

# On a terminal: a progress bar redrawn in place.
out=$(as "$A" script -qec "$IT_CTL scan --to home --format png --resolution 75" \
	/dev/null 2>&1) && rc=0 || rc=$?
assert_eq "scan on a terminal exits 0" 0 "$rc"
assert_match "a bar is drawn on a terminal" $'\r''[a-z]+ +\[[#.]+\] page' "$out"
assert_match "the bar ends full" '\[#+\] page 1' "$out"

# --no-wait and jobs.
out=$(ctl "$A" scan --to home --format png --resolution 75 --no-wait 2>&1)
assert_match "--no-wait prints the job path" '^/org/mfpscan/Daemon1/job/' "$out"
job=${out##*/}
it_wait_job "$A" "$out" >/dev/null
assert_match "jobs lists it, done" "^$job +done +1 " "$(ctl "$A" jobs 2>&1)"
assert_match "bob's jobs list is empty" '^ID +STATE[^\n]*$' "$(ctl "$B" jobs 2>&1)"

# Ctrl-C cancels the job (SIGINT to the client itself, not to the shell).
ctl "$A" scan --to home --source adf --pages 10 --format pdf --resolution 300 \
	>"$IT_DIR/cancel.out" 2>&1 &
cpid=$!
it_wait_for "$IT_DIR/cancel.out" '^state: scanning' 400 ||
	fail "the long scan started" "$(cat "$IT_DIR/cancel.out")"
# Only this test's client: other tests may run clients as the same user.
kpid=$(pgrep -P "$cpid" -x mfpscanctl | head -n 1)
[ -n "$kpid" ] && kill -INT "$kpid"
wait "$cpid" && rc=0 || rc=$?
out=$(cat "$IT_DIR/cancel.out")
assert_eq "Ctrl-C: the scan exits 1" 1 "$rc"
assert_match "Ctrl-C: the job is cancelled" 'scan cancelled' "$out"
assert_match "Ctrl-C: jobs shows it cancelled" ' cancelled ' "$(ctl "$A" jobs 2>&1)"

# Refused: the daemon's error name and message, exit 1.
out=$(ctl "$A" scan --to home --format bmp 2>&1) && rc=0 || rc=$?
assert_eq "a refused scan exits 1" 1 "$rc"
assert_match "... with the daemon's error" 'org.mfpscan.Daemon1.Error.InvalidArgument: .*format' "$out"
out=$(ctl "$A" scan --to nosuch 2>&1) && rc=0 || rc=$?
assert_eq "scan to an unknown account exits 1" 1 "$rc"
check_exit "a bad number is a usage error (64)" 64 \
	ctl "$A" scan --to home --resolution 3OO
check_exit "scan without --to is a usage error (64)" 64 ctl "$A" scan

# Server down: kept, exit 2, the daemon's words.
out=$(printf 'pw\n' | ctl "$A" accounts add down --type webdav --allow-insecure-http yes \
	--url http://127.0.0.1:1/dav --password-stdin 2>&1)
assert_match "alice adds an account on a server that is down" created "$out"
out=$(ctl "$A" scan --to down --format png --resolution 75 2>&1) && rc=0 || rc=$?
assert_eq "scan to a server that is down exits 2" 2 "$rc"
assert_match "... prints the daemon's reason" "(connect|reach)" "$out"
assert_match "... and that it was kept" 'kept in the spool' "$out"

# A kept document whose server is down does not block a scan to another
# account (pending_policy = block blocks only on what the user can fix
# for that destination); it is tried again first and stays kept.
out=$(ctl "$A" scan --to home --format png --resolution 75 2>&1) && rc=0 || rc=$?
assert_eq "a server that is down for another account does not block (exit 0)" 0 "$rc"
assert_match "... the scan starts in state preparing" '^state: preparing' "$out"

# spool list / show / export / discard.
list=$(ctl "$A" spool list 2>&1)
id=$(printf '%s\n' "$list" | awk 'NR == 2 {print $1}')
assert_match "spool list shows the entry" "^$id +(waiting|retrying) " "$list"
show=$(ctl "$A" spool show "$id" 2>&1)
assert_match "spool show has the state" 'State *: (waiting|retrying)' "$show"
assert_match "spool show has the error class" 'ErrorClass *: network' "$show"
check "spool export" ctl "$A" spool export "$id" "$dir/exported.png"
check "the exported document is the engine's page" \
	"$IT_VERIFY" --format png "$dir/exported.png"
assert_eq "the export belongs to alice" "$A" "$(stat -c %U "$dir/exported.png")"
sum=$(sha256sum <"$dir/exported.png")
check_exit "export never overwrites (exit 1)" 1 \
	ctl "$A" spool export "$id" "$dir/exported.png"
assert_eq "... the file is unchanged" "$sum" "$(sha256sum <"$dir/exported.png")"
assert_eq "export to stdout gives the same bytes" "$sum" \
	"$(ctl "$A" spool export "$id" - | sha256sum)"
check_exit "bob cannot export alice's entry (exit 1)" 1 \
	ctl "$B" spool export "$id" "$(it_local_dir "$B")/bob.png"
check_exit "discard without --yes is refused (64)" 64 ctl "$A" spool discard "$id"
assert_match "... and the entry is kept" "^$id " "$(ctl "$A" spool list 2>&1)"
check_exit "a bad id is a usage error (64)" 64 ctl "$A" spool show '../x'
check "discard --yes" ctl "$A" spool discard "$id" --yes
assert_no_match "the entry is gone" "^$id " "$(ctl "$A" spool list 2>&1)"
check_exit "show of a discarded entry exits 1" 1 ctl "$A" spool show "$id"

# Storage full (Apache, 507): exit 2; freed space and "spool retry" deliver.
if it_have_dav; then
	it_start_dav 4 tls
	out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add full --type webdav --allow-insecure-http yes \
		--url "$DAV_URL" --username "$DAV_USER" --folder full --password-stdin 2>&1)
	assert_match "alice adds an account on a full server" created "$out"
	out=$(ctl "$A" scan --to full --format png --resolution 150 2>&1) && rc=0 || rc=$?
	assert_eq "scan to a full server exits 2" 2 "$rc"
	assert_match "... prints the daemon's reason (storage full)" \
		'(full|507|Insufficient|space)' "$out"
	# The same full storage again (pending_policy = block): exit 1.
	out=$(ctl "$A" scan --to full --format png --resolution 75 2>&1) && rc=0 || rc=$?
	assert_eq "the next scan to the full storage is refused (exit 1)" 1 "$rc"
	assert_match "... with PendingUploads and the reason" \
		'org.mfpscan.Daemon1.Error.PendingUploads: .*previous scan.*full' "$out"
	id=$(ctl "$A" spool list 2>&1 | awk 'NR == 2 {print $1}')
	mount -o remount,size=4096k "$DAV_ROOT/full"
	out=$(ctl "$A" spool retry "$id" 2>&1)
	assert_match "spool retry starts a retry" 'Retry of .* started' "$out"
	for _ in $(seq 1 100); do
		ctl "$A" spool list 2>&1 | grep -q "^$id " || break
		sleep 0.1
	done
	assert_no_match "after the retry the entry is gone" "^$id " \
		"$(ctl "$A" spool list 2>&1)"
	f=$(find "$DAV_ROOT/full" -type f | head -n 1)
	check "the document arrived on the server, byte-exact" \
		"$IT_VERIFY" --format png "${f:-/nonexistent}"
	out=$(ctl "$A" scan --to full --format png --resolution 75 2>&1) && rc=0 || rc=$?
	assert_eq "with space again, scan to the server exits 0" 0 "$rc"
	assert_match "... and prints the server URL" "is at: $DAV_URL/full/" "$out"
	# The issue's "done when": a 3-page ADF job to PDF, byte-exact on the server.
	out=$(ctl "$A" scan --to full --source adf --pages 3 --format pdf \
		--resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
	assert_eq "3-page ADF PDF to WebDAV exits 0" 0 "$rc"
	url=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: ||p')
	f=$DAV_ROOT/${url#"$DAV_URL"/}
	check "the PDF on the server holds the engine's 3 pages" \
		"$IT_VERIFY" --format pdf --pages 3 "$f"
	check "the PDF on the server passes qpdf --check" qpdf --check "$f"

	# A wrong password is refused before scanning: exit 1, AuthFailed.
	printf 'wrong\n' | ctl "$A" accounts add wrongpw --type webdav --allow-insecure-http yes --url "$DAV_URL" \
		--username "$DAV_USER" --password-stdin >/dev/null 2>&1
	out=$(ctl "$A" scan --to wrongpw --format png --resolution 75 2>&1) && rc=0 || rc=$?
	assert_eq "scan with a wrong password exits 1" 1 "$rc"
	assert_match "... with AuthFailed and the server's words" \
		'org.mfpscan.Daemon1.Error.AuthFailed: .*(401|auth|password|Unauthorized)' "$out"

	# TLS with a self-signed CA: refused unless the account pins the CA.
	cp "$DAV_CA" "$IT_DIR/ca.pem" && chmod 0644 "$IT_DIR/ca.pem"
	printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add tls --type webdav \
		--url "$DAV_TLS_URL" --username "$DAV_USER" --password-stdin >/dev/null 2>&1
	out=$(ctl "$A" scan --to tls --format png --resolution 75 2>&1) && rc=0 || rc=$?
	assert_eq "scan to a self-signed server exits 1" 1 "$rc"
	assert_match "... with the Tls error" 'org.mfpscan.Daemon1.Error.Tls: ' "$out"
	check "pin the CA with accounts update --ca-file" \
		ctl "$A" accounts update tls --ca-file "$IT_DIR/ca.pem"
	out=$(ctl "$A" scan --to tls --format png --resolution 75 2>&1) && rc=0 || rc=$?
	assert_eq "with the CA pinned the scan exits 0" 0 "$rc"
	assert_match "... and the document is on the TLS server" "is at: $DAV_TLS_URL/" "$out"
else
	fail "Apache WebDAV server missing" "tests/servers/apache-dav.sh or apache2"
fi
it_daemon_alive "daemon alive after the mfpscanctl scan commands"

# The daemon dies in the middle of a scan: the client does not hang, it
# says so and exits 1; a restarted daemon answers again.
ctl "$A" scan --to home --source adf --pages 10 --format pdf --resolution 300 \
	>"$IT_DIR/gone.out" 2>&1 &
cpid=$!
it_wait_for "$IT_DIR/gone.out" '^state: scanning' 400 ||
	fail "the long scan started" "$(cat "$IT_DIR/gone.out")"
kill -KILL "$IT_DAEMON_PID"
wait "$IT_DAEMON_PID" 2>/dev/null
IT_DAEMON_PID=
wait "$cpid" && rc=0 || rc=$?
out=$(cat "$IT_DIR/gone.out")
assert_eq "daemon killed mid-scan: the client exits 1" 1 "$rc"
assert_match "... saying the daemon left" 'daemon left the bus' "$out"
it_start_daemon
check "a restarted daemon lists alice's accounts" ctl "$A" accounts list
it_finish
