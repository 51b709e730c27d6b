#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (as root, cwd = repo root): loads mfpscan.ko and
# mfpscan_sim.ko from MFPSCAN_KO_DIR (default kernel/, the modules built for the running kernel),
# checks that a sim instance comes up, runs every kselftest binary from
# build/kselftest/ (or those named as arguments) and prints one nested TAP
# stream in the kselftest runner's format. A binary fails when any of its
# tests fails, when it times out, or when the kernel log gained a BUG /
# WARNING / Oops / Call Trace line while it ran. Leftover sim instances are a
# leak and fail the run. Exit status 0 only if everything passed.
set -u

top=$(pwd)
bin=${MFPSCAN_KSFT_BIN:-$top/build/kselftest}
kodir=${MFPSCAN_KO_DIR:-$top/kernel}
ko=$kodir/mfpscan.ko
cfs=/sys/kernel/config
dfs=/sys/kernel/debug
tests=${*:-caps_test params_test stream_test mmap_test poll_test flow_test fault_test owner_test hardening_test panel_test uevent_test removal_test fuzz_test race_fuzz_test content_test dma_test load_test}
bad_re="BUG|lockdep|$(cat "$top/tests/vm/dmesg-bad.re")"
t0=$(date +%s)

echo "TAP version 13"
set -- $tests
echo "1..$(($# + 1))"

bail() {
	echo "Bail out! $*"
	exit 1
}

mountpoint -q $cfs || mount -t configfs configfs $cfs || bail "cannot mount configfs"
mountpoint -q $dfs || mount -t debugfs debugfs $dfs || bail "cannot mount debugfs"
sh "$top/scripts/load-modules.sh" -d "$kodir" ||
	bail "cannot load mfpscan.ko and mfpscan_sim.ko from $kodir"

# smoke: one instance goes live and its node appears
smoke=$cfs/mfpscan-sim/ksft-smoke
if mkdir $smoke && echo 1 >$smoke/live && dev=$(cat $smoke/devname) &&
	[ -c "/dev/$dev" ] && [ -d "$dfs/mfpscan/$dev" ] &&
	[ "$(cat /sys/class/mfpscan/$dev/state)" = idle ]; then
	echo "ok 1 selftests: mfpscan: smoke ($dev live)"
	smoke_ok=1
else
	echo "not ok 1 selftests: mfpscan: smoke (instance did not come up)"
	smoke_ok=0
fi
[ -d $smoke ] && { echo 0 >$smoke/live; rmdir $smoke; }

n=1
pass=0
fail=0
skip=0
failed_bins=
[ $smoke_ok = 1 ] || failed_bins="smoke"
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: mfpscan: $t"
	if [ ! -x "$bin/$t" ]; then
		echo "not ok $n selftests: mfpscan: $t # missing binary"
		failed_bins="$failed_bins $t"
		continue
	fi
	before=$(dmesg | wc -l)
	s0=$(date +%s)
	out=$(mktemp)
	MFPSCAN_KSFT_STRICT=1 MFPSCAN_KO="$ko" timeout -k 10 900 "$bin/$t" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	totals=$(grep '^# Totals:' "$out" | tail -n 1)
	p=$(echo "$totals" | sed -n 's/.*Totals: pass:\([0-9]*\).*/\1/p')
	f=$(echo "$totals" | sed -n 's/.* fail:\([0-9]*\).*/\1/p')
	k=$(echo "$totals" | sed -n 's/.* skip:\([0-9]*\).*/\1/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	skip=$((skip + ${k:-0}))
	rm -f "$out"
	# instances a failed or killed test left behind: report, then clean up
	# so that later binaries (load_test's rmmod) are not affected
	left=$(ls $cfs/mfpscan-sim 2>/dev/null)
	if [ -n "$left" ]; then
		echo "# $t left sim instances behind: $left"
		for i in $left; do
			echo 0 >$cfs/mfpscan-sim/$i/live 2>/dev/null
			rmdir $cfs/mfpscan-sim/$i
		done
		rc=1
	fi
	newbad=$(dmesg | tail -n +$((before + 1)) | grep -E "$bad_re")
	if [ -n "$newbad" ]; then
		echo "$newbad" | sed 's/^/# dmesg: /'
		rc=1
	fi
	if [ $rc = 0 ]; then
		echo "ok $n selftests: mfpscan: $t # $(($(date +%s) - s0))s"
	else
		[ -z "$totals" ] && fail=$((fail + 1))
		echo "not ok $n selftests: mfpscan: $t # exit=$rc $(($(date +%s) - s0))s"
		failed_bins="$failed_bins $t"
	fi
done

left=$(ls $cfs/mfpscan-sim 2>/dev/null)
if [ -n "$left" ]; then
	echo "# leaked sim instances: $left"
	failed_bins="$failed_bins leak"
fi
echo "# mfpscan kselftest summary: pass $pass fail $fail skip $skip," \
	"failed binaries:${failed_bins:- none}, $(($(date +%s) - t0))s in the guest"
[ -z "$failed_bins" ]
