#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Source coverage of the portable core (drivers/): the host unit tests and
# a replay of the fuzz corpora (the checked-in seeds, and what `make fuzz`
# or `make check` found under BUILD/fuzz/*-run/corpus), built with clang's
# source-based coverage; prints llvm-cov's per-file line and branch
# figures for drivers/ and the totals.  Figures, not a test.
# Usage: coverage.sh BUILD_DIR UNIT_TEST... -- FUZZER...
set -eu
build=$1
shift
tests=() fuzzers=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do tests+=("$1"); shift; done
[ $# -gt 0 ] && shift
fuzzers=("$@")
out=$build/coverage
rm -rf "$out"
mkdir -p "$out/prof"
cc=${FUZZ_CC:-clang}
cov_flags=(-std=gnu11 -O0 -g -Iinclude -Itest/unit
	   -fprofile-instr-generate -fcoverage-mapping)
core=$(make -s --no-print-directory print-core-srcs)
objects=()
for t in "${tests[@]}"; do
	# shellcheck disable=SC2086
	extra=$(make -s --no-print-directory print-unit-extra T="$t")
	# shellcheck disable=SC2086
	$cc "${cov_flags[@]}" "test/unit/$t.c" $core test/unit/fake_device.c test/unit/fake_target.c \
		$extra -o "$out/$t" -lcmocka
	LLVM_PROFILE_FILE="$out/prof/$t.profraw" "$out/$t" > "$out/$t.log" 2>&1 ||
		{ echo "coverage: $t failed, see $out/$t.log"; exit 1; }
	objects+=(-object "$out/$t")
done
for f in "${fuzzers[@]}"; do
	# shellcheck disable=SC2086
	$cc "${cov_flags[@]}" -fsanitize=fuzzer -DVSCSI_DEFAULT_TIMEOUT_US=2000 \
		-DVSCSI_TMF_TIMEOUT_US=2000 "test/fuzz/$f.c" $core \
		test/unit/fake_device.c test/unit/fake_target.c test/unit/host_queue.c \
		-o "$out/$f"
	mkdir -p "$out/$f-corpus"
	cp test/fuzz/corpus/"$f"/* "$out/$f-corpus/"
	cp "$build/fuzz/$f-run/corpus/"* "$out/$f-corpus/" 2>/dev/null || true
	LLVM_PROFILE_FILE="$out/prof/$f.profraw" "$out/$f" -runs=0 \
		"$out/$f-corpus" > "$out/$f.log" 2>&1
	objects+=(-object "$out/$f")
done
llvm-profdata merge -sparse "$out"/prof/*.profraw -o "$out/merged.profdata"
# shellcheck disable=SC2086
# the first binary is named plainly, the others with -object
llvm-cov report "${objects[1]}" "${objects[@]:2}" \
	-instr-profile "$out/merged.profdata" $core |
	tee "$out/report.txt"
echo "(line and branch figures of drivers/; HTML: llvm-cov show -format=html)"
