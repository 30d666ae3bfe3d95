#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Every test: host unit tests (ASan/UBSan) of the core against the fake
# device, the option-ROM tool's tests, then the QEMU + OVMF runs.  Ends with one line
# "N passed, N failed" counting every test case of both.
set -u
build=${1:-build}
shift || true
passed=0
failed=0

echo "== host unit tests (ASan, UBSan)"
for t in "$build"/unit/test_*; do
	[ -x "$t" ] || continue
	out=$(timeout 300 "$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[ *(RUN|OK|FAILED|ERROR|PASSED) *\]|error' | grep -v '^\[ RUN'
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# a crash (sanitizer abort) counts as a failure of its own
	if [ $rc != 0 ] && [ -z "$f" ]; then
		failed=$((failed + 1))
		echo "$out" | tail -20
	fi
done
echo "unit: $passed passed, $failed failed"

echo "== option ROM tool"
out=$(bash test/tools/test_mkrom.sh "$build" 2>&1)
echo "$out"
p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
[ -n "$p" ] || { p=0; f=1; }
passed=$((passed + p))
failed=$((failed + f))

echo "== QEMU + OVMF integration"
out=$(bash test/qemu/run-tests.sh "$build" 2>&1)
echo "$out" | grep -v '^  ok '
p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
[ -n "$p" ] || { p=0; f=1; }
passed=$((passed + p))
failed=$((failed + f))

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
