/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The core's platform interface on EFI_PCI_IO_PROTOCOL (UEFI 2.10 §14.4)
 * and boot services.
 *
 * All DMA memory is obtained with PciIo AllocateBuffer and mapped with
 * Map(CommonBuffer); callers' buffers are mapped per transfer with
 * Map(BusMasterRead/Write), so an IOMMU or a bounce buffer (SEV, TDX) is
 * honoured, and no copy is made where the mapping is direct.
 */
#include "vscsi_efi.h"

/** QEMU debug console port (isa-debugcon, also OVMF's DEBUG port). */
#define VS_DEBUGCON_PORT 0x402

#ifndef VS_DEBUGCON
#define VS_DEBUGCON 1
#endif
#ifndef VS_LOG_LEVEL
#define VS_LOG_LEVEL VS_LOG_INFO
#endif

static struct vs_efi_platform *vs_efi_plat(struct vs_platform *p)
{
	return vs_container_of(p, struct vs_efi_platform, base);
}

/** Map a byte width to a PCI I/O width. */
static EFI_PCI_IO_PROTOCOL_WIDTH vs_efi_width(unsigned width)
{
	switch (width) {
	case 1: return EfiPciIoWidthUint8;
	case 2: return EfiPciIoWidthUint16;
	case 4: return EfiPciIoWidthUint32;
	default: return EfiPciIoWidthUint64;
	}
}

static int vs_efi_pci_read(struct vs_platform *p, uint32_t offset,
			   unsigned width, uint32_t *val)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;

	*val = 0;
	return io->Pci.Read(io, vs_efi_width(width), offset, 1, val) ==
	       EFI_SUCCESS ? VS_OK : VS_E_DEVICE;
}

static int vs_efi_pci_write(struct vs_platform *p, uint32_t offset,
			    unsigned width, uint32_t val)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;

	return io->Pci.Write(io, vs_efi_width(width), offset, 1, &val) ==
	       EFI_SUCCESS ? VS_OK : VS_E_DEVICE;
}

static int vs_efi_bar_read(struct vs_platform *p, bool is_io, unsigned bar,
			   uint32_t offset, unsigned width, uint64_t *val)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;
	EFI_STATUS st;

	*val = 0;
	st = is_io ? io->Io.Read(io, vs_efi_width(width), bar, offset, 1, val)
		   : io->Mem.Read(io, vs_efi_width(width), bar, offset, 1, val);
	return st == EFI_SUCCESS ? VS_OK : VS_E_DEVICE;
}

static int vs_efi_bar_write(struct vs_platform *p, bool is_io, unsigned bar,
			    uint32_t offset, unsigned width, uint64_t val)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;
	EFI_STATUS st;

	st = is_io ? io->Io.Write(io, vs_efi_width(width), bar, offset, 1, &val)
		   : io->Mem.Write(io, vs_efi_width(width), bar, offset, 1, &val);
	return st == EFI_SUCCESS ? VS_OK : VS_E_DEVICE;
}

static int vs_efi_dma_alloc(struct vs_platform *p, size_t size, void **cpu,
			    uint64_t *dev, void **token)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;
	UINTN pages = EFI_SIZE_TO_PAGES(size), bytes = pages * EFI_PAGE_SIZE;
	EFI_PHYSICAL_ADDRESS addr;
	VOID *host;
	EFI_STATUS st;

	st = io->AllocateBuffer(io, AllocateAnyPages, EfiBootServicesData, pages,
				&host, 0);
	if (EFI_ERROR(st))
		return VS_E_NOMEM;
	vs_memset(host, 0, bytes);
	st = io->Map(io, EfiPciIoOperationBusMasterCommonBuffer, host, &bytes,
		     &addr, token);
	if (EFI_ERROR(st) || bytes != pages * EFI_PAGE_SIZE) {
		if (!EFI_ERROR(st))
			io->Unmap(io, *token);
		io->FreeBuffer(io, pages, host);
		return VS_E_NOMEM;
	}
	*cpu = host;
	*dev = addr;
	return VS_OK;
}

static void vs_efi_dma_free(struct vs_platform *p, size_t size, void *cpu,
			    void *token)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;

	io->Unmap(io, token);
	io->FreeBuffer(io, EFI_SIZE_TO_PAGES(size), cpu);
}

static int vs_efi_dma_map(struct vs_platform *p, enum vs_dma_dir dir, void *buf,
			  size_t *len, uint64_t *dev, void **token)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;
	UINTN bytes = *len;
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;

	st = io->Map(io, dir == VS_DMA_TO_DEVICE ?
		     EfiPciIoOperationBusMasterRead :
		     EfiPciIoOperationBusMasterWrite, buf, &bytes, &addr, token);
	if (EFI_ERROR(st))
		return VS_E_NOMEM;
	*len = bytes;
	*dev = addr;
	return VS_OK;
}

static void vs_efi_dma_unmap(struct vs_platform *p, void *token)
{
	EFI_PCI_IO *io = vs_efi_plat(p)->pci_io;

	io->Unmap(io, token);
}

static void vs_efi_delay_us(struct vs_platform *p, unsigned us)
{
	(void)p;
	vs_bs->Stall(us);
}

/*
 * The clock every deadline is measured on: the CPU's free-running
 * counter (efi/arch.h): on x64 the time-stamp counter, calibrated once
 * against the firmware's Stall(); on AA64 the generic timer, whose rate
 * the architecture states (CNTFRQ_EL0).  The firmware's own clocks are
 * too coarse (the event timer ticks every 10 ms in OVMF, and GetTime()
 * has one-second resolution), and summing Stall() calls, as earlier
 * versions did, runs slow by the cost of each call: a 1 s timeout took
 * 3.2 s under QEMU TCG.
 */
static UINT64 vs_tsc_per_ms;

/** Learn the counter's rate, once per load, at the driver's entry
 * (efi_main), before any controller needs the clock. */
void vs_efi_clock_init(void)
{
	UINT64 t0;

	if (vs_tsc_per_ms)
		return;
	vs_tsc_per_ms = vs_arch_counter_hz() / 1000;
	if (!vs_tsc_per_ms) {
		t0 = vs_arch_counter();
		vs_bs->Stall(10000);
		vs_tsc_per_ms = (vs_arch_counter() - t0) / 10;
	}
	if (!vs_tsc_per_ms)
		vs_tsc_per_ms = 1;
	VS_EFI_LOG("clock: %lu counter ticks per ms", (unsigned long)vs_tsc_per_ms);
}

static uint64_t vs_efi_now_us(struct vs_platform *p)
{
	UINT64 t = vs_arch_counter();

	(void)p;
	/* split so the product cannot overflow */
	return t / vs_tsc_per_ms * 1000 + t % vs_tsc_per_ms * 1000 / vs_tsc_per_ms;
}

#if VS_DEBUGCON && VS_ARCH_HAS_DEBUGCON
static void vs_debugcon_putc(char ch)
{
	outb(VS_DEBUGCON_PORT, (UINT8)ch);
}
#endif

/**
 * The driver's log: every line since it was loaded, the oldest dropped
 * when full.  Readable on any architecture through the statistics
 * protocol (GetLog), where QEMU's debug console is x86-only.
 */
static char *vs_log_ring;	/* pool memory: no 16 KiB of zeros in the image */
static UINTN vs_log_head;	/* bytes written in all (ring index: mod size) */

/** Allocate the log ring, at the driver's entry (efi_main). */
void vs_efi_log_init(void)
{
	if (!vs_log_ring)
		vs_log_ring = vs_efi_alloc(VS_EFI_LOG_RING);
}

/** Free the log ring, at unload. */
void vs_efi_log_fini(void)
{
	if (vs_log_ring)
		vs_efi_free(vs_log_ring);
	vs_log_ring = NULL;
	vs_log_head = 0;
}

/** Append text to the log ring (none: the allocation failed). */
static void vs_log_put(const char *s)
{
	for (; vs_log_ring && *s; s++)
		vs_log_ring[vs_log_head++ % VS_EFI_LOG_RING] = *s;
}

/**
 * Copy the log out, oldest line first (a partial first line dropped).
 * @v buf	where, or NULL to learn the size
 * @v size	its size
 * @ret len	bytes of the whole log, without the terminating NUL
 */
UINTN vs_efi_log_copy(char *buf, UINTN size)
{
	UINTN start = vs_log_head > VS_EFI_LOG_RING ? vs_log_head - VS_EFI_LOG_RING : 0;
	UINTN i, n = 0;

	if (!vs_log_ring)
		start = vs_log_head;	/* nothing kept */
	if (start && vs_log_ring)	/* the ring wrapped: skip to the next whole line */
		while (start < vs_log_head &&
		       vs_log_ring[start++ % VS_EFI_LOG_RING] != '\n')
			;
	for (i = start; i < vs_log_head; i++, n++)
		if (buf && n + 1 < size)
			buf[n] = vs_log_ring[i % VS_EFI_LOG_RING];
	if (buf && size)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

/**
 * Write a log line: to the log ring, and to QEMU's debug console (x86),
 * where OVMF's own log goes too.
 * @v line	text without newline
 */
void vs_efi_debug_line(const char *line)
{
	static const char prefix[] = "virtio-scsi: ";

	vs_log_put(prefix);
	vs_log_put(line);
	vs_log_put("\n");
#if VS_DEBUGCON && VS_ARCH_HAS_DEBUGCON
	const char *s;

	for (s = prefix; *s; s++)
		vs_debugcon_putc(*s);
	for (s = line; *s; s++)
		vs_debugcon_putc(*s);
	vs_debugcon_putc('\n');
#endif
}

static void vs_efi_log(struct vs_platform *p, const char *line)
{
	(void)p;
	vs_efi_debug_line(line);
}

static const struct vs_platform_ops vs_efi_platform_ops = {
	.pci_read = vs_efi_pci_read,
	.pci_write = vs_efi_pci_write,
	.bar_read = vs_efi_bar_read,
	.bar_write = vs_efi_bar_write,
	.dma_alloc = vs_efi_dma_alloc,
	.dma_free = vs_efi_dma_free,
	.dma_map = vs_efi_dma_map,
	.dma_unmap = vs_efi_dma_unmap,
	.delay_us = vs_efi_delay_us,
	.barrier = vs_arch_barrier,
	.now_us = vs_efi_now_us,
	.log = vs_efi_log,
};

/** Log sink of the glue itself (driver-level messages). */
struct vs_platform vs_efi_logger = {
	.ops = &vs_efi_platform_ops, .log_level = VS_LOG_LEVEL,
};

/**
 * Set up the platform of one PCI function.
 * @v p		platform to fill
 * @v pci_io	the function's PCI I/O protocol
 */
void vs_efi_platform_init(struct vs_efi_platform *p, EFI_PCI_IO *pci_io)
{
	UINTN seg = 0, bus = 0, dev = 0, fn = 0;

	p->base.ops = &vs_efi_platform_ops;
	p->base.log_level = VS_LOG_LEVEL;
	p->pci_io = pci_io;
	if (!EFI_ERROR(pci_io->GetLocation(pci_io, &seg, &bus, &dev, &fn)))
		vs_snprintf(p->base.name, sizeof(p->base.name), "%04x:%02x:%02x.%x",
			    (unsigned)seg, (unsigned)bus, (unsigned)dev,
			    (unsigned)fn);
}

