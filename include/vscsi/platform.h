/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Platform interface of the portable core.
 *
 * The core (virtio-pci transport, virtqueue, virtio-scsi, SCSI disk logic)
 * reaches the hardware and the host environment only through this table.
 * The UEFI glue implements it with EFI_PCI_IO_PROTOCOL and boot services;
 * the host tests implement it with a fake device in plain memory.  A
 * unikernel or boot loader that embeds the core implements it once more.
 *
 * No UEFI type may appear here.
 */
#ifndef VSCSI_PLATFORM_H
#define VSCSI_PLATFORM_H

#include "vscsi/types.h"

/** Status codes of the core: every layer's, in one list. */
enum vs_status {
	VS_WAIT = 2,		/**< worth sending again after a pause
				 * (busy, becoming ready: scsi_decide) */
	VS_AGAIN = 1,		/**< worth sending again at once (a unit
				 * attention, an aborted command) */
	VS_OK = 0,
	VS_E_INVAL = -1,	/**< bad parameter from the caller */
	VS_E_NODEV = -2,	/**< not a device we can drive */
	VS_E_DEVICE = -3,	/**< device misbehaved or failed */
	VS_E_TIMEOUT = -4,	/**< device did not answer in time */
	VS_E_NOMEM = -5,	/**< out of memory or DMA mappings */
	VS_E_UNSUPPORTED = -6,	/**< request the adapter cannot carry */
	VS_E_BADSIZE = -7,	/**< transfer larger than the adapter allows */
	VS_E_NOTARGET = -8,	/**< target or LUN absent (BAD_TARGET) */
	VS_E_BUSY = -9,		/**< every request slot is in flight */
	VS_E_REFUSED = -10,	/**< device refused our features (FEATURES_OK) */
	/* the SCSI layer's */
	VS_E_NOMEDIA = -20,	/**< NOT READY, medium not present */
	VS_E_PROTECTED = -21,	/**< DATA PROTECT: write protected */
	VS_E_MEDIUM = -22,	/**< MEDIUM ERROR: unrecoverable read/write */
};

/** Direction of a DMA mapping, from the device's point of view. */
enum vs_dma_dir {
	VS_DMA_TO_DEVICE,	/**< device reads the buffer */
	VS_DMA_FROM_DEVICE,	/**< device writes the buffer */
};

/**
 * The ordering points of a split virtqueue (virtio 1.2 §2.7.13, §2.7.14):
 * where the driver's accesses to memory it shares with the device, and
 * to the device's registers, must be seen in program order.
 */
enum vs_barrier {
	/** Descriptors and the avail ring entry are written; the avail
	 * index is written next (§2.7.13.3.1): store before store. */
	VS_BARRIER_PUBLISH,
	/** The avail index is written; the used ring's flags are read and
	 * the device notified next (§2.7.13.4, §2.7.10): store before load
	 * and before the register write, a full barrier. */
	VS_BARRIER_NOTIFY,
	/** The used index is read; the used element and the buffers the
	 * device wrote are read next (§2.7.14): load before load. */
	VS_BARRIER_CONSUME,
};

struct vs_platform;

/** Operations a platform provides to the core. */
struct vs_platform_ops {
	/**
	 * Read PCI configuration space.
	 * @v p		platform
	 * @v offset	byte offset in configuration space
	 * @v width	1, 2 or 4 bytes
	 * @ret val	value read
	 * @ret rc	VS_OK or VS_E_DEVICE
	 */
	int (*pci_read)(struct vs_platform *p, uint32_t offset, unsigned width,
			uint32_t *val);
	/** Write PCI configuration space; parameters as pci_read. */
	int (*pci_write)(struct vs_platform *p, uint32_t offset, unsigned width,
			 uint32_t val);
	/**
	 * Read a BAR.
	 * @v p		platform
	 * @v is_io	BAR is an I/O BAR (else memory)
	 * @v bar	BAR index 0-5
	 * @v offset	offset in the BAR
	 * @v width	1, 2, 4 or 8 bytes
	 * @ret val	value read
	 * @ret rc	VS_OK or VS_E_DEVICE
	 */
	int (*bar_read)(struct vs_platform *p, bool is_io, unsigned bar,
			uint32_t offset, unsigned width, uint64_t *val);
	/** Write a BAR; parameters as bar_read. */
	int (*bar_write)(struct vs_platform *p, bool is_io, unsigned bar,
			 uint32_t offset, unsigned width, uint64_t val);
	/**
	 * Tell whether a window of a BAR can be reached: the BAR is
	 * assigned, of the kind the device's capability says, and the
	 * window lies inside it.  The core asks once per register window
	 * it finds, before it uses any; a window refused is as if the
	 * device had not offered it.  The platform logs why it refuses.
	 * May be NULL: every window is taken as reachable (the platform's
	 * bar_read/bar_write still check each access).
	 * @v p		platform
	 * @v is_io	I/O BAR (else memory)
	 * @v bar	BAR index 0-5
	 * @v offset	window start in the BAR
	 * @v length	window size in bytes
	 * @ret rc	VS_OK, or VS_E_DEVICE
	 */
	int (*bar_check)(struct vs_platform *p, bool is_io, unsigned bar,
			 uint32_t offset, uint32_t length);
	/**
	 * Allocate zeroed memory shared with the device for its lifetime.
	 * @v p		platform
	 * @v size	bytes (the platform rounds up to whole pages)
	 * @ret cpu	address for the CPU, page aligned
	 * @ret dev	address for the device
	 * @ret token	platform handle to pass to dma_free
	 * @ret rc	VS_OK or VS_E_NOMEM
	 */
	int (*dma_alloc)(struct vs_platform *p, size_t size, void **cpu,
			 uint64_t *dev, void **token);
	/** Free memory from dma_alloc. */
	void (*dma_free)(struct vs_platform *p, size_t size, void *cpu,
			 void *token);
	/**
	 * Map a caller's buffer for one transfer.
	 * @v p		platform
	 * @v dir	direction
	 * @v buf	buffer
	 * @v len	bytes wanted; on return bytes mapped (may be fewer)
	 * @ret dev	device address of the mapped bytes
	 * @ret token	platform handle to pass to dma_unmap
	 * @ret rc	VS_OK or VS_E_NOMEM
	 */
	int (*dma_map)(struct vs_platform *p, enum vs_dma_dir dir, void *buf,
		       size_t *len, uint64_t *dev, void **token);
	/** Unmap a mapping from dma_map (copies bounce data back). */
	void (*dma_unmap)(struct vs_platform *p, void *token);
	/**
	 * Order the core's accesses at one of the virtqueue's ordering
	 * points.  vs_arch_barrier() is the right one for memory the device
	 * sees coherently (every platform of this project uses it); a
	 * platform with non-coherent DMA would add cache maintenance.
	 * @v p		platform
	 * @v kind	which ordering point
	 */
	void (*barrier)(struct vs_platform *p, enum vs_barrier kind);
	/** Wait at least @p us microseconds: only the deliberate pauses
	 * (a device busy or becoming ready, a reset settling); a request in
	 * flight is polled with vs_cpu_relax() against now_us. */
	void (*delay_us)(struct vs_platform *p, unsigned us);
	/**
	 * Read a monotonic clock.  Every deadline of the core is measured
	 * on it, so it must advance with real time (while the core polls,
	 * and while a request is inside the device), never go backwards, and
	 * have microsecond resolution or better; its origin is arbitrary.
	 * The core reads it on every poll of a request in flight, so it
	 * should cost no firmware call or device access (a CPU counter).
	 * @v p		platform
	 * @ret us	microseconds
	 */
	uint64_t (*now_us)(struct vs_platform *p);
	/** Write one formatted, newline-terminated log line. */
	void (*log)(struct vs_platform *p, const char *line);
};

/** A platform instance; embed it in the platform's own context. */
struct vs_platform {
	const struct vs_platform_ops *ops;
	/** Log verbosity: 0 errors only, 1 informational, 2 debug. */
	int log_level;
	/** The device, for log lines (PCI "segment:bus:dev.fn"; "" none). */
	char name[16];
};

/** Log levels. */
#define VS_LOG_ERR 0
#define VS_LOG_INFO 1
#define VS_LOG_DEBUG 2

void vs_log(struct vs_platform *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vs_vsnprintf(char *buf, size_t size, const char *fmt,
		 __builtin_va_list ap);
int vs_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define VS_ERR(p, ...) vs_log((p), VS_LOG_ERR, __VA_ARGS__)
#define VS_INFO(p, ...) vs_log((p), VS_LOG_INFO, __VA_ARGS__)
#define VS_DBG(p, ...) vs_log((p), VS_LOG_DEBUG, __VA_ARGS__)

/* The core needs only these from a C library; freestanding builds supply them. */
#define vs_memset __builtin_memset
#define vs_memcpy __builtin_memcpy
#define vs_memcmp __builtin_memcmp

/**
 * The record that embeds @p ptr as its member @p member: how the core
 * gets from a request (struct scsi_req) back to the caller's record.
 */
#define vs_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/**
 * The platform's clock (see vs_platform_ops.now_us).
 * @v p		platform
 * @ret us	microseconds
 */
static inline uint64_t vs_now_us(struct vs_platform *p)
{
	return p->ops->now_us(p);
}

/**
 * A deadline some microseconds from now, on the platform's clock.
 * @v p		platform
 * @v us	how far ahead
 * @ret deadline	clock value, saturated instead of wrapping
 */
static inline uint64_t vs_deadline(struct vs_platform *p, uint64_t us)
{
	uint64_t now = vs_now_us(p);

	return now + us < now ? UINT64_MAX : now + us;
}

/** Tell whether a deadline has passed. */
static inline bool vs_expired(struct vs_platform *p, uint64_t deadline)
{
	return vs_now_us(p) >= deadline;
}

/**
 * Spin once while waiting for the device: the CPU's hint that it polls
 * memory (x86 PAUSE, AArch64 YIELD), which costs no bus access and no
 * firmware call, unlike a delay (a firmware's Stall may read an emulated
 * timer port: a VM exit on every poll).  Deadlines come from the clock.
 */
static inline void vs_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/**
 * The barrier each ordering point needs on this CPU, for DMA-coherent
 * memory shared with a device and for its registers.
 *
 * x86-64 keeps stores in order with stores and loads with loads (the
 * memory is write-back, the registers uncached), so only the compiler
 * must be held back there, except before a load that must follow a
 * store: mfence.  AArch64 orders nothing by itself: dmb with the outer
 * shareable domain, which a device's accesses belong to (store-only,
 * load-only or both), as Linux's dma_wmb/dma_rmb/mb do.  Elsewhere a
 * sequentially consistent fence, which is at least as strong.
 * @v p		platform (unused)
 * @v kind	ordering point
 */
static inline void vs_arch_barrier(struct vs_platform *p, enum vs_barrier kind)
{
	(void)p;
#if defined(__x86_64__) || defined(__i386__)
	if (kind == VS_BARRIER_NOTIFY)
		__asm__ volatile("mfence" ::: "memory");
	else
		__asm__ volatile("" ::: "memory");
#elif defined(__aarch64__)
	if (kind == VS_BARRIER_PUBLISH)
		__asm__ volatile("dmb oshst" ::: "memory");
	else if (kind == VS_BARRIER_CONSUME)
		__asm__ volatile("dmb oshld" ::: "memory");
	else
		__asm__ volatile("dmb osh" ::: "memory");
#else
	(void)kind;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/**
 * Order accesses at an ordering point, through the platform.
 * @v p		platform
 * @v kind	ordering point
 */
static inline void vs_barrier(struct vs_platform *p, enum vs_barrier kind)
{
	/* parenthesised: hosts (U-Boot, Linux) define barrier() as a macro */
	(p->ops->barrier)(p, kind);
}

#endif /* VSCSI_PLATFORM_H */
