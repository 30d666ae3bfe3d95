#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Benchmark our driver against the firmware's built-in virtio-scsi stack
# in one VM (test/efi/bench.c says what is measured): OVMF on x64, AAVMF
# on AArch64 (ARCH=aa64).  Prints the table and writes it as CSV to
# BUILD_DIR/bench.csv (BUILD_DIR/bench-aa64.csv).
# Usage: [ARCH=aa64] run-bench.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
. "$top/test/qemu/lib.sh"
if [ "$ARCH" = aa64 ]; then
	efi=$build/aa64 work=$build/bench-aa64 csv=$build/bench-aa64.csv
	# results on the UART (no debug console ports), power-off at the end
	channels=()
else
	efi=$build work=$build/bench csv=$build/bench.csv
	channels=(-chardev file,id=results,path="$work/results.log"
		  -device isa-debugcon,iobase=0x403,chardev=results
		  -chardev file,id=fwlog,path="$work/firmware.log"
		  -device isa-debugcon,iobase=0x402,chardev=fwlog
		  -device isa-debug-exit,iobase=0xf4,iosize=0x04)
fi
rm -rf "$work"
mkdir -p "$work"

printf 'bench\n' > "$work/MODE.TXT"
make_gpt_fat "$work/esp.img" 64 ef00 \
	"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
	"$efi/virtio-scsi.efi=virtio-scsi.efi" "$work/MODE.TXT=MODE.TXT"
truncate -s 256M "$work/disk.img"
"$build/mkpattern" fill "$work/disk.img" 9 0 524288
truncate -s 1M "$work/tiny.img"

# discovery controllers: 1 disk, or 8 targets x 8 LUNs
disks() {	# disks BUS TARGETS LUNS
	local t l
	for t in $(seq 0 $(($2 - 1))); do
		for l in $(seq 0 $(($3 - 1))); do
			echo "-drive if=none,id=$1t${t}l$l,format=raw,readonly=on,file=$work/tiny.img"
			echo "-device scsi-hd,drive=$1t${t}l$l,bus=$1.0,scsi-id=$t,lun=$l"
		done
	done
}

echo "# accelerator: $(qemu_accel); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
# shellcheck disable=SC2046
timeout 1800 $QEMU $(qemu_accel) $QEMU_MACHINE -m 1024 -smp 1 -nodefaults \
	-display none -no-reboot -net none $(qemu_firmware) \
	-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp.img" \
	-device virtio-blk-pci,drive=esp,bootindex=0 \
	-device virtio-scsi-pci,id=b,addr=0x10,disable-legacy=on \
	-drive if=none,id=bd,format=raw,snapshot=on,file="$work/disk.img" \
	-device scsi-hd,drive=bd,bus=b.0,scsi-id=0,lun=0,bootindex=1 \
	-device virtio-scsi-pci,id=o,addr=0x11,disable-legacy=on \
	-drive if=none,id=od,format=raw,snapshot=on,file="$work/disk.img" \
	-device scsi-hd,drive=od,bus=o.0,scsi-id=0,lun=0 \
	-device virtio-scsi-pci,id=d1b,addr=0x12,disable-legacy=on $(disks d1b 1 1) \
	-device virtio-scsi-pci,id=d64b,addr=0x13,disable-legacy=on $(disks d64b 8 8) \
	-device virtio-scsi-pci,id=d1o,addr=0x14,disable-legacy=on $(disks d1o 1 1) \
	-device virtio-scsi-pci,id=d64o,addr=0x15,disable-legacy=on $(disks d64o 8 8) \
	"${channels[@]}" \
	-serial file:"$work/serial.log" || true
[ "$ARCH" = aa64 ] && tr -d '\r' < "$work/serial.log" | grep -a '^\(# \|ok \|not ok \)' > "$work/results.log"

echo "# firmware: $(basename "$OVMF_CODE"), $ARCH"
sed -n 's/^# bench: //p; s/^# counter/counter/p' "$work/results.log"
grep '^not ok' "$work/results.log" || true
{
	echo "metric,built-in,ours,ours/built-in"
	sed -n 's/^# csv: //p' "$work/results.log"
} > "$csv"
echo "CSV: $csv"
