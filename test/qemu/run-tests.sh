#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# QEMU + OVMF integration tests of the driver.
#
# Each VM boots from a virtio-blk disk with bootindex=0, the only device in
# the boot order, so OVMF connects nothing else: the virtio-scsi controller
# stays unowned until the test app (BOOTX64.EFI) loads our driver onto it.
# The app's mode (\MODE.TXT) picks its checks; it asks for QEMU monitor
# commands with "# monitor: CMD" lines, which this script types in.
#
# The VMs and what each checks are in vm_table below (--list prints it).
#
# Usage: run-tests.sh [BUILD_DIR]     ends with "N passed, N failed"
#        run-tests.sh --list          the VMs, their architectures, what they check
#        VMS="modern media" run-tests.sh   only those VMs
set -u
listing=""
[ "${1:-}" = --list ] && { listing=1; shift; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
. "$here/lib.sh"

# ARCH=aa64: the AArch64 driver and app (build/aa64/) on AAVMF, qemu virt
if [ "$ARCH" = aa64 ]; then
	efi=$build/aa64
	work=$build/qemu-test-aa64
else
	efi=$build
	work=$build/qemu-test
fi
mkpattern=$build/mkpattern

# pattern_at verify|zero IMG SEED FIRST COUNT [FIRST COUNT]...: each range
# of IMG holds the pattern of SEED (verify) or zeros (zero), byte for byte
pattern_at() {
	local mode=$1 img=$2 seed=$3
	shift 3
	while [ $# -ge 2 ]; do
		"$mkpattern" "$mode" "$img" "$seed" "$1" "$2" || return 1
		shift 2
	done
}
rm -rf "$work"
mkdir -p "$work"
passed=0
failed=0

# make_esp MODE: the boot disk of a VM running the app in MODE.
make_esp() {
	printf '%s\n' "$1" > "$work/MODE.TXT"
	make_gpt_fat "$work/esp-$1.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$efi/virtio-scsi.efi=virtio-scsi.efi" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/MODE.TXT=MODE.TXT"
}

# make_iso NAME PAD_KIB: an ISO 9660 image whose El Torito EFI boot image
# is a FAT floppy holding HELLO.TXT, padded so sizes differ.
make_iso() {
	local dir=$work/iso-$1
	mkdir -p "$dir"
	rm -f "$work/efiboot.img"
	mformat -C -f 1440 -i "$work/efiboot.img" ::
	mcopy -i "$work/efiboot.img" "$work/EXPECT.TXT" ::HELLO.TXT
	cp "$work/efiboot.img" "$dir/efiboot.img"
	head -c "$(($2 * 1024))" /dev/zero > "$dir/pad.bin"
	xorriso -as mkisofs -quiet -V "VS$1" -e efiboot.img -no-emul-boot \
		-o "$work/$1.iso" "$dir" 2>/dev/null
}

make_images() {
	printf 'virtio-scsi test %s %s\n' "$(date +%s%N)" "$RANDOM" > "$work/EXPECT.TXT"
	make_esp basic
	make_esp media
	make_esp conform
	make_esp faults
	make_esp unplug
	for i in 0 1; do
		truncate -s 8M "$work/faults$i.img"
		"$mkpattern" fill "$work/faults$i.img" 1 0 16384
	done
	cat > "$work/blkdebug.conf" <<'CONF'
[inject-error]
event = "read_aio"
errno = "5"
sector = "100"
once = "off"

[inject-error]
event = "write_aio"
errno = "5"
sector = "200"
once = "off"
CONF
	# mode rom: the boot disk sits behind our driver, with more files
	printf 'rom\n' > "$work/MODE.TXT"
	truncate -s 1M "$work/PATTERN.BIN"
	"$mkpattern" fill "$work/PATTERN.BIN" 5 0 2048
	make_gpt_fat "$work/esp-rom.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/EXPECT.TXT=HELLO.TXT" \
		"$work/MODE.TXT=MODE.TXT" "$work/PATTERN.BIN=PATTERN.BIN"
	truncate -s 8M "$work/stable.img"
	"$mkpattern" fill "$work/stable.img" 1 0 16384
	truncate -s 6M "$work/BIG6.BIN"
	"$mkpattern" fill "$work/BIG6.BIN" 6 0 12288
	make_gpt_fat "$work/rd.img" 16 0700 "$work/PATTERN.BIN=BIG.BIN" \
		"$work/BIG6.BIN=BIG6.BIN"
	truncate -s 8M "$work/conf-rw.img"
	truncate -s 1M "$work/conf-ro.img"
	make_gpt_fat "$work/fat.img" 32 0700 "$work/EXPECT.TXT=HELLO.TXT"
	truncate -s 64M "$work/pattern.img"
	"$mkpattern" fill "$work/pattern.img" 1 0 131072
	truncate -s 1M "$work/small.img"
	# media VM
	make_iso cd1 64
	make_iso cd2 1024
	truncate -s 16M "$work/4k.img"
	"$mkpattern" fill "$work/4k.img" 1 0 32768
	truncate -s 8M "$work/512e.img"
	truncate -s 3T "$work/big.img"
	truncate -s 1M "$work/ro.img"
	"$mkpattern" fill "$work/ro.img" 3 0 2048
	make_gpt_fat "$work/hp.img" 32 0700 "$work/EXPECT.TXT=HELLO.TXT"
}

# monitor_bridge DIR PORT: type the app's "# monitor:" requests into the
# QEMU monitor listening on PORT (runs in the background).
monitor_bridge() {
	local dir=$1 port=$2 i line cmd
	for i in $(seq 100); do
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
		sleep 0.1
	done
	cat <&3 > "$dir/monitor.log" &
	tail -n +1 -F "$dir/results.log" 2>/dev/null | while IFS= read -r line; do
		case "$line" in
		"# monitor: "*)
			cmd=${line#\# monitor: }
			cmd=${cmd//@ISO2@/$work/cd2.iso}
			cmd=${cmd//@HP@/$work/hp.img}
			printf '%s\n' "$cmd" >&3
			;;
		"# timing: "*)	# when the line arrived, on the host's clock
			echo "${line#\# timing: } $(date +%s%N)" >> "$dir/timing.log"
			;;
		*" passed, "*" failed") break ;;
		esac
	done
}

# stop_helper PID: end a background helper and everything it started.
stop_helper() {
	pkill -P "$1" 2>/dev/null
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# hmp PORT COMMAND: one command to the VM's second monitor, its answer.
hmp() {
	{ exec 4<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return
	printf '%s\n' "$2" >&4
	timeout 0.5 cat <&4 | tr -d '\r' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g'
	exec 4>&-
}

# sample_pcs PORT N: N samples of the program counter of the VM whose
# second monitor listens on PORT, one a line (hex, no 0x).
sample_pcs() {
	local i
	for i in $(seq "$2"); do
		hmp "$1" 'info registers' | grep -ao '\(RIP\|PC\)=[0-9a-f]*' |
			head -1 | cut -d= -f2
		sleep 0.2
	done
}

# watch_vm DIR SECONDS: watch the VM of DIR (vm_run's DIR/qemu.pid) and
# end it at once when its consoles show a CPU exception (the dump into
# DIR/exception.txt), or when its serial port and results have not grown
# for SECONDS (where the CPU is, its registers and its stack into
# DIR/hang.txt).
watch_vm() {
	local dir=$1 secs=$2 size last=-1 still=0 port sp
	while sleep 1; do
		if grep -aqE "$EXCEPTION_RE" "$dir/serial.log" "$dir/firmware.log" 2>/dev/null; then
			sleep 2	# the rest of the dump
			cat "$dir/serial.log" "$dir/firmware.log" 2>/dev/null | tr -d '\r' |
				grep -aE -A40 "$EXCEPTION_RE" | head -60 > "$dir/exception.txt"
			kill "$(cat "$dir/qemu.pid")"	# timeout passes it on to QEMU
			return
		fi
		size=$(cat "$dir/serial.log" "$dir/results.log" 2>/dev/null | wc -c)
		if [ "$size" = "$last" ]; then
			still=$((still + 1))
		else
			still=0
			last=$size
		fi
		if [ "$still" -ge "$secs" ]; then
			port=$(cat "$dir/sample.port")
			# the stack pointer from the registers: AArch64's HMP
			# knows no $sp, and x86's no $rsp
			sp=$(hmp "$port" 'info registers' |
				grep -ao '\(RSP\|[^A-Z]SP\)=[0-9a-f]*' | head -1 | cut -d= -f2)
			{ echo "== samples"; sample_pcs "$port" 20
			  echo "== registers"; hmp "$port" 'info registers'
			  echo "== code"; hmp "$port" 'x/8i $pc'
			  echo "== stack"; [ -n "$sp" ] && hmp "$port" "x/128xg 0x$sp"
			} > "$dir/hang.txt"
			kill "$(cat "$dir/qemu.pid")"
			return
		fi
	done
}

# vm_images DIR: the images whose load addresses the VM of DIR told (our
# driver's log line on the debug console, the app's "# image" notes), as
# image_of wants them, with the symbols of our builds.
vm_images() {
	local name base size
	{ tr -d '\r' < "$1/firmware.log" 2>/dev/null |
		sed -n 's/.*virtio-scsi: driver loaded at \(0x[0-9a-f]*\), \([0-9]*\) bytes.*/virtio-scsi \1 \2/p'
	  cat "$1/results.log" "$1/serial.log" 2>/dev/null | tr -d '\r' |
		sed -n 's/^# image \([a-z-]*\) at \(0x[0-9a-f]*\) \([0-9]*\)$/\1 \2 \3/p'
	} | sort -u | while read -r name base size; do
		case $name in
		virtio-scsi|testapp) echo "$name $base $size $efi/$name.so" ;;
		*) echo "$name $base $size" ;;
		esac
	done
}

# vm_verdict NAME DIR: the VM of DIR met no CPU exception and did not
# hang (exception_result, hang_result over what watch_vm kept).
vm_verdict() {
	local images
	images=$(vm_images "$2")
	exception_result "$1" "$2/exception.txt" "$images"
	hang_result "$1" "$2/hang.txt" "$images"
}

# vm_run DIR BRIDGE SECONDS QEMU_ARGS...: QEMU with a monitor on a
# loopback port that BRIDGE (a function taking DIR PORT) drives, a second
# one for sampling, the firmware's debug console in DIR/firmware.log and
# the serial port in DIR/serial.log, watched by watch_vm (HANG_SECS of
# silence make a hang, 180 by default); sets $rc to QEMU's exit status.
vm_run() {
	local dir=$1 bridge_fn=$2 secs=$3 port sport bridge watch fwlog=()
	shift 3
	[ "$ARCH" = x64 ] && fwlog=(-chardev file,id=fwlog,path="$dir/firmware.log"
				     -device isa-debugcon,iobase=0x402,chardev=fwlog)
	port=$((20000 + RANDOM % 30000))
	sport=$((port + 1))
	echo "$sport" > "$dir/sample.port"
	: > "$dir/serial.log"
	rm -f "$dir/exception.txt" "$dir/hang.txt"
	"$bridge_fn" "$dir" "$port" &
	bridge=$!
	# shellcheck disable=SC2046
	timeout "$secs" $QEMU $(qemu_accel) $QEMU_MACHINE -m 512 -smp 1 -nodefaults \
		-display none -no-reboot -net none $(qemu_firmware) \
		-monitor "tcp:127.0.0.1:$port,server=on,wait=off" \
		-monitor "tcp:127.0.0.1:$sport,server=on,wait=off" \
		${TRACE:+-trace "$TRACE" -D "$dir/trace.log"} \
		"$@" \
		"${fwlog[@]}" \
		-serial file:"$dir/serial.log" &
	echo $! > "$dir/qemu.pid"
	watch_vm "$dir" "${HANG_SECS:-180}" &
	watch=$!
	wait "$(cat "$dir/qemu.pid")"
	rc=$?
	stop_helper "$watch"
	stop_helper "$bridge"
}

# serial_results DIR: the app's result lines from DIR/serial.log, as they
# come, into DIR/results.log (AArch64, where the UART carries them).
serial_results() {
	tail -n +1 -F -s 0.2 "$1/serial.log" 2>/dev/null | sed -u 's/\r$//' |
		grep --line-buffered -a -E '^(ok |not ok |# |[0-9]+ passed, [0-9]+ failed$)' \
		>> "$1/results.log"
}

# boot_vm NAME MODE DEVICE_ARGS...: run the app; sets $rc, counts results
# (at least MIN_OK in-guest checks, 9 by default, none failed).  The boot
# disk (esp-MODE.img) is virtio-blk, except in modes rom, firmware and
# driver-option, where DEVICE_ARGS put it behind our driver.
boot_vm() {
	local name=$1 mode=$2 dir=$work/$1 n_ok n_bad
	local esp=(-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp-$mode.img"
		   -device virtio-blk-pci,drive=esp,bootindex=0)
	shift 2
	case $mode in rom|firmware|driver-option|narrow) esp=() ;; esac
	mkdir -p "$dir"
	: > "$dir/results.log"
	rm -f "$dir/timing.log"
	if [ "$ARCH" = x64 ]; then
		vm_run "$dir" monitor_bridge 600 "${esp[@]}" "$@" \
			-chardev file,id=results,path="$dir/results.log" \
			-device isa-debugcon,iobase=0x403,chardev=results \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04
		# isa-debug-exit: status (v << 1) | 1; the app writes 0 on
		# success.  QEMU also exits 1 when it cannot start: the app's
		# own last line must be there too.
		want_rc=1
	else
		# AArch64: the results come on the UART among the firmware's
		# lines; the app powers off, QEMU exits 0
		serial_results "$dir" &
		local filter=$!
		vm_run "$dir" monitor_bridge 900 "${esp[@]}" "$@"
		sleep 1
		stop_helper "$filter"
		want_rc=0
	fi
	expect "$name: VM ran the test app to the end" "exit $rc" -- \
		ran_to_end "$rc" "$want_rc" "$dir/results.log"
	vm_verdict "$name" "$dir"
	grep -v '^# monitor: \(drive_add\|device_add\|device_del\) .*storm\|^# monitor: device_del hp$' \
		"$dir/results.log" | sed 's/^/  /'
	n_ok=$(grep -c '^ok ' "$dir/results.log")
	n_bad=$(grep -c '^not ok ' "$dir/results.log")
	passed=$((passed + n_ok))
	failed=$((failed + n_bad))
	expect "$name: in-guest checks all passed" "$n_ok ok, $n_bad not ok" -- \
		all_of "[ $n_bad = 0 ]" "[ $n_ok -ge ${MIN_OK:-9} ]"
}

# basic_disks BUS [OPTIONS]: the basic checks' 2 targets x 2 LUNs on BUS,
# into the array disks: the pattern disk, the disk written (write.img,
# made empty here), a FAT disk, a small one; OPTIONS (",name=value...")
# go to every scsi-hd.
basic_disks() {
	local o=${2:-}
	rm -f "$work/write.img"
	truncate -s 16M "$work/write.img"
	disks=(-drive if=none,id=d00,format=raw,snapshot=on,file="$work/pattern.img"
	       -device scsi-hd,drive=d00,bus="$1".0,scsi-id=0,lun=0"$o"
	       -drive if=none,id=d01,format=raw,file="$work/write.img"
	       -device scsi-hd,drive=d01,bus="$1".0,scsi-id=0,lun=1"$o"
	       -drive if=none,id=d10,format=raw,snapshot=on,file="$work/fat.img"
	       -device scsi-hd,drive=d10,bus="$1".0,scsi-id=1,lun=0"$o"
	       -drive if=none,id=d11,format=raw,snapshot=on,file="$work/small.img"
	       -device scsi-hd,drive=d11,bus="$1".0,scsi-id=1,lun=1,write-cache=off"$o")
}

# basic_vm NAME TRANSPORT DEVICE_OPTIONS [DISK_OPTIONS]: 2 targets x 2
# LUNs (basic_disks); check the
# driver used TRANSPORT (modern/legacy) and the written image.
basic_vm() {
	local name=$1 want=$2 opts=$3 trace marks others
	basic_disks scsi0 "${4:-}"
	echo "# $name: virtio-scsi-pci,$opts"
	TRACE=scsi_req_parsed boot_vm "$name" basic \
		-device virtio-scsi-pci,id=scsi0,"$opts" \
		"${disks[@]}"

	# What the device saw while the app connected the Scsi(1,0) child
	# (between its two TEST UNIT READY markers to 1:1): at most the
	# partition driver's reads, none of a SCSI disk driver's bring-up
	# (INQUIRY, TEST UNIT READY, READ CAPACITY, MODE SENSE)
	trace=$work/$name/trace.log
	marks=$(grep -c 'target 1 lun 1 .* command 0 ' "$trace" 2>/dev/null)
	others=$(awk '/target 1 lun 1 .* command 0 /{m++; next} m==1 && /target 1 lun 0 /' \
		"$trace" 2>/dev/null | grep -cvE ' command (40|136) ')
	expect "$name: QEMU's trace: connecting a child sends no disk driver's commands" \
		"$marks markers, $others other commands" -- \
		all_of "[ ${marks:-0} = 2 ]" "[ ${others:-1} = 0 ]"

	expect "$name: driver log shows the $want transport" -- grep -q "^# driver: .*: virtio-scsi: $want," "$work/$name/results.log"
	# The writes, byte for byte on the host image; the rest untouched
	expect "$name: written sectors on the host image" -- \
		pattern_at verify "$work/write.img" 2 0 4096 30000 100 32767 1
	expect "$name: unwritten sectors still zero" -- \
		pattern_at zero "$work/write.img" 0 4096 25904 30100 2667
}

media_vm() {
	echo "# media: CD/DVD, 4Kn, 512e, 3 TiB, read-only, hot-plug"
	boot_vm media media \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=cd0,media=cdrom,readonly=on,file="$work/cd1.iso" \
		-device scsi-cd,drive=cd0,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=cd1,media=cdrom,readonly=on \
		-device scsi-cd,drive=cd1,bus=scsi0.0,scsi-id=0,lun=1 \
		-drive if=none,id=d10,format=raw,snapshot=on,file="$work/4k.img" \
		-device scsi-hd,drive=d10,bus=scsi0.0,scsi-id=1,lun=0,logical_block_size=4096,physical_block_size=4096 \
		-drive if=none,id=d11,format=raw,snapshot=on,file="$work/512e.img" \
		-device scsi-hd,drive=d11,bus=scsi0.0,scsi-id=1,lun=1,logical_block_size=512,physical_block_size=4096 \
		-drive if=none,id=d20,format=raw,file="$work/big.img" \
		-device scsi-hd,drive=d20,bus=scsi0.0,scsi-id=2,lun=0 \
		-drive if=none,id=d21,format=raw,readonly=on,file="$work/ro.img" \
		-device scsi-hd,drive=d21,bus=scsi0.0,scsi-id=2,lun=1 \
		-drive if=none,id=hp0,format=raw,snapshot=on,file="$work/hp.img"

	expect "media: the write past 2^32 blocks is on the host image" -- "$mkpattern" verify "$work/big.img" 4 $((0x100000010)) 1
	expect "media: the read-only image is untouched" -- "$mkpattern" verify "$work/ro.img" 3 0 2048
}

# conform_vm: the rule checks on our controller and on one the firmware
# drives itself (its disk is in the boot order), side by side; units at
# targets 0, 3 and 5 (LUNs 0, 1; 0; 2), so the suite's "one past the
# highest" target and LUN fall in gaps.
conform_vm() {
	echo "# conform: UEFI 2.10 §13.9 and §15.7 rules, ours and the firmware's"
	boot_vm conform conform \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=o0,format=raw,snapshot=on,file="$work/conf-rw.img" \
		-device scsi-hd,drive=o0,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=o1,format=raw,readonly=on,file="$work/conf-ro.img" \
		-device scsi-hd,drive=o1,bus=scsi0.0,scsi-id=0,lun=1 \
		-drive if=none,id=o3,format=raw,snapshot=on,file="$work/small.img" \
		-device scsi-hd,drive=o3,bus=scsi0.0,scsi-id=3,lun=0 \
		-drive if=none,id=o5,format=raw,snapshot=on,file="$work/small.img" \
		-device scsi-hd,drive=o5,bus=scsi0.0,scsi-id=5,lun=2 \
		-device virtio-scsi-pci,id=scsi1,disable-legacy=on \
		-drive if=none,id=b0,format=raw,snapshot=on,file="$work/conf-rw.img" \
		-device scsi-hd,drive=b0,bus=scsi1.0,scsi-id=0,lun=0,bootindex=1 \
		-drive if=none,id=b1,format=raw,readonly=on,file="$work/conf-ro.img" \
		-device scsi-hd,drive=b1,bus=scsi1.0,scsi-id=0,lun=1 \
		-drive if=none,id=b3,format=raw,snapshot=on,file="$work/small.img" \
		-device scsi-hd,drive=b3,bus=scsi1.0,scsi-id=3,lun=0 \
		-drive if=none,id=b5,format=raw,snapshot=on,file="$work/small.img" \
		-device scsi-hd,drive=b5,bus=scsi1.0,scsi-id=5,lun=2
	echo "# the firmware's stack, same rules (informative):"
	grep -c '^# builtin: meets' "$work/conform/results.log" | sed 's/^/#   rules kept: /'
	grep '^# builtin: misses' "$work/conform/results.log" | sed 's/^# builtin: misses/#   misses/'
}

# faults_vm: EIO injected by blkdebug on reads and writes of one disk, a
# throttled disk slower than a request's timeout.
faults_vm() {
	echo "# faults: blkdebug EIO, throttled disk"
	boot_vm faults faults \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=f0,format=raw,file="blkdebug:$work/blkdebug.conf:$work/faults0.img" \
		-device scsi-hd,drive=f0,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=f1,format=raw,file="$work/faults1.img",throttling.bps-total=16384 \
		-device scsi-hd,drive=f1,bus=scsi0.0,scsi-id=0,lun=1
	local t0 t1
	t0=$(sed -n 's/^passthru-start //p' "$work/faults/timing.log" 2>/dev/null)
	t1=$(sed -n 's/^passthru-end //p' "$work/faults/timing.log" 2>/dev/null)
	expect "faults: a 1 s PassThru Timeout ends within 1.5 s of host time" \
		"$(( (${t1:-0} - ${t0:-0}) / 1000000 )) ms" -- \
		all_of "[ -n '$t0' ]" "[ -n '$t1' ]" \
		"[ $(( (${t1:-0} - ${t0:-0}) / 1000000 )) -ge 950 ]" \
		"[ $(( (${t1:-0} - ${t0:-0}) / 1000000 )) -le 1500 ]"
	expect "faults: the good write landed, the failed one left the disk as it was" -- \
		all_of "pattern_at verify $work/faults0.img 2 300 1" \
		"pattern_at verify $work/faults0.img 1 200 1"
}

# unplug_vm: disks pulled while in use, a plug/unplug storm (unplug.c);
# QEMU must take all 200 storm commands, and the firmware must survive.
unplug_vm() {
	echo "# unplug: device_del while reading, a dropped unit, 100-cycle storm"
	boot_vm unplug unplug \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=st0,format=raw,snapshot=on,file="$work/stable.img" \
		-device scsi-hd,drive=st0,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=rd,format=raw,snapshot=on,file="$work/rd.img" \
		-device scsi-hd,drive=rd,bus=scsi0.0,scsi-id=1,lun=0,id=rd0 \
		-drive if=none,id=hp,format=raw,snapshot=on,file="$work/hp.img"
	local adds dels
	adds=$(grep -c '^# monitor: device_add' "$work/unplug/results.log")
	# (a drive_add answers "OK"; an error names what failed)
	dels=$(grep -c '^# monitor: device_del hp' "$work/unplug/results.log")
	expect "unplug: QEMU took every plug and unplug ($adds, $dels)" -- \
		all_of "not grep -qiE 'error|duplicate|not found' $work/unplug/monitor.log" \
		"[ $adds -ge 101 ]" "[ $dels -ge 101 ]"
	expect "unplug: the stable image is untouched" -- "$mkpattern" verify "$work/stable.img" 1 0 16384
}

# shell_unplug_vm: the same through the UEFI Shell: `comp` of a 6 MiB
# file on a disk that is pulled in the middle of a loop of them (and of
# one comp), then a storm of
# 100 plug/unplug cycles, one command per `map -r`; the script must end,
# and the stable disk's copy of the file must compare equal.
shell_unplug_vm() {
	local dir=$work/shell-unplug
	echo "# shell-unplug: comp while pulled, map -r during a 100-cycle storm"
	mkdir -p "$dir"
	cat > "$dir/startup.nsh" <<'NSH'
@echo -off
fs0:
load fs0:\virtio-scsi.efi
map -r
echo "== read loop"
for %a run (1 12)
  echo "== read %a"
  comp fs2:\BIG6.BIN fs0:\BIG6.BIN
  stall 500000
endfor
map -r
echo "== pulled: map"
map
connect -r
map -r
echo "== connected: map"
map
echo "== stable after the pull"
comp fs1:\BIG.BIN fs0:\BIG.BIN
echo "== storm"
for %a run (1 200)
  echo "== map %a"
  map -r
endfor
map -r
echo "== stable"
comp fs1:\BIG.BIN fs0:\BIG.BIN
echo "== unplug done"
reset -s
NSH
	make_gpt_fat "$dir/esp.img" 64 ef00 "$build/virtio-scsi.efi=virtio-scsi.efi" \
		"$dir/startup.nsh=startup.nsh" "$work/PATTERN.BIN=BIG.BIN" \
		"$work/BIG6.BIN=BIG6.BIN"
	make_gpt_fat "$dir/st.img" 8 0700 "$work/PATTERN.BIN=BIG.BIN"
	HANG_SECS=90 vm_run "$dir" shell_storm_bridge 900 \
		-drive if=none,id=esp,format=raw,snapshot=on,file="$dir/esp.img" \
		-device virtio-blk-pci,drive=esp,bootindex=0 \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=st0,format=raw,snapshot=on,file="$dir/st.img" \
		-device scsi-hd,drive=st0,bus=scsi0.0,scsi-id=0,lun=0 \
		-drive if=none,id=rd,format=raw,snapshot=on,file="$work/rd.img" \
		-device scsi-hd,drive=rd,bus=scsi0.0,scsi-id=1,lun=0,id=rd0 \
		-drive if=none,id=hp,format=raw,snapshot=on,file="$work/hp.img"
	vm_verdict shell-unplug "$dir"
	sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g' "$dir/serial.log" | tr -d '\r' > "$dir/shell.log"
	# the pull: decided before the storm starts, whatever happens in it
	local same
	same=$(sed -n '/^== read 1$/,/^== stable after/p' "$dir/shell.log" | grep -c 'no differences')
	expect "shell-unplug: comp matched before the pull, failed after it, no hang" \
		"$same of 12 matched" -- \
		all_of "[ $same -ge 3 ]" "[ $same -lt 12 ]" "grep -q '^== read 12' $dir/shell.log"
	expect "shell-unplug: after the pull the stable disk's file compares equal" -- \
		section_has "$dir/shell.log" '^== stable after' '^== storm' 'no differences'
	# what the README says a user sees: the pulled disk's entries stay
	# until connect -r and map -r; the stable disk's stay throughout
	local after_pull after_connect
	after_pull=$(sed -n '/^== pulled: map/,/^== connected: map/p' "$dir/shell.log")
	after_connect=$(sed -n '/^== connected: map/,/^== stable after/p' "$dir/shell.log")
	expect "shell-unplug: map keeps the pulled disk's file system until connect -r and map -r" -- \
		all_of "grep -q 'Scsi(0x1,0x0)/HD(' <<< \"\$after_pull\"" \
		"grep -q 'Scsi(0x0,0x0)/HD(' <<< \"\$after_pull\"" \
		"not grep -q 'Scsi(0x1,0x0)' <<< \"\$after_connect\"" \
		"grep -q 'Scsi(0x0,0x0)/HD(' <<< \"\$after_connect\""
	expect "shell-unplug: QEMU took every command" -- \
		all_of "grep -q '^device_del rd0' $dir/typed.log" \
		"not grep -qiE 'error|duplicate' $dir/monitor.log"
	# the storm
	expect "shell-unplug: the storm's 200 map -r ran to the end (no hang)" "exit $rc" -- \
		all_of "[ $rc = 0 ]" "grep -q '== unplug done' $dir/shell.log" \
		"grep -q '^== map 200' $dir/shell.log"
	expect "shell-unplug: QEMU took 100 plug/unplug cycles" -- [ "$(grep -c 'device_' "$dir/typed.log" 2>/dev/null)" -ge 201 ]
	expect "shell-unplug: after the storm the stable disk's file compares equal" -- \
		section_has "$dir/shell.log" '^== stable$' '^== unplug done' 'no differences'
}

# shell_storm_bridge DIR PORT: type the shell-unplug VM's monitor commands
# as its script reaches each step (runs in the background).
shell_storm_bridge() {
	local dir=$1 port=$2 i line n
	for i in $(seq 100); do
		{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
		sleep 0.1
	done
	cat <&3 > "$dir/monitor.log" &
	: > "$dir/typed.log"
	tail -n +1 -F "$dir/serial.log" 2>/dev/null | while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		*"== read 4"*)	# halfway through that comp of 6 MiB
			sleep 0.1
			echo "device_del rd0" | tee -a "$dir/typed.log" >&3
			;;
		*"== map "*)
			n=${line##*== map }
			n=${n%%[!0-9]*}
			if [ $((n % 2)) = 1 ]; then
				echo "drive_add 0 if=none,id=storm$n,format=raw,snapshot=on,file=$work/hp.img"
				echo "device_add scsi-hd,drive=storm$n,bus=scsi0.0,scsi-id=2,lun=0,id=hp"
			else
				echo "device_del hp"
			fi | tee -a "$dir/typed.log" >&3
			;;
		*"== unplug done"*) break ;;
		esac
	done
}

# shell_vm: the user's path, `make run`: the UEFI Shell loads the driver
# from the boot disk (startup.nsh), remaps, lists drivers, reads a file
# from a FAT partition behind the driver.
shell_vm() {
	local log=$work/shell.log
	echo "# shell: load from the UEFI Shell (tools/run-qemu.sh)"
	timeout 300 "$top/tools/run-qemu.sh" "$build" < /dev/null > "$log" 2>&1
	exception_result shell "$log"
	# what a user sees: no escape sequences into a file, one driver line
	expect "shell: no terminal escape sequences when the output is a file" -- not grep -q $'\x1b' "$log"
	n=$(sed -n '/^== drivers/,/^== devtree/p' "$log" | grep -c '^ *[0-9A-F]* [0-9A-F]\{8\} ')
	expect "shell: of the driver list, only our driver's line is shown" "$n lines" -- [ "$n" = 1 ]
	expect "shell: devtree of our controller shows its disks" -- \
		section_has "$log" '^== devtree' '^== block' "Ctrl\[[0-9A-F]*\] Virtio SCSI Disk"
	expect "shell: load fs0:\\virtio-scsi.efi succeeds" -- grep -q "Image 'FS0:.virtio-scsi.efi' loaded at .* - Success" "$log"
	expect "shell: drivers lists ours, version 11, managing a device" -- grep -q "00000011 B .* VirtIO-SCSI Polled Driver" "$log"
	# drvdiag names its driver by handle: ours is the one drivers lists
	# as VirtIO-SCSI Polled Driver
	drv=$(sed -n 's/^ *\([0-9A-F]*\) 00000011 B .* VirtIO-SCSI Polled Driver.*/\1/p' "$log" | head -1)
	expect "shell: drvdiag runs our controller's standard test: Success" -- grep -q "^DrvDiag - (${drv:-none},[0-9A-F]*,00) Result Success" "$log"
	expect "shell: dh shows our image with Supported EFI Version 2.100 and Diagnostics 2" -- grep -q "SupportedEfiSpecVersion(0x00020064) DriverDiagnostics2 .*virtio-scsi.efi" "$log"
	expect "shell: map shows a file system on Scsi(1,0) behind our driver" -- \
		all_of "grep -q 'FS1: .*' $log" "grep -q 'Pci(0x3,0x0)/Scsi(0x1,0x0)/HD(1,GPT' $log"
	expect "shell: type fs1:\\HELLO.TXT prints the file" -- grep -q "Hello from a disk behind the virtio-scsi UEFI driver." "$log"
}

# secboot_vm: Debian's Secure Boot OVMF (SMM, secure flash) with the
# snakeoil key enrolled; the app and the driver signed with it
# (tools/sign.sh), an unsigned copy beside them that must be refused.
secboot_vm() {
	local sdir=$work/signed code=$OVMF_CODE vars=$OVMF_VARS machine=$QEMU_MACHINE
	echo "# secboot: Secure Boot on (OVMF_CODE_4M.secboot.fd, snakeoil db)"
	expect "secboot: make sign's tool signs with the snakeoil key; sbverify tells signed from unsigned" -- \
		all_of "bash $top/tools/sign.sh $build $SNAKEOIL_KEY $SNAKEOIL_CERT snakeoil $sdir > $work/sign.log 2>&1" \
		"[ -s $sdir/virtio-scsi.efi ]" "[ -s $sdir/testapp.efi ]" \
		"sbverify --cert $SNAKEOIL_CERT $sdir/virtio-scsi.efi >/dev/null 2>&1" \
		"not sbverify --cert $SNAKEOIL_CERT $efi/virtio-scsi.efi >/dev/null 2>&1"
	printf 'secboot\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/esp-secboot.img" 64 ef00 \
		"$sdir/testapp.efi=EFI/BOOT/BOOTX64.EFI" \
		"$sdir/virtio-scsi.efi=virtio-scsi.efi" \
		"$efi/virtio-scsi.efi=unsigned.efi" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/MODE.TXT=MODE.TXT"
	basic_disks scsi0
	OVMF_CODE=$SECBOOT_CODE OVMF_VARS=$SNAKEOIL_VARS
	QEMU_MACHINE="-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on"
	boot_vm secboot secboot \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		"${disks[@]}"
	OVMF_CODE=$code OVMF_VARS=$vars QEMU_MACHINE=$machine
	expect "secboot: the signed driver manages the controller (its log)" -- grep -q "^# driver: .*: virtio-scsi: modern," "$work/secboot/results.log"
	expect "secboot: written sectors on the host image" -- "$mkpattern" verify "$work/write.img" 2 0 4096
}

# secboot_rom_vm: the ROM of signed drivers on the same firmware, booting
# the signed app from a disk behind it.  OVMF does not verify option ROM
# images (its policy executes them always), so this shows a signed ROM
# runs with Secure Boot on, not that an unsigned one would be refused.
secboot_rom_vm() {
	local sdir=$work/signed code=$OVMF_CODE vars=$OVMF_VARS machine=$QEMU_MACHINE
	echo "# secboot-rom: the signed ROM with Secure Boot on"
	[ -s "$sdir/virtio-scsi.rom" ] ||
		bash "$top/tools/sign.sh" "$build" "$SNAKEOIL_KEY" "$SNAKEOIL_CERT" snakeoil \
			"$sdir" > "$work/sign.log" 2>&1
	printf 'rom\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/esp-secboot-rom.img" 64 ef00 \
		"$sdir/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/EXPECT.TXT=HELLO.TXT" \
		"$work/MODE.TXT=MODE.TXT" "$work/PATTERN.BIN=PATTERN.BIN"
	OVMF_CODE=$SECBOOT_CODE OVMF_VARS=$SNAKEOIL_VARS
	QEMU_MACHINE="-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on"
	boot_vm secboot-rom rom \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on,romfile="$sdir/virtio-scsi.rom" \
		-drive if=none,id=boot,format=raw,snapshot=on,file="$work/esp-secboot-rom.img" \
		-device scsi-hd,drive=boot,bus=scsi0.0,scsi-id=0,lun=0,bootindex=0
	OVMF_CODE=$code OVMF_VARS=$vars QEMU_MACHINE=$machine
	expect "secboot-rom: Secure Boot was on while the signed ROM's driver ran" -- grep -q "^# SecureBoot: 1$" "$work/secboot-rom/results.log"
}

# firmware_vm: the firmware image of make firmware, our driver in its DXE
# volume in VirtioScsiDxe's place; the boot manager boots the app from
# Scsi(0,0) behind it: no Shell, no ROM, no file load.
firmware_vm() {
	local image=$build/firmware/$(basename "$OVMF_CODE") code=$OVMF_CODE
	echo "# firmware: $(basename "$image") with our driver built in"
	printf 'firmware\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/esp-firmware.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/EXPECT.TXT=HELLO.TXT" \
		"$work/MODE.TXT=MODE.TXT" "$work/PATTERN.BIN=PATTERN.BIN"
	basic_disks scsi1
	OVMF_CODE=$image
	# a second controller out of the boot order: the basic checks
	boot_vm firmware firmware \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=boot,format=raw,snapshot=on,file="$work/esp-firmware.img" \
		-device scsi-hd,drive=boot,bus=scsi0.0,scsi-id=0,lun=0,bootindex=0 \
		-device virtio-scsi-pci,id=scsi1,disable-legacy=on \
		"${disks[@]}"
	OVMF_CODE=$code
	expect "firmware: the basic checks ran on a second controller" -- grep -q "^ok .* - ConnectController with our driver" "$work/firmware/results.log"
	expect "firmware: written sectors on the host image" -- "$mkpattern" verify "$work/write.img" 2 0 4096
}

# firmware_shell_vm: make run-firmware's path: the Shell of that image
# lists our driver, built in, and not OVMF's own.
firmware_shell_vm() {
	local log=$work/firmware-shell.log
	echo "# firmware-shell: the Shell of the firmware image (make run-firmware)"
	OVMF_CODE=$build/firmware/OVMF_CODE_4M.fd FIRMWARE_IMAGE=1 RAW=1 timeout 300 \
		"$top/tools/run-qemu.sh" "$build" < /dev/null 2>&1 |
		sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g' | tr -d '\r' > "$log"
	exception_result firmware-shell "$log"
	expect "firmware-shell: drivers lists ours as built in (VirtioScsiPolledDxe), managing a device" -- grep -q "00000011 B .* VirtIO-SCSI Polled Driver *VirtioScsiPolledDxe" "$log"
	expect "firmware-shell: and not OVMF's Virtio SCSI Host Driver" -- \
		all_of "not grep -q 'Virtio SCSI Host Driver' $log" "grep -q 'Virtio Block Driver' $log"
	expect "firmware-shell: type fs1:\\HELLO.TXT prints the file" -- grep -q "Hello from a disk behind the virtio-scsi UEFI driver." "$log"
}

# driver_option_vm: the driver installed into a VM without rebuilding
# firmware, as the README says.  A first boot runs the UEFI Shell (the
# ESP has no boot loader), whose startup.nsh adds Driver0000 with `bcfg
# driver add` for \virtio-scsi.efi on that ESP, into a variable file kept
# for the second boot, which boots from Scsi(40,9) of a virtio-scsi
# controller (a unit OVMF's own stack cannot see: it stops at target 31,
# LUN 7) through the driver the boot manager loaded from that option,
# before it connected the boot devices.
driver_option_vm() {
	local dir=$work/driver-option log
	echo "# driver-option: bcfg driver add from the Shell, boot from Scsi(40,9)"
	mkdir -p "$dir"
	cp "$OVMF_VARS" "$dir/vars.fd"
	printf '@echo -off\nfs0:\nbcfg driver add 0 fs0:\\virtio-scsi.efi "virtio-scsi"\nbcfg driver dump\nreset -s\n' \
		> "$dir/startup.nsh"
	make_gpt_fat "$work/esp-install.img" 64 ef00 \
		"$efi/virtio-scsi.efi=virtio-scsi.efi" "$dir/startup.nsh=startup.nsh"
	mkdir -p "$dir/install"
	VARS_FILE=$dir/vars.fd vm_run "$dir/install" monitor_bridge 300 \
		-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp-install.img" \
		-device virtio-blk-pci,drive=esp,bootindex=0
	log=$(sed 's/\x1b\[[0-9;=]*[a-zA-Z]//g' "$dir/install/serial.log" | tr -d '\r')
	expect "driver-option: the Shell's bcfg driver add wrote Driver0000" "exit $rc" -- \
		all_of "[ $rc = 0 ]" "grep -q 'Option: 00\. Variable: Driver0000' <<< \"\$log\"" \
		"grep -q 'virtio-scsi.efi' <<< \"\$log\""
	echo "$log" | grep -A3 'Option: 00' | sed 's/^/#   /'
	printf 'driver-option\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/boot-40-9.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/EXPECT.TXT=HELLO.TXT" \
		"$work/MODE.TXT=MODE.TXT" "$work/PATTERN.BIN=PATTERN.BIN"
	VARS_FILE=$dir/vars.fd boot_vm driver-option driver-option \
		-drive if=none,id=esp,format=raw,snapshot=on,file="$work/esp-install.img" \
		-device virtio-blk-pci,drive=esp \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=boot,format=raw,snapshot=on,file="$work/boot-40-9.img" \
		-device scsi-hd,drive=boot,bus=scsi0.0,scsi-id=40,lun=9,bootindex=0
}

# refind_vm: installed through a boot loader's driver directory: rEFInd
# (Debian's refind package, fetched by tools/install-deps.sh and unpacked
# here, never installed) loads our driver from \EFI\BOOT\drivers_x64 and
# boots \EFI\app\app.efi from Scsi(40,9), a unit only our driver reaches.
refind_vm() {
	local dir=$work/refind deb
	local cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
	echo "# refind: rEFInd with our driver in drivers_x64, boot from Scsi(40,9)"
	deb=$(ls "$cache"/refind_*_amd64.deb 2>/dev/null | head -1)
	mkdir -p "$dir"
	[ -n "$deb" ] && dpkg-deb -x "$deb" "$dir/pkg"
	expect "refind: Debian's refind package unpacked" "${deb:-no .deb in $cache: run make deps}" -- \
		[ -s "$dir/pkg/usr/share/refind/refind/refind_x64.efi" ]
	printf 'timeout 1\ntextonly\nscanfor external,internal\ndefault_selection "app"\n' \
		> "$dir/refind.conf"
	make_gpt_fat "$work/esp-refind.img" 64 ef00 \
		"$dir/pkg/usr/share/refind/refind/refind_x64.efi=EFI/BOOT/BOOTX64.EFI" \
		"$dir/refind.conf=EFI/BOOT/refind.conf" \
		"$efi/virtio-scsi.efi=EFI/BOOT/drivers_x64/virtio-scsi_x64.efi"
	printf 'refind\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/app-40-9.img" 64 0700 \
		"$efi/testapp.efi=EFI/app/app.efi" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/EXPECT.TXT=HELLO.TXT" \
		"$work/MODE.TXT=MODE.TXT" "$work/PATTERN.BIN=PATTERN.BIN"
	boot_vm refind refind \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on \
		-drive if=none,id=app,format=raw,snapshot=on,file="$work/app-40-9.img" \
		-device scsi-hd,drive=app,bus=scsi0.0,scsi-id=40,lun=9
}

# narrow_vm: one boot disk among 128 LUNs (targets 0-15 x LUNs 0-7, all
# within the built-in stack's reach), three boots in a row on one kept
# variable file, with our driver in the firmware image and with Debian's
# OVMF: the boot manager connects the boot disk alone (with ours, it is
# the controller's only child when the app runs), and the variable store
# grows no more with ours than with the built-in stack.  Prints both
# stacks' figures side by side: variable store bytes in use after each
# boot, host milliseconds from QEMU start to the app's end.
narrow_vm() {
	local dir=$work/narrow code=$OVMF_CODE stack t l k t0 used devs=() line
	local -A grew
	echo "# narrow: one boot disk among 128 LUNs, three boots each stack"
	mkdir -p "$dir"
	printf 'narrow\n' > "$work/MODE.TXT"
	make_gpt_fat "$work/esp-narrow.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$work/EXPECT.TXT=EXPECT.TXT" "$work/MODE.TXT=MODE.TXT"
	devs=(-device virtio-scsi-pci,id=scsi0,disable-legacy=on
	      -drive if=none,id=boot,format=raw,snapshot=on,file="$work/esp-narrow.img"
	      -device scsi-hd,drive=boot,bus=scsi0.0,scsi-id=0,lun=0,bootindex=0)
	for t in $(seq 0 15); do
		for l in $(seq 0 7); do
			[ "$t$l" = 00 ] && continue
			devs+=(-drive if=none,id=n$t-$l,format=raw,snapshot=on,file="$work/small.img"
			       -device scsi-hd,drive=n$t-$l,bus=scsi0.0,scsi-id=$t,lun=$l)
		done
	done
	line="#   variable store bytes in use / ms to the app's end, boots 1-3:"
	for stack in ours builtin; do
		cp "$OVMF_VARS" "$dir/vars-$stack.fd"
		[ $stack = ours ] && OVMF_CODE=$build/firmware/$(basename "$code")
		used=$(tr -d '\377' < "$dir/vars-$stack.fd" | wc -c)
		grew[$stack]=$used
		line="$line $stack"
		for k in 1 2 3; do
			t0=$(date +%s%N)
			VARS_FILE=$dir/vars-$stack.fd MIN_OK=$([ $stack = ours ] && echo 1 || echo 0) \
				boot_vm "narrow-$stack-$k" narrow "${devs[@]}"
			line="$line $(tr -d '\377' < "$dir/vars-$stack.fd" | wc -c)/$((($(date +%s%N) - t0) / 1000000))ms"
		done
		grew[$stack]=$(($(tr -d '\377' < "$dir/vars-$stack.fd" | wc -c) - grew[$stack]))
		OVMF_CODE=$code
	done
	echo "$line"
	expect "narrow: over three boots the variable store grows no more with ours than with the built-in stack" \
		"${grew[ours]} bytes, built-in ${grew[builtin]}" -- [ "${grew[ours]}" -le "${grew[builtin]}" ]
}

# rom_vm: the firmware loads our driver from the controller's option ROM
# and boots BOOTX64.EFI from the disk behind it, no Shell, no file load.
rom_vm() {
	echo "# rom: option ROM $(stat -c %s "$build/virtio-scsi.rom") bytes, boot from Scsi(0,0)"
	boot_vm rom rom \
		-device virtio-scsi-pci,id=scsi0,disable-legacy=on,romfile="$build/virtio-scsi.rom" \
		-drive if=none,id=boot,format=raw,snapshot=on,file="$work/esp-rom.img" \
		-device scsi-hd,drive=boot,bus=scsi0.0,scsi-id=0,lun=0,bootindex=0
	expect "rom: the VM keeps running after the handoff (the app's heartbeat)" -- \
		grep -q '^# heartbeat: running 100 ms after the handoff' "$work/rom/results.log"
}

# queue_vm SIZE [direct]: a modern device with SIZE-entry queues; with
# indirect descriptors (QEMU's default) one request per entry, and
# without them (indirect_desc=off) SIZE / 8 requests
queue_vm() {
	local name=queue$1${2:+-$2} opts=disable-legacy=on,virtqueue_size=$1 want
	if [ "${2:-}" = direct ]; then
		opts=$opts,indirect_desc=off
		want="queue $1 ($(($1 / 8 > 0 ? $1 / 8 : 1)) slots of"
	else
		want="queue $1 ($1 slots of 8, indirect)"
	fi
	basic_vm "$name" modern "$opts"
	expect "$name: the driver runs the $1-entry queue: $want" -- \
		grep -qF "modern, $want" "$work/$name/results.log"
}

# limits_vm: a back end's small limits, as clouds and DPUs have them; with
# indirect descriptors the driver needs only 32 of the 64 entries
limits_vm() {
	basic_vm limits modern "disable-legacy=on,virtqueue_size=64,max_sectors=511" \
		",max_io_size=262144"
	expect "limits: the driver runs 32 entries of the 64-entry queue, indirect" -- \
		grep -qF "modern, queue 32 (32 slots of 8, indirect)" "$work/limits/results.log"
}

# The VMs, in the order they run: name | architectures | command | what
# it checks.  `run-tests.sh --list` prints it; VMS="a b" runs only those.
vm_table() {
	cat <<'EOF'
modern         | x64 aa64 | basic_vm modern modern disable-legacy=on,disable-modern=off | the basic checks on a modern device (0x1048), the written image on the host
legacy         | x64 aa64 | basic_vm legacy legacy disable-legacy=off,disable-modern=on | the same on a legacy device (0x1004, I/O BAR only)
transitional   | x64      | basic_vm transitional modern disable-legacy=off,disable-modern=off | a transitional device (0x1004, both BARs): the driver picks modern
queue4         | x64      | queue_vm 4 | 4-entry queues
queue16        | x64      | queue_vm 16 | 16-entry queues
queue16-direct | x64      | queue_vm 16 direct | 16-entry queues without indirect descriptors (the control)
limits         | x64      | limits_vm | a 64-entry queue, max_sectors 511, 256 KiB max_io_size
media          | x64 aa64 | media_vm | CD/DVD with and without medium, eject and change, 4Kn, 512e, 3 TiB, read-only, Disk Info, hot-plug, resize, unplug
conform        | x64 aa64 | conform_vm | the UEFI rules and the UEFI suite's assertions, on ours and on the firmware's stack
faults         | x64 aa64 | faults_vm | blkdebug EIO, a throttled disk slower than a timeout
unplug         | x64 aa64 | unplug_vm | disks pulled while in use, a dropped unit, a 100-cycle hot-plug storm
shell-unplug   | x64      | shell_unplug_vm | the same through the UEFI Shell (comp, map -r)
rom            | x64 aa64 | rom_vm | the driver from the option ROM, boot from a disk behind it
driver-option  | x64      | driver_option_vm | installed with the Shell's bcfg driver add, boot from Scsi(40,9)
refind         | x64      | refind_vm | rEFInd's drivers_x64 folder, boot from Scsi(40,9)
narrow         | x64      | narrow_vm | 128 LUNs, three boots with each stack: connect time and variable store
secboot        | x64      | secboot_vm | Secure Boot on: signed driver and app run, an unsigned copy is refused
secboot-rom    | x64      | secboot_rom_vm | Secure Boot on: the signed ROM's driver runs
firmware       | x64 aa64 | firmware_vm | the firmware image with the driver in its DXE volume
firmware-shell | x64      | firmware_shell_vm | the Shell of that image lists our driver, built in
shell          | x64      | shell_vm | make run's path through the UEFI Shell
EOF
}

if [ -n "$listing" ]; then
	vm_table | awk -F'|' '{gsub(/ +$/, "", $1); gsub(/^ +| +$/, "", $2);
		printf "%-15s %-9s %s\n", $1, $2, substr($4, 2)}'
	exit 0
fi

rm -rf "$work"
mkdir -p "$work"
for t in "$efi/virtio-scsi.efi" "$build/virtio-scsi.rom" "$efi/testapp.efi" "$mkpattern" "$OVMF_CODE"; do
	[ -e "$t" ] || { echo "missing $t"; echo "0 passed, 1 failed"; exit 1; }
done
make_images
while IFS='|' read -r -u 3 name arches cmd _; do
	name=${name// /}
	[[ " $arches " == *" $ARCH "* ]] || continue
	[ -z "${VMS:-}" ] || [[ " $VMS " == *" $name "* ]] || continue
	# shellcheck disable=SC2086  # the table's words are the arguments
	$cmd
done 3< <(vm_table)
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
