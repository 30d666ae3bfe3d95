/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * x86 port I/O, memory-mapped I/O and the timestamp counter.
 */
#ifndef BARE_IO_H
#define BARE_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

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
