#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-poweroff STEP CUTS [FORMATS]: one boot of the power-cut suite. The
# guest's power is cut (sysrq 'o': no sync, no unmount, like pulling the plug) at a
# random page of a 50-sheet ADF job, and the next boot, from the same disk
# (/dev/vda), checks what survived. tests/vm/run-poweroff.sh chains the
# boots: boot 1 is STEP "first", boots 2 .. CUTS are "next" (check the
# previous cut, make a new one), the last is "last" (check only). Cut i is
# a PDF job when i is odd, a JPEG job when it is even (FORMATS "both", the
# default), or every cut is in FORMATS ("pdf", "jpeg"); results travel in
# build/vm/share/poweroff.
#
# first: alice's storage server is down: four scans are spooled and each
#   entry's sha256 recorded (the spool survives the cut), then cut 1.
# a cut: K is drawn from 1..49; the scan runs (engine paced at 2000
#   lines/s, about 0.6 s a page) until K pages are committed in the scan's
#   directory and page K+1 is being written: its NNNN.part exists (for
#   JPEG: is non-empty). The daemon is stopped there (SIGSTOP); the scan's
#   ticket (made before reading, S302) is checked field by field; the page
#   file, its size and K are recorded; then the power goes.
# next/last: the server is up; the account is pointed at it; every entry
#   is retried until the spool is empty. For the previous cut: exactly K
#   pages reached the server under names that say so (PDF:
#   cutI-partial-K-pages.pdf with K pages; JPEG: cutI-partial-001.jpg ..
#   -K.jpg), each checked against the engine's pattern (mfpscan-verify);
#   the recorded page K+1 is in orphans/ (its fate: kept, not deleted);
#   alice got exactly one "partial document kept" mail about it; no scan
#   directory is left. After the first cut, the four spooled documents are
#   on the server exactly once, byte-exact.
set -u
step=$1
cuts=$2
formats=${3:-both}
. "$(dirname "$0")/../integration/lib.sh"
IT_TEST=poweroff-$step
it_init
it_need_ctl
it_need_verify
share=$IT_TOP/build/vm/share/poweroff
mkdir -p "$share"
A=$IT_ALICE
UIDA=$IT_ALICE_UID

modprobe virtio_blk; modprobe ext4
for i in $(seq 1 50); do [ -b /dev/vda ] && break; sleep 0.1; done
mkdir -p /appliance
mount -t ext4 /dev/vda /appliance || it_die "cannot mount the disk"
mkdir -p /appliance/spool /appliance/state
chmod 0700 /appliance/spool /appliance/state
SPOOL=/appliance/spool/$UIDA

# the daemon runs as mfpscan: the rules give it the engine (group scanner)
it_guest_udevd
sh "$IT_TOP/scripts/load-modules.sh" || it_die "load-modules"
sim=/sys/kernel/config/mfpscan-sim/power
mkdir "$sim" && echo 50 >"$sim/adf_pages" && echo 2000 >"$sim/line_rate" &&
	echo 1 >"$sim/live" || it_die "sim instance"
dev=/dev/$(cat "$sim/devname")
udevadm settle -t 30

it_start_bus
# Mail and storage are up before the daemon: its recovery tells the owner
# at start, and uploads what it kept at once.
eval "$(bash "$IT_TOP/tests/servers/smtp.sh" start "$IT_DIR/smtp")" ||
	it_die "SMTP server"
[ "$step" = first ] || it_start_dav
IT_CONF=$IT_DIR/mfpscand.conf
cat >"$IT_CONF" <<CONF
[daemon]
state_dir = /appliance/state
spool_dir = /appliance/spool
pending_policy = allow
[device.default]
path = $dev
[retry]
initial_s = $([ "$step" = first ] && echo 3600 || echo 1)
max_interval_s = 3600
count = 24
slow_factor = 1
[mail]
smtp_url = $SMTP_URL
from = scanner@appliance.example
starttls = no
CONF
it_start_daemon
assert_eq "the daemon runs as the service user mfpscan" "$(id -u mfpscan)" \
	"$(awk '/^Uid:/ {print $2}' "/proc/$IT_DAEMON_PID/status" 2>&1)"

# --- the previous cut, after the reboot -----------------------------------

# mails_about PATTERN: how many delivered mails have a subject matching it.
mails_about() {
	/usr/bin/python3 - "$SMTP_MAILDIR/new" "$1" <<'PY'
import email, email.header, os, re, sys
d, pat = sys.argv[1], re.compile(sys.argv[2])
n = 0
for f in os.listdir(d) if os.path.isdir(d) else []:
    m = email.message_from_binary_file(open(os.path.join(d, f), "rb"))
    s = str(email.header.make_header(email.header.decode_header(m["Subject"] or "")))
    n += bool(pat.search(" ".join(s.split())))
print(n)
PY
}

# drain: point the account at the server now up, retry until none is left.
drain() {
	local acc left id
	acc=$(ctl "$A" accounts list 2>&1 | awk 'NR > 1 { print $1 }' | head -n 1)
	check "the account is pointed at the server now up" \
		ctl "$A" accounts update "$acc" --url "$DAV_URL" --username "$DAV_USER"
	printf '%s\n' "$DAV_PASSWORD" >"$IT_DIR/pw"
	chmod 0644 "$IT_DIR/pw"
	check "... and its password" as "$A" "$IT_CTL" accounts update "$acc" \
		--password-file "$IT_DIR/pw"
	for _ in $(seq 1 60); do
		left=$(ctl "$A" spool list 2>&1 | awk 'NR > 1 { print $1 }')
		[ -z "$left" ] && break
		for id in $left; do ctl "$A" spool retry "$id" >/dev/null 2>&1; done
		sleep 0.5
	done
	assert_eq "every entry was uploaded after the reboot" "" "$left"
}

check_spooled_four() {
	local sum hits
	for sum in $(cat "$share/spooled.txt"); do
		hits=$(find "$DAV_ROOT/alice" -type f -exec sha256sum {} + 2>/dev/null |
			grep -c "^$sum")
		assert_eq "spooled document ${sum:0:12} is on the server exactly once" 1 "$hits"
	done
}

check_cut() {
	local i fmt k scan part size name got n want
	read -r i fmt k scan part size <"$share/cut.txt"
	echo "checking cut $i: $fmt, $k pages finished, $part ($size bytes) being written"
	got=$(cd "$DAV_ROOT/alice" && ls -1 "cut$i-"* 2>/dev/null | sort | tr '\n' ' ')
	if [ "$fmt" = pdf ]; then
		name=cut$i-partial-$k-pages.pdf
		assert_eq "cut $i: one document, named partial with its $k pages" "$name " "$got"
		n=$(qpdf --show-npages "$DAV_ROOT/alice/$name" 2>&1)
		assert_eq "cut $i: it has exactly the $k pages finished before the cut" "$k" "$n"
		check "cut $i: every page is the engine's page (mfpscan-verify)" \
			"$IT_VERIFY" --format pdf --pages "$k" "$DAV_ROOT/alice/$name"
	else
		want=$(for p in $(seq 1 "$k"); do printf 'cut%s-partial-%03d.jpg ' "$i" "$p"; done)
		assert_eq "cut $i: exactly the $k pages finished before the cut, named partial" \
			"$want" "$got"
		for p in $(seq 1 "$k"); do
			name=$(printf 'cut%s-partial-%03d.jpg' "$i" "$p")
			"$IT_VERIFY" --format jpeg --first-page $((p - 1)) "$DAV_ROOT/alice/$name" \
				>/dev/null 2>&1 || fail "cut $i: $name is the engine's page $p" "mfpscan-verify"
		done
		pass "cut $i: the $k pages checked with mfpscan-verify"
	fi
	check "cut $i: the page being written at the cut is kept in orphans/" \
		test -f "$SPOOL/orphans/$scan-$part"
	assert_eq "cut $i: one \"partial document kept\" mail, about $k pages" 1 \
		"$(mails_about "partial document of $k pages? was kept as \"cut$i-partial")"
	assert_eq "cut $i: no scan directory is left" "" \
		"$(find "$SPOOL" -maxdepth 1 -name '*.scan')"
}

if [ "$step" != first ]; then
	grep -q ' 0 failed' "$share/result.txt" 2>/dev/null ||
		fail "the boot before the cut passed" "$(cat "$share/result.txt" 2>/dev/null)"
	drain
	[ -s "$share/spooled.txt" ] && check_spooled_four && : >"$share/spooled.txt"
	check_cut
fi
if [ "$step" = last ]; then
	it_finish
	exit
fi

# --- spooled entries (first boot, server down) ------------------------------

if [ "$step" = first ]; then
	printf 'secret\n' | ctl "$A" accounts add cloud --type webdav --allow-insecure-http yes \
		--url http://127.0.0.1:9/dav --username scanuser --folder alice --name-template '{name}' \
		--notify-email alice@office.example --password-stdin >/dev/null ||
		it_die "account"
	: >"$share/spooled.txt"
	for i in 1 2 3 4; do
		# i pages: every accepted document differs from the others.
		out=$(ctl "$A" scan --to cloud --source adf --pages "$i" --format pdf \
			--mode mono --resolution 75 --height-mm 50 2>&1) && rc=0 || rc=$?
		assert_eq "scan $i is kept in the spool (server down)" 2 "$rc"
		ctl "$A" spool list 2>&1 | awk 'NR > 1 { print $1 }' | sort >"$IT_DIR/ids"
		touch "$IT_DIR/seen"
		id=$(comm -13 "$IT_DIR/seen" "$IT_DIR/ids" | head -n 1)
		cp "$IT_DIR/ids" "$IT_DIR/seen"
		ctl "$A" spool export "$id" - | sha256sum | cut -d' ' -f1 >>"$share/spooled.txt"
	done
	check "four entries recorded" test "$(wc -l <"$share/spooled.txt")" -eq 4
	i=1
else
	read -r i _ <"$share/cut.txt"
	i=$((i + 1))
fi

# --- the cut -----------------------------------------------------------------

case $formats in
pdf | jpeg) fmt=$formats ;;
*) fmt=$([ $((i % 2)) -eq 1 ] && echo pdf || echo jpeg) ;;
esac
k=$((RANDOM % 49 + 1))
part=$(printf '%04d.part' $((k + 1)))
ctl "$A" scan --no-wait --to cloud --source adf --pages 0 --format "$fmt" \
	--mode color --resolution 150 --width-mm 148 --height-mm 210 --name "cut$i" \
	>/dev/null 2>&1 || fail "cut $i: the scan starts" "mfpscanctl scan"
# Builtins only until the daemon is stopped: a page takes 0.6 s, and a
# fork under TCG can take a good part of that.
exec {nap}<> <(:)
deadline=$((SECONDS + 300))
sd=
while [ -z "$sd" ] && [ "$SECONDS" -lt "$deadline" ]; do
	for d in "$SPOOL"/*.scan; do [ -d "$d" ] && sd=$d; done
	[ -n "$sd" ] || read -r -t 0.01 -u "$nap" || :
done
[ -n "$sd" ] || it_die "cut $i: no scan directory appeared"
# Wait until K pages are committed and page K+1 is being written, then
# stop the daemon where it is, so that what is recorded is what the cut
# finds; the power cut is the test.
while [ "$SECONDS" -lt "$deadline" ] && [ -d "$sd" ]; do
	if [ "$fmt" = pdf ]; then [ -e "$sd/$part" ] && break
	else [ -s "$sd/$part" ] && break; fi
	read -r -t 0.01 -u "$nap" || :
done
kill -STOP "$IT_DAEMON_PID"
if ! [ -e "$sd/$part" ]; then
	ls -la "$sd" 2>&1 | tail -n 5
	tail -n 20 "$IT_DIR/daemon.log"
fi
scan=$(basename "$sd" .scan)
size=$(stat -c %s "$sd/$part" 2>/dev/null || echo missing)
done_pages=$(find "$sd" -name '*.page' | wc -l)
assert_eq "cut $i: $k pages finished when page $((k + 1)) is being written" "$k" "$done_pages"
# A PDF page's PNG fragment may sit in the encoder's buffer until the page
# ends: there the file's existence shows the page begun.
midwrite=no
case $fmt:$size in
pdf:missing | jpeg:missing | jpeg:0) ;;
*) midwrite=yes ;;
esac
assert_eq "cut $i: page $((k + 1)) is mid-write ($part, $size bytes)" yes "$midwrite"
# The ticket exists before the first page, with every field of 702-705.
/usr/bin/python3 - "$sd/ticket.json" "$fmt" "$i" "$UIDA" >"$IT_DIR/ticket.check" 2>&1 <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
fmt, i, uid = sys.argv[2], sys.argv[3], int(sys.argv[4])
want = {
    ("reading", "source"): "adf", ("reading", "color-mode"): "color",
    ("reading", "resolution"): 150, ("reading", "width-mm"): 148,
    ("reading", "height-mm"): 210, ("reading", "pages"): 0,
    ("reading", "format"): fmt,
    ("model", "device"): "default", ("model", "model"): "MFP-SIM",
    ("model", "mechanisms"): "flatbed,adf,adf-duplex",
    ("processing", "codec"): "jpeg", ("processing", "quality"): 85,
    ("processing", "compression"): 0, ("processing", "ocr"): "",
    ("destination", "account-name"): "cloud", ("destination", "type"): "webdav",
    ("destination", "folder"): "alice",
    ("destination", "file-name"): "cut%s.%s" % (i, "pdf" if fmt == "pdf" else "jpg"),
    ("document", "owner"): uid, ("document", "partial"): True,
    ("document", "pages"): 0, ("retry", "state"): "waiting",
}
bad = ["%s.%s = %r, want %r" % (g, k, t[g][k], v)
       for (g, k), v in want.items() if t[g][k] != v]
if t["version"] != 3:
    bad.append("version %r" % t["version"])
if not t["destination"]["account"].startswith("/org/mfpscan/Daemon1/account/"):
    bad.append("destination.account %r" % t["destination"]["account"])
print("\n".join(bad) or "ok")
PY
assert_eq "cut $i: the daemon's ticket holds 702-705 before reading" ok "$(cat "$IT_DIR/ticket.check")"
echo "$i $fmt $k $scan $part $size" >"$share/cut.txt"
printf '%d passed, %d failed\n' "$IT_PASS" "$IT_FAIL" >"$share/result.txt"
sync -f "$share/cut.txt"
sync -f "$share/result.txt"
echo "cut $i ($fmt): cutting the power with $k pages finished, $part at $size bytes"
echo o >/proc/sysrq-trigger
sleep 30
