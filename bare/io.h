/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * x86 port I/O (include/arch/x86_io.h), memory-mapped I/O and the
 * timestamp counter.
 */
#ifndef BARE_IO_H
#define BARE_IO_H

#include <stdint.h>
#include "arch/x86_io.h"

/* MMIO: one access of exactly the width asked for (volatile), in order
 * with other device accesses (x86 keeps uncached accesses in order). */
static inline uint8_t mmio_read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline uint16_t mmio_read16(uint64_t a) { return *(volatile uint16_t *)a; }
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline uint64_t mmio_read64(uint64_t a) { return *(volatile uint64_t *)a; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write16(uint64_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

/** Read the timestamp counter. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif /* BARE_IO_H */
