/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Round trips of the UEFI compression algorithm (tools/efi_compress.c):
 * every file named on the command line and a set of made-up inputs must
 * come back byte for byte; damaged compressed data must be refused or
 * give other bytes, never crash (built with ASan and UBSan).  Prints one
 * "ok"/"not ok" line per case and "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "efi_compress.h"

static unsigned passed, failed;

static void result(int ok, const char *name, size_t n, size_t c)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("%s - round trip of %s (%zu bytes, compressed %zu)\n",
	       ok ? "ok" : "not ok", name, n, c);
}

/** Compress, decompress, compare; then damage it and decompress again. */
static void round_trip(const char *name, const uint8_t *d, size_t n)
{
	uint8_t *c = NULL, *u = NULL;
	size_t cl = 0, ul = 0, i;
	int ok;

	ok = !efi_compress(d, n, &c, &cl) && !efi_decompress(c, cl, &u, &ul) &&
	     ul == n && (!n || !memcmp(u, d, n));
	result(ok, name, n, cl);
	free(u);
	if (!ok) {
		free(c);
		return;
	}
	/* damage: each of 64 spots in turn; refused, or other bytes */
	for (i = 0; i < 64 && cl > 8; i++) {
		size_t at = 8 + (i * 7919) % (cl - 8);

		c[at] ^= 0x5A;
		u = NULL;
		if (!efi_decompress(c, cl, &u, &ul))
			free(u);
		c[at] ^= 0x5A;
	}
	/* the header claims more stream than there is: refused */
	u = NULL;
	if (efi_decompress(c, cl - 1, &u, &ul) == 0) {
		free(u);
		failed++;
		printf("not ok - %s cut short is accepted\n", name);
	}
	free(c);
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	unsigned long seed = 12345;
	size_t i;
	int a;

	for (a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");
		size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

		if (f)
			fclose(f);
		if (!f) {
			printf("not ok - cannot read %s\n", argv[a]);
			failed++;
			continue;
		}
		round_trip(argv[a], buf, n);
	}
	round_trip("nothing", buf, 0);
	buf[0] = 'x';
	round_trip("one byte", buf, 1);
	round_trip("three bytes", (const uint8_t *)"abc", 3);
	memset(buf, 0, sizeof(buf));
	round_trip("1 MiB of zeros", buf, sizeof(buf));
	for (i = 0; i < 256 * 1024; i++) {
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		buf[i] = (uint8_t)(seed >> 33);
	}
	round_trip("256 KiB of random bytes", buf, 256 * 1024);
	for (i = 0; i < 300000; i++)
		buf[i] = (uint8_t)("virtio-scsi "[i % 12] + (i / 9000) % 3);
	round_trip("a repeated text with long matches", buf, 300000);
	for (i = 0; i < 70000; i++)
		buf[i] = (uint8_t)(i % 251);
	round_trip("a period of 251 (blocks over 16K symbols)", buf, 70000);
	printf("%u passed, %u failed\n", passed, failed);
	return failed != 0;
}
