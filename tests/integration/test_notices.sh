#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_notices: the notices a user could miss are kept until the user has
# seen them (Manager.ListNotices / AckNotices; spool.rst, "Notices kept
# until seen"), with the real daemon on a private system bus and two real
# users. Nobody listens while they are raised:
#   - a scan cut while page 2 is written (the daemon frozen and killed)
#     and a leftover in alice's tmp/: at the next start, a "partial-kept"
#     and an "orphans-kept" notice for alice;
#   - root discards one of alice's kept documents: a "discarded" notice;
#   - and before all that, her scan to a server that is down is kept: a
#     "kept" notice (will retry).
# Only alice lists them, bob sees none and cannot acknowledge hers; they
# survive a restart with their ids; alice acknowledges them and they are
# gone, also after a restart; a bad argument is refused, the daemon lives.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
pages=$IT_TOP/build/testpages
[ -f "$pages/letter.png" ] || it_die "test pages missing" "run make testpages"
# stall=1:300: page 2 never ends, so the cut always finds it being written
# (a whole page could slip past the cutter's polling on a loaded host).
IT_DEVICES="[device.default]\npath = pattern:image=$pages/letter.png,stall=1:300\ndriver = kernel"
IT_PENDING_POLICY=allow	# the cut scan goes to the account with a kept one
IT_RETRY_INITIAL=3600	# no background retry during the test
it_write_config
it_start_bus
it_start_daemon

A=$IT_ALICE
B=$IT_BOB
ASPOOL=$IT_DIR/spool/$IT_ALICE_UID

# notices USER: the ListNotices reply as busctl prints it.
notices() { mgr "$1" ListNotices 2>&1; }
# ids USER: the user's notice ids, space separated.
ids() {
	notices "$1" | grep -oE '\(?[0-9]+ "(kept|sent-after-retry|needs-attention|partial-kept|orphans-kept|discarded|several)"' |
		grep -oE '^[0-9]+' | tr '\n' ' '
}
# ack USER ID...: AckNotices as USER; prints the reply.
ack() {
	local u=$1
	shift
	mgr "$u" AckNotices at "$#" "$@" 2>&1
}

out=$(ctl "$A" accounts add down --type webdav --allow-insecure-http yes --url http://127.0.0.1:1/dav \
	--username x --password-stdin --name-template '{name}' <<<"pw" 2>&1)
assert_match "alice adds an account whose server is down" created "$out"
assert_eq "at first alice has no notice" "a(tsxsu) 0" "$(notices "$A")"

# --- raised while nobody listens -----------------------------------------
out=$(ctl "$A" scan --to down --format png --resolution 75 --name kept1 2>&1) && rc=0 || rc=$?
assert_eq "a scan to the server that is down is kept (exit 2)" 2 "$rc"
KEPT=$(mgr "$A" ListSpool | grep -o '"/org/[^"]*"' | head -n 1 | tr -d '"')
assert_match "alice has a kept document" '^/org/mfpscan/Daemon1/spool/' "$KEPT"
assert_match "and a notice: kept, will retry, with the server's words" \
	'^a\(tsxsu\) 1 [0-9]+ "kept" [0-9]+ "Kept: storage unreachable [^ ]+ will retry\. [^ ]*kept1[^ ]* for down was not uploaded \(.*127\.0\.0\.1.*\); it is kept on the scanner and sent in the background\." 1$' \
	"$(notices "$A")"
assert_eq "her scan is cut after page 1" 1 "$(it_cut_scan "$A" --to down \
	--format pdf --mode gray --resolution 300 --source adf --pages 3 --name cutdoc)"
IT_DAEMON_PID=
printf 'half a page\n' >"$ASPOOL/tmp/leftover.doc"
chown --reference="$ASPOOL" "$ASPOOL/tmp/leftover.doc"
it_start_daemon
list=$(notices "$A")
assert_match "after the start alice has three notices" '^a\(tsxsu\) 3 ' "$list"
assert_match "one says a partial document of 1 page was kept, and its name" \
	'"partial-kept" [0-9]+ "A partial document of 1 page was kept as \\"cutdoc-partial-1-pages.pdf\\" for down: .*" 1' "$list"
assert_match "one names the files kept in orphans/ (the cut page, the leftover)" \
	'"orphans-kept" [0-9]+ "2 files left over from scans or uploads cut short were kept in the spool.{1,2}s orphans folder, not deleted: [0-9a-f]+-0002\.part, leftover\.doc\.' \
	"$list"
check "the notices are a file in alice's spool" test -s "$ASPOOL/notices/notices.json"
assert_eq "bob has none" "a(tsxsu) 0" "$(notices "$B")"
check "root can discard alice's kept document" \
	dsend root --dest="$IT_DEST" "$KEPT" org.mfpscan.Daemon1.SpoolEntry.Discard boolean:true
list=$(notices "$A")
assert_match "alice gets a fourth notice: root discarded it" \
	'"discarded" [0-9]+ "Your kept document \\"kept1[^"]*\\" for down was discarded by the administrator \(uid 0\)\." 1' \
	"$list"
assert_eq "root lists only root's notices (none)" "a(tsxsu) 0" "$(notices root)"
IDS=$(ids "$A")
assert_eq "four ids" 4 "$(wc -w <<<"$IDS")"

# --- only the owner acknowledges ------------------------------------------
# shellcheck disable=SC2086 # word splitting of the ids is meant
assert_eq "bob acknowledging alice's ids removes nothing" "u 0" "$(ack "$B" $IDS)"
assert_eq "alice still has them" "$IDS" "$(ids "$A")"

# --- durable --------------------------------------------------------------
it_stop_daemon
it_start_daemon
assert_eq "after a restart alice has the same notices, same ids" "$IDS" "$(ids "$A")"

# --- acknowledged ---------------------------------------------------------
first=${IDS%% *}
assert_eq "alice acknowledges the first" "u 1" "$(ack "$A" "$first")"
assert_eq "acknowledging it again does nothing" "u 0" "$(ack "$A" "$first")"
rest=${IDS#* }
# shellcheck disable=SC2086
assert_eq "then the three others" "u 3" "$(ack "$A" $rest)"
assert_eq "none is left" "a(tsxsu) 0" "$(notices "$A")"
it_stop_daemon
it_start_daemon
assert_eq "and none comes back after a restart" "a(tsxsu) 0" "$(notices "$A")"

# --- bad arguments --------------------------------------------------------
out=$(mgr "$A" AckNotices s nope 2>&1)
assert_match "AckNotices with a string is refused" 'InvalidArgument|[Ii]nvalid' "$out"
it_daemon_alive "the daemon is alive"
it_finish
