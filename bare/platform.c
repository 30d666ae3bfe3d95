/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's platform interface on bare x86-64 (include/vscsi/platform.h):
 * configuration space through pci.c, BARs by MMIO or port I/O, DMA
 * memory from a pool reserved in .bss, the TSC clock, the COM1 console.
 *
 * Memory is identity mapped (start.S), so a CPU address is the device's
 * address: dma_map hands back the caller's own buffer, with no bounce
 * copy and no IOMMU.  The pool is only taken from while controllers are
 * set up; nothing on the I/O path allocates.
 */
#include "io.h"
#include "bare.h"

/** The DMA pool: page aligned, handed out in page multiples. */
static uint8_t dma_pool[BARE_DMA_POOL] __attribute__((aligned(4096)));
static size_t dma_top;

/** The controller a platform pointer belongs to. */
static struct bare_ctrl *bare_of(struct vs_platform *p)
{
	return (struct bare_ctrl *)p;	/* plat is its first member */
}

static int bare_pci_read(struct vs_platform *p, uint32_t offset,
			 unsigned width, uint32_t *val)
{
	if (offset > 255 || offset % width)
		return VS_E_DEVICE;
	*val = pci_cfg_read(&bare_of(p)->pci, offset, width);
	return VS_OK;
}

static int bare_pci_write(struct vs_platform *p, uint32_t offset,
			  unsigned width, uint32_t val)
{
	if (offset > 255 || offset % width)
		return VS_E_DEVICE;
	pci_cfg_write(&bare_of(p)->pci, offset, width, val);
	return VS_OK;
}

/**
 * Find the address of an access inside a usable BAR.
 * @v p		platform
 * @v is_io	kind of BAR expected
 * @v bar	index
 * @v offset	offset in the BAR
 * @v width	access width
 * @ret addr	port or physical address, 0 if the access falls outside
 */
static uint64_t bare_bar_address(struct vs_platform *p, bool is_io,
				 unsigned bar, uint32_t offset, unsigned width)
{
	const struct pci_bar *b;

	if (bar >= PCI_MAX_BARS)
		return 0;
	b = &bare_of(p)->pci.bar[bar];
	if (!b->usable || b->is_io != is_io || offset > b->size ||
	    width > b->size - offset)
		return 0;
	return b->base + offset;
}

static int bare_bar_read(struct vs_platform *p, bool is_io, unsigned bar,
			 uint32_t offset, unsigned width, uint64_t *val)
{
	uint64_t a = bare_bar_address(p, is_io, bar, offset, width);

	if (!a)
		return VS_E_DEVICE;
	switch (width) {
	case 1: *val = is_io ? inb(a) : mmio_read8(a); break;
	case 2: *val = is_io ? inw(a) : mmio_read16(a); break;
	case 4: *val = is_io ? inl(a) : mmio_read32(a); break;
	case 8:
		if (is_io)
			return VS_E_DEVICE;
		*val = mmio_read64(a);
		break;
	default: return VS_E_DEVICE;
	}
	return VS_OK;
}

static int bare_bar_write(struct vs_platform *p, bool is_io, unsigned bar,
			  uint32_t offset, unsigned width, uint64_t val)
{
	uint64_t a = bare_bar_address(p, is_io, bar, offset, width);

	if (!a)
		return VS_E_DEVICE;
	switch (width) {
	case 1: is_io ? outb(a, val) : mmio_write8(a, val); break;
	case 2: is_io ? outw(a, val) : mmio_write16(a, val); break;
	case 4: is_io ? outl(a, val) : mmio_write32(a, val); break;
	case 8:
		if (is_io)
			return VS_E_DEVICE;
		mmio_write64(a, val);
		break;
	default: return VS_E_DEVICE;
	}
	return VS_OK;
}

/**
 * Say whether a register window can be reached; refuse by name.
 * @v p		platform
 * @v is_io	kind the device's capability claims
 * @v bar	index
 * @v offset	window start
 * @v length	window size
 * @ret rc	VS_OK or VS_E_DEVICE
 */
static int bare_bar_check(struct vs_platform *p, bool is_io, unsigned bar,
			  uint32_t offset, uint32_t length)
{
	struct bare_ctrl *b = bare_of(p);
	const struct pci_bar *pb = &b->pci.bar[bar < PCI_MAX_BARS ? bar : 0];
	const char *why = NULL;

	if (bar >= PCI_MAX_BARS)
		why = "no such BAR";
	else if ((why = pci_bar_problem(pb)))
		;
	else if (pb->is_io != is_io)
		why = is_io ? "is memory, not I/O" : "is I/O, not memory";
	else if (offset > pb->size || length > pb->size - offset)
		why = "smaller than the window in it";
	if (!why)
		return VS_OK;
	/* one line per BAR, however many windows the device put in it */
	if (!(b->bars_refused & (1u << bar)))
		VS_ERR(p, "BAR%u (%s, base %llx, size %llx) %s", bar,
		       pb->is_io ? "I/O" : "memory", (unsigned long long)pb->base,
		       (unsigned long long)pb->size, why);
	b->bars_refused |= 1u << (bar < PCI_MAX_BARS ? bar : PCI_MAX_BARS);
	return VS_E_DEVICE;
}

/** Round up to whole pages. */
static size_t page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/**
 * Take zeroed DMA memory from the pool.  Frees come in the reverse
 * order of allocation (the core's set-up and its error unwinding both
 * do), so the pool is a stack.
 */
static int bare_dma_alloc(struct vs_platform *p, size_t size, void **cpu,
			  uint64_t *dev, void **token)
{
	size_t n = page_round(size);

	if (n > BARE_DMA_POOL - dma_top) {
		VS_ERR(p, "DMA pool exhausted (%zu of %u bytes used, %zu asked)",
		       dma_top, BARE_DMA_POOL, n);
		return VS_E_NOMEM;
	}
	*cpu = dma_pool + dma_top;
	vs_memset(*cpu, 0, n);
	*dev = (uint64_t)(uintptr_t)*cpu;
	*token = NULL;
	dma_top += n;
	bare_of(p)->dma_bytes += n;
	return VS_OK;
}

/** Give DMA memory back: only the newest allocation returns to the pool. */
static void bare_dma_free(struct vs_platform *p, size_t size, void *cpu,
			  void *token)
{
	size_t n = page_round(size);

	(void)token;
	if (!cpu)
		return;
	bare_of(p)->dma_bytes -= n;
	if ((uint8_t *)cpu + n == dma_pool + dma_top)
		dma_top -= n;
}

/** Map a buffer: identity mapping, the whole buffer at once. */
static int bare_dma_map(struct vs_platform *p, enum vs_dma_dir dir, void *buf,
			size_t *len, uint64_t *dev, void **token)
{
	(void)p;
	(void)dir;
	(void)len;
	*dev = (uint64_t)(uintptr_t)buf;
	*token = NULL;
	return VS_OK;
}

static void bare_dma_unmap(struct vs_platform *p, void *token)
{
	(void)p;
	(void)token;
}

static void bare_delay_us(struct vs_platform *p, unsigned us)
{
	(void)p;
	clock_delay_us(us);
}

static uint64_t bare_now_us(struct vs_platform *p)
{
	(void)p;
	return clock_us();
}

static void bare_log(struct vs_platform *p, const char *line)
{
	(void)p;
	console_printf("log %s\n", line);
}

static const struct vs_platform_ops bare_ops = {
	.pci_read = bare_pci_read,
	.pci_write = bare_pci_write,
	.bar_read = bare_bar_read,
	.bar_write = bare_bar_write,
	.bar_check = bare_bar_check,
	.dma_alloc = bare_dma_alloc,
	.dma_free = bare_dma_free,
	.dma_map = bare_dma_map,
	.dma_unmap = bare_dma_unmap,
	.delay_us = bare_delay_us,
	.barrier = vs_arch_barrier,
	.now_us = bare_now_us,
	.log = bare_log,
};

/**
 * Make the platform of one controller (its PCI function already set).
 * @v b		controller
 * @v log_level	VS_LOG_*
 */
void bare_platform_init(struct bare_ctrl *b, int log_level)
{
	b->plat.ops = &bare_ops;
	b->plat.log_level = log_level;
	vs_snprintf(b->plat.name, sizeof(b->plat.name), "%02x:%02x.%x",
		    b->pci.bus, b->pci.dev, b->pci.fn);
}

/** Bytes of the DMA pool in use. */
size_t bare_dma_used(void)
{
	return dma_top;
}
