/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The smallest embedding of the core, on the bare-metal platform: find
 * each virtio-scsi controller, start it, scan it, read LBA 0 of each
 * disk, and stop it so that no DMA outlives the program.  Everything
 * else an embedder writes is the platform (platform.c: the operations of
 * include/vscsi/platform.h); docs/porting.md has the contract.  main.c is
 * the test harness, not an example.
 */
#include "bare.h"
#include "vscsi/virtio_pci.h"

#define EXAMPLE_MAX_CTRLS 4

static struct bare_ctrl ctrl[EXAMPLE_MAX_CTRLS];
static unsigned nctrl;
static uint8_t block[SCSI_MAX_BLOCK_SIZE] __attribute__((aligned(4096)));

/** pci_scan callback: keep each virtio-scsi function, up to the table. */
static bool found(void *ctx, struct pci_fn *f)
{
	(void)ctx;
	if (nctrl < EXAMPLE_MAX_CTRLS)
		ctrl[nctrl++].pci = *f;
	return true;
}

/** Inventory callback: a unit went away; nothing of ours refers to it. */
static void removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	scsi_inv_release(inv, u);
}

static const struct scsi_inventory_ops inventory_ops = {
	.removed = removed,
};

/**
 * Read LBA 0 of every disk with a medium behind a started controller.
 * @v b		controller
 */
static void read_first_blocks(struct bare_ctrl *b)
{
	struct scsi_unit *u;
	unsigned i;
	int rc;

	for (i = 0; i < scsi_inv_count(&b->inv); i++) {
		u = scsi_inv_at(&b->inv, i);
		if (!u->has_disk || !u->disk.present)
			continue;
		rc = scsi_disk_read(&u->disk, 0, 1, block);
		console_printf("example %s %u:%u: %u-byte blocks, LBA 0 %s, "
			       "first bytes %02x %02x\n", b->plat.name,
			       u->info.target, u->info.lun, u->disk.block_size,
			       rc == VS_OK ? "read" : bare_status_name(rc),
			       block[0], block[1]);
	}
}

/** The program (start.S calls it in long mode). */
void bare_main(uint32_t start_info);
void bare_main(uint32_t start_info)
{
	struct bare_ctrl *b;
	unsigned i, functions;

	(void)start_info;	/* no command line */
	console_init();
	if (clock_init() != VS_OK)
		bare_exit(BARE_EXIT_CLOCK);
	pci_scan(found, NULL, &functions);
	for (i = 0; i < nctrl; i++) {
		b = &ctrl[i];
		bare_platform_init(b, VS_LOG_ERR);
		pci_setup(&b->pci);
		if (vscsi_init(&b->c, &b->plat) != VS_OK)
			continue;		/* the core logged why */
		scsi_inv_init(&b->inv, &b->c, &inventory_ops, b);
		scsi_inv_scan(&b->inv);
		read_first_blocks(b);
		vscsi_stop(&b->c);	/* reset: no DMA after we are gone */
	}
	bare_exit(nctrl ? BARE_EXIT_OK : BARE_EXIT_NO_DEVICE);
}

/** A CPU exception (start.S): say so and exit. */
void bare_exception(uint64_t vector, uint64_t error, uint64_t rip,
		    uint64_t cr2);
void bare_exception(uint64_t vector, uint64_t error, uint64_t rip,
		    uint64_t cr2)
{
	console_printf("exception %llu error=%llx rip=%llx cr2=%llx\n",
		       (unsigned long long)vector, (unsigned long long)error,
		       (unsigned long long)rip, (unsigned long long)cr2);
	bare_exit(BARE_EXIT_EXCEPTION);
}
