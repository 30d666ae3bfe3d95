/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The bare-metal platform: a freestanding x86-64 image that drives every
 * virtio-scsi controller with the portable core and nothing else (no
 * firmware calls after entry, no C library).
 */
#ifndef BARE_H
#define BARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vscsi/platform.h"
#include "vscsi/scsi_inventory.h"

/** Exit codes (QEMU's isa-debug-exit turns code c into status 2c+1). */
enum bare_exit {
	BARE_EXIT_OK = 0,	/**< every controller up, every check passed */
	BARE_EXIT_DATA = 1,	/**< a read, write or pattern check failed */
	BARE_EXIT_NO_PCI = 2,	/**< no PCI function answered at all */
	BARE_EXIT_NO_DEVICE = 3, /**< PCI, but no virtio-scsi function */
	BARE_EXIT_BAR = 4,	/**< a BAR unassigned or out of reach */
	BARE_EXIT_RESET = 5,	/**< a device never completed its reset */
	BARE_EXIT_FEATURES = 6,	/**< a device refused FEATURES_OK */
	BARE_EXIT_INIT = 7,	/**< a controller failed to start otherwise */
	BARE_EXIT_CLOCK = 8,	/**< the clock could not be calibrated */
	BARE_EXIT_USAGE = 9,	/**< a bad command line */
	BARE_EXIT_EXCEPTION = 10, /**< a CPU exception */
};

/* console.c */
void console_init(void);
void console_write(const char *s);
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bare_exit(enum bare_exit code) __attribute__((noreturn));

/* status.c */
const char *bare_exit_name(enum bare_exit code);
const char *bare_status_name(int rc);
enum bare_exit bare_exit_of_init(int rc, bool bar_refused);

/* clock.c */
int clock_init(void);
uint64_t clock_us(void);
void clock_delay_us(unsigned us);

/* pci.c: PCI functions and their BARs */
#define PCI_MAX_BARS 6

/** One BAR as the firmware left it. */
struct pci_bar {
	bool present;		/**< implemented (sizing found bits) */
	bool is_io;
	bool usable;		/**< assigned and inside what we can reach */
	uint64_t base;
	uint64_t size;
};

/** One PCI function. */
struct pci_fn {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	struct pci_bar bar[PCI_MAX_BARS];
};

/** Read/write one dword of configuration space (pci_cf8.c: ports
 * 0xCF8/0xCFC; the host tests give their own). */
uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		     uint32_t val);

uint32_t pci_cfg_read(const struct pci_fn *f, uint32_t off, unsigned width);
void pci_cfg_write(const struct pci_fn *f, uint32_t off, unsigned width,
		   uint32_t val);
/** Called for each virtio-scsi function found; false stops the walk. */
typedef bool (*pci_found_fn)(void *ctx, struct pci_fn *f);
unsigned pci_scan(pci_found_fn found, void *ctx, unsigned *functions);
void pci_setup(struct pci_fn *f);
const char *pci_bar_problem(const struct pci_bar *b);

/** Highest physical address the image can reach (start.S maps it). */
#define BARE_REACH (64ull << 30)

/* platform.c: the core's platform on this machine */
/** DMA memory for all controllers, reserved in .bss (page aligned). */
#define BARE_DMA_POOL (1024 * 1024)

/** A controller and everything it needs, statically allocated. */
struct bare_ctrl {
	struct vs_platform plat;	/**< first: the core hands it back */
	struct pci_fn pci;
	unsigned bars_refused;		/**< BARs bar_check said no to (mask) */
	size_t dma_bytes;		/**< DMA memory it holds */
	struct vscsi_ctrl c;
	struct scsi_inventory inv;
	bool up;			/**< vscsi_init succeeded */
};

void bare_platform_init(struct bare_ctrl *b, int log_level);
size_t bare_dma_used(void);
/** Bus-master memory the caller's buffers come from: identity mapped. */

/* gpt.c */
int gpt_print(struct bare_ctrl *b, struct scsi_unit *u, void *buf,
	      size_t buf_size);

#endif /* BARE_H */
