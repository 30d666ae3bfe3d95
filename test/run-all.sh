#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Every test: host unit tests (ASan/UBSan) of the core against the fake
# device, the option-ROM tool's tests, the bare-metal image and U-Boot
# under QEMU, then the QEMU + OVMF runs.  Ends with one line
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

# count_run LABEL COMMAND...: run a script that ends "N passed, N failed"
count_run() {
	local label=$1 out p f
	shift
	echo "== $label"
	out=$("$@" 2>&1)
	echo "$out" | grep -v '^  ok '
	p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	[ -n "$p" ] || { p=0; f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
}

echo "== host unit tests under valgrind"
for t in "$build"/unit-vg/test_*; do
	[ -x "$t" ] || continue
	if timeout 600 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite "$t" > "$t.log" 2>&1; then
		passed=$((passed + 1)); echo "ok - valgrind: $(basename "$t") clean"
	else
		failed=$((failed + 1)); echo "not ok - valgrind: $(basename "$t")"
		tail -30 "$t.log"
	fi
done

count_run "fuzzers (${FUZZ_SECONDS:-20} s each)" test/fuzz/run.sh "$build" "${FUZZ_SECONDS:-20}" fuzz_device fuzz_scsi_data

count_run "option ROM tool" bash test/tools/test_mkrom.sh "$build"
count_run "firmware-image tool" bash test/tools/test_fwimage.sh "$build"
count_run "QEMU runners' own verdicts" bash test/tools/test_qemu_lib.sh "$build"
count_run "QEMU, bare-metal image (no firmware)" bash test/qemu/run-bare.sh "$build"
count_run "QEMU, U-Boot (AArch64, RISC-V)" bash test/qemu/run-uboot.sh "$build"
count_run "QEMU + OVMF integration" bash test/qemu/run-tests.sh "$build"
count_run "QEMU + AAVMF integration (AArch64)" env ARCH=aa64 bash test/qemu/run-tests.sh "$build"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
