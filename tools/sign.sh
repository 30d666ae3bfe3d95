#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# Sign the driver and the test app of each architecture built for Secure
# Boot (sbsign, Authenticode with the key and certificate given), check
# each with sbverify, and build a ROM from the signed drivers.  Writes
# BUILD/signed/{virtio-scsi.efi,testapp.efi,aa64/...,virtio-scsi.rom};
# nothing is left half-written: each file is signed to a temporary name,
# verified, then renamed.
#
# Usage: sign.sh BUILD_DIR KEY CERT [KEY_PASS [OUT_DIR]]
#   KEY   PEM private key; if it is encrypted, give its passphrase
#   CERT  PEM certificate (the one in the firmware's db)
#   OUT_DIR  where the signed files go (default BUILD_DIR/signed)
set -eu
build=$1 key=${2:-} cert=${3:-} pass=${4:-} out=${5:-$1/signed}
if [ -z "$key" ] || [ -z "$cert" ]; then
	echo "make sign: KEY= and CERT= are needed: a PEM private key and its certificate" >&2
	echo "  (to test: KEY=/usr/share/ovmf/PkKek-1-snakeoil.key KEY_PASS=snakeoil" \
	     "CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem)" >&2
	exit 1
fi
for f in "$key" "$cert"; do
	[ -r "$f" ] || { echo "make sign: cannot read $f" >&2; exit 1; }
done
command -v sbsign >/dev/null || { echo "make sign: sbsign missing (make deps)" >&2; exit 1; }
mkdir -p "$out/aa64"
tmp=$(mktemp -d "$out/.sign.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -n "$pass" ]; then
	# an encrypted key: decrypt it where only we can read it
	(umask 077; openssl pkey -in "$key" -passin "pass:$pass" -out "$tmp/key.pem") ||
		{ echo "make sign: cannot decrypt $key" >&2; exit 1; }
	key=$tmp/key.pem
fi

# sign_one IN OUT: sign, verify, then put in place
sign_one() {
	sbsign --key "$key" --cert "$cert" --output "$tmp/out.efi" "$1" 2> "$tmp/log" ||
		{ cat "$tmp/log" >&2; echo "make sign: sbsign failed on $1" >&2; exit 1; }
	if grep -qi warning "$tmp/log"; then
		cat "$tmp/log" >&2
		echo "make sign: sbsign warned about $1" >&2
		exit 1
	fi
	sbverify --cert "$cert" "$tmp/out.efi" > /dev/null 2>&1 ||
		{ echo "make sign: sbverify refuses the signed $1" >&2; exit 1; }
	mv "$tmp/out.efi" "$2"
	echo "  SIGNED  $2"
}

sign_one "$build/virtio-scsi.efi" "$out/virtio-scsi.efi"
sign_one "$build/testapp.efi" "$out/testapp.efi"
drivers=("$out/virtio-scsi.efi")
if [ -e "$build/aa64/virtio-scsi.efi" ]; then
	sign_one "$build/aa64/virtio-scsi.efi" "$out/aa64/virtio-scsi.efi"
	drivers+=("$out/aa64/virtio-scsi.efi")
fi
[ -e "$build/aa64/testapp.efi" ] && sign_one "$build/aa64/testapp.efi" "$out/aa64/testapp.efi"
"$build/mkrom" -d 1048 -d 1004 -o "$out/virtio-scsi.rom" "${drivers[@]}"
"$build/mkrom" --check "$out/virtio-scsi.rom" > /dev/null
