#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Install what building and testing need on Debian 12, only if missing,
# and say what it installs: apt-get runs only when a package is not
# installed yet, or (once per machine) to fetch two packages that are
# not to be installed.
#
# Debian 12's gnu-efi:arm64 is not Multi-Arch: installing it would remove
# the amd64 one.  Its .deb is downloaded once into CACHE (below) and the
# build unpacks it into its own tree (make ARCH=aa64).  So is rEFInd's,
# whose postinst would install it to the machine's own ESP: the refind
# test VM unpacks it; and GRUB's signed arm64 image, which the U-Boot
# tests start with bootefi.  (U-Boot's source package is fetched by
# tools/uboot-build.sh, the first time it is needed.)  Nothing here changes the system's package
# configuration (no dpkg architecture is added, no source list written).
set -eu
pkgs="gcc make binutils clang libclang-rt-14-dev llvm-14 valgrind gnu-efi libcmocka-dev
      qemu-system-x86 ovmf mtools gdisk xorriso sbsigntool openssl python3
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm qemu-efi-aarch64
      gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu qemu-system-misc opensbi
      dpkg-dev bison flex bc device-tree-compiler libssl-dev libgnutls28-dev uuid-dev
      e2fsprogs"
cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "make deps: installing with apt-get:$missing"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Packages of another architecture (or not to be installed) are fetched
# with apt's own options pointing at a private list directory under the
# cache: the system's dpkg architectures and apt lists stay as they are.
fetch() {	# fetch PACKAGE:ARCH
	local apt=(-qq -o APT::Architectures::=arm64
		   -o Dir::State::Lists="$cache/apt/lists"
		   -o Dir::Cache="$cache/apt/cache" -o Debug::NoLocking=1
		   -o APT::Sandbox::User="$(id -un)")
	echo "make deps: fetching $1 into $cache (not installed)"
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"
	[ -e "$cache/apt/lists/.updated" ] ||
		{ apt-get "${apt[@]}" update && touch "$cache/apt/lists/.updated"; }
	(cd "$cache" && apt-get "${apt[@]}" download "$1")
}
ls "$cache"/gnu-efi_*_arm64.deb >/dev/null 2>&1 || fetch gnu-efi:arm64
ls "$cache"/refind_*_amd64.deb >/dev/null 2>&1 || fetch refind:amd64
ls "$cache"/grub-efi-arm64-signed_*_arm64.deb >/dev/null 2>&1 ||
	fetch grub-efi-arm64-signed:arm64
rm -rf "$cache/apt"	# the private lists served their purpose
