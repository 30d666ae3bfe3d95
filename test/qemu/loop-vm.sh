#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Run one VM of run-tests.sh many times in a row, to show a rare failure
# is gone (or to catch it): each run's output in BUILD/loop-VM/run-K.log,
# one result line per run with its time, and the wall time of all.
#
# Usage: loop-vm.sh VM N [BUILD_DIR]     (ARCH=aa64 for AAVMF)
#        ends with "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
vm=${1:?usage: loop-vm.sh VM N [BUILD_DIR]}
runs=${2:?usage: loop-vm.sh VM N [BUILD_DIR]}
build=${3:-$here/../../build}
logs=$build/loop-$vm${ARCH:+-$ARCH}
mkdir -p "$logs"
passed=0
failed=0
start=$(date +%s)
for k in $(seq "$runs"); do
	t0=$(date +%s)
	VMS=$vm bash "$here/run-tests.sh" "$build" > "$logs/run-$k.log" 2>&1
	rc=$?
	last=$(tail -1 "$logs/run-$k.log")
	if [ $rc = 0 ] && [ "${last#* passed, }" = "0 failed" ]; then
		passed=$((passed + 1))
		echo "ok - $vm run $k of $runs: $last, $(($(date +%s) - t0)) s"
	else
		failed=$((failed + 1))
		echo "not ok - $vm run $k of $runs: $last, $(($(date +%s) - t0)) s"
		grep '^not ok' "$logs/run-$k.log" | head -5 | sed 's/^/#   /'
	fi
done
echo "# $vm: $runs runs in $(($(date +%s) - start)) s, logs in $logs"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
