#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile_slow: a WebDAV server that answers every request a byte
# every 2 s ("drip", alice's account) and one that reads a PUT and never
# answers it ("stall", bob's), with "[upload] timeout_s = 2"
# (admin-guide.rst) and retries every second:
#  - the stall timeout fires: each scan is kept (class network, the
#    timeout named), intact;
#  - each entry is retried in the background (the server sees more
#    requests, RetriesLeft goes down) and stays kept;
#  - once the server recovers each is delivered byte-exact (Retry, in case
#    the background retry's delay has grown);
#  - a third user's GetCapabilities is answered throughout, and her scan
#    to her own folder completes while the uploads hang.
# (Two users: a user's own kept documents are retried before each of her
# scans, which would make the second case wait for the first.)
set -u
. "$(dirname "$0")/lib.sh"
it_init
it_need_ctl
it_need_verify
it_start_bus
IT_RETRY_INITIAL=1
# one device per user: the scans run at once
IT_DEVICES='[device.default]\npath = pattern:\ndriver = kernel\n\n[device.d2]\npath = pattern:\ndriver = kernel\n\n[device.d3]\npath = pattern:\ndriver = kernel'
it_write_config "[upload]\ntimeout_s = 2"
sed -i 's/^slow_factor = .*/slow_factor = 1/' "$IT_CONF"
it_start_daemon
C=mfpscan-carol
it_make_user "$C" || it_die "useradd $C"
adv_http_start dav
STORE=$IT_DIR/dav
URL=http://127.0.0.1:$ADV_PORT
CDIR=$(it_local_dir "$C")
check "carol adds a local account" ctl "$C" accounts add chome --type local --folder "$CDIR"
adv_probe_start "$C" "$IT_DIR/probe.log"

declare -A ENTRY SHA WHO=([drip]=$IT_ALICE [stall]=$IT_BOB) DEV=([drip]=default [stall]=d2)
SCANS=()
# Both scans at once, and carol's while they hang.
for c in drip stall; do
	adv_account "${WHO[$c]}" "$c" webdav "$URL/$c/dav" --username user
	(
		start=$SECONDS
		ADV_DEVICE=${DEV[$c]} adv_scan "${WHO[$c]}" "$c"
		declare -p ADV_RC ADV_OUT ADV_ENTRY ADV_SHA ADV_TICKET_SHA >"$IT_DIR/$c.scan"
		echo "$c: the scan ended after $((SECONDS - start)) s"
	) &
	SCANS+=("$!")
done
sleep 1
out=$(ctl "$C" scan --to chome --device d3 --format pdf --resolution 75 --mode gray 2>&1) && rc=0 || rc=$?
file=$(printf '%s\n' "$out" | sed -n 's|.*the document is at: file://||p')
assert_eq "carol's scan completes while the uploads hang" 0 "$rc"
check "... byte-exact" "$IT_VERIFY" --format pdf --pages 1 "${file:-/nonexistent}"
wait "${SCANS[@]}"
for c in drip stall; do
	. "$IT_DIR/$c.scan"
	adv_check_kept "$c" "${WHO[$c]}" network '[Tt]ime(d)? ?out|too slow'
	ENTRY[$c]=$ADV_ENTRY
	SHA[$c]=$ADV_SHA
done
check "carol's scan finished before the hanging ones (it did not wait for them)" \
	test "$(stat -c %Y "$file")" -lt "$(stat -c %Y "$IT_DIR/stall.scan")"

# The background retry comes back to each entry (retries every second).
for c in drip stall; do
	n0=$(grep -c "^[A-Z]* /$c/" "$STORE/requests.log")
	r0=$(adv_spool_prop "${WHO[$c]}" "${ENTRY[$c]}" RetriesLeft)
	ok=
	for _ in $(seq 1 120); do
		n=$(grep -c "^[A-Z]* /$c/" "$STORE/requests.log")
		r=$(adv_spool_prop "${WHO[$c]}" "${ENTRY[$c]}" RetriesLeft)
		if [ "$n" -gt "$n0" ] && [ "$r" -lt "$r0" ]; then ok=1; break; fi
		sleep 0.25
	done
	check "$c: retried in the background (requests $n0 -> $n, retries left $r0 -> $r)" \
		test -n "$ok"
	assert_eq "$c: ... and still kept" "${ENTRY[$c]}" \
		"$(it_entries "${WHO[$c]}" | grep -x "${ENTRY[$c]}")"
done
adv_probe_stop "$IT_DIR/probe.log" "carol's GetCapabilities answered throughout"

touch "$STORE/heal"
for c in drip stall; do
	check "$c: once the server recovers, it is uploaded (the background retry or Retry)" \
		adv_retry_until_gone "${WHO[$c]}" "${ENTRY[$c]}"
	check "$c: ... byte-exact" adv_store_has "$STORE/files" "${SHA[$c]}"
done
it_daemon_alive "the same daemon answers at the end"
it_finish
