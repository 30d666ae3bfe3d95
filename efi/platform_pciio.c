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
	return container_of(p, struct vs_efi_platform, base);
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
	ZeroMem(host, bytes);
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
	BS->Stall(us);
}

/*
 * The clock every deadline is measured on: the CPU's time-stamp counter,
 * calibrated once against the firmware's Stall().  The firmware's own
 * clocks are too coarse (the event timer ticks every 10 ms in OVMF, and
 * GetTime() has one-second resolution), and summing Stall() calls, as
 * earlier versions did, runs slow by the cost of each call: a 1 s timeout
 * took 3.2 s under QEMU TCG.  QEMU's and current CPUs' TSC is invariant.
 */
static UINT64 vs_tsc_per_ms;

/** Read the time-stamp counter. */
static UINT64 vs_rdtsc(void)
{
	UINT32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (UINT64)hi << 32 | lo;
}

/** Measure the TSC rate against 10 ms of Stall(), once per load, at the
 * driver's entry (efi_main), before any controller needs the clock. */
void vs_efi_clock_init(void)
{
	UINT64 t0;

	if (vs_tsc_per_ms)
		return;
	t0 = vs_rdtsc();
	BS->Stall(10000);
	vs_tsc_per_ms = (vs_rdtsc() - t0) / 10;
	if (!vs_tsc_per_ms)
		vs_tsc_per_ms = 1;
	VS_EFI_LOG("clock: TSC, %lu ticks per ms", (unsigned long)vs_tsc_per_ms);
}

static uint64_t vs_efi_now_us(struct vs_platform *p)
{
	UINT64 t = vs_rdtsc();

	(void)p;
	/* split so the product cannot overflow */
	return t / vs_tsc_per_ms * 1000 + t % vs_tsc_per_ms * 1000 / vs_tsc_per_ms;
}

#if VS_DEBUGCON
static void vs_debugcon_putc(char ch)
{
	UINT8 v = (UINT8)ch;

	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"((UINT16)VS_DEBUGCON_PORT));
}
#endif

/**
 * Write a log line to QEMU's debug console, where OVMF's own log goes too.
 * @v line	text without newline
 */
void vs_efi_debug_line(const char *line)
{
#if VS_DEBUGCON
	static const char prefix[] = "virtio-scsi: ";
	const char *s;

	for (s = prefix; *s; s++)
		vs_debugcon_putc(*s);
	for (s = line; *s; s++)
		vs_debugcon_putc(*s);
	vs_debugcon_putc('\n');
#else
	(void)line;
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

