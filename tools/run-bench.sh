#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Benchmark our driver against the firmware's built-in virtio-scsi stack
# in one VM (test/efi/bench.c says what is measured), and on x86 count in
# a second VM the ACPI PM timer reads of each stack's waits: OVMF on x64,
# AAVMF on AArch64 (ARCH=aa64).  Prints the table and writes it as CSV to
# BUILD_DIR/bench.csv (BUILD_DIR/bench-aa64.csv).
# Usage: [ARCH=aa64] run-bench.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top/build}
. "$top/test/qemu/lib.sh"
if [ "$ARCH" = aa64 ]; then
	efi=$build/aa64 work=$build/bench-aa64 csv=$build/bench-aa64.csv
else
	efi=$build work=$build/bench csv=$build/bench.csv
fi
rm -rf "$work"
mkdir -p "$work"
truncate -s 256M "$work/disk.img"
"$build/mkpattern" fill "$work/disk.img" 9 0 524288

# discovery controllers: TARGETS x LUNs disks of nothing (null-co: no file
# descriptor each, so a thousand fit)
disks() {	# disks BUS TARGETS LUNS
	local t l
	for t in $(seq 0 $(($2 - 1))); do
		for l in $(seq 0 $(($3 - 1))); do
			echo "-drive if=none,id=$1t${t}l$l,driver=null-co,read-zeroes=on,size=1M,readonly=on"
			echo "-device scsi-hd,drive=$1t${t}l$l,bus=$1.0,scsi-id=$t,lun=$l"
		done
	done
}

# A disk whose every request waits: 1 MiB/s, so a 4 KiB read takes ~4 ms
slow() {	# slow BUS
	echo "-drive if=none,id=$1d,driver=null-co,read-zeroes=on,size=64M,throttling.bps-total=1048576"
	echo "-device scsi-hd,drive=$1d,bus=$1.0,scsi-id=0,lun=0"
}

# bench_vm DIR MODE QEMU_ARGS...: boot the app in MODE with the two
# benchmark disks (built-in at 00:10 in the boot order, ours at 00:11) and
# the controllers given; its results in DIR/results.log
bench_vm() {
	local dir=$1 mode=$2 channels=()
	shift 2
	mkdir -p "$dir"
	printf '%s\n' "$mode" > "$dir/MODE.TXT"
	make_gpt_fat "$dir/esp.img" 64 ef00 \
		"$efi/testapp.efi=EFI/BOOT/$BOOT_EFI" \
		"$efi/virtio-scsi.efi=virtio-scsi.efi" "$dir/MODE.TXT=MODE.TXT"
	# AArch64: results on the UART (no debug console ports), power-off
	if [ "$ARCH" = x64 ]; then
		channels=(-chardev file,id=results,path="$dir/results.log"
			  -device isa-debugcon,iobase=0x403,chardev=results
			  -chardev file,id=fwlog,path="$dir/firmware.log"
			  -device isa-debugcon,iobase=0x402,chardev=fwlog
			  -device isa-debug-exit,iobase=0xf4,iosize=0x04)
	fi
	# shellcheck disable=SC2046
	timeout 1800 $QEMU $(qemu_accel) $QEMU_MACHINE -m 1024 -smp 1 -nodefaults \
		-display none -no-reboot -net none $(qemu_firmware) \
		-drive if=none,id=esp,format=raw,snapshot=on,file="$dir/esp.img" \
		-device virtio-blk-pci,drive=esp,bootindex=0 \
		-device virtio-scsi-pci,id=b,addr=0x10,disable-legacy=on \
		-drive if=none,id=bd,format=raw,snapshot=on,file="$work/disk.img" \
		-device scsi-hd,drive=bd,bus=b.0,scsi-id=0,lun=0,bootindex=1 \
		-device virtio-scsi-pci,id=o,addr=0x11,disable-legacy=on \
		-drive if=none,id=od,format=raw,snapshot=on,file="$work/disk.img" \
		-device scsi-hd,drive=od,bus=o.0,scsi-id=0,lun=0 \
		"$@" "${channels[@]}" -serial file:"$dir/serial.log" || true
	if [ "$ARCH" = aa64 ]; then
		tr -d '\r' < "$dir/serial.log" |
			grep -a '^\(# \|ok \|not ok \)' > "$dir/results.log"
	fi
}

echo "# accelerator: $(qemu_accel); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
# shellcheck disable=SC2046
bench_vm "$work/main" bench \
	-device virtio-scsi-pci,id=d1b,addr=0x12,disable-legacy=on $(disks d1b 1 1) \
	-device virtio-scsi-pci,id=d64b,addr=0x13,disable-legacy=on $(disks d64b 8 8) \
	-device virtio-scsi-pci,id=d1o,addr=0x14,disable-legacy=on $(disks d1o 1 1) \
	-device virtio-scsi-pci,id=d64o,addr=0x15,disable-legacy=on $(disks d64o 8 8) \
	-device virtio-scsi-pci,id=q16,addr=0x19,disable-legacy=on,virtqueue_size=16 \
	-drive if=none,id=q16d,format=raw,snapshot=on,file="$work/disk.img" \
	-device scsi-hd,drive=q16d,bus=q16.0,scsi-id=0,lun=0
# the built-in stack's whole window (OVMF: targets 0-31, LUNs 0-7), each
# stack in a VM of its own: the firmware walks its whole handle list on
# every call that takes a handle, so one stack's children slow the other
# shellcheck disable=SC2046
bench_vm "$work/window-builtin" bench-window-builtin \
	-device virtio-scsi-pci,id=dwb,addr=0x16,disable-legacy=on $(disks dwb 32 8)
# shellcheck disable=SC2046
bench_vm "$work/window-ours" bench-window-ours \
	-device virtio-scsi-pci,id=dwo,addr=0x17,disable-legacy=on $(disks dwo 32 8) \
	-device virtio-scsi-pci,id=d1024o,addr=0x18,disable-legacy=on $(disks d1024o 256 4)
# x86: a VM of its own with QEMU's trace of port and MMIO accesses, which
# counts the ACPI PM timer reads of each phase the app marks (bench.c,
# BENCH_MARK_PORT); the trace slows everything, so nothing else is timed
if [ "$ARCH" = x64 ]; then
	# shellcheck disable=SC2046
	bench_vm "$work/timer" bench-timer \
		-device virtio-scsi-pci,id=sb,addr=0x1a,disable-legacy=on $(slow sb) \
		-device virtio-scsi-pci,id=so,addr=0x1b,disable-legacy=on $(slow so) \
		-chardev file,id=marks,path="$work/timer/marks.log" \
		-device isa-debugcon,iobase=0x404,chardev=marks \
		-trace memory_region_ops_read -trace memory_region_ops_write \
		-D "$work/timer/trace.log"
fi

echo "# firmware: $(basename "$OVMF_CODE"), $ARCH"
sed -n 's/^# bench: //p; s/^# counter/counter/p' "$work/main/results.log"
grep -h '^not ok' "$work"/*/results.log || true

# ACPI PM timer reads per 1,000 requests, by phase: marks 1-2 and 3-4 are
# the built-in stack's and our 4 KiB reads, 5-6 and 7-8 the same on the
# throttled disks (the request counts are in the app's "timer phases")
timer_rows() {
	local calls slow
	read -r calls slow < <(sed -n 's/^# bench: timer phases: \([0-9]*\) and \([0-9]*\) requests/\1 \2/p' \
		"$work/timer/results.log" 2>/dev/null) || true
	[ -n "${calls:-}" ] && [ -s "$work/timer/trace.log" ] || return 0
	awk -v calls="$calls" -v slow="$slow" '
		/memory_region_ops_write/ && /name .isa-debugcon./ {
			v = $0; sub(/.* value 0x/, "", v); sub(/ .*/, "", v)
			if (v ~ /^[1-8]$/) phase = (v % 2) ? v : 0
		}
		/memory_region_ops_read/ && /name .acpi-tmr./ && phase { n[phase]++ }
		END {
			b = n[1] * 1000 / calls; o = n[3] * 1000 / calls
			bs = n[5] * 1000 / slow; os = n[7] * 1000 / slow
			printf "%-36s %10.1f %10.1f  %6s  per 1000 requests\n", \
				"ACPI PM timer reads, 4 KiB reads", b, o, (b ? sprintf("%.2fx", o / b) : "-")
			printf "%-36s %10.1f %10.1f  %6s  per 1000 requests\n", \
				"ACPI PM timer reads, throttled disk", bs, os, (bs ? sprintf("%.2fx", os / bs) : "-")
			printf "csv: ACPI PM timer reads per 1000 4 KiB reads,%.1f,%.1f,%s\n", b, o, (b ? sprintf("%.2f", o / b) : "")
			printf "csv: ACPI PM timer reads per 1000 throttled reads,%.1f,%.1f,%s\n", bs, os, (bs ? sprintf("%.2f", os / bs) : "")
		}' "$work/timer/trace.log" > "$work/timer.txt"
	grep -v '^csv: ' "$work/timer.txt"
}
# connect times of the windows: one row from the two VMs
window_rows() {
	local b o o1024
	b=$(sed -n 's/^# bench: window: built-in \([0-9.]*\) ms/\1/p' "$work/window-builtin/results.log")
	o=$(sed -n 's/^# bench: window: ours \([0-9.]*\) ms/\1/p' "$work/window-ours/results.log")
	o1024=$(sed -n 's/^# bench: window: ours at 256 targets x 4 LUNs \([0-9.]*\) ms/\1/p' \
		"$work/window-ours/results.log")
	awk -v b="${b:-0}" -v o="${o:-0}" -v w="${o1024:-0}" 'BEGIN {
		printf "%-36s %10.1f %10.1f  %5.2fx  ms\n", "discovery, 32 targets x 8 LUNs", b, o, (b ? o / b : 0)
		printf "ours, discovery, 256 targets x 4 LUNs (beyond the built-in stack): %.1f ms\n", w
		printf "csv: discovery 32 targets x 8 LUNs (ms),%.1f,%.1f,%.2f\n", b, o, (b ? o / b : 0)
		printf "csv: discovery 256 targets x 4 LUNs (ms),,%.1f,\n", w
	}' > "$work/window.txt"
	grep -v '^csv: ' "$work/window.txt"
}
window_rows
timer_rows
rm -f "$work/timer/trace.log"	# large; counted
{
	echo "metric,built-in,ours,ours/built-in"
	sed -n 's/^# csv: //p' "$work/main/results.log"
	cat "$work/window.txt" "$work/timer.txt" 2>/dev/null | sed -n 's/^csv: //p'
} > "$csv"
echo "CSV: $csv"
