/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The bare-metal program: bring up every virtio-scsi controller, list
 * its units and their partitions, run the checks the command line asks
 * for, wait for hot-plug events if asked, reset every controller, exit.
 *
 * Console lines a harness parses (fields separated by one space):
 *
 *   unit PCI T:L KIND block=B blocks=N "VENDOR" "PRODUCT" [ro] [nomedium]
 *   gone PCI T:L
 *   gpt PCI T:L none | entries=N | bad ...
 *   part PCI T:L INDEX first=LBA last=LBA type=GUID name="NAME"
 *   check|fill PCI T:L seed=S first=LBA blocks=N ok|failed errors=E mismatches=M
 *   error PCI T:L lba=L count=N rc=STATUS
 *   mismatch PCI T:L lba=L byte=OFFSET
 *   read PCI T:L lba=L blocks=N rc=STATUS ms=ELAPSED
 *   selftest PCI passed|failed status=XX queues=N tur=STATUS us=N
 *   selftest PCI T:L passed|failed inquiry=STATUS capacity=STATUS read=STATUS
 *   reset PCI status=XX
 *   done controllers=C units=U failed=F
 *   exit CODE (NAME)
 *
 * PCI is bus:device.function in hex, T:L target and LUN in decimal, KIND
 * disk, cdrom or type-N (the SCSI peripheral device type); lines starting
 * "log " are the core's own.  The command line (QEMU -append) is a list of
 * words, run in order:
 *
 *   log=N                     core log level: 0 errors, 1 info, 2 debug
 *   timeout=MS                deadline of each read or write command
 *   check=PCI/T:L/SEED[/N[/FIRST]]
 *                             read N blocks from FIRST (default: all, from
 *                             0) and compare them with the pattern of SEED
 *                             (test/common/pattern.h, in 512-byte sectors)
 *   fill=PCI/T:L/SEED[/N[/FIRST]]
 *                             write the pattern of SEED there, then flush
 *   read=PCI/T:L/LBA/N        read N blocks at LBA and report the status
 *   hotplug=S                 wait up to S seconds for a unit to appear or
 *                             go (polling the event queues), list it
 *   selftest                  the core's self-tests of every controller
 *                             and disk (vscsi_self_test, scsi_disk_self_test)
 */
#include "spec/virtio.h"
#include "pattern.h"
#include "bare.h"

#define BARE_MAX_CTRLS	8
#define BARE_MAX_OPS	16
/** Buffer of the checks: 1 MiB, so a check is many requests in flight. */
#define IO_BUF_SIZE	(1024 * 1024)
/** Room for a partition table: 128 entries of 128 bytes, or a block. */
#define GPT_BUF_SIZE	(64 * 1024)
#define HOTPLUG_POLL_US	10000
/** Mismatches printed per check (all are counted). */
#define MISMATCH_LINES	4

/** PVH start info (Xen public/arch-x86/hvm/start_info.h). */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
};
#define HVM_START_MAGIC 0x336ec578

enum op_kind { OP_CHECK, OP_FILL, OP_READ, OP_HOTPLUG, OP_SELFTEST };

/** One command-line action on one unit. */
struct op {
	enum op_kind kind;
	uint8_t bus, dev, fn;
	uint8_t target;
	uint16_t lun;
	uint64_t arg;		/**< seed (check, fill), LBA (read) or
				 * seconds (hotplug) */
	uint64_t blocks;	/**< 0: the whole disk */
	uint64_t first;		/**< check, fill: first block */
};

static struct {
	int log_level;
	uint64_t timeout_us;
	struct op op[BARE_MAX_OPS];
	unsigned nops;
} opt = { .log_level = VS_LOG_INFO };

static struct bare_ctrl ctrl[BARE_MAX_CTRLS];
static unsigned nctrl;
static uint8_t io_buf[IO_BUF_SIZE] __attribute__((aligned(4096)));
static uint8_t gpt_buf[GPT_BUF_SIZE] __attribute__((aligned(4096)));
static unsigned checks_failed;
static unsigned unit_changes;	/**< units added or gone, since start */
/** Units added whose partitions are not printed yet. */
static struct scsi_unit *fresh[BARE_MAX_CTRLS * 32];
static struct bare_ctrl *fresh_ctrl[BARE_MAX_CTRLS * 32];
static unsigned nfresh;

/* ------------------------------------------------------------ units */

/** Print INQUIRY text (vendor, product) trimmed, quotes kept out. */
static void inquiry_text(char *out, const uint8_t *p, unsigned n)
{
	unsigned i, len = 0;

	for (i = 0; i < n; i++) {
		out[i] = p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' ? p[i] : '?';
		if (out[i] != ' ')
			len = i + 1;
	}
	out[len] = '\0';
}

/** Print a unit's line (see the file comment). */
static void unit_print(struct bare_ctrl *b, struct scsi_unit *u)
{
	const struct scsi_disk *d = &u->disk;
	char vendor[9], product[17], kind[12];

	inquiry_text(vendor, u->info.inquiry + SCSI_INQ_VENDOR, 8);
	inquiry_text(product, u->info.inquiry + SCSI_INQ_PRODUCT, 16);
	if (u->info.pdt == SCSI_PDT_DIRECT_ACCESS)
		vs_snprintf(kind, sizeof(kind), "disk");
	else if (u->info.pdt == SCSI_PDT_CDROM)
		vs_snprintf(kind, sizeof(kind), "cdrom");
	else
		vs_snprintf(kind, sizeof(kind), "type-%u", u->info.pdt);
	console_printf("unit %s %u:%u %s block=%u blocks=%llu \"%s\" \"%s\"%s%s\n",
		       b->plat.name, u->info.target, u->info.lun, kind,
		       u->has_disk && d->present ? d->block_size : 0,
		       u->has_disk && d->present ?
		       (unsigned long long)d->last_lba + 1 : 0ull,
		       vendor, product,
		       u->has_disk && d->read_only ? " ro" : "",
		       u->has_disk && !d->present ? " nomedium" : "");
}

static void inv_added(struct scsi_inventory *inv, struct scsi_unit *u)
{
	if (u->has_disk)
		u->disk.timeout_us = opt.timeout_us;
	unit_changes++;
	unit_print(inv->ctx, u);
	if (nfresh < sizeof(fresh) / sizeof(fresh[0])) {
		fresh_ctrl[nfresh] = inv->ctx;
		fresh[nfresh++] = u;
	}
}

static void inv_removed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	struct bare_ctrl *b = inv->ctx;
	unsigned i;

	unit_changes++;
	for (i = 0; i < nfresh; i++)
		if (fresh[i] == u)
			fresh[i] = NULL;
	console_printf("gone %s %u:%u\n", b->plat.name, u->info.target,
		       u->info.lun);
	scsi_inv_release(inv, u);
}

static void inv_changed(struct scsi_inventory *inv, struct scsi_unit *u)
{
	unit_print(inv->ctx, u);
}

static const struct scsi_inventory_ops inv_ops = {
	.added = inv_added,
	.removed = inv_removed,
	.changed = inv_changed,
};

/** Print the partitions of a unit that has a medium. */
static void unit_partitions(struct bare_ctrl *b, struct scsi_unit *u)
{
	int rc;

	if (!u->has_disk || !u->disk.present)
		return;
	rc = gpt_print(b, u, gpt_buf, sizeof(gpt_buf));
	if (rc != VS_OK)
		console_printf("gpt %s %u:%u rc=%s\n", b->plat.name,
			       u->info.target, u->info.lun, bare_status_name(rc));
}

/** Print the partitions of the units added since the last call. */
static void fresh_partitions(void)
{
	unsigned i;

	for (i = 0; i < nfresh; i++)
		if (fresh[i])
			unit_partitions(fresh_ctrl[i], fresh[i]);
	nfresh = 0;
}

/* ----------------------------------------------------------- checks */

/** Where a check stands: bad ranges are printed as they close. */
struct check {
	const char *where;
	uint64_t bad_first, bad_count;	/**< the open range of errors */
	int bad_rc;
	uint64_t errors, mismatches;
};

/** Close the open error range, printing it. */
static void check_flush_errors(struct check *k)
{
	if (!k->bad_count)
		return;
	console_printf("error %s lba=%llu count=%llu rc=%s\n", k->where,
		       (unsigned long long)k->bad_first,
		       (unsigned long long)k->bad_count, bare_status_name(k->bad_rc));
	k->bad_count = 0;
}

/** Note one block that could not be read or written. */
static void check_error(struct check *k, uint64_t lba, int rc)
{
	if (k->bad_count && (lba != k->bad_first + k->bad_count || rc != k->bad_rc))
		check_flush_errors(k);
	if (!k->bad_count) {
		k->bad_first = lba;
		k->bad_rc = rc;
	}
	k->bad_count++;
	k->errors++;
}

/** Compare blocks read with the pattern (512-byte pattern sectors). */
static void check_compare(struct check *k, const struct scsi_disk *d,
			  uint64_t seed, uint64_t lba, uint64_t n,
			  const uint8_t *buf)
{
	uint64_t i, sectors = n * d->block_size / PATTERN_SECTOR;
	uint64_t first = lba * d->block_size / PATTERN_SECTOR;
	int at;

	for (i = 0; i < sectors; i++) {
		at = pattern_check(seed, first + i, buf + i * PATTERN_SECTOR);
		if (at < 0)
			continue;
		if (k->mismatches++ < MISMATCH_LINES)
			console_printf("mismatch %s lba=%llu byte=%llu\n", k->where,
				       (unsigned long long)((first + i) * PATTERN_SECTOR /
							    d->block_size),
				       (unsigned long long)(i * PATTERN_SECTOR % d->block_size + at));
	}
}

/**
 * Read or write a range of blocks with the pattern, in buffer-sized pieces.
 * A piece that fails is done again block by block, so the errors are
 * found to the block and the rest is still checked.
 */
static void op_pattern(struct bare_ctrl *b, struct scsi_unit *u,
		       const struct op *o)
{
	struct scsi_disk *d = &u->disk;
	uint64_t per, lba, n, i, end, s;
	bool fill = o->kind == OP_FILL;
	struct check k = { 0 };
	char where[32];
	int rc;

	vs_snprintf(where, sizeof(where), "%s %u:%u", b->plat.name,
		    u->info.target, u->info.lun);
	k.where = where;
	end = d->last_lba + 1;
	if (o->first >= end) {
		console_printf("%s %s first=%llu is past the end\n",
			       fill ? "fill" : "check", where,
			       (unsigned long long)o->first);
		checks_failed++;
		return;
	}
	if (o->blocks && o->blocks < end - o->first)
		end = o->first + o->blocks;
	per = IO_BUF_SIZE / d->block_size;
	for (lba = o->first; lba < end; lba += n) {
		n = end - lba < per ? end - lba : per;
		if (fill) {
			for (s = 0; s < n * d->block_size / PATTERN_SECTOR; s++)
				pattern_fill(o->arg, lba * d->block_size / PATTERN_SECTOR + s,
					     io_buf + s * PATTERN_SECTOR);
			rc = scsi_disk_write(d, lba, n, io_buf);
		} else {
			rc = scsi_disk_read(d, lba, n, io_buf);
		}
		if (rc == VS_OK) {
			if (!fill)
				check_compare(&k, d, o->arg, lba, n, io_buf);
			continue;
		}
		for (i = 0; i < n; i++) {
			uint8_t *blk = io_buf + i * d->block_size;

			rc = fill ? scsi_disk_write(d, lba + i, 1, blk)
				  : scsi_disk_read(d, lba + i, 1, blk);
			if (rc != VS_OK)
				check_error(&k, lba + i, rc);
			else if (!fill)
				check_compare(&k, d, o->arg, lba + i, 1, blk);
		}
	}
	check_flush_errors(&k);
	if (fill && (rc = scsi_disk_flush(d)) != VS_OK)
		check_error(&k, end, rc), check_flush_errors(&k);
	if (k.errors || k.mismatches)
		checks_failed++;
	console_printf("%s %s seed=%llu first=%llu blocks=%llu %s errors=%llu mismatches=%llu\n",
		       fill ? "fill" : "check", where, (unsigned long long)o->arg,
		       (unsigned long long)o->first, (unsigned long long)(end - o->first),
		       k.errors || k.mismatches ? "failed" : "ok",
		       (unsigned long long)k.errors, (unsigned long long)k.mismatches);
}

/** Read some blocks and report only the status (a probe of recovery). */
static void op_read(struct bare_ctrl *b, struct scsi_unit *u, const struct op *o)
{
	uint64_t n = o->blocks * u->disk.block_size <= IO_BUF_SIZE ? o->blocks :
		     IO_BUF_SIZE / u->disk.block_size;
	uint64_t t0 = clock_us();
	int rc = scsi_disk_read(&u->disk, o->arg, n, io_buf);

	console_printf("read %s %u:%u lba=%llu blocks=%llu rc=%s ms=%llu\n",
		       b->plat.name, u->info.target, u->info.lun,
		       (unsigned long long)o->arg, (unsigned long long)n,
		       bare_status_name(rc), (unsigned long long)(clock_us() - t0) / 1000);
}

static void wait_hotplug(unsigned seconds);

/** The core's self-tests of every controller and its disks. */
static void self_tests(void)
{
	struct scsi_disk_health dh;
	struct vscsi_health h;
	struct scsi_unit *u;
	unsigned i, j;
	bool ok;

	for (i = 0; i < nctrl; i++) {
		struct bare_ctrl *b = &ctrl[i];

		if (!b->up)
			continue;
		ok = scsi_inv_self_test(&b->inv, &h);
		if (!ok)
			checks_failed++;
		console_printf("selftest %s %s status=%02x queues=%u tur=%s us=%llu\n",
			       b->plat.name, ok ? "passed" : "failed", h.status,
			       h.queues_live, bare_status_name(h.tur_rc),
			       (unsigned long long)h.tur_us);
		for (j = 0; j < scsi_inv_count(&b->inv); j++) {
			u = scsi_inv_at(&b->inv, j);
			if (!u->has_disk || u->disk.block_size > IO_BUF_SIZE)
				continue;
			ok = scsi_disk_self_test(&u->disk, io_buf, &dh);
			if (!ok)
				checks_failed++;
			console_printf("selftest %s %u:%u %s inquiry=%s capacity=%s read=%s\n",
				       b->plat.name, u->info.target, u->info.lun,
				       ok ? "passed" : "failed",
				       bare_status_name(dh.inquiry_rc),
				       bare_status_name(dh.capacity_rc),
				       bare_status_name(dh.read_rc));
		}
	}
}

/** Find the controller and unit an op names, and run it. */
static void op_run(const struct op *o)
{
	struct scsi_unit *u = NULL;
	struct bare_ctrl *b;
	unsigned i;

	if (o->kind == OP_HOTPLUG) {
		wait_hotplug(o->arg);
		return;
	}
	if (o->kind == OP_SELFTEST) {
		self_tests();
		return;
	}
	for (i = 0; i < nctrl; i++) {
		b = &ctrl[i];
		if (b->up && b->pci.bus == o->bus && b->pci.dev == o->dev &&
		    b->pci.fn == o->fn) {
			u = scsi_inv_find(&b->inv, o->target, o->lun);
			break;
		}
	}
	if (!u || !u->has_disk || !u->disk.present) {
		console_printf("%s %02x:%02x.%x %u:%u no such disk\n",
			       o->kind == OP_READ ? "read" :
			       o->kind == OP_FILL ? "fill" : "check",
			       o->bus, o->dev, o->fn, o->target, o->lun);
		checks_failed++;
		return;
	}
	if (o->kind == OP_READ)
		op_read(b, u, o);
	else
		op_pattern(b, u, o);
}

/* ------------------------------------------------------ command line */

/** Parse an unsigned number in a base; advances *s. */
static bool parse_num(const char **s, unsigned base, uint64_t *v)
{
	const char *p = *s;
	unsigned digit;

	*v = 0;
	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			digit = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = *p - 'a' + 10;
		else
			break;
		*v = *v * base + digit;
	}
	if (p == *s)
		return false;
	*s = p;
	return true;
}

/** Expect one character; advances *s. */
static bool parse_char(const char **s, char ch)
{
	if (**s != ch)
		return false;
	(*s)++;
	return true;
}

/** Parse "BB:DD.F/T:L/ARG[/N]" into an op. */
static bool parse_op(const char *s, struct op *o, bool need_n)
{
	uint64_t bus, dev, fn, t, l;

	if (!parse_num(&s, 16, &bus) || !parse_char(&s, ':') ||
	    !parse_num(&s, 16, &dev) || !parse_char(&s, '.') ||
	    !parse_num(&s, 16, &fn) || !parse_char(&s, '/') ||
	    !parse_num(&s, 10, &t) || !parse_char(&s, ':') ||
	    !parse_num(&s, 10, &l) || !parse_char(&s, '/') ||
	    !parse_num(&s, 10, &o->arg))
		return false;
	o->blocks = o->first = 0;
	if (parse_char(&s, '/') && !parse_num(&s, 10, &o->blocks))
		return false;
	if (!need_n && parse_char(&s, '/') && !parse_num(&s, 10, &o->first))
		return false;
	if ((need_n && !o->blocks) || bus > 255 || dev > 31 || fn > 7 ||
	    t > 255 || l > 16383 || (*s && *s != ' '))
		return false;
	o->bus = bus;
	o->dev = dev;
	o->fn = fn;
	o->target = t;
	o->lun = l;
	return true;
}

/** Tell whether word @p w starts with @p key; sets *val past it. */
static bool word_is(const char *w, const char *key, const char **val)
{
	while (*key)
		if (*w++ != *key++)
			return false;
	*val = w;
	return true;
}

/**
 * Parse the command line (see the file comment).
 * @v cmdline	NUL-terminated, may be NULL
 * @ret ok	false (after a line naming the word) on a bad word
 */
static bool parse_cmdline(const char *cmdline)
{
	const char *w = cmdline, *v;
	uint64_t n;

	if (!w)
		return true;
	console_printf("cmdline: %s\n", cmdline);
	while (*w) {
		if (*w == ' ') {
			w++;
			continue;
		}
		if (word_is(w, "log=", &v) && parse_num(&v, 10, &n) && n <= 2) {
			opt.log_level = n;
		} else if (word_is(w, "timeout=", &v) && parse_num(&v, 10, &n) && n) {
			opt.timeout_us = n * 1000;
		} else if (opt.nops < BARE_MAX_OPS && word_is(w, "selftest", &v) &&
			   (!*v || *v == ' ')) {
			opt.op[opt.nops++].kind = OP_SELFTEST;
		} else if (opt.nops < BARE_MAX_OPS && word_is(w, "hotplug=", &v) &&
			   parse_num(&v, 10, &n)) {
			opt.op[opt.nops].kind = OP_HOTPLUG;
			opt.op[opt.nops++].arg = n;
		} else if (opt.nops < BARE_MAX_OPS &&
			   ((word_is(w, "check=", &v) && (opt.op[opt.nops].kind = OP_CHECK, 1) &&
			     parse_op(v, &opt.op[opt.nops], false)) ||
			    (word_is(w, "fill=", &v) && (opt.op[opt.nops].kind = OP_FILL, 1) &&
			     parse_op(v, &opt.op[opt.nops], false)) ||
			    (word_is(w, "read=", &v) && (opt.op[opt.nops].kind = OP_READ, 1) &&
			     parse_op(v, &opt.op[opt.nops], true)))) {
			opt.nops++;
			while (*v && *v != ' ')
				v++;
		} else {
			char word[64];
			unsigned n = 0;

			while (w[n] && w[n] != ' ' && n < sizeof(word) - 1) {
				word[n] = w[n];
				n++;
			}
			word[n] = '\0';
			console_printf("cmdline: cannot use \"%s\"\n", word);
			return false;
		}
		while (*v && *v != ' ')
			v++;
		w = v;
	}
	return true;
}

/* ------------------------------------------------------- controllers */

/** pci_scan callback: keep each virtio-scsi function found. */
static bool found_controller(void *ctx, struct pci_fn *f)
{
	(void)ctx;
	if (nctrl == BARE_MAX_CTRLS) {
		console_printf("pci: %02x:%02x.%x: more than %u controllers, ignored\n",
			       f->bus, f->dev, f->fn, BARE_MAX_CTRLS);
		return true;
	}
	ctrl[nctrl++].pci = *f;
	return true;
}

/**
 * Bring one controller up and list its units.
 * @v b		controller, PCI function set
 * @ret code	BARE_EXIT_OK, or why it could not be driven
 */
static enum bare_exit ctrl_start(struct bare_ctrl *b)
{
	int rc;

	bare_platform_init(b, opt.log_level);
	pci_setup(&b->pci);
	console_printf("ctrl %s %04x:%04x\n", b->plat.name, b->pci.vendor,
		       b->pci.device);
	rc = vscsi_init(&b->c, &b->plat);
	if (rc != VS_OK) {
		console_printf("ctrl %s failed rc=%s\n", b->plat.name,
			       bare_status_name(rc));
		return bare_exit_of_init(rc, b->bars_refused != 0);
	}
	b->up = true;
	if (b->c.own.status_found)
		console_printf("takeover %s status=%02x\n", b->plat.name,
			       b->c.own.status_found);
	scsi_inv_init(&b->inv, &b->c, &inv_ops, b);
	rc = scsi_inv_scan(&b->inv);
	if (rc != VS_OK)
		console_printf("ctrl %s scan rc=%s\n", b->plat.name, bare_status_name(rc));
	fresh_partitions();
	return BARE_EXIT_OK;
}

/**
 * Wait for hot-plug: poll every controller's events until a unit appears
 * or goes, or the time is up; print the new units' partitions.
 * @v seconds	how long at most
 */
static void wait_hotplug(unsigned seconds)
{
	uint64_t deadline = clock_us() + (uint64_t)seconds * 1000000;
	unsigned before = unit_changes, i;

	console_printf("hotplug: waiting %u s\n", seconds);
	while (unit_changes == before && clock_us() < deadline) {
		for (i = 0; i < nctrl; i++)
			if (ctrl[i].up)
				scsi_inv_poll(&ctrl[i].inv);
		clock_delay_us(HOTPLUG_POLL_US);
	}
	if (unit_changes == before) {
		console_printf("hotplug: nothing changed\n");
		return;
	}
	fresh_partitions();
}

/** Reset every controller we started: no DMA is left when we exit. */
static void ctrl_stop_all(void)
{
	struct bare_ctrl *b;
	unsigned i;

	for (i = 0; i < nctrl; i++) {
		b = &ctrl[i];
		if (!b->up)
			continue;
		console_printf("memory %s ctrl=%u inventory=%u dma=%u\n",
			       b->plat.name, (unsigned)sizeof(b->c),
			       (unsigned)sizeof(b->inv), (unsigned)b->dma_bytes);
		vscsi_stop(&b->c);
		console_printf("reset %s status=%02x\n", b->plat.name,
			       vp_get_status(&b->c.own.vp));
	}
}

/**
 * A CPU exception (start.S): print where, and exit.
 * @v vector	exception number
 * @v error	error code (0 where the CPU pushes none)
 * @v rip	faulting instruction
 * @v cr2	page-fault address
 */
void bare_exception(uint64_t vector, uint64_t error, uint64_t rip,
		    uint64_t cr2);
void bare_exception(uint64_t vector, uint64_t error, uint64_t rip,
		    uint64_t cr2)
{
	static bool in_exception;

	console_printf("exception %llu error=%llx rip=%llx cr2=%llx\n",
		       (unsigned long long)vector, (unsigned long long)error,
		       (unsigned long long)rip, (unsigned long long)cr2);
	/* leave no device doing DMA, unless that is what faulted */
	if (!in_exception) {
		in_exception = true;
		ctrl_stop_all();
	}
	bare_exit(BARE_EXIT_EXCEPTION);
}

/**
 * The program (start.S calls it in long mode).
 * @v start_info	physical address of the PVH start info
 */
void bare_main(uint32_t start_info);
void bare_main(uint32_t start_info)
{
	const struct hvm_start_info *si =
		(const struct hvm_start_info *)(uintptr_t)start_info;
	enum bare_exit code = BARE_EXIT_OK, c;
	unsigned i, functions, units = 0;

	console_init();
	console_write("virtio-scsi-bare: the portable core on bare x86-64\n");
	if (!si || si->magic != HVM_START_MAGIC)
		console_write("boot: no PVH start info, no command line\n");
	else if (!parse_cmdline(si->cmdline_paddr ?
				(const char *)(uintptr_t)si->cmdline_paddr : NULL))
		bare_exit(BARE_EXIT_USAGE);

	pci_scan(found_controller, NULL, &functions);
	if (!functions) {
		console_write("pci: no PCI functions answered (no PCI bus?)\n");
		bare_exit(BARE_EXIT_NO_PCI);
	}
	console_printf("pci: %u functions, %u virtio-scsi\n", functions, nctrl);
	if (!nctrl) {
		console_write("pci: no virtio-scsi controller (1af4:1048 or 1af4:1004)\n");
		bare_exit(BARE_EXIT_NO_DEVICE);
	}
	if (clock_init() != VS_OK)
		bare_exit(BARE_EXIT_CLOCK);

	for (i = 0; i < nctrl; i++) {
		c = ctrl_start(&ctrl[i]);
		if (c != BARE_EXIT_OK && code == BARE_EXIT_OK)
			code = c;
	}
	for (i = 0; i < opt.nops; i++)
		op_run(&opt.op[i]);
	for (i = 0; i < nctrl; i++)
		if (ctrl[i].up)
			units += scsi_inv_count(&ctrl[i].inv);
	ctrl_stop_all();
	console_printf("done controllers=%u units=%u failed=%u\n", nctrl, units,
		       checks_failed);
	if (code == BARE_EXIT_OK && checks_failed)
		code = BARE_EXIT_DATA;
	bare_exit(code);
}
