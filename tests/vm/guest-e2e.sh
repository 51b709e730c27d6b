#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-e2e: the whole path with the real module, run inside the test guest
# (tests/vm/run-e2e.sh boots it): the sim engine (mfpscan_sim.ko) ->
# /dev/mfpscan0 -> mfpscand (on a private system-like dbus-daemon) ->
# Apache WebDAV on the guest's loopback. A real user adds a WebDAV account
# with mfpscanctl and scans a 3-page ADF job to PDF; the PDF on the server
# must be valid (qpdf) and byte-exact against the engine's formula; the
# same through the mmap ring; a jam mid-job keeps the completed pages.
set -u
. "$(dirname "$0")/../integration/lib.sh"
it_init
it_need_ctl
it_need_verify
# the daemon runs as mfpscan: the rules give it the engine (group scanner)
it_guest_udevd

sh "$IT_TOP/scripts/load-modules.sh" || it_die "cannot load mfpscan.ko and mfpscan_sim.ko"
sim=/sys/kernel/config/mfpscan-sim/e2e
mkdir "$sim" && echo 5 >"$sim/adf_pages" && echo 1 >"$sim/live" ||
	it_die "cannot create the sim engine instance"
dev=/dev/$(cat "$sim/devname")
check "the sim engine appears as $dev" test -c "$dev"
udevadm settle -t 30
assert_eq "$dev is root:scanner 0660 for the daemon's user" "root scanner 660" \
	"$(stat -c '%U %G %a' "$dev" 2>&1)"

it_start_bus
# The daemon's config: the kernel engine, through read() and through mmap.
IT_DEVICES="[device.default]\npath = $dev\ndriver = kernel\n\n[device.ring]\npath = $dev#mmap\ndriver = kernel" \
	it_write_config
it_start_daemon
assert_eq "the daemon runs as the service user mfpscan" "$(id -u mfpscan)" \
	"$(awk '/^Uid:/ {print $2}' "/proc/$IT_DAEMON_PID/status" 2>&1)"
it_start_dav

A=$IT_ALICE
out=$(printf '%s\n' "$DAV_PASSWORD" | ctl "$A" accounts add cloud --type webdav --allow-insecure-http yes \
	--url "$DAV_URL" --username "$DAV_USER" --folder "alice/scans" \
	--password-stdin 2>&1)
check "alice adds a WebDAV account with mfpscanctl" test $? -eq 0
caps=$(ctl "$A" caps 2>&1)
assert_match "caps lists the kernel engine's model" "MFP-SIM" "$caps"

# Mono pages go into the PDF losslessly (Flate): compared byte for byte;
# color pages are JPEG images: compared within the JPEG tolerance.
# The file the server keeps for URL (under DAV_URL, percent-decoded).
dav_file() {
	python3 -c 'import sys, urllib.parse; print(sys.argv[2] + urllib.parse.unquote(sys.argv[1]))' \
		"${1#"$DAV_URL"}" "$DAV_ROOT"
}
scan_and_verify() { # LABEL MODE DEVICE-OPTION...
	local label=$1 mode=$2 out rc f url
	shift 2
	out=$(ctl "$A" scan --to cloud --source adf --pages 3 --format pdf \
		--mode "$mode" --resolution 75 "$@" 2>&1) && rc=0 || rc=$?
	assert_eq "$label: scan exits 0" 0 "$rc"
	url=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: ||p')
	assert_match "$label: prints the server URL" "^$DAV_URL/alice/scans/[^/]+\\.pdf\$" "$url"
	f=$(dav_file "$url")
	check "$label: the PDF is on the server at that URL" test -s "$f"
	check "$label: qpdf --check accepts it" qpdf --check "$f"
	check "$label: 3 $mode pages match the formula" \
		"$IT_VERIFY" --format pdf --pages 3 "$f"
}
scan_and_verify "read() path, byte-exact" mono
scan_and_verify "mmap ring" color --device ring
scan_and_verify "mmap ring, byte-exact" mono --device ring

# A jam at the start of page 2: the job fails (exit 1) with the engine's
# words, the one completed page is kept as one partial spool entry that is
# not uploaded, and nothing reaches the server.
echo "1 0" >/sys/kernel/debug/mfpscan/"${dev#/dev/}"/jam
before=$(ls -A "$DAV_ROOT"/alice/scans)
assert_eq "alice's spool is empty before the jam" "" "$(mgr "$A" ListSpool | grep -o '/org[^"]*')"
out=$(ctl "$A" scan --to cloud --source adf --pages 3 --format pdf \
	--mode mono --resolution 75 2>&1) && rc=0 || rc=$?
assert_match "a jam is reported to the user" "[Jj]am" "$out"
assert_eq "the jammed scan exits 1 (failed)" 1 "$rc"
assert_eq "nothing new on the server" "$before" "$(ls -A "$DAV_ROOT"/alice/scans)"
entries=$(mgr "$A" ListSpool | grep -o '/org[^"]*')
assert_eq "exactly one spool entry" 1 "$(printf '%s\n' "$entries" | grep -c .)"
sp=$(printf '%s\n' "$entries" | head -n 1)
spprop() {
	bctl "$A" get-property "$IT_DEST" "$sp" org.mfpscan.Daemon1.SpoolEntry "$1" 2>&1 |
		sed 's/^[a-z] //; s/^"\(.*\)"$/\1/'
}
assert_eq "... of the one completed page" 1 "$(spprop Pages)"
assert_eq "... kept, not retried on its own (needs-attention)" needs-attention "$(spprop State)"
assert_match "... and says it is partial" "^Partial document: .*[Jj]am" "$(spprop LastError)"
export_to() { ctl "$A" spool export "$1" - >"$2"; }	# ID FILE (alice can't write FILE)
check "alice exports it" export_to "${sp##*/}" "$IT_DIR/partial.pdf"
check "the exported document is the engine's first page, byte-exact" \
	"$IT_VERIFY" --format pdf --pages 1 "$IT_DIR/partial.pdf"

it_daemon_alive "mfpscand still answers after the jam"
check "the engine scans again after the jam" \
	ctl "$A" scan --to cloud --source flatbed --format png --mode mono --resolution 75
it_finish
