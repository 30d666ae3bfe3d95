/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Helpers of the integration test app: results, lookups of our handles,
 * buffers, the data pattern, loading the driver, files, and requests to
 * the QEMU monitor (through the runner).
 */
#include "testlib.h"
#include "vscsi/virtio_pci.h"

EFI_GUID pci_io_guid = EFI_PCI_IO_PROTOCOL_GUID;
EFI_GUID pass_thru_guid = EFI_EXT_SCSI_PASS_THRU_PROTOCOL_GUID;
EFI_GUID block_io_guid = BLOCK_IO_PROTOCOL;
EFI_GUID block_io2_guid = EFI_BLOCK_IO2_PROTOCOL_GUID;
EFI_GUID scsi_io_guid = EFI_SCSI_IO_PROTOCOL_GUID;
EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
EFI_GUID cn2_guid = EFI_COMPONENT_NAME2_PROTOCOL_GUID;
EFI_GUID binding_guid = DRIVER_BINDING_PROTOCOL;
EFI_GUID disk_info_guid = EFI_DISK_INFO_PROTOCOL_GUID;
EFI_GUID stats_guid = VSCSI_STATS_PROTOCOL_GUID;
EFI_GUID global_var_guid = EFI_GLOBAL_VARIABLE;

EFI_HANDLE self;
EFI_HANDLE boot_device;
unsigned passed, failed;
BOOLEAN boot_services_gone;
static unsigned check_no;

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

/**
 * Write results where the runner reads them: QEMU's debug console on
 * x86 (port RESULT_PORT), the PL011 UART of QEMU's virt machine on AArch64
 * (its data register, polled; usable after ExitBootServices too).
 * @v s		text
 */
void port_puts(const char *s)
{
	for (; *s; s++) {
#if VS_ARCH_HAS_PORTS
		outb(RESULT_PORT, (UINT8)*s);
#else
		volatile UINT32 *uart = (volatile UINT32 *)(UINTN)PL011_BASE;
		unsigned spin;

		for (spin = 0; spin < 100000 && (uart[PL011_FR / 4] & PL011_FR_TXFF);
		     spin++)
			;
		uart[PL011_DR / 4] = (UINT8)*s;
#endif
	}
}

/** Record one check; @p fmt explains a failure. */
BOOLEAN check(BOOLEAN ok, const char *name, const char *fmt, ...)
{
	char line[240], why[160] = "";
	va_list ap;

	va_start(ap, fmt);
	if (!ok)
		vs_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	check_no++;
	if (ok) {
		passed++;
		vs_snprintf(line, sizeof(line), "ok %u - %s\n", check_no, name);
	} else {
		failed++;
		vs_snprintf(line, sizeof(line), "not ok %u - %s: %s\n", check_no,
			     name, why);
	}
	port_puts(line);
	if (!boot_services_gone && VS_ARCH_HAS_PORTS)	/* else on the UART already */
		Print(L"%a", line);
	return ok;
}

/** A comment line in the results. */
void note(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vs_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	port_puts("# ");
	port_puts(line);
	port_puts("\n");
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/**
 * Begin a walk of handles, protocols or device paths, as a careful UEFI
 * application does while drivers can remove devices: at TPL_CALLBACK no
 * driver's timer or event runs, so nothing the walk found is freed or
 * reinstalled until walk_end.
 * @ret tpl	the caller's TPL, for walk_end
 */
EFI_TPL walk_begin(void)
{
	return BS->RaiseTPL(TPL_CALLBACK);
}

/**
 * End a walk: events may run again, and pointers the walk found may be
 * stale from now on.
 * @v tpl	what walk_begin returned
 */
void walk_end(EFI_TPL tpl)
{
	BS->RestoreTPL(tpl);
}

/**
 * Who holds a protocol of a handle BY_DRIVER.
 * @v h		handle
 * @v guid	protocol
 * @v n		how many agents do (may be NULL)
 * @ret agent	the last of them, or NULL
 */
EFI_HANDLE driver_holding(EFI_HANDLE h, EFI_GUID *guid, UINTN *n)
{
	EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *e;
	EFI_HANDLE owner = NULL;
	UINTN count, i, held = 0;

	if (!EFI_ERROR(BS->OpenProtocolInformation(h, guid, &e, &count))) {
		for (i = 0; i < count; i++)
			if (e[i].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER) {
				owner = e[i].AgentHandle;
				held++;
			}
		FreePool(e);
	}
	if (n)
		*n = held;
	return owner;
}

/** Tell whether some agent holds PciIo of @p h BY_DRIVER; its handle. */
EFI_HANDLE pci_owner(EFI_HANDLE h)
{
	return driver_holding(h, &pci_io_guid, NULL);
}

/** Find virtio-scsi PCI functions. */
UINTN find_controllers(EFI_HANDLE *out, UINTN max, UINT16 *ids)
{
	EFI_HANDLE *h;
	UINTN n, i, found = 0;
	EFI_PCI_IO *io;
	UINT16 id[2];
	EFI_TPL tpl = walk_begin();

	if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &pci_io_guid, NULL, &n, &h))) {
		walk_end(tpl);
		return 0;
	}
	for (i = 0; i < n && found < max; i++) {
		if (EFI_ERROR(BS->HandleProtocol(h[i], &pci_io_guid, (VOID **)&io)))
			continue;
		io->Pci.Read(io, EfiPciIoWidthUint16, 0, 2, id);
		if (vp_is_virtio_scsi(id[0], id[1])) {
			ids[found] = id[1];
			out[found++] = h[i];
		}
	}
	FreePool(h);
	walk_end(tpl);
	return found;
}

/** Length of a device path without its end node. */
static UINTN path_len(EFI_DEVICE_PATH *p)
{
	return DevicePathSize(p) - END_DEVICE_PATH_LENGTH;
}

/**
 * Tell whether @p p is @p ctrl followed by Scsi(pun,lun) (and, with
 * @p exact, nothing else).
 */
SCSI_DEVICE_PATH *scsi_node_under(EFI_DEVICE_PATH *ctrl,
					 EFI_DEVICE_PATH *p, BOOLEAN exact)
{
	UINTN len = path_len(ctrl);
	EFI_DEVICE_PATH *n;

	if (path_len(p) <= len || CompareMem(ctrl, p, len))
		return NULL;
	n = (EFI_DEVICE_PATH *)((UINT8 *)p + len);
	if (DevicePathType(n) != MESSAGING_DEVICE_PATH ||
	    DevicePathSubType(n) != MSG_SCSI_DP)
		return NULL;
	if (exact && !IsDevicePathEnd(NextDevicePathNode(n)))
		return NULL;
	return (SCSI_DEVICE_PATH *)n;
}

/** Find the handle of unit (pun, lun) under a controller; count them. */
EFI_HANDLE find_unit(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun,
		     UINTN *count)
{
	EFI_HANDLE *h, found = NULL;
	EFI_DEVICE_PATH *p;
	SCSI_DEVICE_PATH *s;
	UINTN n, i;
	EFI_TPL tpl = walk_begin();

	*count = 0;
	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &block_io_guid, NULL,
					      &n, &h))) {
		for (i = 0; i < n; i++) {
			p = DevicePathFromHandle(h[i]);
			s = p ? scsi_node_under(ctrl, p, TRUE) : NULL;
			if (s && s->Pun == pun && s->Lun == lun) {
				(*count)++;
				found = h[i];
			}
		}
		FreePool(h);
	}
	walk_end(tpl);
	return found;
}

/** Find the Block I/O of unit (pun, lun) under a controller; count them. */
EFI_BLOCK_IO *find_block_io(EFI_DEVICE_PATH *ctrl, UINT16 pun,
			    UINT16 lun, UINTN *count)
{
	EFI_HANDLE h = find_unit(ctrl, pun, lun, count);
	EFI_BLOCK_IO *bio = NULL;

	if (h)
		BS->HandleProtocol(h, &block_io_guid, (VOID **)&bio);
	return bio;
}

/** The first Block I/O child under a controller, or NULL. */
EFI_HANDLE first_child(EFI_DEVICE_PATH *ctrl_path)
{
	EFI_HANDLE *h, found = NULL;
	EFI_DEVICE_PATH *p;
	UINTN n, i;
	EFI_TPL tpl = walk_begin();

	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &block_io_guid, NULL,
					      &n, &h))) {
		for (i = 0; i < n && !found; i++) {
			p = DevicePathFromHandle(h[i]);
			if (p && scsi_node_under(ctrl_path, p, TRUE))
				found = h[i];
		}
		FreePool(h);
	}
	walk_end(tpl);
	return found;
}

/** Count all Block I/O handles right under a controller. */
UINTN count_children(EFI_DEVICE_PATH *ctrl)
{
	EFI_HANDLE *h;
	EFI_DEVICE_PATH *p;
	UINTN n, i, count = 0;
	EFI_TPL tpl = walk_begin();

	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &block_io_guid, NULL,
					      &n, &h))) {
		for (i = 0; i < n; i++) {
			p = DevicePathFromHandle(h[i]);
			if (p && scsi_node_under(ctrl, p, TRUE))
				count++;
		}
		FreePool(h);
	}
	walk_end(tpl);
	return count;
}

/** Allocate a buffer aligned to 4 KiB. */
VOID *alloc_buf(UINTN bytes)
{
	EFI_PHYSICAL_ADDRESS a;

	if (EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData,
					EFI_SIZE_TO_PAGES(bytes), &a)))
		return NULL;
	return (VOID *)(UINTN)a;
}

void free_buf(VOID *p, UINTN bytes)
{
	BS->FreePages((EFI_PHYSICAL_ADDRESS)(UINTN)p, EFI_SIZE_TO_PAGES(bytes));
}

/** Check a buffer of sectors against the pattern; first bad LBA or -1. */
INT64 verify_sectors(UINT64 seed, UINT64 lba, const UINT8 *buf,
			    UINTN sectors)
{
	UINTN i;

	for (i = 0; i < sectors; i++)
		if (pattern_check(seed, lba + i, buf + i * PATTERN_SECTOR) >= 0)
			return (INT64)(lba + i);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Driver loading                                                      */

/**
 * Say where an image sits in memory ("# image NAME at BASE SIZE"), so
 * the runner can tell whose code a CPU exception or a hang is in.
 * @v name	what to call it
 * @v image	its image handle
 */
void note_image(const char *name, EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li;

	if (!EFI_ERROR(BS->HandleProtocol(image, &loaded_image_guid, (VOID **)&li)))
		note("image %s at %p %lu", name, li->ImageBase,
		     (unsigned long)li->ImageSize);
}

EFI_HANDLE load_driver(void)
{
	EFI_DEVICE_PATH *path = FileDevicePath(boot_device, L"\\virtio-scsi.efi");
	EFI_HANDLE img = NULL;
	EFI_STATUS st;

	st = BS->LoadImage(FALSE, self, path, NULL, 0, &img);
	FreePool(path);
	if (!check(!EFI_ERROR(st), "LoadImage virtio-scsi.efi", "%lx",
		   (unsigned long)st))
		return NULL;
	note_image("virtio-scsi", img);
	st = BS->StartImage(img, NULL, NULL);
	if (!check(!EFI_ERROR(st), "StartImage virtio-scsi.efi", "%lx",
		   (unsigned long)st))
		return NULL;
	return img;
}

EFI_STATUS connect(EFI_HANDLE ctrl, EFI_HANDLE drv)
{
	EFI_HANDLE drivers[2] = { drv, NULL };

	return BS->ConnectController(ctrl, drivers, NULL, TRUE);
}

/** Signals seen on all bio2_token events so far. */
static UINTN bio2_signals;

static VOID EFIAPI bio2_notify(EFI_EVENT event, VOID *context)
{
	struct bio2_token *k = context;

	(void)event;
	k->signals++;
	k->seq = ++bio2_signals;
}

/**
 * Make a token with an event (EVT_NOTIFY_SIGNAL at TPL_CALLBACK, as a
 * file system driver's) that counts its signals.
 * @v k		token
 * @ret ok	TRUE when the event was created
 */
BOOLEAN bio2_token_open(struct bio2_token *k)
{
	ZeroMem(k, sizeof(*k));
	k->t.TransactionStatus = EFI_NOT_READY;
	return !EFI_ERROR(BS->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK,
					  bio2_notify, k, &k->t.Event));
}

/** Make a token ready for another request: nothing signalled yet. */
void bio2_token_reset(struct bio2_token *k)
{
	k->signals = 0;
	k->seq = 0;
	k->t.TransactionStatus = EFI_NOT_READY;
}

/**
 * Wait, at most 5 s, until a token's event was signalled @p want times:
 * a driver that completes requests later (the firmware's own stack may)
 * still owns the token until then, and its event must stay open.
 * @v k		token
 * @v want	signals to wait for
 */
void bio2_token_wait(struct bio2_token *k, UINTN want)
{
	UINTN i;

	for (i = 0; i < 5000 && k->signals < want; i++)
		BS->Stall(1000);
}

/** Close a token's event. */
void bio2_token_close(struct bio2_token *k)
{
	if (k->t.Event)
		BS->CloseEvent(k->t.Event);
	k->t.Event = NULL;
}

/* ------------------------------------------------------------------ */
/* File system                                                         */

/** Read a whole file from a volume into pool memory. */
UINT8 *read_file(EFI_FILE_HANDLE root, CHAR16 *name, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_FILE_INFO *info;
	UINT8 *data = NULL;

	if (EFI_ERROR(root->Open(root, &f, name, EFI_FILE_MODE_READ, 0)))
		return NULL;
	info = LibFileInfo(f);
	if (info) {
		*size = info->FileSize;
		data = AllocatePool(*size + 1);
		if (data && EFI_ERROR(f->Read(f, size, data))) {
			FreePool(data);
			data = NULL;
		}
		FreePool(info);
	}
	f->Close(f);
	return data;
}

/** Read a file of the boot disk (pool memory, or NULL). */
UINT8 *read_boot_file(CHAR16 *name, UINTN *size)
{
	EFI_FILE_HANDLE root = LibOpenRoot(boot_device);
	UINT8 *data;

	if (!root)
		return NULL;
	data = read_file(root, name, size);
	root->Close(root);
	return data;
}

/**
 * Open the root of a file system the firmware mounted on unit (pun, lun)
 * of a controller (directly, or on a partition of it).
 * @ret root	open root directory, or NULL
 */
EFI_FILE_HANDLE open_root_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun)
{
	EFI_HANDLE *h;
	EFI_DEVICE_PATH *p;
	SCSI_DEVICE_PATH *s;
	EFI_FILE_HANDLE root = NULL;
	UINTN n, i;
	EFI_TPL tpl = walk_begin();

	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &fs_guid, NULL, &n, &h))) {
		for (i = 0; i < n && !root; i++) {
			p = DevicePathFromHandle(h[i]);
			s = p ? scsi_node_under(ctrl, p, FALSE) : NULL;
			if (s && s->Pun == pun && s->Lun == lun)
				root = LibOpenRoot(h[i]);
		}
		FreePool(h);
	}
	walk_end(tpl);
	return root;
}

/**
 * Read a file from a file system the firmware mounted on unit
 * (pun, lun) of a controller.
 * @ret data	pool memory, or NULL
 */
UINT8 *read_file_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun,
		       CHAR16 *name, UINTN *size)
{
	EFI_FILE_HANDLE root = open_root_under(ctrl, pun, lun);
	UINT8 *got;

	if (!root)
		return NULL;
	got = read_file(root, name, size);
	root->Close(root);
	return got;
}

/**
 * Tell whether unit (pun, lun) of a controller carries a file system whose
 * HELLO.TXT is the boot disk's EXPECT.TXT (written fresh for each run).
 * @ret ok	TRUE when both read and match
 */
BOOLEAN hello_under(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun)
{
	UINTN got_size = 0, want_size = 0;
	UINT8 *want = read_boot_file(L"\\EXPECT.TXT", &want_size), *got = NULL;
	BOOLEAN ok;

	if (want)
		got = read_file_under(ctrl, pun, lun, L"\\HELLO.TXT", &got_size);
	ok = got && got_size == want_size && !CompareMem(got, want, got_size);
	if (got)
		FreePool(got);
	if (want)
		FreePool(want);
	return ok;
}

/**
 * Ask the runner to type a command into the QEMU monitor.  It happens
 * some time later: callers poll for its effect.
 * @v fmt	command
 */
void monitor(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vs_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	note("monitor: %s", line);
}

/**
 * Copy our driver's log into the results, a "# driver: " line each, from
 * the first controller carrying its statistics protocol: the runner's
 * proof of which driver did what, on every architecture.
 */
void dump_driver_log(void)
{
	VSCSI_STATS_PROTOCOL *sp = NULL;
	EFI_HANDLE *h;
	UINTN n, size = 0;
	char *log, *line, *end;
	EFI_TPL tpl = walk_begin();

	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &stats_guid, NULL, &n, &h))) {
		BS->HandleProtocol(h[0], &stats_guid, (VOID **)&sp);
		FreePool(h);
	}
	walk_end(tpl);
	if (!sp || sp->Revision < 2 ||
	    sp->GetLog(sp, &size, NULL) != EFI_BUFFER_TOO_SMALL)
		return;
	log = AllocatePool(size);
	if (!log)
		return;
	if (!EFI_ERROR(sp->GetLog(sp, &size, (CHAR8 *)log))) {
		for (line = log; *line; line = end) {
			for (end = line; *end && *end != '\n'; end++)
				;
			if (*end)
				*end++ = '\0';
			port_puts("# driver: ");
			port_puts(line);
			port_puts("\n");
		}
	}
	FreePool(log);
}

/**
 * SCSI commands our driver has sent on a controller (its statistics
 * protocol).
 * @v ctrl	controller handle
 * @ret n	requests, or 0 when the controller is not ours
 */
UINT64 requests_of(EFI_HANDLE ctrl)
{
	VSCSI_STATS_PROTOCOL *sp;
	VSCSI_STATS s;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &stats_guid, (VOID **)&sp)) ||
	    EFI_ERROR(sp->GetStats(sp, &s)))
		return 0;
	return s.Requests;
}
