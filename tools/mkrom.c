/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * PCI expansion ROM builder and checker for the driver.
 *
 *   mkrom [--stored] [-d DEVICE_ID]... -o ROM DRIVER.efi...   build a ROM
 *   mkrom --check ROM                                         check a ROM
 *
 * The ROM holds one EFI image per driver given, one per machine type (x64,
 * AA64), so one ROM serves both architectures: the firmware runs the
 * image of its own machine type (PCI Firmware 3.0 §5.1, UEFI 2.10
 * §14.4.2).  Each image is the PCI expansion ROM header with the EFI
 * fields, a PCI Data Structure ("PCIR", revision 3, code type 3) with
 * vendor 0x1AF4, the first device ID and a device list, the PE32+ image,
 * and padding to 512-byte units with a checksum byte making that image's
 * bytes sum to zero; the last image has the last-image indicator.  Each
 * driver is compressed with the UEFI compression algorithm (UEFI 2.10
 * §19, compression type 1; the firmware's EFI_DECOMPRESS_PROTOCOL undoes
 * it; efi_compress.c), or with --stored kept as it is (type 0).
 *
 * Input is checked: PE32+ images for x64 or AA64 of subsystem 11 (boot
 * service driver) or 12 (runtime driver), no two of the same machine,
 * all of them small enough for a 16 MiB ROM; device IDs must be
 * virtio-scsi's.  Output is written to a temporary file and renamed, so
 * a refused input never leaves a half-written ROM.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "efi_compress.h"

#define ROM_MAX_SIZE (16u << 20)	/* PCI: a ROM BAR decodes up to 16 MiB */
#define ROM_UNIT 512
#define ROM_SIGNATURE 0xAA55
#define EFI_ROM_SIGNATURE 0x0EF1
#define PCIR_LEN 0x1C
#define ROM_HDR_LEN 0x1C
#define CODE_TYPE_EFI 3
#define INDICATOR_LAST 0x80
#define VENDOR_VIRTIO 0x1AF4
#define MAX_DEVICES 8
#define MAX_IMAGES 4
#define COMPRESSION_NONE 0
#define COMPRESSION_EFI 1	/* UEFI 2.10 §19 */

/* PE/COFF (Microsoft PE and COFF Specification) */
#define PE_MACHINE_X64 0x8664
#define PE_MACHINE_AA64 0xAA64
#define PE_MAGIC_PE32PLUS 0x20B
#define PE_SUBSYSTEM_APP 10
#define PE_SUBSYSTEM_BOOT_DRIVER 11
#define PE_SUBSYSTEM_RUNTIME_DRIVER 12

static const uint16_t known_devices[] = { 0x1048, 0x1004 };

static uint16_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

static int fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "mkrom: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

/** Read a whole file; NULL and a message on error. */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f) {
		fprintf(stderr, "mkrom: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n ? n : 1)) &&
	    fread(buf, 1, n, f) == (size_t)n) {
		*len = n;
		fclose(f);
		return buf;
	}
	fprintf(stderr, "mkrom: %s: cannot read\n", path);
	free(buf);
	fclose(f);
	return NULL;
}

/**
 * Check that a file is a PE32+ EFI driver for x64 or AA64.
 * @v pe	file contents
 * @v len	length
 * @ret subsystem	its subsystem
 * @ret machine	its machine type
 * @ret msg	NULL, or why it is refused
 */
static const char *check_pe(const uint8_t *pe, size_t len, uint16_t *subsystem,
			    uint16_t *machine)
{
	uint32_t off;

	if (len < 0x40 || pe[0] != 'M' || pe[1] != 'Z')
		return "not a PE image (no MZ header)";
	off = get32(pe + 0x3C);
	if (off > len - 24 || memcmp(pe + off, "PE\0\0", 4))
		return "not a PE image (no PE signature)";
	*machine = get16(pe + off + 4);
	if (*machine != PE_MACHINE_X64 && *machine != PE_MACHINE_AA64)
		return "not an x64 or AA64 image (machine is not 0x8664 or 0xAA64)";
	if (off + 24 + 70 > len || get16(pe + off + 24) != PE_MAGIC_PE32PLUS)
		return "not a PE32+ image";
	*subsystem = get16(pe + off + 24 + 68);
	if (*subsystem == PE_SUBSYSTEM_APP)
		return "an EFI application (subsystem 10), not a driver";
	if (*subsystem != PE_SUBSYSTEM_BOOT_DRIVER &&
	    *subsystem != PE_SUBSYSTEM_RUNTIME_DRIVER)
		return "not an EFI driver (subsystem is not 11 or 12)";
	return NULL;
}

/** One driver to place in the ROM. */
struct rom_input {
	const char *path;
	uint8_t *pe;
	size_t len;
	uint8_t *data;		/**< what the ROM carries: pe, or compressed */
	size_t data_len;
	uint16_t compression;
	uint16_t subsystem, machine;
	size_t img_off;		/**< PE offset inside its ROM image */
	size_t size;		/**< its ROM image, 512-byte units */
};

/**
 * Lay one image out at @p h: header, PCIR, device list, the PE image,
 * the checksum in its last byte.
 * @v h		the image's first byte (size bytes, zeroed)
 * @v in	its driver
 * @v dev	device IDs
 * @v ndev	how many
 * @v last	it is the ROM's last image
 */
static void put_image(uint8_t *h, const struct rom_input *in,
		      const uint16_t *dev, unsigned ndev, int last)
{
	uint8_t sum = 0;
	size_t i;

	put16(h + 0x00, ROM_SIGNATURE);
	put16(h + 0x02, in->size / ROM_UNIT);		/* InitializationSize */
	put32(h + 0x04, EFI_ROM_SIGNATURE);
	put16(h + 0x08, in->subsystem);
	put16(h + 0x0A, in->machine);
	put16(h + 0x0C, in->compression);
	put16(h + 0x16, in->img_off);			/* EfiImageHeaderOffset */
	put16(h + 0x18, ROM_HDR_LEN);			/* PcirOffset */

	memcpy(h + ROM_HDR_LEN, "PCIR", 4);
	put16(h + ROM_HDR_LEN + 0x04, VENDOR_VIRTIO);
	put16(h + ROM_HDR_LEN + 0x06, dev[0]);
	put16(h + ROM_HDR_LEN + 0x08, PCIR_LEN);	/* device list offset */
	put16(h + ROM_HDR_LEN + 0x0A, PCIR_LEN);
	h[ROM_HDR_LEN + 0x0C] = 3;			/* PCI 3.0 PCIR */
	h[ROM_HDR_LEN + 0x0D] = 0x00;			/* class: SCSI bus */
	h[ROM_HDR_LEN + 0x0E] = 0x00;
	h[ROM_HDR_LEN + 0x0F] = 0x01;
	put16(h + ROM_HDR_LEN + 0x10, in->size / ROM_UNIT);	/* ImageLength */
	h[ROM_HDR_LEN + 0x14] = CODE_TYPE_EFI;
	h[ROM_HDR_LEN + 0x15] = last ? INDICATOR_LAST : 0;
	for (i = 0; i < ndev; i++)
		put16(h + ROM_HDR_LEN + PCIR_LEN + 2 * i, dev[i]);
	memcpy(h + in->img_off, in->data, in->data_len);
	for (i = 0; i < in->size - 1; i++)
		sum += h[i];
	h[in->size - 1] = (uint8_t)-sum;
}

/** Build a ROM; see the file comment. */
static int build(struct rom_input *in, unsigned nin, const char *out,
		 const uint16_t *dev, unsigned ndev, int stored)
{
	size_t total = 0, off;
	uint8_t *rom = NULL;
	const char *why;
	char tmp[4096];
	unsigned i, j;
	int rc = 1;
	FILE *f;

	for (i = 0; i < nin; i++) {
		in[i].pe = read_all(in[i].path, &in[i].len);
		if (!in[i].pe)
			goto out;
		why = check_pe(in[i].pe, in[i].len, &in[i].subsystem, &in[i].machine);
		if (why) {
			fprintf(stderr, "mkrom: %s: %s\n", in[i].path, why);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (in[j].machine == in[i].machine) {
				fprintf(stderr, "mkrom: %s and %s: two images for machine %04x\n",
					in[j].path, in[i].path, in[i].machine);
				goto out;
			}
		in[i].data = in[i].pe;
		in[i].data_len = in[i].len;
		in[i].compression = COMPRESSION_NONE;
		if (!stored && in[i].len <= ROM_MAX_SIZE) {
			uint8_t *back;
			size_t back_len;

			if (efi_compress(in[i].pe, in[i].len, &in[i].data,
					 &in[i].data_len)) {
				in[i].data = NULL;
				fail("%s", "out of memory");
				goto out;
			}
			/* the ROM must give back exactly the driver */
			if (efi_decompress(in[i].data, in[i].data_len, &back,
					   &back_len) || back_len != in[i].len ||
			    memcmp(back, in[i].pe, back_len)) {
				fprintf(stderr, "mkrom: %s: compression does not "
					"round-trip\n", in[i].path);
				goto out;
			}
			free(back);
			in[i].compression = COMPRESSION_EFI;
		}
		/* header, PCIR, device list (0-terminated), then the image;
		 * one byte at least after the image holds the checksum */
		in[i].img_off = (ROM_HDR_LEN + PCIR_LEN + 2 * (ndev + 1) + 15) &
				~(size_t)15;
		in[i].size = (in[i].img_off + in[i].data_len + 1 + ROM_UNIT - 1) /
			     ROM_UNIT * ROM_UNIT;
		if (in[i].len > ROM_MAX_SIZE || in[i].size > ROM_MAX_SIZE - total ||
		    in[i].size / ROM_UNIT > 0xFFFF) {
			fprintf(stderr, "mkrom: %s: image too big for a 16 MiB ROM\n",
				in[i].path);
			goto out;
		}
		total += in[i].size;
	}
	rom = calloc(1, total);
	if (!rom) {
		fail("%s", "out of memory");
		goto out;
	}
	for (i = 0, off = 0; i < nin; off += in[i].size, i++)
		put_image(rom + off, &in[i], dev, ndev, i + 1 == nin);

	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	f = fopen(tmp, "wb");
	if (!f || fwrite(rom, 1, total, f) != total || fclose(f)) {
		remove(tmp);
		fail("%s: cannot write", out);
		goto out;
	}
	if (rename(tmp, out)) {
		remove(tmp);
		fail("%s: cannot rename", out);
		goto out;
	}
	printf("%s: %zu bytes (%zu x 512)", out, total, total / ROM_UNIT);
	for (i = 0; i < nin; i++)
		printf("%s %s image %zu bytes%s%zu, subsystem %u", i ? ";" : ",",
		       in[i].machine == PE_MACHINE_X64 ? "x64" : "AA64", in[i].len,
		       in[i].compression ? ", compressed to " : ", stored: ",
		       in[i].data_len, in[i].subsystem);
	printf("; devices");
	for (i = 0; i < ndev; i++)
		printf(" %04x", dev[i]);
	printf("\n");
	rc = 0;
out:
	free(rom);
	for (i = 0; i < nin; i++) {
		if (in[i].data != in[i].pe)
			free(in[i].data);
		free(in[i].pe);
	}
	return rc;
}

/**
 * Check one image of a ROM and print its fields.
 * @v rom	ROM
 * @v len	ROM length
 * @v off	image offset
 * @ret next	offset of the next image, 0 after the last, -1 on error
 */
static long check_image(const uint8_t *rom, size_t len, size_t off)
{
	const uint8_t *h = rom + off, *p;
	size_t pcir, size, img, i;
	uint16_t subsystem, machine;
	uint8_t sum = 0;
	const char *why;

	if (len - off < ROM_HDR_LEN || get16(h) != ROM_SIGNATURE)
		return fail("%s", "no 0x55AA ROM signature"), -1;
	pcir = get16(h + 0x18);
	if (pcir > len - off - PCIR_LEN || memcmp(h + pcir, "PCIR", 4))
		return fail("%s", "no PCIR structure"), -1;
	p = h + pcir;
	size = (size_t)get16(p + 0x10) * ROM_UNIT;
	if (size == 0 || size > len - off)
		return fail("%s", "image length beyond the ROM"), -1;
	printf("image at 0x%zx: %zu bytes, vendor %04x device %04x, PCIR rev %u, "
	       "class %02x%02x%02x, code type %u%s\n", off, size, get16(p + 4),
	       get16(p + 6), p[0x0C], p[0x0F], p[0x0E], p[0x0D], p[0x14],
	       p[0x15] & INDICATOR_LAST ? ", last" : "");
	if (p[0x0C] >= 3 && get16(p + 8)) {
		printf("  device list:");
		for (i = pcir + get16(p + 8); i + 2 <= size && get16(h + i); i += 2)
			printf(" %04x", get16(h + i));
		printf("\n");
	}
	if (p[0x14] != CODE_TYPE_EFI) {
		printf("  not an EFI image\n");
		return p[0x15] & INDICATOR_LAST ? 0 : (long)(off + size);
	}
	if (get32(h + 4) != EFI_ROM_SIGNATURE)
		return fail("%s", "EFI code type without the 0x0EF1 signature"), -1;
	img = get16(h + 0x16);
	printf("  EFI: subsystem %u, machine %04x, compression %u, image at 0x%zx\n",
	       get16(h + 8), get16(h + 0x0A), get16(h + 0x0C), img);
	if ((size_t)get16(h + 2) * ROM_UNIT != size)
		return fail("%s", "InitializationSize differs from ImageLength"), -1;
	if (img >= size)
		return fail("%s", "EFI image offset beyond the image"), -1;
	if (get16(h + 0x0C) == COMPRESSION_EFI) {
		uint8_t *pe;
		size_t pe_len;

		if (efi_decompress(h + img, size - img, &pe, &pe_len))
			return fail("%s", "the compressed image does not decompress"), -1;
		printf("  compressed: %zu bytes give %zu\n",
		       (size_t)get32(h + img) + 8, pe_len);
		why = check_pe(pe, pe_len, &subsystem, &machine);
		free(pe);
	} else if (get16(h + 0x0C) == COMPRESSION_NONE) {
		why = check_pe(h + img, size - img, &subsystem, &machine);
	} else {
		return fail("%s", "unknown compression type"), -1;
	}
	if (why)
		return fail("embedded image: %s", why), -1;
	if (subsystem != get16(h + 8))
		return fail("%s", "subsystem differs from the PE image's"), -1;
	if (machine != get16(h + 0x0A))
		return fail("%s", "machine type differs from the PE image's"), -1;
	for (i = 0; i < size; i++)
		sum += h[i];
	if (sum)
		return fail("%s", "checksum: bytes do not sum to zero"), -1;
	printf("  checksum ok\n");
	return p[0x15] & INDICATOR_LAST ? 0 : (long)(off + size);
}

/** Check every image of a ROM. */
static int check(const char *path)
{
	size_t len;
	uint8_t *rom = read_all(path, &len);
	long off = 0;

	if (!rom)
		return 1;
	if (len % ROM_UNIT || len > ROM_MAX_SIZE) {
		free(rom);
		return fail("%s: size is not a multiple of 512 up to 16 MiB", path);
	}
	do
		off = check_image(rom, len, off);
	while (off > 0 && (size_t)off < len);
	free(rom);
	return off < 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: mkrom [--stored] [-d DEVICE_ID]... -o ROM DRIVER.efi...\n"
			"       mkrom --check ROM\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rom_input in[MAX_IMAGES];
	uint16_t dev[MAX_DEVICES];
	const char *out = NULL;
	unsigned ndev = 0, nin = 0, k;
	int i, stored = 0;

	if (argc == 3 && (!strcmp(argv[1], "--check") || !strcmp(argv[1], "--dump")))
		return check(argv[2]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--stored")) {
			stored = 1;
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			char *end;
			unsigned long id = strtoul(argv[++i], &end, 16);

			for (k = 0; k < 2 && known_devices[k] != id; k++)
				;
			if (*end || k == 2)
				return fail("unknown device ID %s (virtio-scsi: 1048, 1004)",
					    argv[i]);
			if (ndev == MAX_DEVICES)
				return usage();
			dev[ndev++] = (uint16_t)id;
		} else if (argv[i][0] != '-' && nin < MAX_IMAGES) {
			memset(&in[nin], 0, sizeof(in[nin]));
			in[nin++].path = argv[i];
		} else {
			return usage();
		}
	}
	if (!nin || !out)
		return usage();
	if (!ndev) {
		dev[ndev++] = known_devices[0];
		dev[ndev++] = known_devices[1];
	}
	return build(in, nin, out, dev, ndev, stored);
}
