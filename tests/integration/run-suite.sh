#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-suite.sh SUITE TITLE [TEST...]: run every tests/SUITE/test_*.sh (or
# the TESTs named), each standalone in its own process, print each result
# with its wall time and a final "N passed, N failed" line (one test = one
# file) with the suite's wall time; exit 1 if any test failed. Logs go to
# build/SUITE/NAME.log; the failing checks of the whole run are collected
# in build/SUITE/FAILURES.md (rewritten at each run, titled TITLE), where
# tests/integration/lib.sh's assertions append them. The run-all.sh of
# the integration and adversarial suites call it.
set -u
suite=$1 title=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/$suite
mkdir -p "$out"
printf '# %s failures (%s)\n\n' "$title" "$(date -u +%FT%TZ)" >"$out/FAILURES.md"

if [ $# -gt 0 ]; then tests=("$@"); else tests=("$top/tests/$suite"/test_*.sh); fi
passed=0
failed=0
suite_start=$SECONDS
for t in "${tests[@]}"; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log=$out/$name.log
	start=$SECONDS
	echo "== $name"
	if bash "$t" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $name: $(tail -n 1 "$log") ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $(tail -n 1 "$log") ($((SECONDS - start)) s, log: ${log#"$top"/})"
		grep -E '^(FAIL|     )' "$log" | head -n 30
	fi
done
echo "$passed passed, $failed failed; $suite suite wall time $((SECONDS - suite_start)) s"
[ "$failed" -eq 0 ]
