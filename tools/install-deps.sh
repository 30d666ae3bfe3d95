#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Install what building and testing need on Debian 12, only if missing:
# apt-get runs only when a package is not installed yet, or (once per
# machine) to fetch gnu-efi for arm64.
#
# Debian 12's gnu-efi:arm64 is not Multi-Arch: installing it would remove
# the amd64 one.  Its .deb is downloaded once into CACHE (below) and the
# build unpacks it into its own tree (make ARCH=aa64).  So is rEFInd's,
# whose postinst would install it to the machine's own ESP: the refind
# test VM unpacks it.
set -eu
pkgs="gcc make binutils clang libclang-rt-14-dev llvm-14 valgrind gnu-efi libcmocka-dev
      qemu-system-x86 ovmf mtools gdisk xorriso sbsigntool openssl python3
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm qemu-efi-aarch64"
cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if ! ls "$cache"/gnu-efi_*_arm64.deb >/dev/null 2>&1; then
	echo "fetching gnu-efi for arm64 into $cache"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$sudo dpkg --add-architecture arm64
		$sudo apt-get update -qq
	fi
	mkdir -p "$cache"
	(cd "$cache" && apt-get download -qq gnu-efi:arm64 2>/dev/null) ||
		(cd "$cache" && $sudo apt-get update -qq && apt-get download -qq gnu-efi:arm64)
fi
if ! ls "$cache"/refind_*_amd64.deb >/dev/null 2>&1; then
	echo "fetching refind into $cache"
	mkdir -p "$cache"
	(cd "$cache" && apt-get download -qq refind:amd64 2>/dev/null) ||
		(cd "$cache" && $sudo apt-get update -qq && apt-get download -qq refind:amd64)
fi
