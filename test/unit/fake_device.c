/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Fake virtio-scsi PCI device, the virtio side: PCI configuration, the
 * common and legacy registers, the rings, DMA, and the faults a device
 * can commit against them; see fake_device.h.  The SCSI targets behind it
 * are fake_target.c's.
 *
 * Device addresses come from an address space of their own, as behind an
 * IOMMU, and are only valid while mapped, so a driver that hands the device
 * a CPU address, or a buffer it already unmapped, is caught (dma_errors).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_device.h"
#include "spec/scsi.h"
#include "spec/virtio.h"
#include "spec/virtio_scsi.h"
#include "vscsi/byteorder.h"

/* First device address handed out: an IOMMU-like space of its own */
#define FAKE_IOVA_BASE 0x10000000ull

#define FAKE_COMMON 0x0000
#define FAKE_ISR 0x1000
#define FAKE_DEVICE 0x2000
#define FAKE_NOTIFY 0x3000
#define FAKE_NOTIFY_MULT 4

static struct fake_dev *fake_of(struct vs_platform *p)
{
	return (struct fake_dev *)p;
}

/* ------------------------------------------------------------------ */
/* Fuzzing input                                                       */

/** Next byte of the fuzzing input (0 once it is used up). */
uint8_t fake_fuzz_byte(struct fake_dev *fd)
{
	return fd->fuzz_pos < fd->fuzz_len ? fd->fuzz[fd->fuzz_pos++] : 0;
}

/** Next 32 bits of the fuzzing input, little-endian. */
uint32_t fake_fuzz_u32(struct fake_dev *fd)
{
	uint32_t v = fake_fuzz_byte(fd);

	v |= (uint32_t)fake_fuzz_byte(fd) << 8;
	v |= (uint32_t)fake_fuzz_byte(fd) << 16;
	return v | (uint32_t)fake_fuzz_byte(fd) << 24;
}

/* ------------------------------------------------------------------ */
/* DMA                                                                 */

/** Translate a device address range to CPU memory, or NULL. */
void *fake_dev_to_cpu(struct fake_dev *fd, uint64_t dev, size_t len)
{
	unsigned i;

	for (i = 0; i < FAKE_MAX_MAPS; i++) {
		struct fake_map *m = &fd->map[i];

		if (m->active && dev >= m->dev && dev - m->dev <= m->len &&
		    len <= m->len - (dev - m->dev))
			return m->cpu + (dev - m->dev);
	}
	if (!fd->excused)
		fd->dma_errors++;
	return NULL;
}

static int fake_add_map(struct fake_dev *fd, void *cpu, size_t len,
			uint64_t *dev, void **token)
{
	unsigned i;

	for (i = 0; i < FAKE_MAX_MAPS; i++) {
		if (fd->map[i].active)
			continue;
		if (!fd->next_iova)
			fd->next_iova = FAKE_IOVA_BASE;
		/* keep the page offset, so alignment is what the CPU sees */
		fd->map[i] = (struct fake_map){ true, cpu,
			fd->next_iova + ((uintptr_t)cpu & 4095), len };
		fd->next_iova += ((uintptr_t)cpu & 4095) + len + 4096 + 4095;
		fd->next_iova &= ~4095ull;
		*dev = fd->map[i].dev;
		*token = &fd->map[i];
		return VS_OK;
	}
	return VS_E_NOMEM;
}

static int fake_dma_alloc(struct vs_platform *p, size_t size, void **cpu,
			  uint64_t *dev, void **token)
{
	size_t rounded = (size + 4095) & ~(size_t)4095;
	struct fake_dev *fd = fake_of(p);
	void *mem;
	int rc;

	if (++fd->dma_allocs == fd->dma_fail_at)
		return VS_E_NOMEM;
	mem = aligned_alloc(4096, rounded);
	if (!mem)
		return VS_E_NOMEM;
	memset(mem, 0, rounded);
	rc = fake_add_map(fake_of(p), mem, rounded, dev, token);
	if (rc != VS_OK) {
		free(mem);
		return rc;
	}
	*cpu = mem;
	return VS_OK;
}

static void fake_dma_free(struct vs_platform *p, size_t size, void *cpu,
			  void *token)
{
	(void)p;
	(void)size;
	((struct fake_map *)token)->active = false;
	free(cpu);
}

static int fake_dma_map(struct vs_platform *p, enum vs_dma_dir dir, void *buf,
			size_t *len, uint64_t *dev, void **token)
{
	struct fake_dev *fd = fake_of(p);

	(void)dir;
	if (fd->map_fail)
		return VS_E_NOMEM;
	if (fd->map_limit && *len > fd->map_limit)
		*len = fd->map_limit;
	return fake_add_map(fd, buf, *len, dev, token);
}

static void fake_dma_unmap(struct vs_platform *p, void *token)
{
	(void)p;
	((struct fake_map *)token)->active = false;
}

/** Count mappings still active (rings and shared memory included). */
unsigned fake_active_maps(const struct fake_dev *fd)
{
	unsigned i, n = 0;

	for (i = 0; i < FAKE_MAX_MAPS; i++)
		n += fd->map[i].active;
	return n;
}

/* ------------------------------------------------------------------ */
/* Registers                                                           */

static void fake_reset(struct fake_dev *fd)
{
	unsigned i;

	fd->status = 0;
	fd->driver_features = 0;
	fd->resets++;
	for (i = 0; i < FAKE_QUEUES; i++) {
		struct fake_queue *q = &fd->q[i];

		q->size = q->max_size;
		q->enabled = false;
		q->desc = q->avail = q->used = 0;
		q->last_avail = q->used_idx = 0;
	}
	/* §5.6.4: reset restores the defaults */
	fd->sense_size = fd->reset_sense_size;
	fd->cdb_size = fd->reset_cdb_size;
}

static uint64_t fake_config_read(struct fake_dev *fd, uint32_t off, unsigned w)
{
	uint8_t cfg[VIRTIO_SCSI_CFG_SIZE];
	uint64_t v = 0;
	unsigned i;

	put_le32(cfg + 0, fd->num_queues);
	put_le32(cfg + 4, fd->seg_max);
	put_le32(cfg + 8, fd->max_sectors);
	put_le32(cfg + 12, fd->cmd_per_lun);
	put_le32(cfg + 16, fd->event_info_size);
	put_le32(cfg + 20, fd->sense_size);
	put_le32(cfg + 24, fd->cdb_size);
	cfg[28] = fd->max_channel;
	cfg[29] = fd->max_channel >> 8;
	cfg[30] = fd->max_target;
	cfg[31] = fd->max_target >> 8;
	put_le32(cfg + 32, fd->max_lun);
	for (i = 0; i < w && off + i < sizeof(cfg); i++)
		v |= (uint64_t)cfg[off + i] << (8 * i);
	return v;
}

static void fake_config_write(struct fake_dev *fd, uint32_t off, uint64_t v)
{
	if (fd->config_readonly)
		return;
	if (off == VIRTIO_SCSI_CFG_SENSE_SIZE)
		fd->sense_size = (uint32_t)v;
	else if (off == VIRTIO_SCSI_CFG_CDB_SIZE)
		fd->cdb_size = (uint32_t)v;
}

static struct fake_queue *fake_sel(struct fake_dev *fd)
{
	static struct fake_queue none;

	if (fd->queue_select < FAKE_QUEUES)
		return &fd->q[fd->queue_select];
	memset(&none, 0, sizeof(none));
	return &none;
}

static uint64_t fake_common_read(struct fake_dev *fd, uint32_t off)
{
	struct fake_queue *q = fake_sel(fd);

	switch (off) {
	case VIRTIO_PCI_COMMON_DF:
		return fd->dfselect == 0 ? (uint32_t)fd->features :
		       fd->dfselect == 1 ? fd->features >> 32 : 0;
	case VIRTIO_PCI_COMMON_NUMQ: return FAKE_QUEUES;
	case VIRTIO_PCI_COMMON_STATUS: return fd->status;
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		return fd->generation_unstable ? fd->generation++ : 0;
	case VIRTIO_PCI_COMMON_Q_SIZE: return q->size;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return fd->notify_off_bad ? 0x7FFF : fd->queue_select;
	default: return 0;
	}
}

static void fake_status_write(struct fake_dev *fd, uint8_t v)
{
	if (v == 0 && fd->reset_stuck)
		return;		/* ignores the reset: status stays as it was */
	if (v == 0) {
		fake_reset(fd);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && fd->refuse_features)
		v &= ~VIRTIO_STATUS_FEATURES_OK;
	fd->status = v;
}

static void fake_common_write(struct fake_dev *fd, uint32_t off, uint64_t v)
{
	struct fake_queue *q = fake_sel(fd);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: fd->dfselect = v; break;
	case VIRTIO_PCI_COMMON_GFSELECT: fd->gfselect = v; break;
	case VIRTIO_PCI_COMMON_GF:
		if (fd->gfselect == 0)
			fd->driver_features = (fd->driver_features & ~0xFFFFFFFFull) | (uint32_t)v;
		else if (fd->gfselect == 1)
			fd->driver_features = (fd->driver_features & 0xFFFFFFFFull) | (v << 32);
		break;
	case VIRTIO_PCI_COMMON_STATUS: fake_status_write(fd, v); break;
	case VIRTIO_PCI_COMMON_Q_SELECT: fd->queue_select = v; break;
	case VIRTIO_PCI_COMMON_Q_SIZE: q->size = v; break;
	case VIRTIO_PCI_COMMON_Q_ENABLE: q->enabled = v; break;
	case VIRTIO_PCI_COMMON_Q_DESC: q->desc = (q->desc & ~0xFFFFFFFFull) | (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_Q_DESC + 4: q->desc = (q->desc & 0xFFFFFFFFull) | (v << 32); break;
	case VIRTIO_PCI_COMMON_Q_AVAIL: q->avail = (q->avail & ~0xFFFFFFFFull) | (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_Q_AVAIL + 4: q->avail = (q->avail & 0xFFFFFFFFull) | (v << 32); break;
	case VIRTIO_PCI_COMMON_Q_USED: q->used = (q->used & ~0xFFFFFFFFull) | (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_Q_USED + 4: q->used = (q->used & 0xFFFFFFFFull) | (v << 32); break;
	default: break;
	}
}

/** Legacy layout (§2.7.2): rings contiguous, used ring on 4 KiB. */
static void fake_legacy_pfn(struct fake_dev *fd, uint32_t pfn)
{
	struct fake_queue *q = fake_sel(fd);
	uint64_t base = (uint64_t)pfn << VIRTIO_PCI_LEGACY_PFN_SHIFT;

	q->desc = base;
	q->avail = base + 16ull * q->size;
	q->used = (q->avail + 6 + 2ull * q->size + 4095) & ~4095ull;
	q->enabled = pfn != 0;
}

static uint64_t fake_legacy_read(struct fake_dev *fd, uint32_t off, unsigned w)
{
	if (off >= VIRTIO_PCI_LEGACY_CONFIG)
		return fake_config_read(fd, off - VIRTIO_PCI_LEGACY_CONFIG, w);
	switch (off) {
	case VIRTIO_PCI_LEGACY_HOST_FEATURES: return (uint32_t)fd->features;
	case VIRTIO_PCI_LEGACY_GUEST_FEATURES: return (uint32_t)fd->driver_features;
	case VIRTIO_PCI_LEGACY_QUEUE_SIZE: return fake_sel(fd)->size;
	case VIRTIO_PCI_LEGACY_QUEUE_PFN:
		return fake_sel(fd)->enabled ?
		       fake_sel(fd)->desc >> VIRTIO_PCI_LEGACY_PFN_SHIFT : 0;
	case VIRTIO_PCI_LEGACY_QUEUE_SELECT: return fd->queue_select;
	case VIRTIO_PCI_LEGACY_STATUS: return fd->status;
	default: return 0;
	}
}

/** The driver notified queue @p q (either transport). */
static void fake_notify(struct fake_dev *fd, unsigned q)
{
	struct virtq_avail *a = fake_dev_to_cpu(fd, fd->q[q].avail,
						4 + 2ull * fd->q[q].size);

	/* weak ordering: an index written after the NOTIFY barrier may not
	 * be seen by the device yet */
	if (fd->weak_order && a && a->idx != fd->q[q].notify_idx)
		fd->order_errors++;
	fd->notifies[q]++;
	fd->q[q].kicked = true;
	if (!fd->deferred)
		fake_process(fd, q);
}

static void fake_legacy_write(struct fake_dev *fd, uint32_t off, uint64_t v)
{
	if (off >= VIRTIO_PCI_LEGACY_CONFIG) {
		fake_config_write(fd, off - VIRTIO_PCI_LEGACY_CONFIG, v);
		return;
	}
	switch (off) {
	case VIRTIO_PCI_LEGACY_GUEST_FEATURES: fd->driver_features = (uint32_t)v; break;
	case VIRTIO_PCI_LEGACY_QUEUE_PFN: fake_legacy_pfn(fd, v); break;
	case VIRTIO_PCI_LEGACY_QUEUE_SELECT: fd->queue_select = v; break;
	case VIRTIO_PCI_LEGACY_QUEUE_NOTIFY:
		if (v < FAKE_QUEUES)
			fake_notify(fd, v);
		break;
	case VIRTIO_PCI_LEGACY_STATUS: fake_status_write(fd, v); break;
	default: break;
	}
}

static int fake_pci_read(struct vs_platform *p, uint32_t off, unsigned w,
			 uint32_t *val)
{
	struct fake_dev *fd = fake_of(p);
	unsigned i;

	*val = 0;
	for (i = 0; i < w && off + i < sizeof(fd->pci); i++)
		*val |= (uint32_t)fd->pci[off + i] << (8 * i);
	return VS_OK;
}

static int fake_pci_write(struct vs_platform *p, uint32_t off, unsigned w,
			  uint32_t val)
{
	struct fake_dev *fd = fake_of(p);
	unsigned i;

	for (i = 0; i < w && off + i < sizeof(fd->pci); i++)
		fd->pci[off + i] = val >> (8 * i);
	return VS_OK;
}

static int fake_bar_read(struct vs_platform *p, bool is_io, unsigned bar,
			 uint32_t off, unsigned w, uint64_t *val)
{
	struct fake_dev *fd = fake_of(p);

	*val = 0;
	if (!fd->modern && is_io && bar == 0)
		*val = fake_legacy_read(fd, off, w);
	else if (fd->modern && !is_io && bar == FAKE_BAR_MODERN) {
		if (off < FAKE_ISR)
			*val = fake_common_read(fd, off);
		else if (off >= FAKE_DEVICE && off < FAKE_NOTIFY)
			*val = fake_config_read(fd, off - FAKE_DEVICE, w);
	} else {
		return VS_E_DEVICE;
	}
	return VS_OK;
}

static int fake_bar_write(struct vs_platform *p, bool is_io, unsigned bar,
			  uint32_t off, unsigned w, uint64_t val)
{
	struct fake_dev *fd = fake_of(p);
	unsigned q;

	(void)w;
	if (!fd->modern && is_io && bar == 0) {
		fake_legacy_write(fd, off, val);
		return VS_OK;
	}
	if (!fd->modern || is_io || bar != FAKE_BAR_MODERN)
		return VS_E_DEVICE;
	if (off < FAKE_ISR) {
		fake_common_write(fd, off, val);
	} else if (off >= FAKE_DEVICE && off < FAKE_NOTIFY) {
		fake_config_write(fd, off - FAKE_DEVICE, val);
	} else if (off >= FAKE_NOTIFY) {
		q = (off - FAKE_NOTIFY) / FAKE_NOTIFY_MULT;
		if (q < FAKE_QUEUES && val == q)
			fake_notify(fd, q);
	}
	return VS_OK;
}

/** The platform's say on a register window: refused for BARs so marked. */
static int fake_bar_check(struct vs_platform *p, bool is_io, unsigned bar,
			  uint32_t offset, uint32_t length)
{
	struct fake_dev *fd = fake_of(p);

	(void)is_io; (void)offset; (void)length;
	if (fd->bars_unreachable & (1u << bar)) {
		vs_log(p, VS_LOG_ERR, "fake: BAR%u unreachable", bar);
		return VS_E_DEVICE;
	}
	return VS_OK;
}

static void fake_delay_us(struct vs_platform *p, unsigned us)
{
	struct fake_dev *fd = fake_of(p);
	unsigned q;

	fd->now_us += us;
	fd->delays++;
	if (fd->deferred)
		for (q = 0; q < FAKE_QUEUES; q++)
			fake_process(fd, q);
}

static void fake_log(struct vs_platform *p, const char *line)
{
	struct fake_dev *fd = fake_of(p);

	snprintf(fd->last_log, sizeof(fd->last_log), "%s", line);
	if (fd->log_watch && strstr(line, fd->log_watch))
		fd->log_watched++;
	if (getenv("FAKE_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

/**
 * The clock: virtual time, advanced by delays, by device latency, and by
 * a microsecond each time it is read, as a real clock advances while the
 * core polls (a deferred device completes its work then too).
 */
static uint64_t fake_now_us(struct vs_platform *p)
{
	struct fake_dev *fd = fake_of(p);
	unsigned q;

	fd->now_us++;
	fd->now_reads++;
	/* a deferred device works on what it was told of (or, polling its
	 * ring itself, on everything) */
	for (q = 0; fd->deferred && q < FAKE_QUEUES; q++)
		if (fd->q[q].kicked || fd->used_no_notify) {
			fd->q[q].kicked = false;
			fake_process(fd, q);
		}
	return fd->now_us;
}

static void fake_barrier(struct vs_platform *p, enum vs_barrier kind);

static const struct vs_platform_ops fake_ops = {
	.pci_read = fake_pci_read,
	.pci_write = fake_pci_write,
	.bar_read = fake_bar_read,
	.bar_write = fake_bar_write,
	.bar_check = fake_bar_check,
	.barrier = fake_barrier,
	.dma_alloc = fake_dma_alloc,
	.dma_free = fake_dma_free,
	.dma_map = fake_dma_map,
	.dma_unmap = fake_dma_unmap,
	.delay_us = fake_delay_us,
	.now_us = fake_now_us,
	.log = fake_log,
};

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

static void fake_put_cap(struct fake_dev *fd, uint8_t pos, uint8_t next,
			 uint8_t type, uint32_t off, uint32_t len)
{
	uint8_t *c = fd->pci + pos;

	c[VIRTIO_PCI_CAP_VNDR] = PCI_CAP_ID_VNDR;
	c[VIRTIO_PCI_CAP_NEXT] = next;
	c[VIRTIO_PCI_CAP_LEN] = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
	c[VIRTIO_PCI_CAP_CFG_TYPE] = type;
	c[VIRTIO_PCI_CAP_BAR] = FAKE_BAR_MODERN;
	put_le32(c + VIRTIO_PCI_CAP_OFFSET, off);
	put_le32(c + VIRTIO_PCI_CAP_LENGTH, len);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		put_le32(c + VIRTIO_PCI_NOTIFY_CAP_MULT, FAKE_NOTIFY_MULT);
}

/**
 * Build a device as QEMU presents it: modern (0x1048, capabilities on a
 * 64-bit memory BAR 4) or legacy (0x1004, I/O BAR 0).
 */
void fake_init(struct fake_dev *fd, bool modern)
{
	unsigned i;

	memset(fd, 0, sizeof(*fd));
	fd->plat.ops = &fake_ops;
	fd->plat.log_level = VS_LOG_DEBUG;
	fd->modern = modern;
	put_le32(fd->pci + PCI_VENDOR_ID, VIRTIO_PCI_VENDOR_ID |
		 ((uint32_t)(modern ? VIRTIO_PCI_DEVICE_ID_SCSI_MODERN :
			     VIRTIO_PCI_DEVICE_ID_SCSI_TRANSITIONAL) << 16));
	if (modern) {
		fd->pci[PCI_STATUS] = PCI_STATUS_CAP_LIST;
		fd->pci[PCI_CAP_PTR] = 0x40;
		put_le32(fd->pci + PCI_BAR0 + 4 * FAKE_BAR_MODERN, 0xFE000004);
		fake_put_cap(fd, 0x40, 0x50, VIRTIO_PCI_CAP_COMMON_CFG, FAKE_COMMON, 0x38);
		fake_put_cap(fd, 0x50, 0x60, VIRTIO_PCI_CAP_ISR_CFG, FAKE_ISR, 4);
		fake_put_cap(fd, 0x60, 0x70, VIRTIO_PCI_CAP_DEVICE_CFG, FAKE_DEVICE, 0x40);
		fake_put_cap(fd, 0x70, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, FAKE_NOTIFY, 0x100);
		fd->features = (1ull << VIRTIO_F_VERSION_1) |
			       (1ull << VIRTIO_SCSI_F_HOTPLUG);
	} else {
		put_le32(fd->pci + PCI_BAR0, 0xC001);
		fd->features = 1ull << VIRTIO_SCSI_F_HOTPLUG;
	}
	/* as QEMU: indirect descriptors offered on both transports */
	fd->features |= 1ull << VIRTIO_F_INDIRECT_DESC;
	for (i = 0; i < FAKE_QUEUES; i++)
		fd->q[i].max_size = 256;
	fd->num_queues = 1;
	fd->seg_max = 254;
	fd->max_sectors = 0xFFFF;
	fd->cmd_per_lun = 128;
	fd->event_info_size = 16;
	fd->max_target = 255;
	fd->max_lun = 16383;
	fd->reset_cdb_size = VIRTIO_SCSI_DEFAULT_CDB_SIZE;
	fd->reset_sense_size = VIRTIO_SCSI_DEFAULT_SENSE_SIZE;
	fake_reset(fd);
	fd->resets = 0;
}

void fake_fini(struct fake_dev *fd)
{
	unsigned t, l;

	for (t = 0; t < FAKE_TARGETS; t++)
		for (l = 0; l < FAKE_LUNS; l++)
			free(fd->lun[t][l].data);
}

/* ------------------------------------------------------------------ */
/* Request processing                                                  */

/** A chain, as the device sees it. */
struct fake_chain {
	uint16_t head;
	uint8_t *in;		/**< device-readable bytes, gathered */
	size_t in_len;
	struct { uint8_t *p; uint32_t len; } out[64];	/**< writable buffers */
	unsigned nout;
	size_t out_len;
	unsigned ndesc;
};

/**
 * Take one descriptor's buffer into a chain.
 * @ret ok	the buffer is mapped and there is room for it
 */
static bool fake_chain_take(struct fake_dev *fd, const struct virtq_desc *d,
			    struct fake_chain *c)
{
	uint8_t *p = fake_dev_to_cpu(fd, d->addr, d->len);

	if (!p)
		return false;
	c->ndesc++;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		if (c->nout == 64)
			return false;
		c->out[c->nout].p = p;
		c->out[c->nout++].len = d->len;
		c->out_len += d->len;
	} else {
		c->in = realloc(c->in, c->in_len + d->len);
		memcpy(c->in + c->in_len, p, d->len);
		c->in_len += d->len;
	}
	return true;
}

/**
 * The descriptors of an indirect descriptor's table (§2.7.5.3), checked
 * against the rules a driver must keep (§2.7.5.3.1): the feature
 * negotiated, no NEXT beside INDIRECT, a length that is a multiple of 16,
 * no INDIRECT inside the table.  A breach counts in spec_errors.
 * @ret table	the table, or NULL (n: its entries)
 */
static struct virtq_desc *fake_indirect(struct fake_dev *fd,
					const struct virtq_desc *d, unsigned *n)
{
	struct virtq_desc *t = fake_dev_to_cpu(fd, d->addr, d->len);
	unsigned i;

	*n = d->len / 16;
	if (!(fd->driver_features & (1ull << VIRTIO_F_INDIRECT_DESC)) ||
	    (d->flags & VIRTQ_DESC_F_NEXT) || d->len % 16 || !*n || !t) {
		fd->spec_errors++;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		if (t[i].flags & VIRTQ_DESC_F_INDIRECT) {
			fd->spec_errors++;
			return NULL;
		}
	return t;
}

static bool fake_read_chain(struct fake_dev *fd, struct fake_queue *q,
			    uint16_t head, struct fake_chain *c)
{
	struct virtq_desc *table = fake_dev_to_cpu(fd, q->desc, 16ull * q->size);
	struct virtq_desc *t;
	uint16_t i = head;
	unsigned n, size;

	memset(c, 0, sizeof(*c));
	c->head = head;
	if (!table)
		return false;
	if (table[head % q->size].flags & VIRTQ_DESC_F_INDIRECT) {
		t = fake_indirect(fd, &table[head % q->size], &size);
		i = 0;
	} else {
		t = table;
		size = q->size;
	}
	for (n = 0; t && n < size; n++) {
		struct virtq_desc *d = &t[i % size];

		if (!fake_chain_take(fd, d, c))
			return false;
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = d->next;
	}
	return false;
}

/** Write @p len bytes at offset @p off of the chain's writable part. */
static void fake_chain_write(struct fake_chain *c, size_t off,
			     const void *src, size_t len)
{
	const uint8_t *s = src;
	unsigned i;

	for (i = 0; i < c->nout && len; i++) {
		if (off >= c->out[i].len) {
			off -= c->out[i].len;
			continue;
		}
		size_t n = c->out[i].len - off < len ? c->out[i].len - off : len;

		memcpy(c->out[i].p + off, s, n);
		s += n;
		len -= n;
		off = 0;
	}
}

static void fake_push_used(struct fake_dev *fd, struct fake_queue *q,
			   uint32_t id, uint32_t len)
{
	struct virtq_used *u = fake_dev_to_cpu(fd, q->used, 6 + 8ull * q->size);

	if (!u)
		return;
	if (q->filling) {	/* a deferred chain's entry, index already moved */
		u->ring[q->fill_pos % q->size].id = id;
		u->ring[q->fill_pos % q->size].len = len;
		q->filling = false;
		return;
	}
	u->ring[q->used_idx % q->size].id = id;
	u->ring[q->used_idx % q->size].len = len;
	u->flags = fd->used_no_notify ? VIRTQ_USED_F_NO_NOTIFY : 0;
	q->used_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	u->idx = q->used_idx;
}

/** FAULT_TABLE_WRITE: scribble on the indirect table behind a head. */
static void fake_table_write(struct fake_dev *fd, struct fake_queue *q,
			     uint16_t head)
{
	struct virtq_desc *ring = fake_dev_to_cpu(fd, q->desc, 16ull * q->size);
	struct virtq_desc *t;

	if (!ring || !(ring[head % q->size].flags & VIRTQ_DESC_F_INDIRECT))
		return;
	t = fake_dev_to_cpu(fd, ring[head % q->size].addr, 16);
	if (t)
		t->len ^= 0x200;
}

/** Handle one chain of the request queue. */
static void fake_request(struct fake_dev *fd, struct fake_queue *q,
			 struct fake_chain *c)
{
	uint32_t req_len = VIRTIO_SCSI_REQ_HEAD_SIZE + fd->cdb_size;
	uint32_t resp_len = VIRTIO_SCSI_RESP_HEAD_SIZE + fd->sense_size;
	uint32_t din_len = c->out_len > resp_len ? c->out_len - resp_len : 0;
	uint32_t dout_len = c->in_len > req_len ? c->in_len - req_len : 0;
	uint8_t *din = calloc(1, din_len + 1), resp[VIRTIO_SCSI_RESP_HEAD_SIZE + 256];
	struct fake_result r;
	uint32_t residual, used_len;
	unsigned t;

	fd->last_req_len = c->in_len < req_len ? c->in_len : req_len;
	fd->last_resp_len = c->out_len < resp_len ? c->out_len : resp_len;
	if (c->in_len < req_len || c->out_len < resp_len) {
		/* QEMU fails such a request outright; record it and drop it */
		fd->dma_errors++;
		free(din);
		fake_push_used(fd, q, c->head, 0);
		return;
	}
	fd->last_segments = c->ndesc - 2;
	if (fd->last_segments > fd->max_segments)
		fd->max_segments = fd->last_segments;
	fd->last_head = c->head;
	memcpy(fd->last_lun, c->in, 8);
	memcpy(&fd->last_id, c->in + 8, 8);
	memcpy(fd->last_cdb, c->in + VIRTIO_SCSI_REQ_HEAD_SIZE,
	       fd->cdb_size < 32 ? fd->cdb_size : 32);
	fd->requests++;

	t = c->in[1];
	memset(&r, 0, sizeof(r));
	if (c->in[0] != 1 || t >= FAKE_TARGETS || !fd->lun[t][0].present) {
		bool any = false;
		unsigned l;

		for (l = 0; t < FAKE_TARGETS && l < FAKE_LUNS; l++)
			any |= fd->lun[t][l].present;
		if (!any)
			r.response = VIRTIO_SCSI_S_BAD_TARGET;
	}
	if (r.response == VIRTIO_SCSI_S_OK && fd->busy_count) {
		r.status = SCSI_STATUS_BUSY;	/* not run at all */
		if (fd->busy_count != ~0u)
			fd->busy_count--;
	} else if (r.response == VIRTIO_SCSI_S_OK) {
		fake_scsi(fd, t, ((c->in[2] & 0x3F) << 8) | c->in[3],
			  c->in + VIRTIO_SCSI_REQ_HEAD_SIZE, din, din_len,
			  c->in + req_len, dout_len, &r);
	}
	residual = din_len + dout_len - r.data_in - r.data_out;
	if (fd->fault == FAULT_SHORT && r.data_in > 1) {
		residual += r.data_in / 2;
		r.data_in -= r.data_in / 2;
	}

	memset(resp, 0, sizeof(resp));
	put_le32(resp, r.sense_len < fd->sense_size ? r.sense_len : fd->sense_size);
	put_le32(resp + 4, residual);
	resp[10] = r.status;
	resp[11] = r.response;
	memcpy(resp + VIRTIO_SCSI_RESP_HEAD_SIZE, r.sense, sizeof(r.sense));
	if (fd->fuzz_device) {
		uint8_t what = fake_fuzz_byte(fd);

		if (what & 1)
			put_le32(resp, fake_fuzz_u32(fd));		/* sense_len */
		if (what & 2)
			put_le32(resp + 4, fake_fuzz_u32(fd));	/* residual */
		if (what & 4)
			resp[10] = fake_fuzz_byte(fd);		/* status */
		if (what & 8)
			resp[11] = fake_fuzz_byte(fd);		/* response */
	}
	switch (fd->fault) {
	case FAULT_SENSE_LEN: put_le32(resp, fd->sense_size + 1); break;
	case FAULT_RESIDUAL: put_le32(resp + 4, din_len + dout_len + 1); break;
	case FAULT_RESPONSE: resp[11] = 0xEE; break;
	default: break;
	}
	if (fd->fault == FAULT_RESP_ONLY)
		r.data_in = 0;		/* ... and its residual 0 says "all" */
	fake_chain_write(c, 0, resp, resp_len);
	fake_chain_write(c, resp_len, din, r.data_in);
	free(din);

	used_len = fd->qemu_used_len ? resp_len + r.data_in + r.data_out :
		   resp_len + r.data_in;
	if (fd->fuzz_device) {
		uint8_t what = fake_fuzz_byte(fd);

		if (what & 1) {
			uint16_t id = fake_fuzz_u32(fd) & 0xFFFF;

			/* a lie: another chain "completed"; if it is still
			 * pending, the driver lets go of buffers this device
			 * will touch (no driver can stop that; not its error) */
			if (id != c->head)
				fd->lied[id % FAKE_MAX_HEADS] = true;
			fake_push_used(fd, q, id, what & 2 ? fake_fuzz_u32(fd) : used_len);
			return;
		}
		if (what & 4)
			q->used_idx += fake_fuzz_byte(fd);	/* jump */
		if (what & 8)
			return;					/* lose it */
		if (what & 16)
			used_len = fake_fuzz_u32(fd);
	}
	switch (fd->fault) {
	case FAULT_TABLE_WRITE:
		fake_table_write(fd, q, c->head);
		fake_push_used(fd, q, c->head, used_len);
		break;
	case FAULT_USED_ID: fake_push_used(fd, q, c->head + 1, used_len); break;
	case FAULT_USED_LEN:
		fake_push_used(fd, q, c->head, c->in_len + c->out_len + 1);
		break;
	case FAULT_USED_IDX_JUMP:
		fake_push_used(fd, q, c->head, used_len);
		q->used_idx += 5;
		fake_push_used(fd, q, c->head, used_len);
		break;
	default: fake_push_used(fd, q, c->head, used_len); break;
	}
}

/** Handle one chain of the control queue (TMF, §5.6.6.2). */
static void fake_control(struct fake_dev *fd, struct fake_queue *q,
			 struct fake_chain *c)
{
	uint8_t resp;
	unsigned t;

	fd->tmfs++;
	if (c->in_len < sizeof(struct virtio_scsi_ctrl_tmf_req) || c->out_len < 1)
		return;
	fd->last_tmf_subtype = get_le32(c->in + 4);
	t = c->in[8 + 1];
	resp = fd->tmf_response;
	if (!resp && (t >= FAKE_TARGETS || !fd->lun[t][0].present))
		resp = VIRTIO_SCSI_S_BAD_TARGET;
	fake_chain_write(c, 0, &resp, 1);
	fake_push_used(fd, q, c->head, 1);
}

/**
 * Process every new chain of a queue, as the device does on a notify.
 * @v fd	device
 * @v qi	queue index
 */
/** A checksum of a chain's descriptors (addresses, lengths, flags). */
static uint32_t fake_chain_sum(struct fake_dev *fd, struct fake_queue *q,
			       uint16_t head)
{
	struct virtq_desc *table = fake_dev_to_cpu(fd, q->desc, 16ull * q->size);
	uint32_t sum = 2166136261u;
	unsigned n, i = head, size = q->size;

	if (table && (table[head % q->size].flags & VIRTQ_DESC_F_INDIRECT)) {
		sum ^= table[head % q->size].len;
		size = table[head % q->size].len / 16;
		table = fake_dev_to_cpu(fd, table[head % q->size].addr, 16ull * size);
		i = 0;
	}
	for (n = 0; table && n < size; n++) {
		struct virtq_desc *d = &table[i % size];

		sum = (sum ^ (uint32_t)d->addr ^ d->len ^ d->flags) * 16777619u;
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		i = d->next;
	}
	return sum;
}

/** Carry out one chain of the request or control queue. */
static void fake_carry_out(struct fake_dev *fd, unsigned qi, uint16_t head)
{
	struct fake_queue *q = &fd->q[qi];
	struct fake_chain c;

	fd->excused = qi == VIRTIO_SCSI_VQ_REQUEST &&
		      fd->lied[head % FAKE_MAX_HEADS];
	if (fd->excused)
		fd->lied[head % FAKE_MAX_HEADS] = false;
	if (!fake_read_chain(fd, q, head, &c)) {
		free(c.in);
		return;
	}
	if (qi == VIRTIO_SCSI_VQ_REQUEST && fd->fault == FAULT_DROP)
		;	/* the device forgets it */
	else if (qi == VIRTIO_SCSI_VQ_REQUEST)
		fake_request(fd, q, &c);
	else if (fd->tmf_drop)
		;	/* the device never answers a TMF */
	else
		fake_control(fd, q, &c);
	/* time a request spends inside the device */
	fd->now_us += fd->latency_us;
	fd->excused = false;
	free(c.in);
}

/**
 * Weak ordering: take a chain only as the core published it (its ring
 * entry and descriptors as they were at the PUBLISH barrier before the
 * index moved), then show only its used index until the next CONSUME.
 */
static void fake_defer(struct fake_dev *fd, struct fake_queue *q,
		       uint16_t pos, uint16_t head)
{
	unsigned e = pos % FAKE_MAX_DEFERRED;
	struct virtq_used *u = fake_dev_to_cpu(fd, q->used, 6 + 8ull * q->size);

	if (!q->pub_seen[e] || q->pub_idx[e] != pos || q->pub_head[e] != head ||
	    q->pub_sum[e] != fake_chain_sum(fd, q, head))
		fd->order_errors++;	/* published without, or across, the barrier */
	q->pub_seen[e] = false;
	if (!u || q->ndeferred == FAKE_MAX_DEFERRED)
		return;
	q->deferred[q->ndeferred] = head;
	q->deferred_pos[q->ndeferred++] = q->used_idx;
	/* what the core reads without a barrier: a stale element */
	u->ring[q->used_idx % q->size].id = 0xFFFFFFFFu;
	u->ring[q->used_idx % q->size].len = 0;
	q->used_idx++;
	u->idx = q->used_idx;
}

/**
 * The platform's barrier, as the fake device sees it (see weak_order).
 * @v p		platform
 * @v kind	ordering point
 */
static void fake_barrier(struct vs_platform *p, enum vs_barrier kind)
{
	struct fake_dev *fd = fake_of(p);
	struct virtq_avail *a;
	struct fake_queue *q;
	unsigned qi, i, n;

	vs_arch_barrier(p, kind);
	fd->barriers[kind]++;
	if (!fd->weak_order || (fd->drop_barrier & (1u << kind)))
		return;
	for (qi = 0; qi < FAKE_QUEUES; qi++) {
		q = &fd->q[qi];
		a = q->enabled ? fake_dev_to_cpu(fd, q->avail, 4 + 2ull * q->size) : NULL;
		if (!a)
			continue;
		if (kind == VS_BARRIER_PUBLISH) {
			unsigned e = a->idx % FAKE_MAX_DEFERRED;

			q->pub_seen[e] = true;
			q->pub_idx[e] = a->idx;
			q->pub_head[e] = a->ring[a->idx % q->size];
			q->pub_sum[e] = fake_chain_sum(fd, q, q->pub_head[e]);
		} else if (kind == VS_BARRIER_NOTIFY) {
			q->notify_idx = a->idx;
		} else {
			n = q->ndeferred;
			q->ndeferred = 0;
			for (i = 0; i < n; i++) {
				q->filling = true;
				q->fill_pos = q->deferred_pos[i];
				fake_carry_out(fd, qi, q->deferred[i]);
				q->filling = false;
			}
		}
	}
}

void fake_process(struct fake_dev *fd, unsigned qi)
{
	struct fake_queue *q = &fd->q[qi];
	struct virtq_avail *a;

	if (!q->enabled || !(fd->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	a = fake_dev_to_cpu(fd, q->avail, 4 + 2ull * q->size);
	if (!a)
		return;
	if (qi == VIRTIO_SCSI_VQ_EVENT)
		return;		/* event buffers wait for fake_send_event */
	if ((uint16_t)(a->idx - q->last_avail) > fd->max_in_flight)
		fd->max_in_flight = (uint16_t)(a->idx - q->last_avail);
	while (q->last_avail != a->idx) {
		uint16_t head = a->ring[q->last_avail % q->size];

		if (fd->weak_order)
			fake_defer(fd, q, q->last_avail, head);
		else
			fake_carry_out(fd, qi, head);
		q->last_avail++;
	}
}

/**
 * Deliver an event into the next posted event buffer (§5.6.6.3); with no
 * buffer posted, the next delivered event carries EVENTS_MISSED.
 * @v fd	device
 * @v type	VIRTIO_SCSI_T_*
 * @v t		target
 * @v l		LUN
 * @v reason	reason field
 * @ret ok	delivered
 */
bool fake_send_event(struct fake_dev *fd, uint32_t type, unsigned t,
		     unsigned l, uint32_t reason)
{
	return fake_send_event_len(fd, type, t, l, reason, 16);
}

/**
 * Complete an event buffer, as a device that writes @p used_len bytes of
 * the event (0: writes nothing, and says so).
 */
bool fake_send_event_len(struct fake_dev *fd, uint32_t type, unsigned t,
			 unsigned l, uint32_t reason, uint32_t used_len)
{
	struct fake_queue *q = &fd->q[VIRTIO_SCSI_VQ_EVENT];
	struct virtq_avail *a;
	struct fake_chain c;
	uint8_t ev[16] = { 0 };

	a = fake_dev_to_cpu(fd, q->avail, 4 + 2ull * q->size);
	if (!a || !(fd->status & VIRTIO_STATUS_DRIVER_OK) || q->last_avail == a->idx) {
		fd->events_missed = true;
		return false;
	}
	if (!fake_read_chain(fd, q, a->ring[q->last_avail++ % q->size], &c)) {
		free(c.in);
		return false;
	}
	put_le32(ev, type | (fd->events_missed ? VIRTIO_SCSI_T_EVENTS_MISSED : 0));
	ev[4] = 1;
	ev[5] = t;
	ev[6] = 0x40 | (l >> 8);
	ev[7] = l & 0xFF;
	put_le32(ev + 12, reason);
	fd->events_missed = false;
	if (used_len)
		fake_chain_write(&c, 0, ev, used_len < sizeof(ev) ? used_len : sizeof(ev));
	fake_push_used(fd, q, c.head, used_len);
	free(c.in);
	return true;
}
