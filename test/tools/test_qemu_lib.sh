#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Tests of the QEMU runners' own verdicts (test/qemu/lib.sh) on consoles
# made up here: a CPU exception fails its VM and names the image the
# faulting address is in (OVMF, AAVMF and the bare image's formats), a
# hang fails it with where the samples and stack words are, and an
# empty stack dump is said, never read as "not in our code".
# Usage: test_qemu_lib.sh BUILD_DIR     ends with "N passed, N failed"
set -u
build=${1:-build}
t=$build/qemu-lib-test
rm -rf "$t"
mkdir -p "$t"
ARCH=x64
. test/qemu/lib.sh
passed=0
failed=0

# verdict FUNCTION ARGS...: what one call of a result-giving helper says,
# its own counts in the last line "P F"
verdict() {
	local passed=0 failed=0
	"$@"
	echo "$passed $failed"
}

# expect NAME WANT OUTPUT: one result: OUTPUT matches WANT (grep -E)
expect() {
	result "$(echo "$3" | grep -qE "$2" && echo 1)" "$1" "got: $(echo "$3" | head -3)"
}

so=$build/virtio-scsi.so
func=vs_efi_disk_sync
off=$(nm "$so" | sed -n "s/^0*\([0-9a-f]*\) [Tt] $func\$/\1/p")
images="virtio-scsi 0x1df92000 86016 $so
testapp 0x1e000000 40000"
at=$(printf '%x' $((16#1df92000 + 16#${off:-0} + 4)))

expect "image_of: an address in our driver, with its function" \
	"^virtio-scsi\+0x[0-9a-f]+ \($func\)$" "$(image_of "$at" "$images")"
expect "image_of: an address in the test app" '^testapp\+0x10$' \
	"$(image_of 1e000010 "$images")"
expect "image_of: an address in no listed image is the firmware's" \
	'^the firmware$' "$(image_of 1e00a000 "$images")"

printf 'ok 1 - fine\n1 passed, 0 failed\n' > "$t/clean.log"
expect "exception_result: a clean console passes" '^ok - vm: no CPU exception$
^1 0$' "$(verdict exception_result vm "$t/clean.log" "$images")"
cat > "$t/x64.log" <<DUMP
ok 12 - something
!!!! X64 Exception Type - 0D(#GP - General Protection)  CPU Apic ID - 00000000 !!!!
ExceptionData - 0000000000000000
RIP  - 00000000$at, CS  - 0000000000000038, RFLAGS - 0000000000000286
RDI  - AFAFAFAFAFAFAFAF
DUMP
out=$(verdict exception_result vm "$t/x64.log" "$images")
expect "exception_result: OVMF's dump fails the VM, naming our function" \
	"^not ok - vm: no CPU exception: at 0*$at in virtio-scsi\+0x[0-9a-f]+ \($func\)" "$out"
expect "exception_result: and shows the dump" '^#   RDI  - AFAFAFAFAFAFAFAF$' "$out"
expect "exception_result: counted as one failure" '^0 1$' "$out"
printf 'Synchronous Exception at 0x000000001E000100\nPC 0x00001E000100\n' > "$t/aa64.log"
expect "exception_result: AAVMF's dump, in the test app" \
	'^not ok - vm: no CPU exception: at 000000001E000100 in testapp\+0x100$' \
	"$(verdict exception_result vm "$t/aa64.log" "$images")"
printf 'exception 14 error=2 rip=1000b3 cr2=0\n' > "$t/bare.log"
expect "exception_result: the bare image's line" \
	'^not ok - vm: no CPU exception: at 1000b3 in bare\+0x1000b3$' \
	"$(verdict exception_result vm "$t/bare.log" "bare 0 4194304")"

expect "hang_result: no report passes" '^ok - vm: no hang$' \
	"$(verdict hang_result vm "$t/none.txt" "$images")"
printf '== samples\n1e000010\n1e000010\nfff00000\n== registers\nRIP=1e000010\n== stack\n' > "$t/empty.txt"
out=$(verdict hang_result vm "$t/empty.txt" "$images")
expect "hang_result: an empty stack dump fails and says so" \
	'^not ok - vm: no hang: hung, and the stack dump is empty' "$out"
expect "hang_result: the samples, by image" '^#   samples: 2 testapp\+0x10$' "$out"
printf '== samples\n%s\n== stack\n000000001fe9fee0: 0x00000000%s 0x0000000000000000\n' \
	"$at" "$at" > "$t/stack.txt"
out=$(verdict hang_result vm "$t/stack.txt" "$images")
expect "hang_result: stack words in our driver are named" \
	"^#   on the stack: virtio-scsi\+0x[0-9a-f]+ \($func\)$" "$out"
expect "hang_result: counted as one failure" '^0 1$' "$out"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
