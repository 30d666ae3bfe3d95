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

# The firmware: code read-only, variables in a throw-away snapshot.
qemu_firmware() {
	echo "-drive if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
	     "-drive if=pflash,format=raw,unit=1,snapshot=on,file=$OVMF_VARS"
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
