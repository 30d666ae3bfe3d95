#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Put our driver into an OVMF/AAVMF firmware image in place of VirtioScsiDxe.

    fwimage.py --driver virtio-scsi.efi -o OUT.fd IN.fd [--add] [--replace GUID]
    fwimage.py --extract GUID -o OUT.efi IN.fd     that file's PE32 image

The DXE firmware volume of Debian's OVMF and AAVMF sits LZMA-compressed in
a GUID-defined section of one file in FVMAIN_COMPACT (PI spec vol. 3:
firmware volumes in §3.2, FFS files in §2.2, sections in §2.1.4).  The tool
finds that volume, decompresses it with Python's lzma (liblzma), replaces
the file FAB5D4F4-83C0-4AAF-8480-442D11DF6CEA (VirtioScsiDxe) by one of the
same name holding our driver (a PE32 section and a UI section), lays the
files after it out again, compresses the whole again and writes it back,
with every header, checksum, alignment and size recomputed.  --add puts our
driver in as a new file when the image has no VirtioScsiDxe; --replace
names another file to take the place of (the tool's tests use it).

It refuses what it does not understand: not a firmware volume of the FFS2
file system, a checksum that does not hold, files with alignment needs or
pad files after the one replaced, no VirtioScsiDxe (without --add), or a
result that does not fit its volume.  The output is written to a temporary
file and renamed, so nothing is left half-written.
"""
import lzma
import os
import struct
import sys
import uuid

FFS2_GUID = uuid.UUID("8c8ce578-8a3d-4f1c-9935-896185c32dd3")
FFS3_GUID = uuid.UUID("5473c07a-3dcb-4dca-bd6f-1e9689e7349a")
LZMA_GUID = uuid.UUID("ee4e5898-3914-4259-9d6e-dc7bd79403cf")
VIRTIO_SCSI_DXE = uuid.UUID("fab5d4f4-83c0-4aaf-8480-442d11df6cea")

FV_SIGNATURE = b"_FVH"
EFI_FVB2_ERASE_POLARITY = 0x800
FILE_TYPE_DRIVER = 0x07
FILE_TYPE_FV_IMAGE = 0x0B
FILE_TYPE_PAD = 0xF0
FFS_ATTRIB_LARGE_FILE = 0x01
FFS_ATTRIB_DATA_ALIGNMENT_2 = 0x02
FFS_ATTRIB_DATA_ALIGNMENT = 0x38
FFS_ATTRIB_CHECKSUM = 0x40
FFS_FIXED_CHECKSUM = 0xAA
# State: header construction, header valid, data valid (PI vol. 3 §2.2.3)
FILE_STATE_VALID = 0x07
SECTION_GUID_DEFINED = 0x02
SECTION_PE32 = 0x10
SECTION_USER_INTERFACE = 0x15
SECTION_FV_IMAGE = 0x17
GUIDED_PROCESSING_REQUIRED = 0x01


class Refused(Exception):
    """An input the tool does not understand, or that cannot be done."""


def sum8(b):
    return sum(b) & 0xFF


def sum16(b):
    return sum(struct.unpack_from("<%dH" % (len(b) // 2), b)) & 0xFFFF


def align(n, a):
    return (n + a - 1) & ~(a - 1)


class Volume:
    """A firmware volume: its header bytes and its FFS files."""

    def __init__(self, data, where):
        if len(data) < 0x48 or data[40:44] != FV_SIGNATURE:
            raise Refused("%s: no firmware volume header" % where)
        self.where = where
        self.guid = uuid.UUID(bytes_le=bytes(data[16:32]))
        self.length, = struct.unpack_from("<Q", data, 32)
        self.attrs, = struct.unpack_from("<I", data, 44)
        self.hdr_len, = struct.unpack_from("<H", data, 48)
        ext, = struct.unpack_from("<H", data, 52)
        if self.guid not in (FFS2_GUID, FFS3_GUID):
            raise Refused("%s: not an FFS2/FFS3 file system (%s)" % (where, self.guid))
        if self.length > len(data) or self.hdr_len > self.length or self.hdr_len % 2:
            raise Refused("%s: volume sizes make no sense" % where)
        if sum16(data[:self.hdr_len]) != 0:
            raise Refused("%s: volume header checksum" % where)
        if not self.attrs & EFI_FVB2_ERASE_POLARITY:
            raise Refused("%s: erase polarity 0 is not handled" % where)
        start = self.hdr_len
        if ext:
            ext_size, = struct.unpack_from("<I", data, ext + 16)
            start = ext + ext_size
        self.files_at = align(start, 8)
        self.head = bytes(data[:self.files_at])
        self.files = []
        p = self.files_at
        while p + 24 <= self.length:
            if data[p:p + 24] == b"\xff" * 24:
                break
            f = FfsFile(data, p, where)
            self.files.append(f)
            p = align(p + f.size, 8)

    def grow_to(self, need):
        """Make the volume at least @need bytes long, in whole blocks of its
        block map (one entry only), and its header's checksum right.  Only
        for a volume inside a compressed section: nothing else places it."""
        num, blen = struct.unpack_from("<II", self.head, 56)
        end = struct.unpack_from("<II", self.head, 64)
        if end != (0, 0) or not blen or num * blen != self.length:
            raise Refused("%s: its block map is not one run of blocks: cannot grow" %
                          self.where)
        self.length = align(need, blen)
        head = bytearray(self.head)
        struct.pack_into("<Q", head, 32, self.length)
        struct.pack_into("<I", head, 56, self.length // blen)
        struct.pack_into("<H", head, 50, 0)
        struct.pack_into("<H", head, 50, (-sum16(head[:self.hdr_len])) & 0xFFFF)
        self.head = bytes(head)

    def build(self, grow=False):
        """The volume again: its header, its files (8-byte aligned), 0xFF;
        with @grow, a volume its files overflow is made longer."""
        out = bytearray(self.head)
        for f in self.files:
            out += b"\xff" * (align(len(out), 8) - len(out))
            if f.alignment() > 8 and (len(out) + f.header_len()) % f.alignment():
                raise Refused("%s: file %s needs %d-byte alignment: not handled" %
                              (self.where, f.name, f.alignment()))
            out += f.build()
        if len(out) > self.length and grow:
            self.grow_to(len(out))
            out[:len(self.head)] = self.head
        if len(out) > self.length:
            raise Refused("%s: no room: %d bytes of files in a %d-byte volume" %
                          (self.where, len(out), self.length))
        out += b"\xff" * (self.length - len(out))
        return bytes(out)


class FfsFile:
    """One FFS file: name, type, attributes and its sections' bytes."""

    def __init__(self, data, p, where):
        self.name = uuid.UUID(bytes_le=bytes(data[p:p + 16]))
        self.type = data[p + 18]
        self.attrs = data[p + 19]
        self.size = data[p + 20] | data[p + 21] << 8 | data[p + 22] << 16
        hlen = 24
        if self.attrs & FFS_ATTRIB_LARGE_FILE:
            self.size, = struct.unpack_from("<Q", data, p + 24)
            hlen = 32
        if self.size < hlen or p + self.size > len(data):
            raise Refused("%s: file %s: size %d" % (where, self.name, self.size))
        hdr = bytearray(data[p:p + hlen])
        state = hdr[23]
        hdr[17] = 0
        hdr[23] = 0
        if sum8(hdr) != 0:
            raise Refused("%s: file %s: header checksum" % (where, self.name))
        if (~state & 0xFF) & FILE_STATE_VALID != FILE_STATE_VALID:
            raise Refused("%s: file %s: not a valid file (state %02x)" %
                          (where, self.name, state))
        self.body = bytes(data[p + hlen:p + self.size])
        if self.attrs & FFS_ATTRIB_CHECKSUM:
            if sum8(self.body + bytes([data[p + 17]])) != 0:
                raise Refused("%s: file %s: data checksum" % (where, self.name))
        elif data[p + 17] != FFS_FIXED_CHECKSUM:
            raise Refused("%s: file %s: data checksum byte" % (where, self.name))

    def alignment(self):
        """Alignment its data needs (PI vol. 3 §2.2.3, Table 3-3)."""
        a = (self.attrs & FFS_ATTRIB_DATA_ALIGNMENT) >> 3
        if self.attrs & FFS_ATTRIB_DATA_ALIGNMENT_2:
            return 1 << (a + 17)
        return [1, 16, 128, 512, 1024, 4096, 32768, 65536][a]

    def header_len(self):
        return 32 if len(self.body) + 24 > 0xFFFFFF else 24

    def build(self):
        hlen = self.header_len()
        size = hlen + len(self.body)
        attrs = self.attrs & ~FFS_ATTRIB_LARGE_FILE
        if hlen == 32:
            attrs |= FFS_ATTRIB_LARGE_FILE
        hdr = bytearray(self.name.bytes_le + b"\0\0" + bytes([self.type, attrs]))
        hdr += (size if hlen == 24 else 0).to_bytes(3, "little") + b"\0"
        if hlen == 32:
            hdr += struct.pack("<Q", size)
        hdr[16] = (-sum8(hdr)) & 0xFF
        if attrs & FFS_ATTRIB_CHECKSUM:
            hdr[17] = (-sum8(self.body)) & 0xFF
        else:
            hdr[17] = FFS_FIXED_CHECKSUM
        hdr[23] = ~FILE_STATE_VALID & 0xFF	# erase polarity 1
        return bytes(hdr) + self.body


def sections(body, where):
    """The sections of a file body or section stream: (type, bytes) each."""
    out = []
    p = 0
    while p + 4 <= len(body):
        size = body[p] | body[p + 1] << 8 | body[p + 2] << 16
        hlen = 4
        if size == 0xFFFFFF:
            size, = struct.unpack_from("<I", body, p + 4)
            hlen = 8
        if size < hlen or p + size > len(body):
            raise Refused("%s: a section's size runs past its file" % where)
        out.append((body[p + 3], body[p:p + size], hlen))
        p = align(p + size, 4)
    return out


def section(stype, payload):
    """A section header and its payload (4-byte sizes only)."""
    size = 4 + len(payload)
    if size >= 0xFFFFFF:
        raise Refused("a section of %d bytes is too big" % size)
    return size.to_bytes(3, "little") + bytes([stype]) + payload


def pad4(b):
    return b + b"\0" * (align(len(b), 4) - len(b))


TARGET = VIRTIO_SCSI_DXE		# the file to replace (--replace)


def driver_file(driver, name):
    """Our driver as an FFS file: a PE32 section and a UI section."""
    ui = ("VirtioScsiPolledDxe" + "\0").encode("utf-16-le")
    f = FfsFile.__new__(FfsFile)
    f.name = name
    f.type = FILE_TYPE_DRIVER
    f.attrs = 0
    f.body = pad4(section(SECTION_PE32, driver)) + section(SECTION_USER_INTERFACE, ui)
    return f


def replace_in_dxe(raw, driver, add):
    """In the decompressed section stream, swap the driver; new stream."""
    out = bytearray()
    done = False
    for stype, sect, hlen in sections(raw, "compressed volume"):
        if stype == SECTION_FV_IMAGE and not done:
            fv = Volume(sect[hlen:], "inner volume")
            names = [f.name for f in fv.files]
            if TARGET in names:
                i = names.index(TARGET)
                for later in fv.files[i + 1:]:
                    if later.type == FILE_TYPE_PAD or later.alignment() > 8:
                        raise Refused("inner volume: file %s after VirtioScsiDxe needs "
                                      "alignment or padding: not handled" % later.name)
                fv.files[i] = driver_file(driver, VIRTIO_SCSI_DXE)
                done = True
            elif add and any(f.type == FILE_TYPE_DRIVER for f in fv.files):
                fv.files.append(driver_file(driver, TARGET))
                done = True
            if done:
                # inside the compressed section nothing else places this
                # volume: it may grow to take the larger driver
                inner = fv.build(grow=True)
                sect = section(SECTION_FV_IMAGE, inner) if hlen == 4 else None
                if sect is None:
                    raise Refused("inner volume: an extended section header: not handled")
        out += b"\0" * (align(len(out), 4) - len(out))
        out += sect
    if not done:
        raise Refused("no file %s (VirtioScsiDxe: FAB5D4F4-83C0-4AAF-8480-442D11DF6CEA) "
                      "in the image: --add puts ours in beside the other drivers" %
                      str(TARGET).upper())
    return bytes(out)


def lzma_compress(raw):
    """LZMA-alone data as EDK2's LzmaCompress writes it: the 13-byte
    header with the uncompressed size filled in (liblzma leaves it
    unknown when it streams)."""
    comp = bytearray(lzma.compress(raw, format=lzma.FORMAT_ALONE, filters=[
        {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 24, "lc": 3, "lp": 0,
         "pb": 2, "preset": 9}]))
    comp[5:13] = struct.pack("<Q", len(raw))
    if lzma.decompress(bytes(comp), format=lzma.FORMAT_ALONE) != raw:
        raise Refused("LZMA round trip failed")
    return bytes(comp)


def dxe_stream(image):
    """The compressed DXE section stream of an image: (volume offset,
    volume, file index, guided section attributes, decompressed bytes)."""
    p = 0
    while True:
        p = image.find(FV_SIGNATURE, p)
        if p < 0:
            raise Refused("no compressed DXE volume found: not an OVMF/AAVMF image")
        fv_at = p - 40
        p += 4
        if fv_at < 0 or fv_at % 8:
            continue
        try:
            fv = Volume(image[fv_at:], "volume at 0x%x" % fv_at)
        except Refused:
            continue
        for i, f in enumerate(fv.files):
            if f.type != FILE_TYPE_FV_IMAGE:
                continue
            sects = sections(f.body, "file %s" % f.name)
            if len(sects) != 1 or sects[0][0] != SECTION_GUID_DEFINED:
                continue
            sect, hlen = sects[0][1], sects[0][2]
            guid = uuid.UUID(bytes_le=bytes(sect[hlen:hlen + 16]))
            data_off, attrs = struct.unpack_from("<HH", sect, hlen + 16)
            if guid != LZMA_GUID or not attrs & GUIDED_PROCESSING_REQUIRED:
                continue
            try:
                raw = lzma.decompress(bytes(sect[data_off:]), format=lzma.FORMAT_ALONE)
            except lzma.LZMAError as e:
                raise Refused("volume at 0x%x: LZMA data: %s" % (fv_at, e))
            return fv_at, fv, i, attrs, raw
        p = fv_at + max(fv.length, 8)


def extract(image, name):
    """The PE32 section of file @name in the DXE volume."""
    raw = dxe_stream(image)[4]
    for stype, sect, hlen in sections(raw, "compressed volume"):
        if stype != SECTION_FV_IMAGE:
            continue
        for f in Volume(sect[hlen:], "inner volume").files:
            if f.name != name:
                continue
            for st, s2, h2 in sections(f.body, "file %s" % f.name):
                if st == SECTION_PE32:
                    return s2[h2:]
    raise Refused("no file %s with a PE32 section" % str(name).upper())


def patch_image(image, driver, add):
    """The firmware image with our driver in its DXE volume."""
    if driver[:2] != b"MZ":
        raise Refused("the driver is not a PE image")
    fv_at, fv, i, attrs, raw = dxe_stream(image)
    raw = replace_in_dxe(raw, driver, add)
    comp = lzma_compress(raw)
    guided = (LZMA_GUID.bytes_le + struct.pack("<HH", 0x18, attrs)) + comp
    fv.files[i].body = section(SECTION_GUID_DEFINED, guided)
    new_fv = fv.build()
    Volume(new_fv, "rebuilt volume")		# it parses and checks out
    return image[:fv_at] + new_fv + image[fv_at + fv.length:]


def take(args, flag):
    """Remove "flag VALUE" from args; the value, or None if absent."""
    if flag not in args:
        return None
    i = args.index(flag)
    value = args.pop(i + 1)
    args.pop(i)
    return value


def write_whole(path, data):
    """Write a file whole or not at all: a temporary file, then rename."""
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def main(argv):
    global TARGET
    args = argv[1:]
    add = "--add" in args
    args = [a for a in args if a != "--add"]
    try:
        name = take(args, "--extract")
        replace = take(args, "--replace")
        driver_path = take(args, "--driver")
        out = take(args, "-o")
        (inp,) = args
        if not out or (name is None) == (driver_path is None):
            raise ValueError
        if replace:
            TARGET = uuid.UUID(replace)
        name = uuid.UUID(name) if name else None
    except (ValueError, IndexError):
        sys.stderr.write("usage: fwimage.py --driver DRIVER.efi -o OUT.fd IN.fd [--add] "
                         "[--replace GUID]\n"
                         "       fwimage.py --extract GUID -o OUT.efi IN.fd\n")
        return 2
    try:
        image = open(inp, "rb").read()
        if name:
            write_whole(out, extract(image, name))
            return 0
        driver = open(driver_path, "rb").read()
        result = patch_image(image, driver, add)
    except (OSError, Refused) as e:
        sys.stderr.write("fwimage: %s: %s\n" % (inp, e))
        return 1
    write_whole(out, result)
    print("%s: %s with %s (%d bytes) in place of VirtioScsiDxe" %
          (out, os.path.basename(inp), os.path.basename(driver_path), len(driver)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
