# SPDX-License-Identifier: GPL-2.0
#
# Shared by tests/integration/test_upload_*.sh (sourced): a private
# scratch directory removed on exit (servers stopped, tmpfs unmounted even
# when a test fails), pass/fail counting, and assertions over the
# mfpscan-upload CLI's output ("uploaded URL", "already-there URL",
# "mfpscan-upload: error: CLASS: message").

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
servers=$top/tests/servers
upload=${MFPSCAN_UPLOAD:-$top/build/usr/tools/mfpscan-upload}
. "$servers/common.sh"
passed=0
failed=0
stops=()

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: $(basename "$0") needs root (servers, test users, tmpfs mounts)"
	exit 77
fi
if [ ! -x "$upload" ]; then
	make -C "$top/usr" -s ../build/usr/tools/mfpscan-upload >/dev/null 2>&1 || true
fi
if [ ! -x "$upload" ]; then
	echo "FAIL: $upload is missing: run make -C usr" >&2
	exit 1
fi

scratch=$(mktemp -d /tmp/mfpscan-upload-test.XXXXXX)
# Servers run as other users (www-data, the sftp user): let them traverse.
chmod 0711 "$scratch"

# Run "SCRIPT stop DIR" for each started server, then remove the scratch dir.
cleanup() {
	local s
	for s in "${stops[@]}"; do
		$s >/dev/null 2>&1 || true
	done
	srv_umount_below "$scratch"
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_server SCRIPT NAME [ARGS...]: start tests/servers/SCRIPT in
# $scratch/NAME and import its variables.
start_server() {
	local script=$1 name=$2 out
	shift 2
	mkdir -p "$scratch/$name"
	stops+=("$servers/$script stop $scratch/$name")
	out=$("$servers/$script" start "$scratch/$name" "$@") || {
		echo "FAIL: cannot start $script" >&2
		exit 1
	}
	eval "$out"
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -z "${2:-}" ] || echo "# $2"; }

# run_upload ARGS...: run the CLI; output in $out, errors in $errout, $rc.
run_upload() {
	out=$("$upload" "$@" 2>"$scratch/stderr") && rc=0 || rc=$?
	errout=$(cat "$scratch/stderr")
}

# expect_ok DESC ARGS...: the call succeeds.
expect_ok() {
	local desc=$1
	shift
	run_upload "$@"
	if [ "$rc" = 0 ]; then ok "$desc"; else not_ok "$desc" "rc=$rc $errout"; fi
}

# expect_class DESC CLASS ARGS...: the call fails with error class CLASS.
expect_class() {
	local desc=$1 class=$2
	shift 2
	run_upload "$@"
	if [ "$rc" = 1 ] && [[ "$errout" == "mfpscan-upload: error: $class: "* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "rc=$rc out=$out err=$errout"
	fi
}

# expect_text DESC NEEDLE HAYSTACK: HAYSTACK contains NEEDLE.
expect_text() {
	if [[ "$3" == *"$2"* ]]; then ok "$1"; else not_ok "$1" "'$2' not in '$3'"; fi
}

# expect_no_text DESC NEEDLE HAYSTACK: HAYSTACK does not contain NEEDLE.
expect_no_text() {
	if [[ "$3" != *"$2"* ]]; then ok "$1"; else not_ok "$1" "'$2' found in '$3'"; fi
}

# expect_same_file DESC A B: both exist with the same SHA-256.
expect_same_file() {
	local a b
	a=$(sha256sum <"$2" 2>/dev/null | cut -d' ' -f1)
	b=$(sha256sum <"$3" 2>/dev/null | cut -d' ' -f1)
	if [ -f "$2" ] && [ -f "$3" ] && [ "$a" = "$b" ]; then
		ok "$1"
	else
		not_ok "$1" "sha256 $2=$a $3=$b"
	fi
}

# expect_eq DESC WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want '$2' got '$3'"; fi
}

# make_file PATH KIB: random content, so equal hashes mean equal bytes.
make_file() {
	head -c "$(($2 * 1024))" /dev/urandom >"$1"
}

# A port nobody listens on (for "server down").
dead_port() { srv_free_port; }

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}
