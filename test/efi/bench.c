/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Benchmark: our driver against the firmware's built-in stack
 * (VirtioScsiDxe + ScsiBus + ScsiDisk), in the same VM, on identical
 * disks.  Figures, not pass/fail: each line "# bench: ..." is a table row
 * and each "# csv: ..." a CSV row (metric, built-in, ours, ours/built-in).
 *
 * Controllers, by PCI device number (tools/run-bench.sh):
 *   0x10  built-in, 256 MiB disk in the boot order (OVMF connects it)
 *   0x11  ours, the same disk
 *   0x12  1 disk, max_target 255     } discovery, connected by the
 *   0x13  8 targets x 8 LUNs         } built-in stack before we load
 *   0x14  1 disk, max_target 255     } discovery, connected by ours
 *   0x15  8 targets x 8 LUNs         }
 *   0x19  ours, the 256 MiB disk on a 16-entry queue
 * Modes bench-window-builtin and bench-window-ours, a VM each, so that
 * neither stack's handles slow the other's (the firmware validates a
 * handle by walking its whole handle list, on every call):
 *   0x16  32 targets x 8 LUNs        built-in (its whole window)
 *   0x17  32 targets x 8 LUNs        ours
 *   0x18  256 targets x 4 LUNs       ours (beyond the built-in's window)
 * Mode bench-timer, a VM of its own with QEMU's trace on (x86):
 *   0x10, 0x11 as above
 *   0x1a  built-in, a throttled disk } requests that take milliseconds
 *   0x1b  ours, a throttled disk     }
 * where the app marks phases by writing 1-8 to port BENCH_MARK_PORT, so
 * that the trace can count the ACPI PM timer reads of each.
 * Time is the CPU's counter, calibrated against Stall in this run.
 */
#include "testlib.h"

#define BENCH_PASSES 3
#define MIB (1024u * 1024u)
#define BENCH_CTRLS 12
/** The built-in stack's window (OVMF: targets 0-31, LUNs 0-7). */
#define BENCH_WINDOW_UNITS (32 * 8)
/** An ISA debug console of its own (run-bench.sh): phase marks. */
#define BENCH_MARK_PORT 0x404
/** Requests of each phase whose timer reads are counted. */
#define BENCH_WAIT_CALLS 1000
#define BENCH_SLOW_CALLS 40

/** Mark a phase for the runner's trace (x86: a port write QEMU traces). */
static void mark(UINT8 phase)
{
#if VS_ARCH_HAS_DEBUGCON
	outb(BENCH_MARK_PORT, phase);
#else
	(void)phase;
#endif
}

static UINT64 tsc_per_ms;

/** The CPU's counter (efi/arch.h). */
static UINT64 rdtsc(void)
{
	return vs_arch_counter();
}

/** The counter's rate: stated (AArch64), or measured on 100 ms of Stall. */
static void calibrate(void)
{
	UINT64 t0 = rdtsc();

	tsc_per_ms = vs_arch_counter_hz() / 1000;
	if (!tsc_per_ms) {
		BS->Stall(100000);
		tsc_per_ms = (rdtsc() - t0) / 100;
	}
	note("counter: %lu ticks per ms", (unsigned long)tsc_per_ms);
}

static UINT64 elapsed_us(UINT64 t0)
{
	return (rdtsc() - t0) * 1000 / tsc_per_ms;
}

/** PCI device number of a controller (from its device path). */
static UINTN pci_device(EFI_HANDLE h)
{
	EFI_DEVICE_PATH *p = DevicePathFromHandle(h);
	UINTN dev = ~0ul;

	for (; p && !IsDevicePathEnd(p); p = NextDevicePathNode(p))
		if (DevicePathType(p) == HARDWARE_DEVICE_PATH &&
		    DevicePathSubType(p) == HW_PCI_DP)
			dev = ((PCI_DEVICE_PATH *)p)->Device;
	return dev;
}

/** One table row: a figure (x10, one decimal) for each stack. */
static void row(const char *metric, const char *unit, UINT64 builtin10,
		UINT64 ours10)
{
	UINT64 ratio100 = builtin10 ? ours10 * 100 / builtin10 : 0;

	note("bench: %-34s %8lu.%lu %8lu.%lu  %3lu.%02lux  %s", metric,
	     (unsigned long)(builtin10 / 10), (unsigned long)(builtin10 % 10),
	     (unsigned long)(ours10 / 10), (unsigned long)(ours10 % 10),
	     (unsigned long)(ratio100 / 100), (unsigned long)(ratio100 % 100), unit);
	note("csv: %s (%s),%lu.%lu,%lu.%lu,%lu.%02lu", metric, unit,
	     (unsigned long)(builtin10 / 10), (unsigned long)(builtin10 % 10),
	     (unsigned long)(ours10 / 10), (unsigned long)(ours10 % 10),
	     (unsigned long)(ratio100 / 100), (unsigned long)(ratio100 % 100));
}

/** Median of three. */
static UINT64 median3(UINT64 *v)
{
	UINT64 a = v[0], b = v[1], c = v[2];

	if (a > b) { UINT64 t = a; a = b; b = t; }
	if (b > c) b = c;
	return a > b ? a : b;
}

/**
 * Sequential reads or writes of @p total bytes in calls of @p size.
 * @ret mibs10	MiB/s x 10, median of BENCH_PASSES (0 on error)
 */
static UINT64 seq(EFI_BLOCK_IO *bio, BOOLEAN write, UINTN size, UINT64 total,
		  VOID *buf)
{
	UINT64 v[BENCH_PASSES], lba, us, t0;
	UINTN pass, per = size / bio->Media->BlockSize;
	EFI_STATUS st;

	for (pass = 0; pass < BENCH_PASSES; pass++) {
		t0 = rdtsc();
		for (lba = 0; lba < total / bio->Media->BlockSize; lba += per) {
			st = write ? bio->WriteBlocks(bio, bio->Media->MediaId, lba, size, buf)
				   : bio->ReadBlocks(bio, bio->Media->MediaId, lba, size, buf);
			if (EFI_ERROR(st))
				return 0;
		}
		us = elapsed_us(t0);
		v[pass] = us ? total * 10 * 1000000 / MIB / us : 0;
	}
	return median3(v);
}

/** Random 4 KiB reads: calls per second x 10. */
static UINT64 random_reads(EFI_BLOCK_IO *bio, UINTN calls, VOID *buf)
{
	UINT64 x = 12345, blocks = bio->Media->LastBlock + 1 - 8, t0, us;
	UINTN i;

	t0 = rdtsc();
	for (i = 0; i < calls; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (EFI_ERROR(bio->ReadBlocks(bio, bio->Media->MediaId,
					      (x >> 20) % blocks & ~7ull, 4096, buf)))
			return 0;
	}
	us = elapsed_us(t0);
	return us ? (UINT64)calls * 10 * 1000000 / us : 0;
}

/**
 * Discovery time (ms x 10): from ConnectController until every Block I/O
 * child is installed, without the partition and file system drivers a
 * recursive connect would also run (those cost the same on both stacks).
 * Ours makes the children in its own Start.  The built-in stack takes
 * three drivers on the controller (VirtioPciDeviceDxe, VirtioScsiDxe,
 * ScsiBus: one non-recursive connect binds them all, ScsiBus makes a
 * child per unit), then ScsiDisk on each child.
 * @v ctrl	controller
 * @v drv	our image, or NULL for the built-in stack
 * @v units	children expected
 */
static UINT64 discovery(EFI_HANDLE ctrl, EFI_HANDLE drv, UINTN units)
{
	EFI_HANDLE drivers[2] = { drv, NULL }, *h;
	EFI_DEVICE_PATH *path = DevicePathFromHandle(ctrl), *p;
	UINT64 t0 = rdtsc(), us;
	UINTN n, i;
	EFI_TPL tpl;

	BS->ConnectController(ctrl, drv ? drivers : NULL, NULL, FALSE);
	tpl = walk_begin();	/* ConnectController is allowed at TPL_CALLBACK */
	if (!drv && !EFI_ERROR(BS->LocateHandleBuffer(AllHandles, NULL, NULL,
						      &n, &h))) {
		for (i = 0; i < n; i++) {
			p = DevicePathFromHandle(h[i]);
			if (p && scsi_node_under(path, p, TRUE))
				BS->ConnectController(h[i], NULL, NULL, FALSE);
		}
		FreePool(h);
	}
	walk_end(tpl);
	us = elapsed_us(t0);
	check(count_children(path) == units, drv ? "bench: ours found every unit" :
	      "bench: the built-in stack found every unit", "%u of %u",
	      (unsigned)count_children(path), (unsigned)units);
	return us / 100;
}

/**
 * The device floor: the round trip of a no-data command, TEST UNIT READY
 * to 0:0, on a controller's pass-thru.
 * @ret us10	microseconds per call x 10 (0 on error)
 */
static UINT64 floor_us10(EFI_HANDLE ctrl, UINTN calls)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 target[TARGET_MAX_BYTES] = { 0 }, cdb[6] = { SCSI_OP_TEST_UNIT_READY };
	UINT64 t0;
	UINTN i;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return 0;
	t0 = rdtsc();
	for (i = 0; i < calls; i++) {
		ZeroMem(&p, sizeof(p));
		p.Timeout = 10000000;
		p.Cdb = cdb;
		p.CdbLength = sizeof(cdb);
		p.DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_READ;
		if (EFI_ERROR(pt->PassThru(pt, target, 0, &p, NULL)))
			return 0;
	}
	return elapsed_us(t0) * 10 / calls;
}

/** Microseconds x 10 per 4 KiB ReadBlocks, sequential. */
static UINT64 read4k_us10(EFI_BLOCK_IO *bio, UINTN calls, VOID *buf)
{
	UINT64 t0 = rdtsc();
	UINTN i;

	for (i = 0; i < calls; i++)
		if (EFI_ERROR(bio->ReadBlocks(bio, bio->Media->MediaId, i * 8, 4096,
					      buf)))
			return 0;
	return elapsed_us(t0) * 10 / calls;
}

/** Find the first Block I/O right under a controller. */
static EFI_BLOCK_IO *first_disk(EFI_HANDLE ctrl)
{
	UINTN count;

	return find_block_io(DevicePathFromHandle(ctrl), 0, 0, &count);
}

/**
 * The phases whose ACPI PM timer reads the runner counts: 4 KiB reads on
 * each stack's disk (BENCH_WAIT_CALLS), then on each stack's throttled
 * disk, where every request waits milliseconds (BENCH_SLOW_CALLS).
 */
static void timer_phases(EFI_BLOCK_IO *b, EFI_BLOCK_IO *o, EFI_BLOCK_IO *bs,
			 EFI_BLOCK_IO *os, VOID *buf)
{
	EFI_BLOCK_IO *bio[4] = { b, o, bs, os };
	UINTN p, i, calls;

	for (p = 0; p < 4; p++) {
		calls = p < 2 ? BENCH_WAIT_CALLS : BENCH_SLOW_CALLS;
		mark(2 * p + 1);
		for (i = 0; i < calls && bio[p]; i++)
			bio[p]->ReadBlocks(bio[p], bio[p]->Media->MediaId, i * 8,
					   4096, buf);
		mark(2 * p + 2);
	}
	note("bench: timer phases: %u and %u requests", BENCH_WAIT_CALLS,
	     BENCH_SLOW_CALLS);
}

/** 1 MiB reads on a 16-entry queue against the default one (both ours). */
static void small_queue_row(EFI_HANDLE *c, EFI_HANDLE drv, EFI_BLOCK_IO *o,
			    VOID *buf)
{
	EFI_BLOCK_IO *q;
	UINT64 full, small;

	check(connect(c[9], drv) == EFI_SUCCESS, "bench: ours on the 16-entry "
	      "queue's controller", "no");
	q = first_disk(c[9]);
	if (!check(q != NULL, "bench: a disk on the 16-entry queue", "none"))
		return;
	full = seq(o, FALSE, MIB, 256 * MIB, buf);
	small = seq(q, FALSE, MIB, 256 * MIB, buf);
	note("bench: ours, sequential read 1024 KiB per call: %lu.%lu MiB/s on "
	     "the default queue, %lu.%lu MiB/s on a 16-entry queue (%lu %%)",
	     (unsigned long)(full / 10), (unsigned long)(full % 10),
	     (unsigned long)(small / 10), (unsigned long)(small % 10),
	     (unsigned long)(full ? small * 100 / full : 0));
	note("csv: sequential read 1024 KiB per call on a 16-entry queue, ours "
	     "(MiB/s),%lu.%lu,%lu.%lu,%lu.%02lu",
	     (unsigned long)(full / 10), (unsigned long)(full % 10),
	     (unsigned long)(small / 10), (unsigned long)(small % 10),
	     (unsigned long)(full ? small * 100 / full / 100 : 0),
	     (unsigned long)(full ? small * 100 / full % 100 : 0));
}

/**
 * Find the bench's controllers by PCI device number.
 * @v ctrls	virtio-scsi controllers
 * @v n		how many
 * @v c		filled: c[dev - 0x10]
 * @v first	first device number that must be there
 * @v last	last
 * @ret ok	all of first..last found
 */
static BOOLEAN find_bench_ctrls(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *c,
				UINTN first, UINTN last)
{
	UINTN i, dev;

	for (i = 0; i < n; i++) {
		dev = pci_device(ctrls[i]);
		if (dev >= 0x10 && dev < 0x10 + BENCH_CTRLS)
			c[dev - 0x10] = ctrls[i];
	}
	for (dev = first; dev <= last; dev++)
		if (!check(c[dev - 0x10] != NULL, "bench: its controllers are there",
			   "00:%02x missing", (unsigned)dev))
			return FALSE;
	return TRUE;
}

/**
 * Mode bench-timer: the phases whose ACPI PM timer reads the runner's
 * trace counts, on each stack's disk and throttled disk.
 */
void bench_timer_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv)
{
	EFI_HANDLE c[BENCH_CTRLS] = { 0 };
	EFI_BLOCK_IO *b, *o, *bs, *os;
	VOID *buf = alloc_buf(4096);

	calibrate();
	if (!find_bench_ctrls(ctrls, n, c, 0x10, 0x11) ||
	    !find_bench_ctrls(ctrls, n, c, 0x1a, 0x1b) || !buf)
		return;
	BS->UnloadImage(*drv);
	discovery(c[10], NULL, 1);	/* the built-in stack's throttled disk */
	*drv = load_driver();
	if (!*drv)
		return;
	check(connect(c[1], *drv) == EFI_SUCCESS &&
	      connect(c[11], *drv) == EFI_SUCCESS,
	      "bench: ours on its disk and its throttled disk", "no");
	b = first_disk(c[0]);
	o = first_disk(c[1]);
	bs = first_disk(c[10]);
	os = first_disk(c[11]);
	if (check(b && o && bs && os, "bench: a disk and a throttled disk on "
		  "each stack", "missing"))
		timer_phases(b, o, bs, os, buf);
	free_buf(buf, 4096);
}

/**
 * Modes bench-window-builtin and bench-window-ours: connect time of the
 * built-in stack's whole window (and for ours, of 256 targets x 4 LUNs),
 * each stack in a VM of its own; the runner puts the rows together.
 * @v ours	our driver's run, else the built-in stack's
 */
void bench_window_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv,
			BOOLEAN ours)
{
	EFI_HANDLE c[BENCH_CTRLS] = { 0 };
	UINT64 t;

	calibrate();
	if (!find_bench_ctrls(ctrls, n, c, ours ? 0x17 : 0x16, ours ? 0x18 : 0x16))
		return;
	if (!ours) {
		BS->UnloadImage(*drv);
		*drv = NULL;
		t = discovery(c[6], NULL, BENCH_WINDOW_UNITS);
		note("bench: window: built-in %lu.%lu ms", (unsigned long)(t / 10),
		     (unsigned long)(t % 10));
		return;
	}
	t = discovery(c[7], *drv, BENCH_WINDOW_UNITS);
	note("bench: window: ours %lu.%lu ms", (unsigned long)(t / 10),
	     (unsigned long)(t % 10));
	t = discovery(c[8], *drv, 1024);
	note("bench: window: ours at 256 targets x 4 LUNs %lu.%lu ms",
	     (unsigned long)(t / 10), (unsigned long)(t % 10));
}

void bench_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE *drv)
{
	EFI_HANDLE c[BENCH_CTRLS] = { 0 };
	EFI_BLOCK_IO *b, *o;
	VSCSI_STATS_PROTOCOL *sp = NULL;
	VSCSI_STATS s0, s1;
	static const UINTN sizes[] = { 4096, 65536, MIB, 8 * MIB };
	static const UINT64 totals[] = { 16 * MIB, 128 * MIB, 256 * MIB, 256 * MIB };
	UINT64 disc[4];
	char name[64];
	VOID *buf;
	UINTN i;

	calibrate();
	if (!find_bench_ctrls(ctrls, n, c, 0x10, 0x15) ||
	    !find_bench_ctrls(ctrls, n, c, 0x19, 0x19))
		return;
	/* the built-in stack's discovery, before our driver is around */
	BS->UnloadImage(*drv);
	disc[0] = discovery(c[2], NULL, 1);
	disc[1] = discovery(c[3], NULL, 64);
	*drv = load_driver();
	if (!*drv)
		return;
	/*
	 * Ours on its benchmark controller first: under TCG, code runs
	 * slower the first time (it is translated then), and the firmware's
	 * stack has run already, for its boot disk; so both are warm.
	 */
	check(connect(c[1], *drv) == EFI_SUCCESS && pci_owner(c[1]) == *drv,
	      "bench: our driver holds controller 00:11", "no");
	disc[2] = discovery(c[4], *drv, 1);
	disc[3] = discovery(c[5], *drv, 64);
	check(pci_owner(c[0]) && pci_owner(c[0]) != *drv,
	      "bench: the firmware's stack holds controller 00:10", "no");
	b = first_disk(c[0]);
	o = first_disk(c[1]);
	buf = alloc_buf(8 * MIB);
	if (!check(b && o && buf, "bench: a 256 MiB disk on each", "missing"))
		return;
	BS->HandleProtocol(c[1], &stats_guid, (VOID **)&sp);

	note("bench: %-34s %10s %10s %7s", "metric", "built-in", "ours", "ratio");
	for (i = 0; i < 4; i++) {
		vs_snprintf(name, sizeof(name), "sequential read, %lu KiB per call",
			    (unsigned long)(sizes[i] / 1024));
		row(name, "MiB/s", seq(b, FALSE, sizes[i], totals[i], buf),
		    seq(o, FALSE, sizes[i], totals[i], buf));
	}
	row("random 4 KiB reads", "calls/s", random_reads(b, 3000, buf),
	    random_reads(o, 3000, buf));
	row("sequential write, 1024 KiB per call", "MiB/s",
	    seq(b, TRUE, MIB, 64 * MIB, buf), seq(o, TRUE, MIB, 64 * MIB, buf));
	{
		UINT64 fb = floor_us10(c[0], 2000), fo = floor_us10(c[1], 2000);
		UINT64 rb = read4k_us10(b, 2000, buf), ro = read4k_us10(o, 2000, buf);

		row("device floor: TEST UNIT READY", "us/call", fb, fo);
		row("4 KiB ReadBlocks", "us/call", rb, ro);
		note("bench: ours, a 4 KiB read costs %lu.%02lux our floor",
		     (unsigned long)(fo ? ro * 100 / fo / 100 : 0),
		     (unsigned long)(fo ? ro * 100 / fo % 100 : 0));
	}
	row("discovery, 1 disk, max_target 255", "ms", disc[0], disc[2]);
	row("discovery, 8 targets x 8 LUNs", "ms", disc[1], disc[3]);
	small_queue_row(c, *drv, o, buf);
	if (sp && !EFI_ERROR(sp->GetStats(sp, &s0))) {
		seq(o, FALSE, MIB, 64 * MIB, buf);
		sp->GetStats(sp, &s1);
		/* per MiB x 10, over BENCH_PASSES x 64 MiB */
		note("bench: ours, 1 MiB reads: %lu.%lu requests and %lu.%lu "
		     "notifications per MiB",
		     (unsigned long)((s1.Requests - s0.Requests) * 10 / (64 * BENCH_PASSES) / 10),
		     (unsigned long)((s1.Requests - s0.Requests) * 10 / (64 * BENCH_PASSES) % 10),
		     (unsigned long)((s1.Notifications - s0.Notifications) * 10 / (64 * BENCH_PASSES) / 10),
		     (unsigned long)((s1.Notifications - s0.Notifications) * 10 / (64 * BENCH_PASSES) % 10));
	}
	free_buf(buf, 8 * MIB);
}
