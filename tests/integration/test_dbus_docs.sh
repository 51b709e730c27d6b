#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_docs: the documentation covers the real thing. Every method,
# property and signal the running daemon introspects on the Manager,
# Account, Job and SpoolEntry interfaces has its section in
# Documentation/dbus-api.rst, every error name the daemon's bus.h defines
# is listed there, and every mfpscanctl command and option from its --help
# appears in Documentation/mfpscanctl.1.
set -u
. "$(dirname "$0")/lib.sh"
it_setup
it_need_ctl

A=$IT_ALICE
DOC=$IT_TOP/Documentation/dbus-api.rst
MAN=$IT_TOP/Documentation/mfpscanctl.1
[ -f "$DOC" ] || it_die "missing $DOC"

# Live objects of every kind, to introspect.
dir=$(it_local_dir "$A")
ACC=$(it_create_local "$A" home "$dir") || it_die "account"
out=$(mgr "$A" Scan 'oa{sv}' "$ACC" 2 format s png resolution u 75)
JOB=$(it_busctl_path "$out")
it_wait_job "$A" "$JOB" >/dev/null
out=$(mgr "$A" CreateAccount 'ssa{sv}a{sv}' down webdav 1 url s http://127.0.0.1:1/dav 0)
out=$(mgr "$A" Scan 'oa{sv}' "$(it_busctl_path "$out")" 2 format s png resolution u 75)
it_wait_job "$A" "$(it_busctl_path "$out")" >/dev/null
ENTRY=$(mgr "$A" ListSpool | grep -o '"/org[^"]*"' | head -n 1 | tr -d '"')

# members PATH IFACE: "kind name" lines of the introspection.
members() {
	bctl "$A" introspect "$IT_DEST" "$1" "$2" 2>/dev/null |
		awk '$2 == "method" || $2 == "property" || $2 == "signal" {
			sub(/^\./, "", $1); print $2, $1 }'
}
n=0
for pair in "$IT_PATH:Manager" "$ACC:Account" "$JOB:Job" "$ENTRY:SpoolEntry"; do
	path=${pair%%:*} iface=org.mfpscan.Daemon1.${pair##*:}
	assert_match "$iface is documented" "^$iface\$" "$(cat "$DOC")"
	while read -r kind name; do
		n=$((n + 1))
		case $kind in
		property) re="^(\`\`$name\`\`( \(|,)|$name \(property\)$)|, \`\`$name\`\` \(" ;;
		signal) re="^$name \(signal\)\$" ;;
		*) re="^$name\$" ;;
		esac
		assert_match "$iface.$name ($kind) has its section" "$re" "$(cat "$DOC")"
	done < <(members "$path" "$iface")
done
[ "$n" -gt 20 ] && pass "introspection found $n members" ||
	fail "introspection found the members" "only $n"

# dbus/org.mfpscan.Daemon1.xml is the contract: the live daemon has exactly
# its members with the same signatures (renamed, retyped, removed or
# undeclared members all show as a difference).
cat >"$IT_DIR/bin/members.py" <<'PY'
import sys, xml.dom.minidom as md
for f in sys.argv[1:]:
    for i in md.parse(f).getElementsByTagName("interface"):
        iname = i.getAttribute("name")
        if not iname.startswith("org.mfpscan."):
            continue
        for kind in ("method", "signal", "property"):
            for m in i.getElementsByTagName(kind):
                if kind == "property":
                    sig = m.getAttribute("type") + " " + m.getAttribute("access")
                else:
                    sig = ",".join(a.getAttribute("direction") + ":" +
                                   a.getAttribute("type")
                                   for a in m.getElementsByTagName("arg"))
                print(iname, kind, m.getAttribute("name"), sig)
PY
for p in "$IT_PATH" "$ACC" "$JOB" "$ENTRY"; do
	dsend "$A" --dest="$IT_DEST" "$p" org.freedesktop.DBus.Introspectable.Introspect |
		sed -n '/<node/,/<\/node>/p' | sed 's/^ *string "//' >"$IT_DIR/live-${p##*/}.xml"
done
live=$(/usr/bin/python3 "$IT_DIR/bin/members.py" "$IT_DIR"/live-*.xml | sort -u)
want=$(/usr/bin/python3 "$IT_DIR/bin/members.py" "$IT_TOP/dbus/org.mfpscan.Daemon1.xml" | sort -u)
[ "$(printf '%s\n' "$want" | wc -l)" -gt 40 ] && pass "the interface XML declares the members" ||
	fail "the interface XML declares the members" "$want"
assert_eq "the daemon implements exactly dbus/org.mfpscan.Daemon1.xml" "" \
	"$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$live") | grep '^[<>]')"

# Error names defined by the daemon.
for e in $(grep -o 'BUS_ERROR("[A-Za-z]*")' "$IT_TOP/usr/mfpscand/bus.h" |
	sed 's/.*("\(.*\)")/\1/' | sort -u); do
	assert_match "error $e is documented" "^$e\$" "$(cat "$DOC")"
done

# mfpscanctl: every command and long option of --help is in the man page.
man=$(cat "$MAN")
for c in caps accounts scan jobs watch spool profile trigger; do
	for opt in $(ctl "$A" $c --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		assert_match "mfpscanctl.1 documents $c $opt" "$esc" "$man"
	done
	assert_match "mfpscanctl.1 documents the $c command" "^\.(B|BI|TP).*$c" "$man"
done
for code in 0 1 2 64; do
	assert_match "mfpscanctl.1 documents exit status $code" "^\.B $code\$" "$man"
done
it_finish
