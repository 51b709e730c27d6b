#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance's main job, narrated (run inside the guest by demo.sh).
# Two office users, alice and bob, each add a storage account; bob scans
# with mfpscanctl; alice scans from the panel button; alice's storage is
# full, so her document is kept in her spool and she gets a mail; she frees
# space; the background retry uploads it and she gets a "cleared" mail.
set -u
. "$(dirname "$0")/../integration/lib.sh"
IT_TEST=demo
it_init
it_need_ctl
it_need_verify
A=$IT_ALICE
B=$IT_BOB
# wait_until SECONDS CMD...: poll CMD once a second (bounded; the guest is
# emulated, so a tight loop of short-lived processes would crawl).
wait_until() {
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
		n=$((n - 1))
	done
	return 1
}
mails_to() { grep -l "^To: .*$1" "$SMTP_MAILDIR"/new/* 2>/dev/null | wc -l; }
# mail_subjects ADDR: the subjects of the mails to ADDR, oldest first, one a
# line (headers parsed, folding undone).
mail_subjects() {
	/usr/bin/python3 - "$SMTP_MAILDIR/new" "$1" <<'PY'
import email, os, sys
d = sys.argv[1]
ms = []
for n in os.listdir(d):
    with open(os.path.join(d, n), "rb") as f:
        m = email.message_from_binary_file(f)
    if sys.argv[2] in str(m.get("To", "")):
        ms.append((os.stat(os.path.join(d, n)).st_mtime_ns, n, " ".join(str(m["Subject"]).split())))
for _, _, s in sorted(ms):
    print(s)
PY
}
# The pages each scan asks for: what the files on the server must hold.
BOB_PAGES=2
ALICE_PAGES=3
# Builtins only: no process per poll.
watch_saw() { [[ $(<"$IT_DIR/alice-watch.txt") == *"$1"* ]]; }
alice_has_mails() { [ "$(mails_to alice@office.example)" -ge "$1" ]; }
step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }
tell() { printf '    %s\n' "$*"; }

step "1. The appliance boots: module, engine, disk, bus, servers, daemon"
mkdir -p /var/spool/mfpscan /var/lib/mfpscan /etc/mfpscan
modprobe virtio_blk; modprobe ext4
for i in $(seq 1 50); do [ -b /dev/vda ] && break; sleep 0.1; done
mount -t ext4 /dev/vda /var/spool/mfpscan || it_die "cannot mount the spool disk"
mkdir -p /var/spool/mfpscan/state
mount --bind /var/spool/mfpscan/state /var/lib/mfpscan
chmod 0700 /var/spool/mfpscan /var/lib/mfpscan
tell "spool and state on the persistent disk /dev/vda ($(df -h /var/spool/mfpscan | awk 'NR==2{print $2}'))"
getent group scanner >/dev/null || groupadd --system scanner
mkdir -p /etc/udev/rules.d
install -m 0644 "$IT_TOP/udev/70-mfpscan.rules" /etc/udev/rules.d/
udevd=/lib/systemd/systemd-udevd
[ -x "$udevd" ] || udevd=/usr/lib/systemd/systemd-udevd
"$udevd" --daemon && udevadm control --ping || it_die "systemd-udevd did not start"
tell "systemd-udevd runs with udev/70-mfpscan.rules"
sh "$IT_TOP/scripts/load-modules.sh" || it_die "cannot load mfpscan.ko and mfpscan_sim.ko"
sim=/sys/kernel/config/mfpscan-sim/panel
mkdir "$sim" && echo "MFP-SIM 3000" >"$sim/model" && echo 10 >"$sim/adf_pages" &&
	echo 1 >"$sim/live" || it_die "cannot create the simulated engine"
dev=/dev/$(cat "$sim/devname")
udevadm settle -t 30
tell "udev made $(ls -l "$dev" | awk '{print $1, $3 ":" $4}') $dev and $(ls -l /dev/mfpscan | awk '{print $9, $10, $11}')"
tell "scanner engine: $(cat /sys/class/mfpscan/${dev#/dev/}/model) at $dev (simulated, mfpscan_sim.ko)"

it_start_dav 2048
# alice's share of the server is a small disk that is already almost full.
mkdir -p "$DAV_ROOT/full/alice" "$DAV_ROOT/bob"
chown -R www-data: "$DAV_ROOT/full" "$DAV_ROOT/bob"
head -c $(( $(df -k --output=avail "$DAV_ROOT/full" | tail -n 1) * 1024 - 8192 )) /dev/urandom \
	>"$DAV_ROOT/full/alice/old-archive.zip"
chown www-data: "$DAV_ROOT/full/alice/old-archive.zip"
tell "WebDAV server: $DAV_URL (Apache mod_dav); alice's space: $(df -h --output=avail "$DAV_ROOT/full" | tail -n 1 | tr -d ' ') free"
eval "$(bash "$IT_TOP/tests/servers/smtp.sh" start "$IT_DIR/smtp")" ||
	it_die "the SMTP server did not start"
tell "mail server: $SMTP_URL (aiosmtpd, Maildir $SMTP_MAILDIR)"

install -D -m 0644 "$IT_TOP/dbus/org.mfpscan.Daemon1.conf" \
	/usr/share/dbus-1/system.d/org.mfpscan.Daemon1.conf
mkdir -p /run/dbus
dbus-daemon --system --fork || it_die "the system dbus-daemon did not start"
IT_BUS_ADDR=unix:path=/run/dbus/system_bus_socket
export IT_BUS_ADDR DBUS_SYSTEM_BUS_ADDRESS=$IT_BUS_ADDR
tell "system bus up with the installed policy (dbus/org.mfpscan.Daemon1.conf)"

cat >/etc/mfpscan/mfpscand.conf <<CONF
[daemon]
default_device = panel
pending_policy = block
[device.panel]
path = $dev
driver = kernel
[retry]
initial_s = 5
max_interval_s = 60
count = 24
slow_factor = 1
[mail]
smtp_url = $SMTP_URL
from = scanner@appliance.example
starttls = no
CONF
IT_CONF=/etc/mfpscan/mfpscand.conf
it_start_daemon
tell "mfpscand runs: $IT_DAEMON --config /etc/mfpscan/mfpscand.conf (pid $IT_DAEMON_PID)"
assert_eq "it runs as the service user mfpscan (the engine is group scanner's)" \
	"$(id -u mfpscan)" "$(awk '/^Uid:/ {print $2}' "/proc/$IT_DAEMON_PID/status" 2>&1)"
tell "as $(stat -c %U "/proc/$IT_DAEMON_PID"); it gave its spool and state disk to mfpscan: $(stat -c %U:%G /var/spool/mfpscan /var/lib/mfpscan | tr '\n' ' ')"

step "2. Two users add their storage accounts (mfpscanctl, as themselves)"
printf '%s\n' "$DAV_PASSWORD" | ctl "$B" accounts add office --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder bob \
	--notify-email bob@office.example --password-stdin
printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add cloud --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder full/alice \
	--notify-email alice@office.example --password-stdin
tell "bob:   $(ctl "$B" accounts list 2>&1 | tail -n +2 | tr -s ' ')"
tell "alice: $(ctl "$A" accounts list 2>&1 | tail -n +2 | tr -s ' ')"
as "$A" "$IT_CTL" watch >"$IT_DIR/alice-watch.txt" 2>&1 &
IT_BGPIDS+=("$!")

step "3. bob scans a 2-page contract from his session (mfpscanctl scan)"
out=$(ctl "$B" scan --to office --source adf --pages $BOB_PAGES --format pdf --mode mono \
	--resolution 150 --name contract 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "bob's scan is delivered" 0 "$rc"

step "4. alice presses the scan button on the panel"
if ctl "$A" profile --help >/dev/null 2>&1; then
	ctl "$A" profile set 1 --to cloud --source adf --pages $ALICE_PAGES --format pdf \
		--mode gray --resolution 150 || fail "alice assigns panel profile 1"
	tell "alice assigned panel profile 1 to her account (3 pages, PDF, gray)"
	echo 1 >/sys/kernel/debug/mfpscan/${dev#/dev/}/button
	tell "button 1 pressed on the panel (a uevent MFPSCAN_EVENT=button MFPSCAN_PROFILE=1)"
else
	fail "panel profiles" "this build's mfpscanctl has no 'profile' command"
	ctl "$A" scan --no-wait --to cloud --source adf --pages $ALICE_PAGES --format pdf \
		--mode gray --resolution 150 >/dev/null 2>&1
fi
if wait_until 120 watch_saw upload-failed; then
	tell "alice's session (mfpscanctl watch) sees:"
	grep -E 'upload-failed|spooled' "$IT_DIR/alice-watch.txt" | cut -c1-150 | sed 's/^/      /'
else
	fail "alice's session is told of the failed upload" "$(cat "$IT_DIR/alice-watch.txt")"
fi
list=$(ctl "$A" spool list 2>&1)
printf '%s\n' "$list" | sed 's/^/    /'
assert_match "alice's document is kept in her spool" 'storage' "$list"
wait_until 60 alice_has_mails 1
subj=$(mail_subjects alice@office.example)
tell "the mail alice got: Subject: $subj"
assert_match "one mail told alice her scan is waiting because her storage is full" \
	'^Scan not uploaded yet: "[^"]+\.pdf" is waiting for "cloud" \(your storage is full\)$' "$subj"
doc=$(printf '%s\n' "$subj" | sed -n 's/^Scan not uploaded yet: "\([^"]*\)".*/\1/p')
ls -l "$DAV_ROOT/full/alice" | sed 's/^/    server: /'

step "5. alice frees space on her storage (deletes an old archive)"
curl -sS -f -o /dev/null -u "$DAV_USER:$DAV_PASSWORD" -X DELETE \
	"$DAV_URL/full/alice/old-archive.zip" && tell "DELETE old-archive.zip: done"
tell "nobody does anything else; the daemon retries in the background..."
if wait_until 180 watch_saw upload-recovered; then
	tell "alice's session sees:"
	grep -E 'upload-recovered' "$IT_DIR/alice-watch.txt" | sed 's/^/      /'
else
	fail "alice's session is told of the recovered upload" "$(cat "$IT_DIR/alice-watch.txt")"
fi
n=$(ctl "$A" spool list 2>&1 | tail -n +2 | grep -c . || true)
assert_eq "alice's spool is empty again" 0 "$n"
wait_until 60 alice_has_mails 2
subj=$(mail_subjects alice@office.example | tail -n +2)
tell "the second mail alice got: Subject: $subj"
assert_eq "a second mail told alice that very document is now in her storage" \
	"Scan uploaded: \"$doc\" is now in \"cloud\"" "$subj"
assert_eq "bob, whose scan went through, got no mail" 0 "$(mails_to bob@office.example)"

step "6. Where every page went"
for f in "$DAV_ROOT"/bob/*.pdf "$DAV_ROOT"/full/alice/*.pdf; do
	[ -e "$f" ] || continue
	owner=bob want=$BOB_PAGES
	case $f in */alice/*) owner=alice want=$ALICE_PAGES ;; esac
	tell "$owner: ${f#"$DAV_ROOT"} ($(qpdf --show-npages "$f" 2>/dev/null) pages, $(stat -c %s "$f") bytes, sha256 $(sha256sum "$f" | cut -c1-16)...)"
	check "$owner's ${f##*/} is the $want pages $owner asked for, as the engine made them" \
		"$IT_VERIFY" --format pdf --pages "$want" "$f"
done
assert_eq "bob's contract is the one PDF in his folder" 1 "$(ls "$DAV_ROOT"/bob/*.pdf 2>/dev/null | wc -l)"
assert_eq "alice's button scan is the one PDF in hers, under the mailed name" \
	"$DAV_ROOT/full/alice/$doc" "$(ls "$DAV_ROOT"/full/alice/*.pdf 2>/dev/null)"
it_daemon_alive "the daemon is still serving"
bash "$IT_TOP/tests/servers/smtp.sh" stop "$IT_DIR/smtp" >/dev/null 2>&1
it_finish
