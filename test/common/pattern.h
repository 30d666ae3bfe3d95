/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The data pattern of test disks: every 512-byte sector carries words
 * derived from its own LBA and a seed, so a sector read from the wrong
 * place, a stale buffer or a torn transfer never matches.  Shared by the
 * host image tool and the EFI test app.
 */
#ifndef TEST_PATTERN_H
#define TEST_PATTERN_H

#include <stdint.h>

#define PATTERN_SECTOR 512
#define PATTERN_WORDS (PATTERN_SECTOR / 8)

/** Word @p i of the sector at @p lba (512-byte units) for @p seed. */
static inline uint64_t pattern_word(uint64_t seed, uint64_t lba, unsigned i)
{
	uint64_t v = ((lba << 8) | i) ^ (seed * 0x9E3779B97F4A7C15ull);

	v *= 0xBF58476D1CE4E5B9ull;
	v ^= v >> 31;
	return v;
}

/** Fill one sector. */
static inline void pattern_fill(uint64_t seed, uint64_t lba, void *sector)
{
	uint8_t *p = sector;
	unsigned i, b;

	for (i = 0; i < PATTERN_WORDS; i++) {
		uint64_t w = pattern_word(seed, lba, i);

		for (b = 0; b < 8; b++)
			p[i * 8 + b] = (uint8_t)(w >> (8 * b));
	}
}

/** Check one sector; returns the index of the first bad byte, or -1. */
static inline int pattern_check(uint64_t seed, uint64_t lba, const void *sector)
{
	const uint8_t *p = sector;
	unsigned i, b;

	for (i = 0; i < PATTERN_WORDS; i++) {
		uint64_t w = pattern_word(seed, lba, i);

		for (b = 0; b < 8; b++)
			if (p[i * 8 + b] != (uint8_t)(w >> (8 * b)))
				return (int)(i * 8 + b);
	}
	return -1;
}

#endif /* TEST_PATTERN_H */
