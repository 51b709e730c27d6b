#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh: run every tests/integration/test_*.sh (or those named on the
# command line), each standalone in its own process, print each result and
# a final "N passed, N failed" line (counted in tests, one test = one
# file); exit 1 if any test failed. The failing checks of the whole run are
# collected in build/integration/FAILURES.md (rewritten at each run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/integration
mkdir -p "$out"
printf '# Integration test failures (%s)\n\n' "$(date -u +%FT%TZ)" \
	>"$out/FAILURES.md"

if [ $# -gt 0 ]; then tests=("$@"); else tests=("$here"/test_*.sh); fi
passed=0
failed=0
for t in "${tests[@]}"; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log=$out/$name.log
	echo "== $name"
	if bash "$t" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $name: $(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $(tail -n 1 "$log") (log: ${log#"$top"/})"
		grep -E '^(FAIL|     )' "$log" | head -n 30
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
