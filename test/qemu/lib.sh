# SPDX-License-Identifier: BSD-2-Clause-Patent
# Shared helpers of the QEMU scripts: firmware paths, disk images.

# ARCH picks the UEFI target: x64 (OVMF, pc) or aa64 (AAVMF, virt)
ARCH=${ARCH:-x64}
case $ARCH in
x64)
	OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
	OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
	QEMU=${QEMU:-qemu-system-x86_64}
	QEMU_MACHINE="-machine pc"
	BOOT_EFI=BOOTX64.EFI
	# Secure Boot: Debian's signature-enforcing build and the variables
	# whose PK, KEK and db hold the ovmf package's snakeoil test key
	SECBOOT_CODE=${SECBOOT_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
	SNAKEOIL_VARS=${SNAKEOIL_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
	SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key	# password: snakeoil
	SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
	;;
aa64)
	OVMF_CODE=${OVMF_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
	OVMF_VARS=${OVMF_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}
	QEMU=${QEMU:-qemu-system-aarch64}
	QEMU_MACHINE="-machine virt -cpu max"
	BOOT_EFI=BOOTAA64.EFI
	;;
*)
	echo "ARCH=$ARCH: x64 or aa64" >&2
	exit 2
	;;
esac

# result OK NAME [WHY]: count one test (the caller's $passed and $failed)
# and print it as "ok - NAME" or "not ok - NAME: WHY".
result() {
	if [ "$1" = 1 ]; then
		passed=$((passed + 1)); echo "ok - $2"
	else
		failed=$((failed + 1)); echo "not ok - $2${3:+: $3}"
	fi
}

# not COMMAND...: succeeds when COMMAND fails (for expect)
not() {
	! "$@"
}

# all_of CHECK...: every CHECK, a command line evaluated in the caller's
# scope, succeeds (for expect)
all_of() {
	local c
	for c in "$@"; do
		eval "$c" || return 1
	done
}

# section_has FILE FROM TO REGEX: a line of FILE between the lines
# matching FROM and TO matches REGEX (for expect)
section_has() {
	sed -n "/$2/,/$3/p" "$1" | grep -q "$4"
}

# ran_to_end RC WANT_RC RESULTS: QEMU ended as wanted and the test app
# wrote its last line (for expect)
ran_to_end() {
	[ "$1" = "$2" ] && grep -q '^[0-9]* passed, [0-9]* failed$' "$3"
}

# same_nonempty A B: file A has content and B is the same
same_nonempty() {
	[ -s "$1" ] && cmp -s "$1" "$2"
}

# expect NAME [DETAIL] -- COMMAND...: one check, passed when COMMAND
# succeeds; DETAIL is said when it fails.  A check of several conditions
# is a function of the VM's, named for what it checks.
expect() {
	local name=$1 detail=""
	shift
	if [ "$1" != -- ]; then detail=$1; shift; fi
	[ "$1" = -- ] || { echo "expect: no -- in the check \"$name\"" >&2; return 2; }
	shift
	if "$@"; then
		result 1 "$name"
	else
		result 0 "$name" "$detail"
	fi
}

# TCG by default: on the machines this project runs on /dev/kvm may exist,
# and even pass a probe that starts no vCPU, yet abort the first guest
# instruction ("KVM internal error").  KVM=1 asks for KVM where it works.
qemu_accel() {
	if [ "${KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg"
	fi
}

# The firmware: code read-only, variables in a throw-away snapshot, or in
# VARS_FILE, kept from one boot to the next.
qemu_firmware() {
	echo "-drive if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
	if [ -n "${VARS_FILE:-}" ]; then
		echo "-drive if=pflash,format=raw,unit=1,file=$VARS_FILE"
	else
		echo "-drive if=pflash,format=raw,unit=1,snapshot=on,file=$OVMF_VARS"
	fi
}

# make_gpt_fat IMAGE SIZE_MIB TYPE FILE...: a GPT disk with one FAT
# partition (TYPE: sgdisk type code) holding FILEs ("src=dst" pairs).
make_gpt_fat() {
	local img=$1 size=$2 type=$3 sectors
	shift 3
	rm -f "$img"
	truncate -s "${size}M" "$img"
	sgdisk -n 1:2048:0 -t 1:"$type" "$img" >/dev/null || return 1
	# partition: from sector 2048 to the backup GPT (33 sectors) at the end
	sectors=$(( size * 2048 - 2048 - 34 ))
	mformat -i "$img@@1M" -T "$sectors" -h 16 -s 32 -H 2048 -v VSTEST ::
	local pair src dst
	for pair in "$@"; do
		src=${pair%%=*}
		dst=${pair#*=}
		case "$dst" in */*) make_dirs "$img" "${dst%/*}" ;; esac
		mcopy -o -i "$img@@1M" "$src" "::$dst"
	done
}

# make_dirs IMAGE PATH: create PATH level by level in the FAT partition.
make_dirs() {
	local img=$1 path=$2 acc=""
	local IFS=/
	for part in $path; do
		acc="$acc/$part"
		mmd -i "$img@@1M" "::$acc" 2>/dev/null || true
	done
}

# How the firmware announces a CPU exception on its console: OVMF
# "!!!! X64 Exception Type - 0D(#GP ...", AAVMF "Synchronous Exception at
# 0x..." (or SError, IRQ, FIQ), the bare image "exception 13 error=...".
EXCEPTION_RE='!!!! X64 Exception Type|[A-Za-z]+ Exception at 0x|^exception [0-9]+ error='

# exception_pc FILE: the faulting instruction's address in a CPU
# exception dump (hex, no 0x), empty when FILE has none.
exception_pc() {
	sed -n -e 's/^RIP  *- \([0-9A-Fa-f]*\).*/\1/p' \
	       -e 's/.* Exception at 0x\([0-9A-Fa-f]*\).*/\1/p' \
	       -e 's/^exception [0-9]* .*rip=\([0-9a-f]*\).*/\1/p' "$1" | head -1
}

# image_of ADDR IMAGES: which image ADDR (hex, no 0x) falls in.  IMAGES
# lines are "NAME BASE SIZE [SYMBOLS]" (BASE hex, SIZE decimal, SYMBOLS an
# ELF with the image's symbols at its RVAs); prints "NAME+0xOFF (FUNC)",
# or "the firmware" when no listed image holds it.
image_of() {
	local addr=$((16#$1)) name base size syms off func
	while read -r name base size syms; do
		base=$((16#${base#0x}))
		[ "$addr" -ge "$base" ] && [ "$addr" -lt $((base + size)) ] || continue
		off=$((addr - base))
		func=""
		[ -n "$syms" ] && [ -e "$syms" ] &&
			func=" ($(addr2line -f -e "$syms" "$(printf '0x%x' "$off")" 2>/dev/null | head -1))"
		printf '%s+0x%x%s\n' "$name" "$off" "$func"
		return
	done <<< "$2"
	echo "the firmware"
}

# exception_result NAME LOG [IMAGES]: one result: LOG shows no CPU
# exception; else it fails naming the faulting address and the image it
# falls in (image_of IMAGES), followed by the dump.
exception_result() {
	local pc
	if ! grep -aqE "$EXCEPTION_RE" "$2" 2>/dev/null; then
		result 1 "$1: no CPU exception"
		return
	fi
	pc=$(tr -d '\r' < "$2" | grep -aE -A40 "$EXCEPTION_RE" > "$2.exception"
	     exception_pc "$2.exception")
	result 0 "$1: no CPU exception" "at ${pc:-?} in $(image_of "${pc:-0}" "${3:-}")"
	head -40 "$2.exception" | sed 's/^/#   /'
	rm -f "$2.exception"
}

# hang_result NAME REPORT [IMAGES]: one result: no hang report (watch_vm's
# "== samples" program counters and "== stack" dump); else it fails,
# saying which images the samples and the stack's return addresses fall
# in (image_of IMAGES).  An empty stack dump is said as such: the
# sampler saw nothing, which never reads as "not in our code".
hang_result() {
	local w words
	if [ ! -s "$2" ]; then
		result 1 "$1: no hang"
		return
	fi
	words=$(sed -n '/^== stack/,$p' "$2" | grep -o '0x[0-9a-f]\{16\}' |
		while read -r w; do
			w=$(image_of "${w#0x}" "${3:-}")
			[ "$w" = "the firmware" ] || echo "$w"
		done)
	if sed -n '/^== stack/,$p' "$2" | grep -q '0x[0-9a-f]\{16\}'; then
		result 0 "$1: no hang" "hung; $(echo "$words" | grep -c .) stack words in our images"
	else
		result 0 "$1: no hang" "hung, and the stack dump is empty: nothing tells where"
	fi
	sed -n '/^== samples/,/^== /p' "$2" | grep -v '^==' | while read -r w; do
		image_of "$w" "${3:-}"
	done | sort | uniq -c | sed 's/^ */#   samples: /'
	[ -z "$words" ] || echo "$words" | head -16 | sed 's/^/#   on the stack: /'
}
