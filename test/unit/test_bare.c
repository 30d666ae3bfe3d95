/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Host tests of the bare-metal platform's hardware-facing logic, with a
 * fake PCI configuration space instead of ports 0xCF8/0xCFC: the bus walk,
 * BAR sizing and the checks that refuse a BAR by name, the command bits
 * it turns on, and the exit code each kind of controller failure gets
 * (with the fake virtio device behind the core).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"
#include "../../bare/bare.h"

/* ------------------------------------------------ fake configuration */

/** One fake function: its configuration space and its BARs' sizes. */
struct fake_fn {
	bool present;
	uint8_t cfg[256];
	uint64_t bar_size[PCI_MAX_BARS];	/**< 0: an unimplemented BAR */
	bool sizing[PCI_MAX_BARS];		/**< all ones written */
};

#define FAKE_BUSES 2
static struct fake_fn fns[FAKE_BUSES][32][8];
static unsigned cfg_reads;
static char last_console[256];

static struct fake_fn *fn_at(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return bus < FAKE_BUSES ? &fns[bus][dev & 31][fn & 7] : NULL;
}

/** The BAR register's value: its base, or its size mask while sized. */
static uint32_t bar_reg(const struct fake_fn *f, unsigned i)
{
	uint32_t cur = get_le32(f->cfg + PCI_BAR0 + 4 * i);
	bool upper = i > 0 && !(f->cfg[PCI_BAR0 + 4 * (i - 1)] & PCI_BAR_IO) &&
		     (f->cfg[PCI_BAR0 + 4 * (i - 1)] & 0x06) == 0x04 &&
		     f->bar_size[i - 1];
	uint64_t size, mask;

	if (!f->sizing[i])
		return cur;
	if (upper) {
		mask = ~(f->bar_size[i - 1] - 1);
		return mask >> 32;
	}
	size = f->bar_size[i];
	if (!size)
		return 0;
	mask = ~(size - 1);
	return ((uint32_t)mask & ~0xFu) | (cur & 0xF);
}

uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	struct fake_fn *f = fn_at(bus, dev, fn);

	cfg_reads++;
	if (!f || !f->present)
		return 0xFFFFFFFFu;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_MAX_BARS)
		return bar_reg(f, (off - PCI_BAR0) / 4);
	return get_le32(f->cfg + off);
}

void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		     uint32_t val)
{
	struct fake_fn *f = fn_at(bus, dev, fn);
	unsigned i;

	if (!f || !f->present)
		return;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_MAX_BARS) {
		i = (off - PCI_BAR0) / 4;
		f->sizing[i] = val == 0xFFFFFFFFu;
		if (!f->sizing[i])
			put_le32(f->cfg + off, val);
		return;
	}
	put_le32(f->cfg + off, val);
}

/* What platform.c and status.c need from the rest of the image. */
void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_console, sizeof(last_console), fmt, ap);
	va_end(ap);
}

uint64_t clock_us(void)
{
	return 0;
}

void clock_delay_us(unsigned us)
{
	(void)us;
}

/** Put a function at bus:dev.fn with its ids. */
static struct fake_fn *add_fn(uint8_t bus, uint8_t dev, uint8_t fn,
			      uint16_t vendor, uint16_t device)
{
	struct fake_fn *f = fn_at(bus, dev, fn);

	f->present = true;
	put_le32(f->cfg, vendor | (uint32_t)device << 16);
	return f;
}

/** Give a function a BAR: base (with type bits) and size. */
static void set_bar(struct fake_fn *f, unsigned i, uint64_t base_bits,
		    uint64_t size)
{
	put_le32(f->cfg + PCI_BAR0 + 4 * i, (uint32_t)base_bits);
	f->bar_size[i] = size;
	if (!(base_bits & PCI_BAR_IO) && (base_bits & 0x06) == 0x04)
		put_le32(f->cfg + PCI_BAR0 + 4 * (i + 1), base_bits >> 32);
}

static int reset_fake(void **state)
{
	(void)state;
	memset(fns, 0, sizeof(fns));
	cfg_reads = 0;
	last_console[0] = '\0';
	return 0;
}

/* ------------------------------------------------------- the walk */

static struct pci_fn found[8];
static unsigned nfound;

static bool collect(void *ctx, struct pci_fn *f)
{
	(void)ctx;
	if (nfound < 8)
		found[nfound++] = *f;
	return true;
}

/** No function answers: nothing found, and no function counted. */
static void test_no_pci(void **state)
{
	unsigned functions = 99;

	(void)state;
	nfound = 0;
	assert_int_equal(pci_scan(collect, NULL, &functions), 0);
	assert_int_equal(functions, 0);
	/* every bus and device was asked (function 0 only) */
	assert_int_equal(cfg_reads, 256 * 32);
}

/**
 * Functions of other kinds are counted, not kept; function 1-7 are asked
 * only where function 0 says it is multi-function; a virtio device that
 * is not SCSI (0x1041, net) is not kept.
 */
static void test_walk(void **state)
{
	struct fake_fn *f;
	unsigned functions;

	(void)state;
	add_fn(0, 0, 0, 0x8086, 0x1237);		/* host bridge */
	add_fn(0, 0, 1, 0x1AF4, 0x1048);		/* phantom: fn 0 not multi */
	f = add_fn(0, 1, 0, 0x8086, 0x7000);		/* multi-function */
	f->cfg[0x0E] = 0x80;
	add_fn(0, 1, 3, 0x1AF4, 0x1004);
	add_fn(0, 2, 0, 0x1AF4, 0x1041);		/* virtio-net */
	add_fn(1, 31, 0, 0x1AF4, 0x1048);
	nfound = 0;
	assert_int_equal(pci_scan(collect, NULL, &functions), 2);
	assert_int_equal(functions, 5);
	assert_int_equal(nfound, 2);
	assert_int_equal(found[0].dev, 1);
	assert_int_equal(found[0].fn, 3);
	assert_int_equal(found[0].device, 0x1004);
	assert_int_equal(found[1].bus, 1);
	assert_int_equal(found[1].dev, 31);
}

/* --------------------------------------------------------- BARs */

/**
 * BARs as the firmware may leave them: a 64-bit memory BAR (two
 * registers), an I/O BAR, one unassigned, one past the reach of the
 * image's page tables, an I/O BAR past port 0xFFFF, an unimplemented one.
 * Sizing leaves every register as it was and decoding as it was.
 */
static void test_bars(void **state)
{
	struct fake_fn *f;
	unsigned functions;
	const struct pci_bar *b;

	(void)state;
	f = add_fn(0, 3, 0, 0x1AF4, 0x1004);
	set_bar(f, 0, 0xC000 | PCI_BAR_IO, 0x40);
	set_bar(f, 1, 0, 0x1000);			/* unassigned */
	set_bar(f, 2, 0xFE000000ull | 0x0C, 0x4000);	/* 64-bit, prefetchable */
	set_bar(f, 4, 0xFFF0 | PCI_BAR_IO, 0x40);	/* past 64 KiB of ports */
	put_le32(f->cfg + PCI_COMMAND, 0x0003);
	nfound = 0;
	assert_int_equal(pci_scan(collect, NULL, &functions), 1);
	b = found[0].bar;
	assert_true(b[0].present && b[0].is_io && b[0].usable);
	assert_int_equal(b[0].base, 0xC000);
	assert_int_equal(b[0].size, 0x40);
	assert_true(b[1].present && !b[1].usable);
	assert_string_equal(pci_bar_problem(&b[1]), "unassigned");
	assert_true(b[2].present && !b[2].is_io && b[2].usable);
	assert_int_equal(b[2].base, 0xFE000000ull);
	assert_int_equal(b[2].size, 0x4000);
	assert_false(b[3].present);			/* upper half of BAR 2 */
	assert_string_equal(pci_bar_problem(&b[4]), "out of range");
	assert_false(b[5].present);
	assert_string_equal(pci_bar_problem(&b[5]), "unimplemented");
	/* registers and decoding restored */
	assert_int_equal(get_le32(f->cfg + PCI_BAR0), 0xC000 | PCI_BAR_IO);
	assert_int_equal(get_le32(f->cfg + PCI_BAR0 + 8), 0xFE00000C);
	assert_int_equal(get_le32(f->cfg + PCI_COMMAND), 0x0003);

	/* a 64-bit BAR above what start.S maps */
	reset_fake(NULL);
	f = add_fn(0, 3, 0, 0x1AF4, 0x1048);
	set_bar(f, 4, (128ull << 30) | 0x0C, 0x4000);
	nfound = 0;
	assert_int_equal(pci_scan(collect, NULL, &functions), 1);
	assert_int_equal(found[0].bar[4].base, 128ull << 30);
	assert_string_equal(pci_bar_problem(&found[0].bar[4]), "out of range");
	/* and one ending exactly at the limit is reachable */
	found[0].bar[4].base = BARE_REACH - 0x4000;
	assert_null(pci_bar_problem(&found[0].bar[4]));
}

/** Decoding on for the kinds of BAR that are usable, and bus mastering. */
static void test_setup(void **state)
{
	struct fake_fn *f;
	unsigned functions;

	(void)state;
	f = add_fn(0, 3, 0, 0x1AF4, 0x1048);
	set_bar(f, 4, 0xFE000000ull | 0x0C, 0x4000);
	set_bar(f, 0, PCI_BAR_IO, 0x40);		/* I/O, unassigned */
	nfound = 0;
	assert_int_equal(pci_scan(collect, NULL, &functions), 1);
	pci_setup(&found[0]);
	assert_int_equal(get_le32(f->cfg + PCI_COMMAND) & 0x7,
			 0x2 | PCI_COMMAND_BUS_MASTER);
}

/**
 * The platform's bar_check: a window in a usable BAR of the right kind is
 * reachable; an unassigned BAR, a BAR of the other kind or one smaller
 * than the window is refused, by name, once per BAR.
 */
static void test_bar_check(void **state)
{
	static struct bare_ctrl b;
	const struct vs_platform_ops *ops;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.pci.bar[4] = (struct pci_bar){ .present = true, .usable = true,
					 .base = 0xFE000000, .size = 0x4000 };
	b.pci.bar[1] = (struct pci_bar){ .present = true, .size = 0x1000 };
	bare_platform_init(&b, VS_LOG_ERR);
	assert_string_equal(b.plat.name, "00:00.0");
	ops = b.plat.ops;
	assert_int_equal(ops->bar_check(&b.plat, false, 4, 0x3000, 0x1000), VS_OK);
	assert_int_equal(b.bars_refused, 0);
	assert_int_equal(ops->bar_check(&b.plat, false, 4, 0x3000, 0x1001),
			 VS_E_DEVICE);
	assert_non_null(strstr(last_console, "smaller than the window"));
	assert_int_equal(ops->bar_check(&b.plat, true, 4, 0, 4), VS_E_DEVICE);
	last_console[0] = '\0';
	assert_int_equal(ops->bar_check(&b.plat, false, 1, 0, 4), VS_E_DEVICE);
	assert_non_null(strstr(last_console, "BAR1 (memory, base 0, size 1000) unassigned"));
	last_console[0] = '\0';
	assert_int_equal(ops->bar_check(&b.plat, false, 1, 0, 4), VS_E_DEVICE);
	assert_string_equal(last_console, "");		/* said once */
	assert_int_equal(ops->bar_check(&b.plat, false, 7, 0, 4), VS_E_DEVICE);
	assert_int_equal(b.bars_refused & 0x12, 0x12);
}

/* ---------------------------------------------------- exit codes */

/**
 * Each way a controller can fail to start, on the fake device through
 * the core, gets its own exit code: a BAR refused, a reset that never
 * completes, FEATURES_OK refused, anything else.
 */
static void test_exit_codes(void **state)
{
	struct rig *r;
	enum bare_exit seen[4];
	unsigned i, j;

	(void)state;
	r = rig_new(true);
	r->fd.bars_unreachable = 1u << FAKE_BAR_MODERN;
	seen[0] = bare_exit_of_init(vscsi_init(&r->c, &r->fd.plat), true);
	rig_free(r);
	r = rig_new(true);
	r->fd.reset_stuck = true;
	r->fd.status = VIRTIO_STATUS_ACKNOWLEDGE;
	seen[1] = bare_exit_of_init(vscsi_init(&r->c, &r->fd.plat), false);
	rig_free(r);
	r = rig_new(true);
	r->fd.refuse_features = true;
	seen[2] = bare_exit_of_init(vscsi_init(&r->c, &r->fd.plat), false);
	rig_free(r);
	r = rig_new(true);
	r->fd.num_queues = 0;				/* no request queue */
	seen[3] = bare_exit_of_init(vscsi_init(&r->c, &r->fd.plat), false);
	rig_free(r);
	assert_int_equal(seen[0], BARE_EXIT_BAR);
	assert_int_equal(seen[1], BARE_EXIT_RESET);
	assert_int_equal(seen[2], BARE_EXIT_FEATURES);
	assert_int_equal(seen[3], BARE_EXIT_INIT);
	for (i = 0; i < 4; i++) {
		assert_string_not_equal(bare_exit_name(seen[i]), "?");
		for (j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
	}
	assert_string_equal(bare_status_name(VS_E_TIMEOUT), "timeout");
	assert_string_equal(bare_exit_name((enum bare_exit)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_pci, reset_fake),
		cmocka_unit_test_setup(test_walk, reset_fake),
		cmocka_unit_test_setup(test_bars, reset_fake),
		cmocka_unit_test_setup(test_setup, reset_fake),
		cmocka_unit_test_setup(test_bar_check, reset_fake),
		cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
