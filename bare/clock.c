/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The monotonic clock: the CPU's timestamp counter, calibrated once
 * against channel 2 of the 8254 PIT.
 *
 * Why these two: every PC-compatible machine (and QEMU's pc and q35) has
 * the PIT at fixed ports, with a fixed input clock (1.193182 MHz), and its
 * channel 2 can be counted down by polling with no interrupt set up; the
 * TSC is then read with one instruction, no I/O exit, so a poll loop
 * costs nothing.  The ACPI PM timer would need the ACPI tables parsed to
 * find its port.  The TSC must tick at a constant rate (CPUID
 * 8000_0007h EDX bit 8, "invariant TSC", on real hardware; QEMU's is).
 */
#include "io.h"
#include "bare.h"

#define PIT_HZ		1193182u
#define PIT_CH2_DATA	0x42
#define PIT_MODE	0x43
#define PIT_CH2_GATE	0x61	/* bit 0 gate, bit 1 speaker, bit 5 OUT2 */
#define PIT_GATE	0x01
#define PIT_SPEAKER	0x02
#define PIT_OUT2	0x20
/* channel 2, low then high byte, mode 0 (OUT goes high at terminal count) */
#define PIT_CH2_MODE0	0xB0
/** Calibration window: 10 ms (a longer one gains little precision). */
#define CAL_MS		10
#define CAL_COUNT	(PIT_HZ / 1000 * CAL_MS)
/** Polls of OUT2 before the PIT counts as absent: a PIT that never
 * reaches terminal count must not hang the image.  Each poll is an I/O
 * access (at least about 0.5 us on real hardware), so 10 ms is some
 * 20,000 polls; this bound is 500 times that. */
#define CAL_SPIN	10000000u

static uint64_t tsc_per_ms;
static uint64_t tsc_origin;

/**
 * Calibrate the TSC.
 * @ret rc	VS_OK, or VS_E_DEVICE if the PIT did not count
 */
int clock_init(void)
{
	uint64_t t0, t1;
	unsigned spin;
	uint8_t gate;

	gate = inb(PIT_CH2_GATE);
	outb(PIT_CH2_GATE, (gate & ~PIT_SPEAKER) | PIT_GATE);
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, CAL_COUNT & 0xFF);
	outb(PIT_CH2_DATA, CAL_COUNT >> 8);
	t0 = rdtsc();
	for (spin = 0; spin < CAL_SPIN; spin++)
		if (inb(PIT_CH2_GATE) & PIT_OUT2)
			break;
	t1 = rdtsc();
	outb(PIT_CH2_GATE, gate);
	if (spin == CAL_SPIN || t1 - t0 < CAL_MS * 1000) {
		console_printf("clock: PIT channel 2 did not count (%u polls)\n",
			       spin);
		return VS_E_DEVICE;
	}
	tsc_per_ms = (t1 - t0) / CAL_MS;
	tsc_origin = t1;
	console_printf("clock: TSC %llu kHz (calibrated on the PIT)\n",
		       (unsigned long long)tsc_per_ms);
	return VS_OK;
}

/**
 * Microseconds since calibration.
 * @ret us	monotonic, microsecond resolution
 */
uint64_t clock_us(void)
{
	uint64_t ticks = rdtsc() - tsc_origin;

	/* split so ticks * 1000 cannot overflow for centuries of uptime */
	return ticks / tsc_per_ms * 1000 + ticks % tsc_per_ms * 1000 / tsc_per_ms;
}

/**
 * Wait at least some microseconds.
 * @v us	how long
 */
void clock_delay_us(unsigned us)
{
	uint64_t end = clock_us() + us;

	while (clock_us() < end)
		cpu_relax();
}
