#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# QEMU tests of the bare-metal image (build/bare/virtio-scsi-bare.elf):
# QEMU boots it with -kernel (PVH) after SeaBIOS, whose own virtio-scsi
# driver has left the controllers running; no OVMF.  The image prints its
# findings on COM1 in the fixed format of bare/main.c; this script reads
# them, and after QEMU exits compares the disk images on the host.
#
#   modern VM (pc): 2 targets x 2 LUNs with gaps (0:0 0:3 2:1 2:2), a GPT
#     disk, a CD-ROM (2048-byte blocks), a 4Kn disk, a 3 TiB sparse disk
#     (blocks above 2 TiB read and written), a hot-plugged disk noticed by
#     the event queue, a disk written and checked on the host.
#   legacy VM (q35): the legacy interface (0x1004, I/O BAR only), the
#     same read and write checks.
#   faults VM: a blkdebug EIO on a read (the error reported for that range,
#     the rest intact), a throttled disk slower than the timeout (timeout,
#     reset, and the controller serving its other disk afterwards).
#   nodevice VM: no virtio-scsi controller (exit code 3).
#   nopci VM: microvm, no PCI bus at all (exit code 2).
#
# Usage: run-bare.sh [BUILD_DIR]     ends with "N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
. "$here/lib.sh"

work=$build/bare-test
image=$build/bare/virtio-scsi-bare.elf
mkpattern=$build/mkpattern
rm -rf "$work"
mkdir -p "$work"
passed=0
failed=0

# has VM REGEX [NAME]: one result: the VM's console has a line matching
# REGEX (extended, whole line).
has() {
	local vm=$1 re=$2
	expect "$vm: ${3:-$re}" -- grep -Eq "^$re\$" "$work/$vm/serial.log"
}

# lacks VM REGEX NAME: one result: no console line matches REGEX.
lacks() {
	expect "$1: $3" -- not grep -Eq "^$2\$" "$work/$1/serial.log"
}

# exit_code VM CODE: the image ended with CODE (QEMU status 2*CODE+1).
exit_code() {
	expect "$1: exit code $2" "QEMU status $rc" -- [ "$rc" = $((2 * $2 + 1)) ]
}

# bare_vm NAME MACHINE APPEND HOTPLUG QEMU_ARGS...: boot the image; sets
# $rc.  HOTPLUG: HMP commands separated by ";", the Nth typed into the
# monitor when the image says for the Nth time that it waits for hot-plug.
bare_vm() {
	local name=$1 machine=$2 append=$3 hotplug=$4 dir=$work/$1 port i
	shift 4
	mkdir -p "$dir"
	: > "$dir/serial.log"
	port=$((20000 + RANDOM % 30000))
	# shellcheck disable=SC2046
	timeout 300 $QEMU $(qemu_accel) -machine "$machine" -m 256 -smp 1 \
		-nodefaults -display none -no-reboot -net none \
		-monitor "tcp:127.0.0.1:$port,server=on,wait=off" \
		-device isa-debug-exit -serial file:"$dir/serial.log" \
		-kernel "$image" -append "$append" "$@" &
	local qpid=$!
	local n=0 cmd cmds=()
	[ -n "$hotplug" ] && IFS=';' read -ra cmds <<< "$hotplug"
	for cmd in "${cmds[@]}"; do
		n=$((n + 1))
		for i in $(seq 600); do
			[ "$(grep -c '^hotplug: waiting' "$dir/serial.log")" -ge $n ] && break
			kill -0 $qpid 2>/dev/null || break
			sleep 0.1
		done
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null &&
			printf '%s\n' "$cmd" >&3 && sleep 0.5 && exec 3>&-
	done
	wait $qpid
	rc=$?
	tr -d '\r' < "$dir/serial.log" > "$dir/console.txt"
	mv "$dir/console.txt" "$dir/serial.log"
	sed 's/^/  /' "$dir/serial.log" | grep -v '^  log .*listed$'
	exception_result "$name" "$dir/serial.log" "$bare_image"
}

# The image as image_of wants it: linked where it runs (identity
# mapped), so an address is its own offset.
use_image() {
	local end
	image=$1
	end=$(nm "$image" 2>/dev/null | sed -n 's/^\([0-9a-f]*\) . __image_end$/\1/p')
	bare_image="$(basename "$image" .elf) 0 $((16#${end:-0})) $image"
}
use_image "$image"

# gpt_expect IMAGE PCI T:L: the "part" lines the image must print for the
# GPT of IMAGE, from sgdisk's own reading of it.
gpt_expect() {
	local img=$1 where="$2 $3" n info first last type name
	for n in $(sgdisk -p "$img" | awk '/^ *[0-9]+ +[0-9]+ +[0-9]+/ {print $1}'); do
		info=$(sgdisk -i "$n" "$img")
		first=$(echo "$info" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
		last=$(echo "$info" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
		type=$(echo "$info" | sed -n 's/^Partition GUID code: \([0-9A-F-]*\).*/\1/p' |
			tr 'A-F' 'a-f')
		name=$(echo "$info" | sed -n "s/^Partition name: '\(.*\)'$/\1/p")
		echo "part $where $n first=$first last=$last type=$type name=\"$name\""
	done
}

# ------------------------------------------------------------- images
truncate -s 16M "$work/pat.img"; "$mkpattern" fill "$work/pat.img" 11 0 32768
truncate -s 8M "$work/gpt.img"
sgdisk -n 1:2048:4095 -t 1:8300 -c 1:alpha -n 2:4096:12287 -t 2:ef00 \
	-c 2:"EFI system" -n 3:12288:0 -t 3:0700 -c 3:data "$work/gpt.img" >/dev/null
truncate -s 8M "$work/write.img"
truncate -s 4M "$work/cd.iso"; "$mkpattern" fill "$work/cd.iso" 33 0 8192
truncate -s 16M "$work/4k.img"; "$mkpattern" fill "$work/4k.img" 44 0 32768
truncate -s 3T "$work/big.img"
big_blocks=$((3 * 1024 * 1024 * 1024 * 2))	# 512-byte blocks of 3 TiB
"$mkpattern" fill "$work/big.img" 66 $((big_blocks - 64)) 64
truncate -s 4M "$work/hp.img"; "$mkpattern" fill "$work/hp.img" 77 0 8192

# ---------------------------------------------------------- modern VM
pci=00:05.0
bare_vm modern pc \
	"check=$pci/0:0/11 fill=$pci/2:1/22 check=$pci/2:2/33 check=$pci/3:0/44 \
check=$pci/4:0/66/64/$((big_blocks - 64)) fill=$pci/4:0/88/16/$((big_blocks / 2 + 8)) \
check=$pci/4:0/88/16/$((big_blocks / 2 + 8)) hotplug=60 check=$pci/6:0/77 \
hotplug=60" \
	"device_add scsi-hd,drive=hp,bus=s0.0,scsi-id=6,lun=0,id=hpdisk;device_del hpdisk" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on,addr=05.0 \
	-drive if=none,id=pat,file="$work/pat.img",format=raw \
	-device scsi-hd,drive=pat,bus=s0.0,scsi-id=0,lun=0 \
	-drive if=none,id=gpt,file="$work/gpt.img",format=raw \
	-device scsi-hd,drive=gpt,bus=s0.0,scsi-id=0,lun=3 \
	-drive if=none,id=wr,file="$work/write.img",format=raw \
	-device scsi-hd,drive=wr,bus=s0.0,scsi-id=2,lun=1 \
	-drive if=none,id=cd,file="$work/cd.iso",format=raw,media=cdrom \
	-device scsi-cd,drive=cd,bus=s0.0,scsi-id=2,lun=2 \
	-drive if=none,id=k4,file="$work/4k.img",format=raw \
	-device scsi-hd,drive=k4,bus=s0.0,scsi-id=3,lun=0,logical_block_size=4096,physical_block_size=4096 \
	-drive if=none,id=big,file="$work/big.img",format=raw \
	-device scsi-hd,drive=big,bus=s0.0,scsi-id=4,lun=0 \
	-drive if=none,id=hp,file="$work/hp.img",format=raw
exit_code modern 0
has modern "takeover $pci status=0f" "SeaBIOS left the controller running; taken over"
has modern "unit $pci 0:0 disk block=512 blocks=32768 \"QEMU\" \"QEMU HARDDISK\"" \
	"unit 0:0 listed with its geometry"
has modern "unit $pci 0:3 disk block=512 blocks=16384 \"QEMU\" \"QEMU HARDDISK\"" \
	"unit 0:3 (a LUN gap) listed"
has modern "unit $pci 2:1 disk block=512 blocks=16384 \"QEMU\" \"QEMU HARDDISK\"" \
	"unit 2:1 (a target gap) listed"
has modern "unit $pci 2:2 cdrom block=2048 blocks=2048 \"QEMU\" \"QEMU CD-ROM\" ro" \
	"CD-ROM: 2048-byte blocks, read-only"
has modern "unit $pci 3:0 disk block=4096 blocks=4096 \"QEMU\" \"QEMU HARDDISK\"" \
	"4Kn disk: 4096-byte blocks"
has modern "unit $pci 4:0 disk block=512 blocks=$big_blocks \"QEMU\" \"QEMU HARDDISK\"" \
	"3 TiB disk: every block counted (READ CAPACITY(16))"
n=$(grep -c "^unit $pci " "$work/modern/serial.log")
expect "modern: exactly 7 units listed" "$n" -- [ "$n" = 7 ]
# every "part" line the host expects, and no other
gpt_expect "$work/gpt.img" "$pci" 0:3 > "$work/modern/gpt-expect.txt"
grep "^part $pci 0:3 " "$work/modern/serial.log" > "$work/modern/gpt-got.txt"
expect "modern: the GPT's 3 partitions as sgdisk reads them" \
	"$(diff "$work/modern/gpt-expect.txt" "$work/modern/gpt-got.txt" | tr '\n' ' ')" -- \
	same_nonempty "$work/modern/gpt-expect.txt" "$work/modern/gpt-got.txt"
has modern "gpt $pci 0:0 none" "a disk without a GPT says so"
has modern "check $pci 0:0 seed=11 first=0 blocks=32768 ok errors=0 mismatches=0" \
	"every block of the pattern disk read and checked"
has modern "fill $pci 2:1 seed=22 first=0 blocks=16384 ok errors=0 mismatches=0" \
	"a disk written whole"
has modern "check $pci 2:2 seed=33 first=0 blocks=2048 ok errors=0 mismatches=0" \
	"every block of the CD-ROM read and checked"
has modern "check $pci 3:0 seed=44 first=0 blocks=4096 ok errors=0 mismatches=0" \
	"every block of the 4Kn disk read and checked"
has modern "check $pci 4:0 seed=66 first=$((big_blocks - 64)) blocks=64 ok errors=0 mismatches=0" \
	"the last 64 blocks of the 3 TiB disk read and checked"
has modern "check $pci 4:0 seed=88 first=$((big_blocks / 2 + 8)) blocks=16 ok errors=0 mismatches=0" \
	"blocks written above 2 TiB read back"
# listed after the image started waiting: found by an event, not the scan
wait_at=$(grep -n '^hotplug: waiting' "$work/modern/serial.log" | head -1 | cut -d: -f1)
unit_at=$(grep -n "^unit $pci 6:0 disk block=512 blocks=8192 " "$work/modern/serial.log" | cut -d: -f1)
expect "modern: a hot-plugged disk noticed by the event queue" \
	"waiting at ${wait_at:-?}, unit at ${unit_at:-?}" -- [ "${unit_at:-0}" -gt "${wait_at:-999999}" ]
has modern "check $pci 6:0 seed=77 first=0 blocks=8192 ok errors=0 mismatches=0" \
	"the hot-plugged disk read and checked"
has modern "gone $pci 6:0" "its hot-unplug noticed by the event queue"
lacks modern "hotplug: nothing changed" "each hot-plug event arrived in time"
has modern "reset $pci status=00" "controller reset before exit"
has modern "memory $pci ctrl=[0-9]+ inventory=[0-9]+ dma=[0-9]+" "memory use printed"
lacks modern "(log .*(error|failed|timed out).*|exception .*)" "no errors logged"
expect "modern: the written disk matches on the host, byte for byte" -- "$mkpattern" verify "$work/write.img" 22 0 16384
expect "modern: the blocks written above 2 TiB match on the host" -- "$mkpattern" verify "$work/big.img" 88 $((big_blocks / 2 + 8)) 16
expect "modern: the disk only read is unchanged" -- "$mkpattern" verify "$work/pat.img" 11 0 32768

# ---------------------------------------------------------- legacy VM
truncate -s 8M "$work/write2.img"
pci=00:03.0
bare_vm legacy q35 "check=$pci/1:0/11 fill=$pci/1:5/55 selftest" "" \
	-device virtio-scsi-pci,id=s0,disable-modern=on,addr=03.0 \
	-drive if=none,id=pat,file="$work/pat.img",format=raw,snapshot=on \
	-device scsi-hd,drive=pat,bus=s0.0,scsi-id=1,lun=0 \
	-drive if=none,id=wr,file="$work/write2.img",format=raw \
	-device scsi-hd,drive=wr,bus=s0.0,scsi-id=1,lun=5
exit_code legacy 0
has legacy "ctrl $pci 1af4:1004" "a transitional function (0x1004)"
has legacy "log $pci: virtio-scsi: legacy, .*" "driven through the legacy interface"
has legacy "check $pci 1:0 seed=11 first=0 blocks=32768 ok errors=0 mismatches=0" \
	"every block of the pattern disk read and checked"
has legacy "fill $pci 1:5 seed=55 first=0 blocks=16384 ok errors=0 mismatches=0" \
	"a disk written whole"
has legacy "selftest $pci passed status=07 queues=3 tur=ok us=[0-9]+" \
	"the core's self-test of the controller passes (legacy: no FEATURES_OK)"
has legacy "selftest $pci 1:0 passed inquiry=ok capacity=ok read=ok" \
	"the core's self-test of a disk passes"
has legacy "reset $pci status=00" "controller reset before exit"
expect "legacy: the written disk matches on the host, byte for byte" -- "$mkpattern" verify "$work/write2.img" 55 0 16384

# ---------------------------------------------------------- faults VM
# blkdebug: EIO for every read that touches sector 1000 (a 1 MiB piece
# fails, then block by block only block 1000 does).  Throttled to 64 KiB/s:
# QEMU lets the first 1 MiB read through at once and makes the next wait
# 16 s, against a 2 s timeout.
cat > "$work/blkdebug.conf" <<EOF
[inject-error]
event = "read_aio"
errno = "5"
sector = "1000"
EOF
truncate -s 4M "$work/slow.img"
pci=00:05.0
bare_vm faults pc \
	"timeout=2000 check=$pci/0:0/11/8192 read=$pci/1:0/0/2048 read=$pci/1:0/0/2048 check=$pci/0:0/11/2048/4096" "" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on,addr=05.0 \
	-drive if=none,id=eio,file=blkdebug:"$work/blkdebug.conf":"$work/pat.img",format=raw,snapshot=on \
	-device scsi-hd,drive=eio,bus=s0.0,scsi-id=0,lun=0 \
	-drive if=none,id=slow,file="$work/slow.img",format=raw,throttling.bps-total=65536 \
	-device scsi-hd,drive=slow,bus=s0.0,scsi-id=1,lun=0
exit_code faults 1
has faults "error $pci 0:0 lba=1000 count=1 rc=(medium|device)" \
	"the EIO is reported for block 1000 alone"
has faults "check $pci 0:0 seed=11 first=0 blocks=8192 failed errors=1 mismatches=0" \
	"the rest of the disk read intact"
has faults "read $pci 1:0 lba=0 blocks=2048 rc=ok ms=[0-9]+" "the throttled disk's first read passes"
has faults "read $pci 1:0 lba=0 blocks=2048 rc=timeout ms=(19[0-9][0-9]|2[0-9][0-9][0-9])" \
	"a read slower than its 2 s timeout ends with a timeout after 1.9-3 s"
has faults "log $pci: virtio-scsi: request timed out, resetting device" \
	"the controller was reset"
has faults "check $pci 0:0 seed=11 first=4096 blocks=2048 ok errors=0 mismatches=0" \
	"after the reset the controller serves its other disk"
has faults "reset $pci status=00" "controller reset before exit"

# ---------------------------------------------------------- BAR VM
# A 64 GiB ivshmem BAR does not fit below 4 GiB: SeaBIOS moves the 64-bit
# BARs above it, and the virtio BAR lands past the 64 GiB the image maps.
truncate -s 64G "$work/shm.img"
bare_vm bar pc "" "" \
	-object memory-backend-file,id=hm,size=64G,mem-path="$work/shm.img",share=on \
	-device ivshmem-plain,memdev=hm,addr=04.0 \
	-device virtio-scsi-pci,id=s0,disable-legacy=on,addr=05.0
rm -f "$work/shm.img"
exit_code bar 4
has bar "log 00:05.0: BAR4 \(memory, base [0-9a-f]+, size 4000\) out of range" \
	"the BAR out of reach named, with its address"
n=$(grep -c "BAR4" "$work/bar/serial.log")
expect "bar: said once" "$n lines" -- [ "$n" = 1 ]
has bar "ctrl 00:05.0 failed rc=nodev" "the controller is left alone"

# ------------------------------------------------------ no device VMs
bare_vm nodevice pc "" ""
exit_code nodevice 3
has nodevice "pci: no virtio-scsi controller \(1af4:1048 or 1af4:1004\)" \
	"says there is no virtio-scsi controller"
bare_vm nopci microvm,pic=on,pit=on,rtc=on "" ""
exit_code nopci 2
has nopci "pci: no PCI functions answered \(no PCI bus\?\)" "says there is no PCI bus"

# ------------------------------------------------------ the example
# bare/example.c, the smallest embedding: on a modern and a legacy
# controller, LBA 0 of each disk read and its first bytes as on the host
use_image "$build/bare/virtio-scsi-example.elf"
truncate -s 1M "$work/ex0.img" "$work/ex1.img"
printf '\x5a\xa5' | dd of="$work/ex0.img" conv=notrunc status=none
printf '\x42\x24' | dd of="$work/ex1.img" conv=notrunc status=none
bare_vm example pc "" "" \
	-device virtio-scsi-pci,id=s0,disable-legacy=on,addr=04.0 \
	-drive if=none,id=e0,format=raw,file="$work/ex0.img" \
	-device scsi-hd,drive=e0,bus=s0.0,scsi-id=2,lun=3 \
	-device virtio-scsi-pci,id=s1,disable-modern=on,addr=05.0 \
	-drive if=none,id=e1,format=raw,file="$work/ex1.img" \
	-device scsi-hd,drive=e1,bus=s1.0,scsi-id=0,lun=0
exit_code example 0
has example "example 00:04.0 2:3: 512-byte blocks, LBA 0 read, first bytes 5a a5" \
	"LBA 0 of the modern controller's disk, as on the host"
has example "example 00:05.0 0:0: 512-byte blocks, LBA 0 read, first bytes 42 24" \
	"LBA 0 of the legacy controller's disk, as on the host"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
