#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-poweroff.sh [CUTS]: hard power-offs at random pages of 50-sheet ADF
# jobs, each followed by a reboot from the same disk image
# (tests/vm/guest-poweroff.sh). Cut i is a PDF job for odd i, a JPEG job
# for even i; the boots are chained (each checks the cut before it and
# makes the next), so CUTS cuts take CUTS + 1 boots (2.5 to 4 min a boot
# on a loaded 2-core host). make check-e2e runs 2 (POWEROFF_CUTS: one PDF,
# one JPEG), make check-poweroff 40 (20 per format).
#
# POWEROFF_FORMATS=pdf or jpeg: every cut of this chain in that format
# (two trees can run a PDF chain and a JPEG chain of 20 cuts each at the
# same time: 40 cuts in half the wall time). POWEROFF_RESUME=1: continue
# after the last cut that completed (the disk image and the results are
# saved after each one, build/vm/poweroff.ok) instead of starting over;
# a boot cut short by an interruption is run again from that state, and
# so is a boot whose guest died before making its cut.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cuts=${1:-${POWEROFF_CUTS:-2}}
formats=${POWEROFF_FORMATS:-both}
img=$top/build/vm/poweroff.img
share=$top/build/vm/share/poweroff
ok=$top/build/vm/poweroff.ok
mkdir -p "$top/build/vm/share"
first=1
# fresh: an empty disk and no results (boot 1 starts from here).
fresh() {
	rm -rf "$share" "$img"
	truncate -s 256M "$img"
	mkfs.ext4 -q -F "$img"
}
# restore: the state saved after the last completed cut.
restore() {
	rm -rf "$share"
	cp -a "$ok/share" "$share"
	cp --sparse=always "$ok/disk.img" "$img"
}
if [ "${POWEROFF_RESUME:-0}" = 1 ] && [ -s "$ok/share/cut.txt" ]; then
	restore
	read -r done_cut _ <"$share/cut.txt"
	first=$((done_cut + 1))
	echo "resuming after cut $done_cut ($(cat "$share/cut.txt"))"
else
	rm -rf "$ok"
	fresh
fi
# save: the state after a completed cut, where a resume or a retry starts.
save() {
	rm -rf "$ok.new"
	mkdir -p "$ok.new"
	cp -a "$share" "$ok.new/share"
	cp --sparse=always "$img" "$ok.new/disk.img"
	rm -rf "$ok"
	mv "$ok.new" "$ok"
}
# cut_of_share: the number of the last cut made (0: none).
cut_of_share() {
	local c=0
	[ -s "$share/cut.txt" ] && read -r c _ <"$share/cut.txt"
	echo "$c"
}
for i in $(seq "$first" "$cuts"); do
	step=$([ "$i" -eq 1 ] && echo first || echo next)
	# A boot that cuts the power reports no exit status (126). So does a
	# guest that dies before its cut (a kernel panic at boot under a
	# heavy host load was seen): boot i must have made cut i, else it
	# runs again from the state before it (at most 3 tries). A boot that
	# outlives its time (124: at a host load of 20 one took more than
	# 900 s, its checks all passed) runs again too.
	for try in 1 2 3; do
		rc=0
		t0=$SECONDS
		"$top/tests/vm/vm-run.sh" --disk "$img" --timeout 1800 -- \
			bash tests/vm/guest-poweroff.sh "$step" "$cuts" "$formats" || rc=$?
		if [ "$rc" -ne 126 ] && [ "$rc" -ne 124 ]; then
			echo "boot $i: expected a power cut, got exit $rc" >&2
			cat "$share/result.txt" 2>/dev/null >&2 || true
			exit 1
		fi
		[ "$rc" -eq 126 ] && [ "$(cut_of_share)" = "$i" ] && break
		echo "boot $i: the guest stopped before making cut $i (exit $rc, try $try, $((SECONDS - t0)) s)" >&2
		[ "$try" = 3 ] && exit 1
		if [ "$i" -eq 1 ]; then fresh; else restore; fi
	done
	echo "boot $i: power cut ($(cat "$share/cut.txt")), $((SECONDS - t0)) s"
	save
done
exec "$top/tests/vm/vm-run.sh" --disk "$img" --timeout 1800 -- \
	bash tests/vm/guest-poweroff.sh last "$cuts" "$formats"
