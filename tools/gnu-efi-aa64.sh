#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Unpack Debian's gnu-efi for arm64 into DIR, from the .deb make deps
# fetched into the cache (Debian 12's gnu-efi:arm64 is not Multi-Arch:
# installing it would remove the amd64 one).
# Usage: gnu-efi-aa64.sh DIR
#        gnu-efi-aa64.sh --have   (exit 0 when the .deb is there)
set -eu
cache=${VSCSI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-scsi}
deb=$(ls "$cache"/gnu-efi_*_arm64.deb 2>/dev/null | tail -1 || true)
if [ "$1" = --have ]; then
	[ -n "$deb" ]
	exit
fi
if [ -z "$deb" ]; then
	echo "no gnu-efi arm64 package in $cache: run make deps" >&2
	exit 1
fi
echo "  UNPACK  $deb"
dpkg-deb -x "$deb" "$1"
