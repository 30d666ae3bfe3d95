#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Run each fuzzer for a while on a copy of its seed corpus (checked in
# under test/fuzz/corpus/NAME); print executions and coverage, and
# "N passed, N failed" (a fuzzer fails when it finds a crash).
# Usage: run.sh BUILD_DIR SECONDS FUZZER...
set -u
build=$1 seconds=$2
shift 2
passed=0
failed=0
for f in "$@"; do
	work=$build/fuzz/$f-run
	rm -rf "$work"
	mkdir -p "$work/corpus"
	cp test/fuzz/corpus/"$f"/* "$work/corpus/" 2>/dev/null
	(cd "$work" && "../$f" -max_total_time="$seconds" -max_len=512 \
		-rss_limit_mb=1024 -print_final_stats=1 corpus > log 2>&1)
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "ok - $f: $execs runs in ${seconds}s, $cov edges, no crash"
	else
		failed=$((failed + 1))
		echo "not ok - $f: crash (exit $rc), see $work/log"
		grep -A 12 'ERROR\|==ERROR\|runtime error' "$work/log" | head -30
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
