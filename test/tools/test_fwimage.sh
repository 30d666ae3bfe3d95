#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Tests of the firmware-image tool (tools/fwimage.py): the images of make
# firmware carry our driver byte for byte in VirtioScsiDxe's place and
# check out; bad inputs are refused with a message and no output file.
# Usage: test_fwimage.sh BUILD_DIR     ends with "N passed, N failed"
set -u
build=${1:-build}
tool="python3 tools/fwimage.py"
t=$build/fwimage-test
rm -rf "$t"
mkdir -p "$t"
passed=0
failed=0
dxe=fab5d4f4-83c0-4aaf-8480-442d11df6cea
ovmf=/usr/share/OVMF/OVMF_CODE_4M.fd
aavmf=/usr/share/AAVMF/AAVMF_CODE.fd

result() {
	if [ "$1" = 1 ]; then passed=$((passed + 1)); echo "ok - $2"
	else failed=$((failed + 1)); echo "not ok - $2"; fi
}

# refuse NAME MESSAGE ARGS...: must fail, say why, write nothing
refuse() {
	local name=$1 want=$2 msg rc
	shift 2
	rm -f "$t/out.fd" "$t/out.fd.tmp"
	msg=$($tool "$@" -o "$t/out.fd" 2>&1)
	rc=$?
	[ $rc != 0 ] && [ ! -e "$t/out.fd" ] && [ ! -e "$t/out.fd.tmp" ] &&
		echo "$msg" | grep -q "$want"
	result "$([ $? = 0 ] && echo 1)" "refuses $name ($want)"
}

for pair in "x64:$ovmf:$build/firmware/OVMF_CODE_4M.fd:$build/virtio-scsi.efi" \
	    "AA64:$aavmf:$build/firmware/AAVMF_CODE.fd:$build/aa64/virtio-scsi.efi"; do
	IFS=: read -r arch in out drv <<< "$pair"
	result "$([ -s "$out" ] && [ "$(stat -c %s "$out")" = "$(stat -c %s "$in")" ] && echo 1)" \
		"$arch: make firmware's image has the size of Debian's ($(stat -c %s "$in") bytes)"
	$tool --extract $dxe -o "$t/got.efi" "$out" && cmp -s "$t/got.efi" "$drv"
	result "$([ $? = 0 ] && echo 1)" "$arch: its VirtioScsiDxe file carries our driver byte for byte"
	$tool --extract $dxe -o "$t/orig.efi" "$in" && ! cmp -s "$t/orig.efi" "$drv"
	result "$([ $? = 0 ] && echo 1)" "$arch: Debian's has OVMF's own driver there"
	# the rebuilt image passes the tool's own checks when read again
	$tool --driver "$drv" -o "$t/again.fd" "$out" > /dev/null && cmp -s "$t/again.fd" "$out"
	result "$([ $? = 0 ] && echo 1)" "$arch: reading it again checks out, and gives the same image"
done

printf 'hello\n' > "$t/text"
refuse "a file that is no firmware image" "not an OVMF/AAVMF image" --driver "$build/virtio-scsi.efi" "$t/text"
refuse "a driver that is not PE" "not a PE image" --driver "$t/text" "$ovmf"
refuse "an image without the file to replace" "no file 00000000-0000-0000-0000-000000000001" \
	--driver "$build/virtio-scsi.efi" --replace 00000000-0000-0000-0000-000000000001 "$ovmf"
new=00000000-0000-0000-0000-000000000001
$tool --driver "$build/virtio-scsi.efi" --replace $new --add -o "$t/added.fd" "$ovmf" > /dev/null &&
	$tool --extract $new -o "$t/got.efi" "$t/added.fd" && cmp -s "$t/got.efi" "$build/virtio-scsi.efi" &&
	$tool --extract $dxe -o "$t/orig2.efi" "$t/added.fd" &&
	$tool --extract $dxe -o "$t/orig.efi" "$ovmf" && cmp -s "$t/orig2.efi" "$t/orig.efi"
result "$([ $? = 0 ] && echo 1)" "--add puts our driver in as a new file, the others kept"
# a driver too big for the compressed volume: 8 MiB that do not compress
{ printf 'MZ'; head -c $((8 << 20)) /dev/urandom; } > "$t/huge.efi"
refuse "a result with no room in its volume" "no room" --driver "$t/huge.efi" "$ovmf"
cp "$ovmf" "$t/bad.fd"
printf '\x00\x00' | dd of="$t/bad.fd" bs=1 seek=50 conv=notrunc status=none
refuse "an image whose volume checksum is wrong" "not an OVMF/AAVMF image" \
	--driver "$build/virtio-scsi.efi" "$t/bad.fd"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
