#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Build U-Boot with the virtio-scsi driver from Debian 12's u-boot source
# package, for QEMU virt: AArch64 (qemu_arm64_defconfig) and RISC-V
# S-mode (qemu-riscv64_smode_defconfig, started by Debian's OpenSBI).
#
#   tools/uboot-build.sh OUT [ARCH...]     ARCH: aarch64 riscv64 (both)
#
# writes OUT/ARCH/u-boot.bin.  The source package is fetched once into
# the cache with `apt-get source`, given a deb-src list through apt's own
# options: the system's apt configuration is left as it is.  The images
# are cached too, under a key of everything that goes into them (the
# source package, uboot/, drivers/, include/, this script), so a second
# run with the same sources builds nothing.
set -eu
out=$(realpath -m "$1")
shift
arches=${*:-aarch64 riscv64}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
src_cache=$cache/u-boot-source
jobs=$(nproc 2>/dev/null || echo 2)

# The source package, fetched once (not installed, no list written
# outside the cache)
fetch_source() {
	local apt lists=$src_cache/apt
	ls "$src_cache"/u-boot_*.dsc >/dev/null 2>&1 && return
	echo "uboot: fetching Debian's u-boot source package into $src_cache"
	mkdir -p "$lists/lists/partial" "$lists/cache/archives/partial"
	printf '%s\n' \
		"deb-src http://deb.debian.org/debian bookworm main" \
		"deb-src http://deb.debian.org/debian-security bookworm-security main" \
		> "$lists/sources.list"
	apt=(-qq -o Dir::Etc::SourceList="$lists/sources.list"
	     -o Dir::Etc::SourceParts=/nonexistent
	     -o Dir::State::Lists="$lists/lists" -o Dir::Cache="$lists/cache"
	     -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
	apt-get "${apt[@]}" update
	(cd "$src_cache" && apt-get "${apt[@]}" source --download-only u-boot)
	rm -rf "$lists"
}

# What goes into the images, as one hash
image_key() {
	(cd "$top" && cat "$src_cache"/u-boot_*.dsc uboot/* tools/uboot-build.sh \
		$(find drivers include -type f | sort)) | sha256sum | cut -c1-16
}

defconfig() {
	case $1 in
	aarch64) echo "qemu_arm64_defconfig aarch64-linux-gnu-" ;;
	riscv64) echo "qemu-riscv64_smode_defconfig riscv64-linux-gnu-" ;;
	*) echo "uboot: unknown ARCH $1" >&2; exit 2 ;;
	esac
}

# Debian's tree with the patch and our sources, flat under
# drivers/virtio/vscsi/ (uboot/Makefile lists them)
prepare_tree() {
	local tree=$1 d
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	# apt checked the files against Debian's signed indexes; dpkg-source
	# has no maintainer keyring to check the .dsc's own signature with
	dpkg-source --no-copy -x "$src_cache"/u-boot_*.dsc "$tree" 2>&1 |
		grep -v 'gpgv\|signature\|: info: ' >&2 || true
	test -f "$tree/Makefile"
	patch -s -d "$tree" -p1 < "$top/uboot/u-boot.patch"
	d=$tree/drivers/virtio/vscsi
	mkdir -p "$d/include"
	cp "$top"/drivers/*/*.c "$top"/uboot/*.c "$top"/uboot/*.h "$d/"
	rm -f "$d/libc.c" "$d/libc_mem.c"	# U-Boot has its own
	cp "$top/uboot/Makefile" "$d/Makefile"
	cp -r "$top/include/vscsi" "$top/include/spec" "$d/include/"
}

build_arch() {	# build_arch TREE ARCH
	local tree=$1 arch=$2 obj=$out/obj-$2 cfg cross
	read -r cfg cross <<< "$(defconfig "$arch")"
	echo "uboot: building $arch ($cfg)"
	rm -rf "$obj"
	make -s -C "$tree" O="$obj" CROSS_COMPILE="$cross" "$cfg"
	cat "$top/uboot/uboot.config" "$top/uboot/uboot-$arch.config" 2>/dev/null |
		grep -v '^#' >> "$obj/.config"
	make -s -C "$tree" O="$obj" CROSS_COMPILE="$cross" olddefconfig 2>&1 |
		grep -v 'override: reassigning' >&2 || true
	grep -q '^CONFIG_VIRTIO_SCSI=y' "$obj/.config" ||
		{ echo "uboot: CONFIG_VIRTIO_SCSI did not stick" >&2; exit 1; }
	make -s -C "$tree" O="$obj" CROSS_COMPILE="$cross" -j"$jobs" 2>&1 |
		grep -v 'LOAD segment with RWX permissions' || true
	test -s "$obj/u-boot.bin"
	mkdir -p "$out/$arch"
	cp "$obj/u-boot.bin" "$obj/.config" "$out/$arch/"
}

fetch_source
key=$(image_key)
tree=""
for arch in $arches; do
	stored=$cache/u-boot-images/$key/$arch
	if [ -s "$stored/u-boot.bin" ]; then
		echo "uboot: $arch image unchanged (cache $key)"
	else
		if [ -z "$tree" ]; then
			tree=$out/src
			prepare_tree "$tree"
		fi
		build_arch "$tree" "$arch"
		mkdir -p "$stored"
		cp "$out/$arch/u-boot.bin" "$out/$arch/.config" "$stored/"
	fi
	mkdir -p "$out/$arch"
	cp "$stored/u-boot.bin" "$stored/.config" "$out/$arch/"
done
# keep the images of these sources only
find "$cache/u-boot-images" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} +
[ -z "$tree" ] || rm -rf "$tree" "$out"/obj-*
