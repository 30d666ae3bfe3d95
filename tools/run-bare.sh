#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Boot the bare-metal image (make bare) under QEMU with no UEFI firmware:
# one modern virtio-scsi controller with a GPT disk at 0:0 and a pattern
# disk at 1:2, and a legacy one with a CD-ROM at 0:0.  The image lists
# every unit and partition on the serial console (here: stdout), checks
# the pattern disk, resets both controllers and makes QEMU exit; the last
# line gives the exit code (docs/porting.md).
#
# Usage: run-bare.sh [BUILD_DIR] [EXTRA KERNEL COMMAND LINE...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
shift || true
. "$top/test/qemu/lib.sh"
work=$build/run-bare
mkdir -p "$work"

truncate -s 32M "$work/gpt.img"
sgdisk -o -n 1:2048:+8M -t 1:ef00 -c 1:"EFI system" -n 2:0:0 -t 2:8300 \
	-c 2:root "$work/gpt.img" >/dev/null
truncate -s 8M "$work/pattern.img"
"$build/mkpattern" fill "$work/pattern.img" 7 0 16384
truncate -s 2M "$work/cd.iso"

# shellcheck disable=SC2046
status=0
$QEMU $(qemu_accel) -machine pc -m 256 -nodefaults -display none \
	-no-reboot -net none -serial stdio -device isa-debug-exit \
	-kernel "$build/bare/virtio-scsi-bare.elf" \
	-append "check=00:04.0/1:2/7 $*" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on,addr=04.0 \
	-drive if=none,id=gpt,file="$work/gpt.img",format=raw \
	-device scsi-hd,drive=gpt,bus=s0.0,scsi-id=0,lun=0 \
	-drive if=none,id=pat,file="$work/pattern.img",format=raw \
	-device scsi-hd,drive=pat,bus=s0.0,scsi-id=1,lun=2 \
	-device virtio-scsi-pci,id=s1,disable-modern=on,addr=05.0 \
	-drive if=none,id=cd,file="$work/cd.iso",format=raw,media=cdrom \
	-device scsi-cd,drive=cd,bus=s1.0,scsi-id=0,lun=0 || status=$?
# isa-debug-exit: QEMU's status is 2 * code + 1; hand the image's code on
[ $((status % 2)) = 1 ] || { echo "run-bare: QEMU failed (status $status)"; exit 125; }
exit $(((status - 1) / 2))
