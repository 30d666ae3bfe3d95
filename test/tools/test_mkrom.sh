#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Tests of the option-ROM tool: ROMs it builds pass its own check (and
# carry the image byte for byte); bad inputs and malformed ROMs are
# refused with a message, a non-zero exit and no output file.
# Usage: test_mkrom.sh BUILD_DIR     ends with "N passed, N failed"
set -u
build=${1:-build}
mkrom=$build/mkrom
drv=$build/virtio-scsi.efi
drv_aa64=$build/aa64/virtio-scsi.efi
app=$build/testapp.efi
t=$build/mkrom-test
rm -rf "$t"
mkdir -p "$t"
passed=0
failed=0

result() {
	if [ "$1" = 1 ]; then passed=$((passed + 1)); echo "ok - $2"
	else failed=$((failed + 1)); echo "not ok - $2"; fi
}

# refuse NAME EXPECTED_MESSAGE ARGS...: must fail, say why, write nothing
refuse() {
	local name=$1 want=$2 msg
	shift 2
	rm -f "$t/out.rom"
	msg=$("$mkrom" "$@" -o "$t/out.rom" 2>&1)
	local rc=$?
	[ $rc != 0 ] && [ ! -e "$t/out.rom" ] && [ ! -e "$t/out.rom.tmp" ] &&
		echo "$msg" | grep -q "$want"
	result "$([ $? = 0 ] && echo 1)" "refuses $name ($want)"
}

# patch FILE OFFSET HEXBYTES: overwrite bytes in place
patch() {
	printf "$(echo "$3" | sed 's/\(..\)/\\x\1/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

pe_off=$(od -An -tu4 -j 60 -N4 "$drv" | tr -d ' ')

# a good ROM, both device IDs, the driver stored as it is
"$mkrom" --stored -d 1048 -d 1004 -o "$t/good.rom" "$drv" > "$t/build.log"
result "$([ $? = 0 ] && echo 1)" "builds a ROM from the driver"
size=$(stat -c %s "$t/good.rom")
result "$([ $((size % 512)) = 0 ] && echo 1)" "ROM size is a multiple of 512 ($size bytes)"
"$mkrom" --check "$t/good.rom" > "$t/check.log" 2>&1
result "$([ $? = 0 ] && echo 1)" "--check accepts the ROM it built"
grep -q "vendor 1af4 device 1048, PCIR rev 3, class 010000, code type 3, last" "$t/check.log" &&
grep -q "device list: 1048 1004" "$t/check.log" &&
grep -q "EFI: subsystem 11, machine 8664, compression 0" "$t/check.log"
result "$([ $? = 0 ] && echo 1)" "--check reports vendor, devices, code type, EFI fields"
off=$(sed -n 's/.*image at 0x\([0-9a-f]*\)$/\1/p' "$t/check.log")
cmp -s <(tail -c +$((0x$off + 1)) "$t/good.rom" | head -c "$(stat -c %s "$drv")") "$drv"
result "$([ $? = 0 ] && echo 1)" "the ROM carries the driver byte for byte"
sum=$(od -An -tu1 -v "$t/good.rom" | tr -s ' ' '\n' | awk '{s += $1} END {print s % 256}')
result "$([ "$sum" = 0 ] && echo 1)" "ROM bytes sum to zero"

# bad inputs
printf 'hello\n' > "$t/text"
refuse "a text file" "not a PE image" "$t/text"
cp "$drv" "$t/pe32.efi"; patch "$t/pe32.efi" $((pe_off + 24)) 0b01
refuse "a PE32 image" "not a PE32+ image" "$t/pe32.efi"
cp "$drv" "$t/arm.efi"; patch "$t/arm.efi" $((pe_off + 4)) c001
refuse "a wrong-machine image" "not an x64 or AA64 image" "$t/arm.efi"
refuse "two images of one machine" "two images for machine 8664" "$drv" "$drv"
refuse "an application" "EFI application" "$app"
cp "$drv" "$t/big.efi"; head -c $((17 << 20)) /dev/zero >> "$t/big.efi"
refuse "an image over 16 MiB" "too big" "$t/big.efi"
refuse "an unknown device ID" "unknown device ID" -d 1001 "$drv"

# one ROM for both architectures
"$mkrom" --stored -d 1048 -d 1004 -o "$t/both.rom" "$drv" "$drv_aa64" > "$t/both-build.log"
result "$([ $? = 0 ] && echo 1)" "builds a ROM from the x64 and the AA64 driver"
"$mkrom" --check "$t/both.rom" > "$t/both.log" 2>&1
result "$([ $? = 0 ] && echo 1)" "--check accepts the two-image ROM"
n_img=$(grep -c '^image at ' "$t/both.log")
n_last=$(grep -c '^image at .*, last$' "$t/both.log")
last_img=$(grep '^image at ' "$t/both.log" | tail -1)
result "$([ "$n_img" = 2 ] && [ "$n_last" = 1 ] && [ "${last_img%, last}" != "$last_img" ] && echo 1)" \
	"--check lists both images, the last-image indicator on the second only"
grep -q "EFI: subsystem 11, machine 8664" "$t/both.log" &&
grep -q "EFI: subsystem 11, machine aa64" "$t/both.log"
result "$([ $? = 0 ] && echo 1)" "one x64 and one AA64 image"
# each image carries its driver byte for byte, and sums to zero on its own
second=$(sed -n 's/^image at 0x\([0-9a-f]*\): .*last$/\1/p' "$t/both.log")
size1=$((0x$second))
cmp -s <(head -c "$size1" "$t/both.rom" | tail -c +65 | head -c "$(stat -c %s "$drv")") "$drv" &&
cmp -s <(tail -c +$((size1 + 65)) "$t/both.rom" | head -c "$(stat -c %s "$drv_aa64")") "$drv_aa64"
result "$([ $? = 0 ] && echo 1)" "each image carries its driver byte for byte"
s1=$(head -c "$size1" "$t/both.rom" | od -An -tu1 -v | tr -s ' ' '\n' | awk '{s += $1} END {print s % 256}')
s2=$(tail -c +$((size1 + 1)) "$t/both.rom" | od -An -tu1 -v | tr -s ' ' '\n' | awk '{s += $1} END {print s % 256}')
result "$([ "$s1" = 0 ] && [ "$s2" = 0 ] && echo 1)" "each image's bytes sum to zero"
head -c $((9 << 20)) /dev/zero >> "$t/big9.efi"; cat "$drv" "$t/big9.efi" > "$t/x9.efi"
cat "$drv_aa64" "$t/big9.efi" > "$t/a9.efi"
refuse "images over 16 MiB together" "too big" --stored "$t/x9.efi" "$t/a9.efi"
# a damaged second image
cp "$t/both.rom" "$t/bad.rom"; patch "$t/bad.rom" $((size1 + 200)) ff
"$mkrom" --check "$t/bad.rom" > "$t/bad.log" 2>&1
rc=$?
result "$([ $rc != 0 ] && grep -q checksum "$t/bad.log" && grep -q '^image at 0x0:' "$t/bad.log" && echo 1)" \
	"--check refuses a ROM whose second image is damaged (checksum)"
cp "$t/both.rom" "$t/bad.rom"; patch "$t/bad.rom" $((size1 + 0x0A)) 6486
"$mkrom" --check "$t/bad.rom" > "$t/bad.log" 2>&1
result "$([ $? != 0 ] && grep -q "machine type differs" "$t/bad.log" && echo 1)" \
	"--check refuses an image whose header names another machine than its PE"

# compressed (the default): UEFI 2.10 §19
"$build/efi-compress-test" "$drv" "$drv_aa64" "$app" > "$t/compress.log" 2>&1
rc=$?
sed 's/^/  /' "$t/compress.log"
result "$([ $rc = 0 ] && grep -q '^[1-9][0-9]* passed, 0 failed$' "$t/compress.log" && echo 1)" \
	"the compressor round-trips every image and made-up input byte for byte"
"$mkrom" -d 1048 -d 1004 -o "$t/z.rom" "$drv" "$drv_aa64" > "$t/z-build.log"
result "$([ $? = 0 ] && echo 1)" "builds a compressed ROM of both drivers"
"$mkrom" --check "$t/z.rom" > "$t/z.log" 2>&1
result "$([ $? = 0 ] && [ "$(grep -c 'compression 1' "$t/z.log")" = 2 ] &&
	  grep -q "give $(stat -c %s "$drv")$" "$t/z.log" &&
	  grep -q "give $(stat -c %s "$drv_aa64")$" "$t/z.log" && echo 1)" \
	"--check decompresses both images (type 1) to their drivers' sizes"
result "$([ "$(stat -c %s "$t/z.rom")" -lt "$(stat -c %s "$t/both.rom")" ] && echo 1)" \
	"compressed is smaller than stored ($(stat -c %s "$t/z.rom") vs $(stat -c %s "$t/both.rom") bytes)"
# damage in the first image's code tables (just after the 8-byte header)
cp "$t/z.rom" "$t/bad.rom"; patch "$t/bad.rom" $((0x40 + 9)) ffffffff
"$mkrom" --check "$t/bad.rom" > "$t/bad.log" 2>&1
result "$([ $? != 0 ] && grep -q "does not decompress" "$t/bad.log" && echo 1)" \
	"--check refuses damaged compressed data (it does not decompress)"
cp "$t/z.rom" "$t/bad.rom"; patch "$t/bad.rom" 12 0200
"$mkrom" --check "$t/bad.rom" > "$t/bad.log" 2>&1
result "$([ $? != 0 ] && grep -q "unknown compression type" "$t/bad.log" && echo 1)" \
	"--check refuses an unknown compression type"

# malformed ROMs
bad_rom() {	# bad_rom NAME MESSAGE: check must refuse t/bad.rom
	"$mkrom" --check "$t/bad.rom" > "$t/bad.log" 2>&1
	local rc=$?
	grep -q "$2" "$t/bad.log"
	result "$([ $rc != 0 ] && [ $? = 0 ] && echo 1)" "--check refuses $1 ($2)"
}
cp "$t/good.rom" "$t/bad.rom"; patch "$t/bad.rom" 0 00aa
bad_rom "a missing 0x55AA" "no 0x55AA"
cp "$t/good.rom" "$t/bad.rom"; patch "$t/bad.rom" 100 ff
bad_rom "a wrong checksum" "checksum"
cp "$t/good.rom" "$t/bad.rom"; patch "$t/bad.rom" 28 58
bad_rom "a broken PCIR signature" "no PCIR"
cp "$t/good.rom" "$t/bad.rom"; patch "$t/bad.rom" 44 ffff
bad_rom "an image length beyond the ROM" "beyond the ROM"
head -c 1000 "$t/good.rom" > "$t/bad.rom"
bad_rom "a truncated ROM" "multiple of 512"
cp "$t/good.rom" "$t/bad.rom"; patch "$t/bad.rom" 4 0000
bad_rom "EFI code type without 0x0EF1" "0x0EF1"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
