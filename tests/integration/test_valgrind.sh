#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_valgrind: the real mfpscand under valgrind (memcheck) on the private
# bus, through a life of accounts, scans, a failing upload that is spooled,
# Retry, Open, Discard, bad input from two users and a refused scan; then
# SIGTERM. Then a second life: a scan cut by SIGKILL (of a daemon outside
# valgrind) is recovered, assembled and uploaded under valgrind. valgrind must report no memory error and no definitely or
# indirectly lost block (--error-exitcode, --errors-for-leak-kinds), and
# the daemon must exit cleanly. "Possibly lost" and "still reachable" are
# not counted: libraries keep such blocks until exit on purpose.
set -u
. "$(dirname "$0")/lib.sh"
it_init
command -v valgrind >/dev/null || it_die "valgrind missing" "apt-get install valgrind"
it_need_daemon

VG_LOG=$IT_DIR/valgrind.log
VG_RC=99	# valgrind's exit status when it found an error
# The daemon as lib.sh starts it, but inside valgrind: a wrapper that
# execs, so that IT_DAEMON_PID is valgrind's own pid.
cat >"$IT_DIR/vg-mfpscand" <<EOF
#!/bin/sh
exec valgrind --error-exitcode=$VG_RC --leak-check=full \\
	--errors-for-leak-kinds=definite,indirect \\
	--show-leak-kinds=definite,indirect --num-callers=30 \\
	--log-file="$VG_LOG" "$IT_DAEMON" "\$@"
EOF
chmod 0755 "$IT_DIR/vg-mfpscand"
IT_DAEMON=$IT_DIR/vg-mfpscand

it_start_bus
# usbu: a libusb engine that is not plugged in, so that the USB watcher's
# thread, hotplug registration and teardown run under valgrind too
# letter: the test letter, for OCR (its worker thread, Tesseract, the
# text layer and the spool swap) under valgrind
letter=$IT_TOP/build/testpages/letter.png
[ -f "$letter" ] || it_die "test pages missing" "run make testpages"
IT_DEVICES="[device.default]\npath = pattern:\ndriver = kernel\n\n[device.usbu]\npath = libusb:1209:0001\ndriver = libusb\n\n[device.letter]\npath = pattern:image=$letter\ndriver = kernel" \
	it_write_config "[spool]\nmin_free_bytes = 1048576"
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
ACC_IF=org.mfpscan.Daemon1.Account
JOB_IF=org.mfpscan.Daemon1.Job
SP_IF=org.mfpscan.Daemon1.SpoolEntry
export IT_JOB_TRIES=1200	# valgrind is slow: up to 2 min per job

# --- accounts and scans to a local folder ------------------------------
check "GetCapabilities" mgr "$A" GetCapabilities
dir=$(it_local_dir "$A")
acc=$(it_create_local "$A" home "$dir") || it_die "alice cannot create a local account"
check "Update of the account" bctl "$A" call "$IT_DEST" "$acc" $ACC_IF Update \
	'a{sv}' 1 name-template s 'vg-{counter}'
check "a property of the account" \
	bctl "$A" get-property "$IT_DEST" "$acc" $ACC_IF NameTemplate
check "Check of the account" bctl "$A" call "$IT_DEST" "$acc" $ACC_IF Check
check "ListDestinations" mgr "$A" ListDestinations
check "the USB watcher waits for the absent libusb engine" \
	it_wait_for "$IT_DIR/daemon.log" 'usb: USB engine 1209:0001 \(device usbu\) is not plugged in' 600
check_error "a scan on the absent libusb engine is refused" "USB engine \(libusb:1209:0001\) is not plugged in" \
	mgr "$A" Scan 'oa{sv}' "$acc" 2 device s usbu format s pdf

for fmt in pdf jpeg; do
	out=$(mgr "$A" Scan 'oa{sv}' "$acc" 5 format s "$fmt" source s adf \
		color-mode s gray resolution u 75 pages u 2 2>&1)
	job=$(it_busctl_path "$out")
	assert_eq "$fmt scan to the local account is done" "done" \
		"$(it_wait_job "$A" "$job")"
done
check "alice can read her scan" as "$A" sh -c "cat '$dir'/vg-* >/dev/null"
# OCR of the letter's head (small: Tesseract under valgrind is slow), and
# OCR that cannot run (a language that is not installed).
for langs in eng zzz; do
	out=$(mgr "$A" Scan 'oa{sv}' "$acc" 6 device s letter ocr s "$langs" \
		color-mode s gray resolution u 300 width-mm u 120 height-mm u 40 2>&1)
	job=$(it_busctl_path "$out")
	assert_eq "a PDF scan with ocr $langs is done" "done" "$(it_wait_job "$A" "$job")"
	assert_match "its Ocr property says what came of it" \
		"^s \"(done: [1-9][0-9]* words|not done: .*zzz)" \
		"$(bctl "$A" get-property "$IT_DEST" "$job" $JOB_IF Ocr 2>&1)"
done
check "GetManagedObjects" bctl "$A" call "$IT_DEST" "$IT_PATH" \
	org.freedesktop.DBus.ObjectManager GetManagedObjects

# --- an upload through libcurl to a real WebDAV server ------------------
if it_have_dav; then
	it_start_dav
	out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' dav webdav \
		4 url s "$DAV_URL" username s "$DAV_USER" folder s vg/scans \
		allow-insecure-http s yes \
		1 password s "$DAV_PASSWORD" 2>&1)
	dav=$(it_busctl_path "$out")
	[ -n "$dav" ] || it_die "alice cannot create a webdav account" "$out"
	out=$(mgr "$A" Scan 'oa{sv}' "$dav" 4 format s pdf source s adf \
		resolution u 75 pages u 2 2>&1)
	assert_eq "a scan to WebDAV is done" "done" \
		"$(it_wait_job "$A" "$(it_busctl_path "$out")")"
	check "Check of the WebDAV account" \
		bctl "$A" call "$IT_DEST" "$dav" $ACC_IF Check
else
	fail "WebDAV server" "apache2 or tests/servers/apache-dav.sh missing"
fi

# --- a failing upload is spooled; Retry, Open, Discard ------------------
# Port 1 on loopback: nothing listens there (connection refused).
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' down webdav \
	3 url s http://127.0.0.1:1/dav username s alice allow-insecure-http s yes \
	1 password s vg-secret-not-here 2>&1)
down=$(it_busctl_path "$out")
[ -n "$down" ] || it_die "alice cannot create a webdav account" "$out"
out=$(mgr "$A" Scan 'oa{sv}' "$down" 3 format s png resolution u 75 \
	color-mode s mono 2>&1)
assert_eq "a scan to a server that is down is spooled" spooled \
	"$(it_wait_job "$A" "$(it_busctl_path "$out")")"
entry=$(it_busctl_path "$(mgr "$A" ListSpool 2>&1)")
[ -n "$entry" ] || it_die "no spool entry" "$(tail "$IT_DIR/daemon.log")"
check "the entry's properties" bctl "$A" call "$IT_DEST" "$entry" \
	org.freedesktop.DBus.Properties GetAll s $SP_IF
check_fails "Retry fails while the server is down" \
	bctl "$A" call "$IT_DEST" "$entry" $SP_IF Retry
# The next scan tries the kept entry first (it fails again: the server is
# down), and is not blocked by it (another account, nothing to fix).
out=$(pycall "$A" "$IT_PATH" "$IT_MGR" Scan 'oa{sv}' "('$acc', {'resolution': U(75)})" 2>&1)
job=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/job/[0-9]*' | head -n 1)
assert_eq "a new scan is not blocked by another account's server being down" done \
	"$(it_wait_job "$A" "$job")"
check "Open hands out the document" \
	pycall "$A" "$entry" $SP_IF Open '' '()'
check_fails "bob cannot Retry alice's entry" \
	bctl "$B" call "$IT_DEST" "$entry" $SP_IF Retry
check_fails "Discard without confirm is refused" \
	bctl "$A" call "$IT_DEST" "$entry" $SP_IF Discard b false
check "Discard with confirm" \
	bctl "$A" call "$IT_DEST" "$entry" $SP_IF Discard b true
assert_eq "the spool is empty" "ao 0" "$(mgr "$A" ListSpool 2>&1)"

# --- bad input ------------------------------------------------------------
check_fails "Scan with a wrong signature" \
	mgr "$A" Scan 'ss' "$acc" x
check_fails "Scan with an unknown option" \
	mgr "$A" Scan 'oa{sv}' "$acc" 1 colour s red
check_fails "Scan with a wrong option type" \
	mgr "$A" Scan 'oa{sv}' "$acc" 1 resolution s high
check_fails "Scan of bob's view of alice's account" \
	mgr "$B" Scan 'oa{sv}' "$acc" 0
check_fails "a template that escapes the folder" \
	bctl "$A" call "$IT_DEST" "$acc" $ACC_IF Update 'a{sv}' \
	1 name-template s '../x-{counter}'
check_fails "an unknown account type" mgr "$A" CreateAccount 'ssa{sv}a{sv}' \
	x ftp 0 0
check_fails "a 1 MiB account name" pycall "$A" "$IT_PATH" \
	org.mfpscan.Daemon1.Manager CreateAccount 'ssa{sv}a{sv}' \
	"(BIG, 'local', {'folder': '$dir'}, {})"
check_fails "bob cannot Delete alice's account" \
	bctl "$B" call "$IT_DEST" "$acc" $ACC_IF Delete
check_fails "a job path that does not exist" \
	bctl "$A" call "$IT_DEST" /org/mfpscan/Daemon1/job/999999 $JOB_IF Cancel

# --- deleting, and a last scan once the spool is clear ------------------
out=$(mgr "$A" Scan 'oa{sv}' "$acc" 2 format s tiff resolution u 75 2>&1)
assert_eq "a scan after Discard is done" "done" \
	"$(it_wait_job "$A" "$(it_busctl_path "$out")")"
check "Delete of the webdav account" \
	bctl "$A" call "$IT_DEST" "$down" $ACC_IF Delete
check "ListJobs" mgr "$A" ListJobs
it_daemon_alive "daemon alive after all of it"

# --- SIGTERM and valgrind's verdict ---------------------------------------
# vg_verdict WHAT: stop the daemon and read valgrind's log of that life.
vg_verdict() {
	local rc=0 summary leaks
	kill -TERM "$IT_DAEMON_PID"
	wait "$IT_DAEMON_PID" || rc=$?
	IT_DAEMON_PID=
	assert_eq "$1: the daemon exits 0 on SIGTERM under valgrind" 0 "$rc"
	summary=$(grep -E 'ERROR SUMMARY' "$VG_LOG" | tail -n 1)
	assert_match "$1: valgrind: no memory error" 'ERROR SUMMARY: 0 errors' "$summary"
	leaks=$(grep -E 'definitely lost:|indirectly lost:' "$VG_LOG")
	if grep -q 'All heap blocks were freed' "$VG_LOG"; then
		pass "$1: valgrind: nothing leaked"
	else
		assert_match "$1: valgrind: nothing definitely lost" \
			'definitely lost: 0 bytes' "$leaks"
		assert_match "$1: valgrind: nothing indirectly lost" \
			'indirectly lost: 0 bytes' "$leaks"
	fi
	if [ "$IT_FAIL" -gt 0 ]; then
		grep -E '^==[0-9]+== ' "$VG_LOG" | grep -vE 'Copyright|Using Valgrind|Command:' |
			head -n 60 >&2
	fi
}
vg_verdict "a day's work"

# --- a scan cut by SIGKILL, recovered under valgrind -----------------------
# A plain daemon scans a 50-page PDF and is killed once two pages are
# committed; the daemon under valgrind then assembles the partial document
# at start and uploads it.
VG_DAEMON=$IT_DAEMON
IT_DAEMON=$(it_find_prog mfpscand)
it_start_daemon
mgr "$A" Scan 'oa{sv}' "$acc" 6 format s pdf source s adf pages u 0 \
	color-mode s gray resolution u 300 name s cut >/dev/null 2>&1
for _ in $(seq 1 600); do
	[ -n "$(find "$IT_DIR/spool" -path '*.scan/0002.page' 2>/dev/null)" ] && break
	sleep 0.01
done
kill -KILL "$IT_DAEMON_PID"
wait "$IT_DAEMON_PID" 2>/dev/null
IT_DAEMON_PID=
check "the scan was cut with pages committed" \
	test -n "$(find "$IT_DIR/spool" -path '*.scan/0002.page')"
IT_DAEMON=$VG_DAEMON
VG_LOG=$IT_DIR/valgrind-recovery.log
sed -i "s|--log-file=[^ ]*|--log-file=$VG_LOG|" "$IT_DAEMON"
it_start_daemon
for _ in $(seq 1 1200); do
	ls "$dir" | grep -q -- '-partial-[0-9]*-pages\.pdf$' && break
	sleep 0.1
done
kept=$(ls "$dir" | grep -- '-partial-[0-9]*-pages\.pdf$')
assert_match "the partial document reached alice's folder" 'partial-[0-9]+-pages\.pdf' "$kept"
check "it has the pages it says" test "$(qpdf --show-npages "$dir/$kept" 2>&1)" = \
	"$(printf '%s' "$kept" | sed 's/.*-partial-\([0-9]*\)-pages.pdf/\1/')"
vg_verdict "recovery"
it_finish
