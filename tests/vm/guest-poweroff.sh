#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-poweroff PHASE: a hard power-off of the appliance while documents
# are being spooled, then a reboot from the same disk (tests/vm/run-poweroff.sh
# boots the guest twice on one disk image; results travel in build/vm/share).
#
# phase 1: the storage server is down; alice's scans are spooled one after
#   the other on the persistent disk (/dev/vda); after each "spooled" the
#   entry's sha256 is recorded; while one more scan is running the power is
#   cut (sysrq 'o': no sync, no unmount, like pulling the plug).
# phase 2: same disk, server up: the daemon recovers the spool (no half
#   entries: a torn last scan may vanish, since it was never accepted),
#   uploads every entry, and each recorded document is on the server exactly
#   once, byte-exact.
set -u
phase=$1
. "$(dirname "$0")/../integration/lib.sh"
IT_TEST=poweroff-$phase
it_init
it_need_ctl
it_need_verify
share=$IT_TOP/build/vm/share/poweroff
mkdir -p "$share"
A=$IT_ALICE

modprobe virtio_blk; modprobe ext4
for i in $(seq 1 50); do [ -b /dev/vda ] && break; sleep 0.1; done
mkdir -p /appliance
mount -t ext4 /dev/vda /appliance || it_die "cannot mount the disk"
mkdir -p /appliance/spool /appliance/state /appliance/dav
chmod 0700 /appliance/spool /appliance/state

insmod "$IT_TOP/kernel/mfpscan.ko" || it_die "insmod"
sim=/sys/kernel/config/mfpscan-sim/power
mkdir "$sim" && echo 1 >"$sim/live" || it_die "sim instance"
dev=/dev/$(cat "$sim/devname")

# The same WebDAV data directory on the disk in both phases; in phase 1 the
# account points at a port where nothing listens (server down).
it_start_bus
IT_CONF=$IT_DIR/mfpscand.conf
cat >"$IT_CONF" <<CONF
[daemon]
state_dir = /appliance/state
spool_dir = /appliance/spool
pending_policy = allow
[device.default]
path = $dev
[retry]
initial_s = $([ "$phase" = 1 ] && echo 3600 || echo 1)
max_interval_s = 3600
count = 24
slow_factor = 1
CONF
it_start_daemon

if [ "$phase" = 1 ]; then
	printf 'secret\n' | ctl "$A" accounts add cloud --type webdav \
		--url http://127.0.0.1:9/dav --username scanuser --folder alice \
		--password-stdin >/dev/null || it_die "account"
	: >"$share/spooled.txt"
	for i in 1 2 3 4; do
		# i pages: every accepted document differs from the others.
		out=$(ctl "$A" scan --to cloud --source adf --pages "$i" --format pdf \
			--mode mono --resolution 75 2>&1) && rc=0 || rc=$?
		assert_eq "scan $i is kept in the spool (server down)" 2 "$rc"
		# Record what was accepted, as the user would see it.
		ctl "$A" spool list 2>&1 | awk 'NR > 1 { print $1 }' | sort >"$IT_DIR/ids"
		touch "$share/ids"
		id=$(comm -13 "$share/ids" "$IT_DIR/ids" | head -n 1)
		cp "$IT_DIR/ids" "$share/ids"
		ctl "$A" spool export "$id" - | sha256sum | cut -d' ' -f1 >>"$share/spooled.txt"
	done
	check "four entries recorded" test "$(wc -l <"$share/spooled.txt")" -eq 4
	# One more scan, and the plug is pulled while it runs.
	ctl "$A" scan --no-wait --to cloud --source adf --pages 8 --format pdf \
		--mode color --resolution 150 >/dev/null 2>&1
	sleep 1
	printf '%d passed, %d failed\n' "$IT_PASS" "$IT_FAIL" | tee "$share/phase1.txt"
	sync -f "$share/phase1.txt"
	echo "phase 1: cutting the power"
	echo o >/proc/sysrq-trigger
	sleep 30
fi

# phase 2
cat "$share/phase1.txt" 2>/dev/null | tail -n 1 | grep -q ' 0 failed' ||
	fail "phase 1 passed" "$(cat "$share/phase1.txt" 2>/dev/null)"
list=$(ctl "$A" spool list 2>&1)
n=$(printf '%s\n' "$list" | awk 'NR > 1' | grep -c . || true)
check "the spool came back with at least the four accepted entries" test "$n" -ge 4
check "no half-written temp files survived recovery" \
	test -z "$(find /appliance/spool -path '*/tmp/*' -type f 2>/dev/null)"
# Bring the server up on the same port the account names, data on the disk.
it_start_dav
port=${DAV_URL#http://127.0.0.1:}; port=${port%%/*}
acc=$(ctl "$A" accounts list 2>&1 | awk 'NR > 1 { print $1 }' | head -n 1)
check "the account is updated to the server now up" \
	ctl "$A" accounts update "$acc" --url "$DAV_URL" --username "$DAV_USER"
printf '%s\n' "$DAV_PASSWORD" >"$IT_DIR/pw"
chmod 0644 "$IT_DIR/pw"
check "... and its password" as "$A" "$IT_CTL" accounts update "$acc" --password-file "$IT_DIR/pw"
for id in $(printf '%s\n' "$list" | awk 'NR > 1 { print $1 }'); do
	ctl "$A" spool retry "$id" >/dev/null 2>&1
done
left=$(ctl "$A" spool list 2>&1 | awk 'NR > 1' | grep -c . || true)
assert_eq "every entry was uploaded after the reboot" 0 "$left"
for sum in $(cat "$share/spooled.txt"); do
	hits=$(find "$DAV_ROOT/alice" -type f -exec sha256sum {} + 2>/dev/null | grep -c "^$sum")
	assert_eq "accepted document ${sum:0:12} is on the server exactly once" 1 "$hits"
done
for f in "$DAV_ROOT"/alice/*.pdf; do
	[ -e "$f" ] || continue
	check "${f##*/} is byte-exact" "$IT_VERIFY" --format pdf --pages "$(qpdf --show-npages "$f")" "$f"
done
it_finish
