#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# QEMU tests of U-Boot with the virtio-scsi driver (uboot/, built by
# `make uboot` into BUILD/uboot/ARCH/u-boot.bin, or by this script when
# they are missing), on QEMU virt.  Each VM
# runs a script of U-Boot commands (uboot_console.py); this script reads
# the console, and after QEMU exits compares the disk images on the host.
#
#   a64-modern (AArch64, virtio-scsi-pci, modern only): units at gaps
#     (0:0 a GPT disk, FAT and ext4; 3:1 a 4Kn disk; 5:2 a CD-ROM; 6:0 a
#     disk to write): `scsi scan` lists exactly those, with their block
#     sizes and counts, found without probing every address (QEMU's
#     trace counts the INQUIRYs); files read from FAT and ext4 have the
#     host's CRC32; raw blocks and a FAT file written, checked on the
#     host; GRUB (Debian's arm64 image) started with bootefi from the
#     FAT partition reads our disks through U-Boot's UEFI Block I/O.
#   a64-legacy (transitional virtio-scsi-pci, U-Boot's legacy transport):
#     the same reads; a disk throttled past the driver's deadline
#     (vscsi_timeout) gives an error, not a hang, and the other disk
#     reads afterwards.
#   a64-mmio (virtio-scsi-device on virtio-mmio): a unit removed with
#     device_del between `scsi scan` and a read: an error on that device,
#     the other unaffected; then U-Boot's distro boot (bootcmd_scsi0)
#     finds GRUB on our disk and starts it.
#   rv64-modern (RISC-V S-mode under Debian's OpenSBI, virtio-scsi-pci):
#     the units, the FAT and ext4 files, a write checked on the host.
#
# Usage: run-uboot.sh [BUILD_DIR]     ends with "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(realpath -m "${1:-$top/build}")
ARCH=x64 . "$here/lib.sh"

work=$build/uboot-test
cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
opensbi=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
rm -rf "$work"
mkdir -p "$work"
passed=0
failed=0

# crc FILE [OFFSET LENGTH]: the CRC32 of a file or a piece of it, as
# U-Boot's crc32 command prints it (8 hex digits)
crc() {
	python3 - "$@" <<'EOF'
import sys, zlib
data = open(sys.argv[1], "rb").read()
if len(sys.argv) > 2:
    off, n = int(sys.argv[2], 0), int(sys.argv[3], 0)
    data = data[off:off + n]
print("%08x" % zlib.crc32(data))
EOF
}

# bytes_are FILE OFFSET LENGTH BYTE: that piece of FILE is BYTE throughout
bytes_are() {
	python3 - "$@" <<'EOF'
import sys
f, off, n, b = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), int(sys.argv[4], 0)
data = open(f, "rb").read()[off:off + n]
sys.exit(0 if data == bytes([b]) * n else 1)
EOF
}

# The disks.  d0: GPT, FAT (GRUB, its grub.cfg, f1.bin) and ext4
# (f2.bin); d4k: 4096-byte blocks; cd: a CD-ROM's data; w: zeros, to
# write; slow: throttled.
make_disks() {
	local d=$work/disks grub
	mkdir -p "$d/ext"
	head -c 300000 /dev/urandom > "$d/f1.bin"
	head -c 500000 /dev/urandom > "$d/ext/f2.bin"
	echo "read through U-Boot's Block I/O" > "$d/ext/hello.txt"
	cat > "$d/grub.cfg" <<'EOF'
echo VSCSI-GRUB-START
ls
cat (hd0,gpt2)/hello.txt
echo VSCSI-GRUB-END
halt
EOF
	grub=$(ls "$cache"/grub-efi-arm64-signed_*_arm64.deb 2>/dev/null | head -1)
	if [ -n "$grub" ]; then
		dpkg-deb -x "$grub" "$d/grub"
		cp "$d"/grub/usr/lib/grub/arm64-efi-signed/grubaa64.efi.signed "$d/BOOTAA64.EFI"
	fi
	truncate -s 64M "$d/d0.img"
	sgdisk -n1:2048:+16M -t1:ef00 -n2:0:+32M -t2:8300 "$d/d0.img" >/dev/null
	truncate -s 16M "$d/fat.img"
	mformat -i "$d/fat.img" -v VSTEST ::
	mmd -i "$d/fat.img" ::/EFI ::/EFI/BOOT ::/EFI/debian
	mcopy -i "$d/fat.img" "$d/f1.bin" ::/f1.bin
	mcopy -i "$d/fat.img" "$d/grub.cfg" ::/EFI/debian/grub.cfg
	[ ! -f "$d/BOOTAA64.EFI" ] || mcopy -i "$d/fat.img" "$d/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
	mkfs.ext4 -q -F -d "$d/ext" "$d/ext.img" 32M >/dev/null
	dd if="$d/fat.img" of="$d/d0.img" bs=512 seek=2048 conv=notrunc status=none
	dd if="$d/ext.img" of="$d/d0.img" bs=512 seek=34816 conv=notrunc status=none
	head -c 16M /dev/urandom > "$d/d4k.img"
	head -c 8M /dev/urandom > "$d/cd.img"
	truncate -s 8M "$d/w.img"
	truncate -s 16M "$d/slow.img"
}

# disks VM: the units at gaps, each VM with copies of its own
units() {
	local vm=$1 bus=$2 d=$work/$1
	cp "$work/disks/d0.img" "$work/disks/w.img" "$d/"
	echo "-drive if=none,id=d0,file=$d/d0.img,format=raw"
	echo "-device scsi-hd,drive=d0,bus=$bus.0,scsi-id=0,lun=0"
	echo "-drive if=none,id=d4k,file=$work/disks/d4k.img,format=raw,snapshot=on"
	echo "-device scsi-hd,drive=d4k,bus=$bus.0,scsi-id=3,lun=1,logical_block_size=4096,physical_block_size=4096"
	echo "-drive if=none,id=cd,file=$work/disks/cd.img,format=raw,media=cdrom,readonly=on"
	echo "-device scsi-cd,drive=cd,bus=$bus.0,scsi-id=5,lun=2"
	echo "-drive if=none,id=w,file=$d/w.img,format=raw"
	echo "-device scsi-hd,drive=w,bus=$bus.0,scsi-id=6,lun=0"
}

# uboot_vm NAME ARCH SCRIPT QEMU_ARGS...: run a script in U-Boot; sets
# $rc (0: the script ran to its end)
uboot_vm() {
	local name=$1 arch=$2 script=$3 dir=$work/$1 qemu
	shift 3
	case $arch in
	aarch64) qemu=(qemu-system-aarch64 -machine virt -cpu cortex-a57
		       -bios "$build/uboot/aarch64/u-boot.bin") ;;
	riscv64) qemu=(qemu-system-riscv64 -machine virt -bios "$opensbi"
		       -kernel "$build/uboot/riscv64/u-boot.bin") ;;
	esac
	echo "# $name ($arch)"
	timeout 600 python3 "$here/uboot_console.py" "$script" "$dir/console.log" -- \
		"${qemu[@]}" $(qemu_accel) -m 1G -nographic -no-reboot \
		-D "$dir/trace.log" -trace scsi_req_parsed "$@"
	rc=$?
}

# console VM: the VM's console, without carriage returns and terminal
# escapes (GRUB's colours)
console() {
	tr -d '\r' < "$work/$1/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
}

# has VM REGEX [NAME]: one result: the VM's console has a line matching
# REGEX (extended, whole line)
has() {
	expect "$1: ${3:-$2}" -- grep -Eq "^$2\$" <(console "$1")
}

# after VM COMMAND REGEX NAME: the output of U-Boot COMMAND (the lines
# after its prompt line, up to the next prompt) has a line matching REGEX
# (basic)
after() {
	expect "$1: $4" -- section_has <(console "$1") \
		"^=> $(printf '%s' "$2" | sed 's/[]\/$*.^[]/\\&/g')\$" '^=> ' "$3"
}

ran() {
	expect "$1: the script ran to its end" "see $work/$1/console.log" -- [ "$rc" = 0 ]
}

# check_units VM [LAST]: checks shared by the VMs that hold the units:
# scan, files, CD, 4Kn; LAST: the last device number listed (3)
check_units() {
	local vm=$1 last=${2:-3} d=$work/disks
	has "$vm" "  Device 0: \(0:0\) Vendor: QEMU Prod\.: QEMU HARDDISK Rev: .*" "unit 0:0 is device 0"
	has "$vm" " *Capacity: 64\.0 MB = 0\.0 GB \(131072 x 512\)" "0:0: 131072 blocks of 512"
	has "$vm" "  Device 1: \(3:1\) Vendor: QEMU Prod\.: QEMU HARDDISK Rev: .*" "unit 3:1 is device 1"
	has "$vm" " *Capacity: 16\.0 MB = 0\.0 GB \(4096 x 4096\)" "3:1: 4096 blocks of 4096"
	has "$vm" "  Device 2: \(5:2\) Vendor: QEMU Prod\.: QEMU CD-ROM Rev: .*" "unit 5:2 is device 2, a CD-ROM"
	has "$vm" " *Capacity: 8\.0 MB = 0\.0 GB \(4096 x 2048\)" "5:2: 4096 blocks of 2048"
	has "$vm" "  Device 3: \(6:0\) Vendor: QEMU .*" "unit 6:0 is device 3"
	expect "$vm: no other unit listed" -- not grep -q "Device $((last + 1)):" "$work/$vm/console.log"
	after "$vm" "scsi info" "^Device $last: ([0-9]*:[0-9]*) Vendor: QEMU" "scsi info lists the units"
	after "$vm" "ls scsi 0:1" " *300000 *f1\.bin" "ls of the FAT partition"
	after "$vm" "ls scsi 0:2" " *500000 *f2\.bin" "ls of the ext4 partition"
	after "$vm" "load scsi 0:1 \${loadaddr} f1.bin" "300000 bytes read in .*" "FAT file loaded"
	after "$vm" "crc32 \${loadaddr} 493e0" "crc32 for .* ==> $(crc "$d/f1.bin")" "FAT file: the host's CRC32"
	after "$vm" "crc32 \${loadaddr} 7a120" "crc32 for .* ==> $(crc "$d/ext/f2.bin")" "ext4 file: the host's CRC32"
	after "$vm" "crc32 \${loadaddr} 4000" "crc32 for .* ==> $(crc "$d/d4k.img" 0x3000 0x4000)" "4Kn: blocks 3-6 read, the host's CRC32"
	after "$vm" "crc32 \${loadaddr} 1800" "crc32 for .* ==> $(crc "$d/cd.img" 0x2800 0x1800)" "CD-ROM: blocks 5-7 read, the host's CRC32"
}

# The commands of check_units
units_script() {
	cat <<'EOF'
setenv vscsi_log info
scsi scan
scsi info
ls scsi 0:1
ls scsi 0:2
load scsi 0:1 ${loadaddr} f1.bin
crc32 ${loadaddr} 493e0
load scsi 0:2 ${loadaddr} f2.bin
crc32 ${loadaddr} 7a120
scsi dev 1
scsi read ${loadaddr} 3 4
crc32 ${loadaddr} 4000
scsi dev 2
scsi read ${loadaddr} 5 3
crc32 ${loadaddr} 1800
EOF
}

# The writes: 128 blocks of 5Ah at block 256 of device 3, a FAT file
write_script() {
	cat <<'EOF'
mw.b ${loadaddr} 5a 10000
scsi dev 3
scsi write ${loadaddr} 100 80
save scsi 0:1 ${loadaddr} new.bin 10000
EOF
}

check_writes() {
	local vm=$1 d=$work/$1
	after "$vm" "scsi write \${loadaddr} 100 80" ".*128 blocks written: OK" "raw write of 128 blocks"
	expect "$vm: the written blocks are on the host image" -- bytes_are "$d/w.img" 0x20000 0x10000 0x5a
	expect "$vm: nothing else of that disk was written" -- \
		all_of "bytes_are $d/w.img 0 0x20000 0" "bytes_are $d/w.img 0x30000 0x7d0000 0"
	mcopy -n -i "$d/d0.img@@1M" ::/new.bin "$d/new.bin" 2>/dev/null
	expect "$vm: the FAT file written is on the host image" -- bytes_are "$d/new.bin" 0 0x10000 0x5a
}

# ----------------------------------------------------------- AArch64
# run alone, it builds the images (a copy from the cache when unchanged)
if [ ! -s "$build/uboot/aarch64/u-boot.bin" ] || [ ! -s "$build/uboot/riscv64/u-boot.bin" ]; then
	"$top/tools/uboot-build.sh" "$build/uboot" >&2 || {
		echo "run-uboot.sh: no U-Boot images under $build/uboot" >&2
		echo "0 passed, 1 failed"
		exit 1
	}
fi
make_disks

vm=a64-modern
mkdir -p "$work/$vm"
{ units_script; write_script; echo "dm tree"
  echo 'load scsi 0:1 ${kernel_addr_r} EFI/BOOT/BOOTAA64.EFI'
  echo '!send bootefi ${kernel_addr_r}'; echo '!wait VSCSI-GRUB-END'; } > "$work/$vm/script"
uboot_vm $vm aarch64 "$work/$vm/script" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on $(units $vm s0)
ran $vm
has $vm "virtio-scsi#[0-9]+: virtio-scsi: modern, queue [0-9]+ \([0-9]+ slots of [0-9]+\), .*" \
	"our driver started the controller (modern)"
has $vm " scsi  *0  \[ \+ \]   virtio-scsi  .*virtio-scsi#[0-9]+" \
	"dm tree: the controller is ours (driver virtio-scsi, probed)"
check_units $vm
inquiries=$(grep -c 'scsi_req_parsed.* command 18 ' "$work/$vm/trace.log")
expect "$vm: the scan sent $inquiries INQUIRYs, not one per address" -- [ "$inquiries" -le 20 ]
check_writes $vm
has $vm "VSCSI-GRUB-START" "GRUB started with bootefi from the FAT partition"
has $vm "read through U-Boot's Block I/O" "GRUB read the ext4 partition through U-Boot's UEFI"
has $vm ".*\(hd0\).*\(hd0,gpt2\).*" "GRUB lists our disks"

vm=a64-legacy
mkdir -p "$work/$vm"
{ units_script
  echo "setenv vscsi_timeout 2000"
  echo "scsi scan"
  echo "scsi dev 4"
  echo 'scsi read ${loadaddr} 0 800'
  echo 'scsi read ${loadaddr} 0 800'
  echo "scsi dev 0"
  echo 'load scsi 0:1 ${loadaddr} f1.bin'
  echo 'crc32 ${loadaddr} 493e0'; } > "$work/$vm/script"
uboot_vm $vm aarch64 "$work/$vm/script" \
	-device virtio-scsi-pci,id=s0 $(units $vm s0) \
	-drive if=none,id=slow,file="$work/disks/slow.img",format=raw,throttling.bps-total=65536 \
	-device scsi-hd,drive=slow,bus=s0.0,scsi-id=7,lun=0
ran $vm
has $vm "virtio-scsi#[0-9]+: virtio-scsi: legacy, queue [0-9]+ \([0-9]+ slots of [0-9]+\), .*" \
	"our driver started the controller (legacy)"
check_units $vm 4
has $vm "  Device 4: \(7:0\) .*" "the throttled unit 7:0 is device 4"
has $vm ".*virtio-scsi#[0-9]+: virtio-scsi: request timed out, resetting device" \
	"the throttled read timed out and the controller was reset"
has $vm ".*blocks read: ERROR" "the throttled read is an error, not a hang"
expect "$vm: after the reset the other disk reads, with the host's CRC32" -- \
	[ "$(console $vm | grep -c "==> $(crc "$work/disks/f1.bin")")" = 2 ]

vm=a64-mmio
mkdir -p "$work/$vm"
{ echo "setenv vscsi_log info"; echo "scsi scan"
  echo '!qmp {"execute": "device_del", "arguments": {"id": "gone"}}'
  echo "scsi dev 1"; echo 'scsi read ${loadaddr} 0 10'
  echo "scsi dev 0"; echo 'load scsi 0:1 ${loadaddr} f1.bin'
  echo 'crc32 ${loadaddr} 493e0'
  echo '!send run bootcmd_scsi0'; echo '!wait VSCSI-GRUB-END'; } > "$work/$vm/script"
cp "$work/disks/d0.img" "$work/$vm/"
uboot_vm $vm aarch64 "$work/$vm/script" \
	-global virtio-mmio.force-legacy=false -device virtio-scsi-device,id=s0 \
	-drive if=none,id=d0,file="$work/$vm/d0.img",format=raw \
	-device scsi-hd,drive=d0,bus=s0.0,scsi-id=0,lun=0 \
	-drive if=none,id=g,file="$work/disks/w.img",format=raw,snapshot=on \
	-device scsi-hd,id=gone,drive=g,bus=s0.0,scsi-id=2,lun=0
ran $vm
has $vm "virtio-scsi#[0-9]+: virtio-scsi: modern, queue .*" "our driver started the virtio-mmio controller (modern)"
has $vm "  Device 1: \(2:0\) .*" "the unit to remove was listed"
after $vm 'scsi read ${loadaddr} 0 10' ".*blocks read: ERROR" "the removed unit's read is an error"
after $vm 'scsi read ${loadaddr} 0 10' "^virtio-scsi#[0-9]*: scsi 2:0: the unit is gone" \
	"the driver says which unit is gone"
after $vm "crc32 \${loadaddr} 493e0" "crc32 for .* ==> $(crc "$work/disks/f1.bin")" \
	"the other unit still reads, with the host's CRC32"
has $vm "Found EFI removable media binary efi/boot/bootaa64.efi" \
	"U-Boot's distro boot (bootcmd_scsi0) found GRUB on our disk"
has $vm "read through U-Boot's Block I/O" "GRUB, started by distro boot, read our ext4 partition"

# ----------------------------------------------------------- RISC-V
vm=rv64-modern
mkdir -p "$work/$vm"
{ units_script; write_script; echo "dm tree"; } > "$work/$vm/script"
uboot_vm $vm riscv64 "$work/$vm/script" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on $(units $vm s0)
ran $vm
has $vm "virtio-scsi#[0-9]+: scsi 0:0: type 00 listed" \
	"our driver's scan listed the units (RISC-V)"
has $vm " scsi  *0  \[ \+ \]   virtio-scsi  .*virtio-scsi#[0-9]+" \
	"dm tree: the controller is ours"
check_units $vm
check_writes $vm

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
