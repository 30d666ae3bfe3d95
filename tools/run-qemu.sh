#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# The main job: boot QEMU + OVMF into the UEFI Shell with a virtio-scsi
# controller that the firmware leaves unowned (only the boot disk is in
# the boot order), load our driver from the Shell, and show what it
# found: our line of the driver list, the device tree of our controller,
# the mapped disks, the diagnostics, a directory and a file on a FAT
# partition behind it.  The firmware's other drivers and devices are left
# out, and so are terminal escape sequences when the output is not a
# terminal (RAW=1 keeps everything).  The Shell script ends with
# `reset -s`; set INTERACTIVE=1 to stay in the Shell instead (quit QEMU
# with Ctrl-A x).  FIRMWARE_IMAGE=1 (make run-firmware): the driver is
# built into the firmware OVMF_CODE names.
#
# Usage: run-qemu.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
. "$top/test/qemu/lib.sh"
work=$build/run
mkdir -p "$work"

if [ "${FIRMWARE_IMAGE:-0}" = 1 ]; then
	# make run-firmware: the driver is in the firmware (make firmware)
	# the controller is not in the boot order: connect it, as load would
	load='echo "== virtio-scsi: built into the firmware, in place of VirtioScsiDxe"
connect -r
map -r'
else
	load='echo "== virtio-scsi: loading the driver from fs0:"
fs0:
load fs0:\virtio-scsi.efi
map -r'
fi
cat > "$work/startup.nsh" <<NSH
@echo -off
$load
echo "== drivers (ours: VirtIO-SCSI Polled Driver)"
drivers
echo "== devtree (our controller: Virtio SCSI Host Controller)"
devtree
echo "== block devices and file systems"
map -b
echo "== drvdiag: the standard diagnostics of the drivers that have them"
drvdiag -s
echo "== dh: the drivers with the Driver Supported EFI Version protocol"
dh -p 5C198761-16A8-4E69-972C-89D67954F81D
echo "== fs1: a FAT partition on Scsi(1,0) behind our driver"
ls fs1:\\
type fs1:\\HELLO.TXT
NSH
[ "${INTERACTIVE:-0}" = 1 ] || printf 'reset -s\n' >> "$work/startup.nsh"
printf 'Hello from a disk behind the virtio-scsi UEFI driver.\n' > "$work/HELLO.TXT"

make_gpt_fat "$work/esp.img" 64 ef00 \
	"$build/virtio-scsi.efi=virtio-scsi.efi" "$work/startup.nsh=startup.nsh"
make_gpt_fat "$work/fat.img" 32 0700 "$work/HELLO.TXT=HELLO.TXT"
truncate -s 64M "$work/pattern.img"
"$build/mkpattern" fill "$work/pattern.img" 1 0 131072

# show (see above): our driver's line, our controller's subtree
show() {
	sed -u 's/\x1b\[[0-9;=?]*[a-zA-Z]//g; s/\x1b[()][AB0-9]//g; s/\r$//' |
	awk '
	/^== [a-z]/ { sec = $0; print; fflush(); next }
	sec ~ /^== drivers/ {
		if ($0 !~ /^ *[0-9A-F]+ [0-9A-F]+ / || $0 ~ /VirtIO-SCSI Polled Driver/)
			print
		next
	}
	sec ~ /^== devtree/ {
		match($0, /^ */); ind = RLENGTH
		if ($0 ~ /Virtio SCSI Host Controller/) { keep = ind; print; next }
		if (keep >= 0 && ind > keep && $0 !~ /^ *$/) { print; next }
		keep = -1
		next
	}
	{ print; fflush() }' keep=-1
}

run() {
	# shellcheck disable=SC2046
	$QEMU $(qemu_accel) -machine pc -m 512 -smp 1 -nodefaults -nographic \
	-no-reboot -net none $(qemu_firmware) \
	-serial mon:stdio \
	-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp.img" \
	-device virtio-blk-pci,drive=esp,bootindex=0 \
	-device virtio-scsi-pci,id=scsi0 \
	-drive if=none,id=d00,format=raw,snapshot=on,file="$work/pattern.img" \
	-device scsi-hd,drive=d00,bus=scsi0.0,scsi-id=0,lun=0 \
	-drive if=none,id=d10,format=raw,snapshot=on,file="$work/fat.img" \
	-device scsi-hd,drive=d10,bus=scsi0.0,scsi-id=1,lun=0 \
	-chardev file,id=fwlog,path="$work/firmware.log" \
	-device isa-debugcon,iobase=0x402,chardev=fwlog
}

if [ "${INTERACTIVE:-0}" = 1 ] || [ "${RAW:-0}" = 1 ]; then
	run
else
	run | show
fi
