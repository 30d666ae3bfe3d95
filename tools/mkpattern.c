/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tool for test disk images carrying the sector pattern.
 *
 *   mkpattern fill   IMAGE SEED FIRST COUNT   write the pattern
 *   mkpattern verify IMAGE SEED FIRST COUNT   check it; exit 1 on mismatch
 *   mkpattern zero   IMAGE SEED FIRST COUNT   check sectors are zero
 *
 * FIRST and COUNT are in 512-byte sectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../test/common/pattern.h"

int main(int argc, char **argv)
{
	unsigned char buf[PATTERN_SECTOR], zero[PATTERN_SECTOR] = { 0 };
	unsigned long long seed, first, count, lba;
	FILE *f;
	int bad;

	if (argc != 6) {
		fprintf(stderr, "usage: %s fill|verify|zero IMAGE SEED FIRST COUNT\n",
			argv[0]);
		return 2;
	}
	seed = strtoull(argv[3], NULL, 0);
	first = strtoull(argv[4], NULL, 0);
	count = strtoull(argv[5], NULL, 0);
	f = fopen(argv[2], strcmp(argv[1], "fill") ? "rb" : "r+b");
	if (!f || fseeko(f, (off_t)(first * PATTERN_SECTOR), SEEK_SET)) {
		perror(argv[2]);
		return 2;
	}
	for (lba = first; lba < first + count; lba++) {
		if (!strcmp(argv[1], "fill")) {
			pattern_fill(seed, lba, buf);
			if (fwrite(buf, sizeof(buf), 1, f) != 1) {
				perror("write");
				return 2;
			}
			continue;
		}
		if (fread(buf, sizeof(buf), 1, f) != 1) {
			fprintf(stderr, "%s: short read at sector %llu\n", argv[2], lba);
			return 1;
		}
		bad = strcmp(argv[1], "zero") ? pattern_check(seed, lba, buf)
					      : (memcmp(buf, zero, sizeof(buf)) ? 0 : -1);
		if (bad >= 0) {
			fprintf(stderr, "%s: sector %llu differs at byte %d\n",
				argv[2], lba, bad);
			return 1;
		}
	}
	return fclose(f) ? 2 : 0;
}
