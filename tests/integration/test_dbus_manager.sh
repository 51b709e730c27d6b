#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_dbus_manager: the Manager object on a private system-like bus, as
# two unprivileged users: the bus policy (only root owns the name, anyone
# may call), GetCapabilities, the empty lists of a new user, introspection,
# errors for unknown members and interfaces the policy does not open.
set -u
. "$(dirname "$0")/lib.sh"
it_setup

A=$IT_ALICE
B=$IT_BOB

# Bus policy: the name belongs to the service user; users cannot take it.
check_error "alice cannot own $IT_DEST" 'AccessDenied' \
	dsend "$A" --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.RequestName string:"$IT_DEST" uint32:0
owner=$(dsend "$A" --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.GetConnectionUnixUser string:"$IT_DEST" |
	awk '/uint32/ {print $2}')
assert_eq "the daemon's connection is the service user mfpscan's" "$(id -u mfpscan)" "$owner"

# Interfaces the policy does not open are refused by the bus itself.
check_error "policy refuses a foreign interface" 'AccessDenied' \
	dsend "$A" --dest="$IT_DEST" "$IT_PATH" org.example.Nope.Hello

# GetCapabilities: any user; the "settable conditions" are all there.
for u in "$A" "$B" root; do
	out=$(mgr "$u" GetCapabilities 2>&1)
	assert_match "GetCapabilities answers $u" '^a\{sv\} [0-9]+' "$out"
done
caps=$(mgr "$A" GetCapabilities 2>&1)
for word in pdf jpeg png tiff flatbed adf mono gray color; do
	assert_match "capabilities list \"$word\"" "\"$word\"" "$caps"
done
assert_match "capabilities list the default device" '"default"' "$caps"
assert_match "capabilities list resolutions (300 dpi)" '\b300\b' "$caps"

# A new user has nothing.
assert_eq "ListDestinations of a new user is empty" 'a(oss) 0' \
	"$(mgr "$A" ListDestinations 2>&1)"
assert_eq "ListJobs of a new user is empty" 'ao 0' "$(mgr "$A" ListJobs 2>&1)"
assert_eq "ListSpool of a new user is empty" 'ao 0' "$(mgr "$A" ListSpool 2>&1)"

# Introspection names every member of the fixed API.
xml=$(bctl "$A" introspect --xml-interface "$IT_DEST" "$IT_PATH" 2>&1)
for m in GetCapabilities ListDestinations CreateAccount Scan ListJobs \
	ListSpool UploadFailed UploadRecovered NeedsAttention; do
	assert_match "Manager introspection has $m" "name=\"$m\"" "$xml"
done
assert_match "ObjectManager is implemented" \
	'org.freedesktop.DBus.ObjectManager' "$xml"
om=$(bctl "$A" call "$IT_DEST" "$IT_PATH" \
	org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)
assert_match "GetManagedObjects answers" '^a\{oa\{sa\{sv\}\}\} ' "$om"

# Unknown members and wrong signatures are errors, not crashes.
check_error "unknown method" 'org.freedesktop.DBus.Error.UnknownMethod' \
	dsend "$A" --dest="$IT_DEST" "$IT_PATH" "$IT_MGR.NoSuchMethod"
check_error "GetCapabilities with an argument" 'org.freedesktop.DBus.Error.InvalidArgs' \
	dsend "$B" --dest="$IT_DEST" "$IT_PATH" "$IT_MGR.GetCapabilities" string:x
check "Peer.Ping answers" bctl "$A" call "$IT_DEST" \
	"$IT_PATH" org.freedesktop.DBus.Peer Ping --verbose
it_daemon_alive "daemon alive after the manager calls"
it_finish
