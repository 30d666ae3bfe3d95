/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * What differs between the UEFI architectures this project builds for
 * (x64, AA64), for the driver and the test app: a free-running counter
 * for the clock, and QEMU's debug console where there is one.
 */
#ifndef VS_EFI_ARCH_H
#define VS_EFI_ARCH_H

#include <efi.h>

/**
 * Read a counter that runs at a constant rate: the time-stamp counter
 * (x64; invariant on QEMU and current CPUs), or the generic timer's
 * virtual count (AA64, ARM DDI 0487 D11: CNTVCT_EL0, read after an ISB
 * so it is not taken early).
 * @ret ticks	counter value
 */
static inline UINT64 vs_arch_counter(void)
{
#if defined(__x86_64__)
	UINT32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (UINT64)hi << 32 | lo;
#elif defined(__aarch64__)
	UINT64 v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
#else
#error "vs_arch_counter: unsupported architecture"
#endif
}

/**
 * The counter's rate where the architecture states it.
 * @ret hz	ticks per second, or 0 when it must be measured (x64)
 */
static inline UINT64 vs_arch_counter_hz(void)
{
#if defined(__aarch64__)
	UINT64 f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
#else
	return 0;
#endif
}

/* x86 I/O ports: QEMU's debug console, isa-debug-exit, legacy virtio. */
#if defined(__x86_64__)
#include "arch/x86_io.h"
#define VS_ARCH_HAS_PORTS 1
#define VS_ARCH_HAS_DEBUGCON 1
#else
#define VS_ARCH_HAS_PORTS 0
#define VS_ARCH_HAS_DEBUGCON 0
#endif

#endif /* VS_EFI_ARCH_H */
