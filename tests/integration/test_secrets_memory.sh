#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_secrets_memory: a destination's password is wiped from the
# daemon's memory right after each use. Alice's WebDAV account (a real
# Apache with Basic auth) gets a random password; the daemon is restarted
# so that the password never passed through this process's bus buffers;
# then she scans twice and checks the account (each decrypts the secret,
# logs in and uploads). Once the jobs have finished, root reads every
# writable mapping of the daemon through /proc/PID/mem and searches it for
# the password: it must not be found anywhere (live or freed memory).
# Before finished jobs dropped their destination, the same probe found
# it twice: once in each finished job, kept for an hour.
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl
it_have_dav || it_die "Apache WebDAV server missing" "tests/servers/apache-dav.sh"
it_start_dav

A=$IT_ALICE
SECRET=pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
htpasswd -b "$IT_DAV_DIR/htpasswd" alicedav "$SECRET" 2>/dev/null ||
	it_die "cannot add the test login to Apache"

out=$(printf '%s\n' "$SECRET" | ctl "$A" accounts add dav --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username alicedav --folder alice --password-stdin 2>&1)
ACC=$(printf '%s\n' "$out" | grep -o '/org/mfpscan/Daemon1/account/[0-9a-zA-Z_]*')
[ -n "$ACC" ] || it_die "alice's account" "$out"

# probe PID: how many times the secret is in the process's writable memory.
cat >"$IT_DIR/bin/probe.py" <<'PY'
import re, sys
pid, needle = sys.argv[1], sys.argv[2].encode()
hits = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m[1], 16), int(m[2], 16), m[3]
        if "w" not in perms or "[vvar]" in line:
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except OSError:
            continue
        hits += data.count(needle)
print(hits)
PY

it_stop_daemon
it_start_daemon
for i in 1 2; do
	out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75 2>&1)
	JOB=$(it_busctl_path "$out")
	assert_eq "alice's scan $i is uploaded" done "$(it_wait_job "$A" "$JOB")"
done
out=$(bctl "$A" call "$IT_DEST" "$ACC" org.mfpscan.Daemon1.Account Check 2>&1)
assert_match "alice's account checks fine" '^bts true' "$out"
check "the uploads reached Apache" test -n "$(ls "$DAV_ROOT/alice" 2>/dev/null)"

# The probe can find it: a process that holds it (a control).
it_bg /usr/bin/python3 -c 'import sys, time; s = sys.argv[1] + ""; time.sleep(600)' \
	"$SECRET"
ctl_pid=$!
sleep 0.5
n=$(/usr/bin/python3 "$IT_DIR/bin/probe.py" "$(pgrep -P "$ctl_pid" || echo "$ctl_pid")" "$SECRET")
[ "$n" -ge 1 ] && pass "the probe finds the secret where it is ($n)" ||
	fail "the probe finds the secret where it is" "found $n times"

n=$(/usr/bin/python3 "$IT_DIR/bin/probe.py" "$IT_DAEMON_PID" "$SECRET")
echo "# the password's bytes in the daemon's writable memory after the jobs: $n"
assert_eq "the daemon's memory holds no copy of the password" 0 "$n"
it_daemon_alive "daemon alive"
it_finish
