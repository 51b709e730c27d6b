#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh: run every tests/adversarial/test_*.sh (or those named on the
# command line), each standalone in its own process, print each result,
# its wall time and a final "N passed, N failed" line with the suite's wall
# time; exit 1 if any test failed. Logs go to build/adversarial/NAME.log,
# the failing checks of the whole run to build/adversarial/FAILURES.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/adversarial
mkdir -p "$out"
printf '# Adversarial test failures (%s)\n\n' "$(date -u +%FT%TZ)" \
	>"$out/FAILURES.md"

if [ $# -gt 0 ]; then tests=("$@"); else tests=("$here"/test_*.sh); fi
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
echo "$passed passed, $failed failed; adversarial suite wall time $((SECONDS - suite_start)) s"
[ "$failed" -eq 0 ]
