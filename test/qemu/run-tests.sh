#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# QEMU + OVMF integration tests of the driver.
#
# Boots one VM per controller flavour: modern (disable-legacy=on, device
# 0x1048), legacy (disable-modern=on: device 0x1004 with only the I/O BAR)
# and transitional (0x1004 with both; the driver must pick modern).  The boot
# disk is virtio-blk with bootindex=0 and is the only device in the boot
# order, so OVMF connects nothing else: the virtio-scsi controller stays
# unowned until the test app (BOOTX64.EFI) loads our driver onto it.
# After each VM exits, the written disk is checked on the host.
#
# Usage: run-tests.sh [BUILD_DIR]     ends with "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
. "$here/lib.sh"

work=$build/qemu-test
mkpattern=$build/mkpattern
rm -rf "$work"
mkdir -p "$work"
passed=0
failed=0

result() {	# result OK NAME [WHY]
	if [ "$1" = 1 ]; then
		passed=$((passed + 1)); echo "ok - $2"
	else
		failed=$((failed + 1)); echo "not ok - $2${3:+: $3}"
	fi
}

make_images() {
	local token
	token="virtio-scsi test $(date +%s%N) $RANDOM"
	printf '%s\n' "$token" > "$work/EXPECT.TXT"
	make_gpt_fat "$work/esp.img" 64 ef00 \
		"$build/testapp.efi=EFI/BOOT/BOOTX64.EFI" \
		"$build/virtio-scsi.efi=virtio-scsi.efi" \
		"$work/EXPECT.TXT=EXPECT.TXT"
	make_gpt_fat "$work/fat.img" 32 0700 "$work/EXPECT.TXT=HELLO.TXT"
	truncate -s 64M "$work/pattern.img"
	"$mkpattern" fill "$work/pattern.img" 1 0 131072
	truncate -s 1M "$work/small.img"
}

# run_vm NAME TRANSPORT DEVICE_OPTIONS: boot, run the app, check that the
# driver used TRANSPORT (modern/legacy), check the host image.
run_vm() {
	local name=$1 want=$2 opts=$3 dir=$work/$1 rc n_ok n_bad
	mkdir -p "$dir"
	rm -f "$work/write.img"
	truncate -s 16M "$work/write.img"
	echo "# $name: virtio-scsi-pci,$opts"
	# shellcheck disable=SC2046
	timeout 900 $QEMU $(qemu_accel) -machine pc -m 512 -smp 1 -nodefaults \
		-display none -no-reboot -net none \
		$(qemu_firmware) \
		-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp.img" \
		-device virtio-blk-pci,drive=esp,bootindex=0 \
		-device virtio-scsi-pci,id=scsi0,"$opts" \
		-drive if=none,id=d00,format=raw,snapshot=on,file="$work/pattern.img" \
		-device scsi-hd,drive=d00,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=d01,format=raw,file="$work/write.img" \
		-device scsi-hd,drive=d01,bus=scsi0.0,scsi-id=0,lun=1 \
		-drive if=none,id=d10,format=raw,snapshot=on,file="$work/fat.img" \
		-device scsi-hd,drive=d10,bus=scsi0.0,scsi-id=1,lun=0 \
		-drive if=none,id=d11,format=raw,snapshot=on,file="$work/small.img" \
		-device scsi-hd,drive=d11,bus=scsi0.0,scsi-id=1,lun=1 \
		-chardev file,id=fwlog,path="$dir/firmware.log" \
		-device isa-debugcon,iobase=0x402,chardev=fwlog \
		-chardev file,id=results,path="$dir/results.log" \
		-device isa-debugcon,iobase=0x403,chardev=results \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-serial file:"$dir/serial.log"
	rc=$?
	# isa-debug-exit: status (v << 1) | 1; the app writes 0 on success
	result "$([ $rc = 1 ] && echo 1)" "$name: VM ran the test app to the end" "exit $rc"
	sed 's/^/  /' "$dir/results.log" 2>/dev/null
	n_ok=$(grep -c '^ok ' "$dir/results.log" 2>/dev/null)
	n_bad=$(grep -c '^not ok ' "$dir/results.log" 2>/dev/null)
	passed=$((passed + n_ok))
	failed=$((failed + n_bad))
	result "$([ "$n_ok" -gt 40 ] && [ "$n_bad" = 0 ] && echo 1)" \
		"$name: in-guest checks all passed" "$n_ok ok, $n_bad not ok"

	# Which transport did our driver use? (its own log line)
	grep -q "virtio-scsi: virtio-scsi: $want," "$dir/firmware.log"
	result "$([ $? = 0 ] && echo 1)" "$name: driver log shows the $want transport"

	# The writes, byte for byte on the host image; the rest untouched
	"$mkpattern" verify "$work/write.img" 2 0 4096 &&
	"$mkpattern" verify "$work/write.img" 2 30000 100 &&
	"$mkpattern" verify "$work/write.img" 2 32767 1
	result "$([ $? = 0 ] && echo 1)" "$name: written sectors on the host image"
	"$mkpattern" zero "$work/write.img" 0 4096 25904 &&
	"$mkpattern" zero "$work/write.img" 0 30100 2667
	result "$([ $? = 0 ] && echo 1)" "$name: unwritten sectors still zero"
}

for t in "$build/virtio-scsi.efi" "$build/testapp.efi" "$mkpattern" "$OVMF_CODE"; do
	[ -e "$t" ] || { echo "missing $t"; echo "0 passed, 1 failed"; exit 1; }
done
make_images
run_vm modern modern disable-legacy=on,disable-modern=off
run_vm legacy legacy disable-legacy=off,disable-modern=on
# both interfaces offered: the driver prefers the modern one
run_vm transitional modern disable-legacy=off,disable-modern=off
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
