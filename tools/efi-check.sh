#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Checks on what the EFI build links and converts (make calls these).
#
#   efi-check.sh relocs RELATIVE_TYPE SO
#	refuse relocations gnu-efi's self-relocation would silently skip:
#	crt0's _relocate applies only R_*_RELATIVE
#   efi-check.sh pe FORMAT SUBSYSTEM ARCH CROSS EFI
#	AArch64: pad the raw binary to the end of the header's last section
#	(the raw binary ends at its last byte of content; crt0's header runs
#	the sections to the linker's 512-byte-aligned _edata).  Then check
#	what the firmware's loader reads: the machine, the subsystem, no
#	COFF symbol table (sbsign warns about one), and on x64 the .reloc
#	section gnu-efi's image must carry.
# A file that fails is removed, so make does not take it next time.
set -eu
case $1 in
relocs)
	type=$2 so=$3
	bad=$(readelf -rW "$so" | awk '/^[0-9a-f]+ /{print $3}' | grep -v "$type" | sort -u || true)
	if [ -n "$bad" ]; then
		echo "$so: unsupported relocations: $bad" >&2
		rm -f "$so"
		exit 1
	fi
	;;
pe)
	format=$2 subsystem=$3 arch=$4 cross=$5 efi=$6
	if [ "$arch" = aa64 ]; then
		end=$("${cross}objdump" -h "$efi" | {
			m=0
			while read -r i _ size _ _ off _; do
				case $i in [0-9]*)
					e=$((0x$off + 0x$size))
					[ $e -gt $m ] && m=$e;;
				esac
			done
			echo $m; })
		[ "$end" -ge "$(stat -c %s "$efi")" ] && truncate -s "$end" "$efi"
	fi
	p=$("${cross}objdump" -p "$efi" 2>/dev/null || true)
	if echo "$p" | grep -q "file format $format\$" &&
	   echo "$p" | grep -q "^Subsystem.*$subsystem" &&
	   { [ "$arch" != x64 ] || "${cross}objdump" -h "$efi" | grep -q '\.reloc'; } &&
	   "${cross}objdump" -t "$efi" | grep -q '^no symbols$'; then
		exit 0
	fi
	echo "$efi: not a $format image of subsystem $subsystem with its relocations and no symbol table" >&2
	rm -f "$efi"
	exit 1
	;;
*)
	echo "usage: efi-check.sh relocs TYPE SO | pe FORMAT SUBSYSTEM ARCH CROSS EFI" >&2
	exit 2
	;;
esac
