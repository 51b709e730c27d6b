#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_spool_ticket: the scan ticket (the patent's FIG. 8) as the daemon
# makes it. While a 10-page PDF scan to a server that is down is read, the
# ticket already exists in the scan's directory (S302: made before the
# first band) with the reading settings (702), the model and its reading
# mechanisms (703), the image processing (704) and the destination with
# the remote name (705); the committed pages are there one by one. When
# the scan is spooled, the entry's ticket holds the same fields plus the
# document (size and sha256 of the file, 10 pages, not partial) and the
# retry fields of a first failure.
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_start_bus
IT_DEVICES="[device.default]\npath = pattern:adf=10\ndriver = kernel" it_write_config
it_start_daemon
A=$IT_ALICE
SPOOL=$IT_DIR/spool/$IT_ALICE_UID

out=$(printf 'pw\n' | ctl "$A" accounts add down --type webdav --allow-insecure-http yes \
	--url http://127.0.0.1:1/dav --username u --folder Scans/2026 \
	--name-template '{name}' --password-stdin 2>&1)
assert_match "alice adds an account on a server that is down" created "$out"
ctl "$A" scan --no-wait --to down --source adf --pages 0 --format pdf \
	--mode gray --resolution 300 --width-mm 200 --height-mm 280 --name t1 >/dev/null 2>&1
# Any page being read will do (on a loaded host page 1 can be whole before
# a poll sees it): the daemon is frozen while a page is still a .part, so
# the ticket copied is the one made before reading (it is rewritten only
# once every page is whole).
sd=
end=$((${EPOCHREALTIME/./} + 120000000))
while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
	part=$(compgen -G "$SPOOL/*.scan/[0-9][0-9][0-9][0-9].part" | head -n 1)
	if [ -n "$part" ]; then
		kill -STOP "$IT_DAEMON_PID"
		[ -e "$part" ] && { sd=${part%/*}; break; }
		kill -CONT "$IT_DAEMON_PID"
	fi
done
check "the scan's directory exists while its pages are read" test -n "$sd"
cp "$sd/ticket.json" "$IT_DIR/s302.json" 2>/dev/null
kill -CONT "$IT_DAEMON_PID"
job=$(ctl "$A" jobs 2>/dev/null | awk 'NR == 2 {print $1}')
it_wait_job "$A" "$IT_PATH/job/$job" >/dev/null

# fields FILE KEY=VALUE...: "ok", or each field of FILE that differs.
fields() {
	python3 - "$@" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
bad = []
for kv in sys.argv[2:]:
    k, want = kv.split("=", 1)
    got = t
    for part in k.split("."):
        got = got[part]
    if str(got).lower() != want.lower():
        bad.append("%s = %r, want %s" % (k, got, want))
print("\n".join(bad) or "ok")
PY
}
common=(version=3 reading.source=adf reading.color-mode=gray reading.resolution=300
	reading.width-mm=200 reading.height-mm=280 reading.pages=0 reading.format=pdf
	model.device=default model.model=mfpscan-pattern model.mechanisms=flatbed,adf,adf-duplex
	processing.codec=jpeg processing.quality=85 processing.compression=0 processing.ocr=
	destination.account-name=down destination.type=webdav
	destination.folder=Scans/2026 document.owner="$IT_ALICE_UID")
assert_eq "the ticket made before reading holds 702-705" ok \
	"$(fields "$IT_DIR/s302.json" "${common[@]}" destination.file-name=t1.pdf \
		document.partial=true document.pages=0 document.size=0 retry.state=waiting)"
check "... and names the account by its object path" \
	grep -q '"account":"/org/mfpscan/Daemon1/account/' "$IT_DIR/s302.json"

entry=$(ls "$SPOOL"/*.json 2>/dev/null | head -n 1)
check "the scan was spooled (server down)" test -n "$entry"
size=$(stat -c %s "${entry%.json}.doc" 2>/dev/null)
sum=$(sha256sum <"${entry%.json}.doc" 2>/dev/null | cut -d' ' -f1)
assert_eq "the entry's ticket keeps them and describes the document" ok \
	"$(fields "$entry" "${common[@]}" destination.file-name=t1.pdf \
		document.partial=false document.pages=10 document.size="$size" \
		document.sha256="$sum" retry.state=waiting retry.remaining=24 \
		retry.attempts=1 retry.last-error-class=network)"
assert_eq "the document is the 10-page PDF" 10 \
	"$(qpdf --show-npages "${entry%.json}.doc" 2>&1)"
assert_eq "no scan directory is left" "" "$(find "$SPOOL" -maxdepth 1 -name '*.scan')"
it_daemon_alive "daemon alive"
it_finish
