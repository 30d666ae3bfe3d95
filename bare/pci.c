/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * PCI: find every virtio-scsi function, learn its BARs as the firmware
 * assigned them, and turn on decoding and bus mastering.  No BAR is
 * (re)assigned: an earlier stage (SeaBIOS, coreboot) did that, and a BAR
 * it left unassigned, or put where the image cannot reach, is refused by
 * name.  Configuration dwords come from pci_cfg_read32 (pci_cf8.c on the
 * machine, a fake configuration space in the host tests).
 */
#include "spec/virtio.h"
#include "bare.h"
#include "vscsi/virtio_pci.h"

#define PCI_HEADER_TYPE		0x0E
#define PCI_HEADER_MULTI	0x80
#define PCI_COMMAND_IO		0x0001
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_BAR_MEM_TYPE_MASK	0x06
#define PCI_BAR_MEM_TYPE_64	0x04
#define PCI_BAR_IO_MASK		0xFFFFFFFCu
#define PCI_BAR_MEM_MASK	0xFFFFFFF0u
/** Highest I/O port address plus one (x86: 64 KiB of ports). */
#define PCI_IO_LIMIT		0x10000u

/**
 * Read configuration space at any width.
 * @v f		function
 * @v off	byte offset (0-255)
 * @v width	1, 2 or 4; the access must not cross a dword
 * @ret val	value
 */
uint32_t pci_cfg_read(const struct pci_fn *f, uint32_t off, unsigned width)
{
	uint32_t dw = pci_cfg_read32(f->bus, f->dev, f->fn, off & 0xFC);

	dw >>= 8 * (off & 3);
	return width == 4 ? dw : dw & ((1u << (8 * width)) - 1);
}

/**
 * Write configuration space at any width, keeping the dword's other bytes.
 * @v f		function
 * @v off	byte offset
 * @v width	1, 2 or 4
 * @v val	value
 */
void pci_cfg_write(const struct pci_fn *f, uint32_t off, unsigned width,
		   uint32_t val)
{
	uint32_t shift = 8 * (off & 3), mask, dw;

	if (width == 4) {
		pci_cfg_write32(f->bus, f->dev, f->fn, off & 0xFC, val);
		return;
	}
	mask = ((1u << (8 * width)) - 1) << shift;
	dw = pci_cfg_read32(f->bus, f->dev, f->fn, off & 0xFC);
	dw = (dw & ~mask) | ((val << shift) & mask);
	pci_cfg_write32(f->bus, f->dev, f->fn, off & 0xFC, dw);
}

/**
 * Size a BAR the classic way: write all ones, read back the bits that
 * stick, restore (PCI Local Bus 3.0 §6.2.5.1).  Decoding is off meanwhile.
 * @v f		function
 * @v i		BAR index; a 64-bit memory BAR uses i + 1 too
 * @ret next	index of the next BAR
 */
static unsigned pci_read_bar(struct pci_fn *f, unsigned i)
{
	uint32_t off = PCI_BAR0 + 4 * i, lo, mask, hi = 0, hi_mask = ~0u;
	struct pci_bar *b = &f->bar[i];
	bool is64;

	lo = pci_cfg_read(f, off, 4);
	pci_cfg_write(f, off, 4, ~0u);
	mask = pci_cfg_read(f, off, 4);
	pci_cfg_write(f, off, 4, lo);
	b->is_io = lo & PCI_BAR_IO;
	is64 = !b->is_io && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 &&
	       i + 1 < PCI_MAX_BARS;
	if (is64) {
		hi = pci_cfg_read(f, off + 4, 4);
		pci_cfg_write(f, off + 4, 4, ~0u);
		hi_mask = pci_cfg_read(f, off + 4, 4);
		pci_cfg_write(f, off + 4, 4, hi);
	}
	if (b->is_io) {
		mask &= PCI_BAR_IO_MASK;
		mask |= 0xFFFF0000u;	/* I/O BARs may leave the top unimplemented */
		b->base = lo & PCI_BAR_IO_MASK;
		b->size = mask ? (uint64_t)(~mask + 1u) : 0;
	} else {
		uint64_t m = (uint64_t)hi_mask << 32 | (mask & PCI_BAR_MEM_MASK);

		if (!is64)
			m |= 0xFFFFFFFF00000000ull;
		b->base = (uint64_t)hi << 32 | (lo & PCI_BAR_MEM_MASK);
		b->size = (mask & PCI_BAR_MEM_MASK) ? ~m + 1 : 0;
	}
	b->present = b->size != 0;
	b->usable = b->present && !pci_bar_problem(b);
	return is64 ? i + 2 : i + 1;
}

/**
 * Say what is wrong with a BAR, if anything.
 * @v b		BAR
 * @ret why	NULL when usable, else a short reason
 */
const char *pci_bar_problem(const struct pci_bar *b)
{
	if (!b->present)
		return "unimplemented";
	if (b->base == 0)
		return "unassigned";
	if (b->is_io ? b->base + b->size > PCI_IO_LIMIT
		     : b->base + b->size > BARE_REACH || b->base + b->size < b->base)
		return "out of range";
	return NULL;
}

/**
 * Fill in a function's BARs, with decoding off while they are sized.
 * @v f		function (bus, dev, fn, ids set)
 */
static void pci_read_bars(struct pci_fn *f)
{
	uint32_t cmd = pci_cfg_read(f, PCI_COMMAND, 2);
	unsigned i;

	pci_cfg_write(f, PCI_COMMAND, 2,
		      cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (i = 0; i < PCI_MAX_BARS;)
		i = pci_read_bar(f, i);
	pci_cfg_write(f, PCI_COMMAND, 2, cmd);
}

/**
 * Turn on what the core needs: I/O and memory decoding for the BARs that
 * are usable, and bus mastering (the device reads and writes the rings).
 * @v f		function
 */
void pci_setup(struct pci_fn *f)
{
	uint32_t cmd = pci_cfg_read(f, PCI_COMMAND, 2);
	unsigned i;

	for (i = 0; i < PCI_MAX_BARS; i++)
		if (f->bar[i].usable)
			cmd |= f->bar[i].is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	pci_cfg_write(f, PCI_COMMAND, 2, cmd | PCI_COMMAND_BUS_MASTER);
}

/**
 * Walk every bus, device and function by brute force (no bridge is
 * configured here: the firmware numbered the buses).
 * @v found	called for each virtio-scsi function, BARs filled in
 * @v ctx	its context
 * @ret count	virtio-scsi functions found
 * @ret functions	PCI functions of any kind that answered
 */
unsigned pci_scan(pci_found_fn found, void *ctx, unsigned *functions)
{
	unsigned bus, dev, fn, nfn, count = 0;
	struct pci_fn f;
	uint32_t id;

	*functions = 0;
	for (bus = 0; bus < 256; bus++) {
		for (dev = 0; dev < 32; dev++) {
			nfn = 1;
			for (fn = 0; fn < nfn; fn++) {
				id = pci_cfg_read32(bus, dev, fn, PCI_VENDOR_ID);
				if ((id & 0xFFFF) == 0xFFFF || (id & 0xFFFF) == 0)
					continue;
				if (fn == 0 && (pci_cfg_read32(bus, dev, 0, PCI_HEADER_TYPE & 0xFC) >>
						16 & PCI_HEADER_MULTI))
					nfn = 8;
				(*functions)++;
				if (!vp_is_virtio_scsi(id & 0xFFFF, id >> 16))
					continue;
				vs_memset(&f, 0, sizeof(f));
				f.bus = bus;
				f.dev = dev;
				f.fn = fn;
				f.vendor = id & 0xFFFF;
				f.device = id >> 16;
				pci_read_bars(&f);
				count++;
				if (!found(ctx, &f))
					return count;
			}
		}
	}
	return count;
}
