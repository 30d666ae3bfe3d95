/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The firmware-image path, as the test app booted *from a disk
 * behind our driver*: the firmware loaded the driver from the controller's
 * option ROM, its boot manager found \EFI\BOOT\BOOTX64.EFI on our Block
 * I/O, and this app then
 *   - checks who drives its boot controller (our driver, loaded from a
 *     ROM: its file path is a relative offset range in the ROM),
 *   - reads more files through the file system on our Block I/O,
 *   - calls ExitBootServices, like an OS loader, and inspects the
 *     controller through its registers: device status 0, queues disabled,
 *     so no DMA outlives the firmware.
 * The register access after ExitBootServices uses the portable core's
 * transport (drivers/virtio/virtio_pci.c) on a third platform: plain MMIO
 * and port I/O at the BAR addresses read before.
 */
#include "testlib.h"
#include "spec/virtio.h"
#include "vscsi/virtio_pci.h"

#define ROM_FILE_SEED 5
#define ROM_FILE_SECTORS 2048	/* PATTERN.BIN: 1 MiB */


/** A platform of plain register access, usable after ExitBootServices. */
struct raw_platform {
	struct vs_platform base;
	EFI_PCI_IO *pci_io;	/* before ExitBootServices only */
	uint64_t bar[6];	/* BAR base addresses */
};

static struct raw_platform *raw(struct vs_platform *p)
{
	return (struct raw_platform *)p;
}

static int raw_pci_read(struct vs_platform *p, uint32_t off, unsigned w,
			uint32_t *val)
{
	EFI_PCI_IO *io = raw(p)->pci_io;

	*val = 0;
	if (!io)
		return VS_E_DEVICE;
	return io->Pci.Read(io, w == 1 ? EfiPciIoWidthUint8 : w == 2 ?
			    EfiPciIoWidthUint16 : EfiPciIoWidthUint32, off, 1,
			    val) ? VS_E_DEVICE : VS_OK;
}

static int raw_pci_write(struct vs_platform *p, uint32_t off, unsigned w,
			 uint32_t val)
{
	EFI_PCI_IO *io = raw(p)->pci_io;

	if (!io)
		return VS_E_DEVICE;
	return io->Pci.Write(io, w == 1 ? EfiPciIoWidthUint8 : w == 2 ?
			     EfiPciIoWidthUint16 : EfiPciIoWidthUint32, off, 1,
			     &val) ? VS_E_DEVICE : VS_OK;
}

static int raw_bar_read(struct vs_platform *p, bool is_io, unsigned bar,
			uint32_t off, unsigned w, uint64_t *val)
{
	uint64_t a = raw(p)->bar[bar] + off;

	if (is_io) {
#if VS_ARCH_HAS_PORTS
		uint16_t port = (uint16_t)a;

		*val = w == 1 ? inb(port) : w == 2 ? inw(port) :
		       inl(port);
		return VS_OK;
#else
		return VS_E_DEVICE;	/* I/O BARs: the rom VM's device is modern */
#endif
	}
	switch (w) {
	case 1: *val = *(volatile uint8_t *)(uintptr_t)a; break;
	case 2: *val = *(volatile uint16_t *)(uintptr_t)a; break;
	case 4: *val = *(volatile uint32_t *)(uintptr_t)a; break;
	default: *val = *(volatile uint64_t *)(uintptr_t)a; break;
	}
	return VS_OK;
}

static int raw_bar_write(struct vs_platform *p, bool is_io, unsigned bar,
			 uint32_t off, unsigned w, uint64_t val)
{
	uint64_t a = raw(p)->bar[bar] + off;

	if (is_io) {
#if VS_ARCH_HAS_PORTS
		uint16_t port = (uint16_t)a;

		if (w == 1) outb(port, val);
		else if (w == 2) outw(port, val);
		else outl(port, val);
		return VS_OK;
#else
		return VS_E_DEVICE;
#endif
	}
	switch (w) {
	case 1: *(volatile uint8_t *)(uintptr_t)a = val; break;
	case 2: *(volatile uint16_t *)(uintptr_t)a = val; break;
	case 4: *(volatile uint32_t *)(uintptr_t)a = val; break;
	default: *(volatile uint64_t *)(uintptr_t)a = val; break;
	}
	return VS_OK;
}

/* After ExitBootServices there is no Stall(): a loop paces the polls,
 * and the clock counts what the loops waited (this platform only reads
 * registers: no request is ever inside the device). */
static uint64_t raw_clock_us;

static void raw_delay_us(struct vs_platform *p, unsigned us)
{
	volatile unsigned i;

	(void)p;
	for (i = 0; i < us * 100; i++)
		;
	raw_clock_us += us;
}

static uint64_t raw_now_us(struct vs_platform *p)
{
	(void)p;
	return raw_clock_us;
}

static const struct vs_platform_ops raw_ops = {
	.pci_read = raw_pci_read,
	.pci_write = raw_pci_write,
	.bar_read = raw_bar_read,
	.bar_write = raw_bar_write,
	.delay_us = raw_delay_us,
	.barrier = vs_arch_barrier,
	.now_us = raw_now_us,
};

/** Read the six BAR base addresses (64-bit BARs take two slots). */
static void read_bars(struct raw_platform *rp)
{
	uint32_t lo, hi;
	unsigned i;

	for (i = 0; i < 6; i++) {
		raw_pci_read(&rp->base, PCI_BAR0 + 4 * i, 4, &lo);
		if (lo & PCI_BAR_IO) {
			rp->bar[i] = lo & ~3u;
			continue;
		}
		rp->bar[i] = lo & ~0xFu;
		if ((lo & 6) == 4 && i < 5) {	/* 64-bit memory BAR */
			raw_pci_read(&rp->base, PCI_BAR0 + 4 * (i + 1), 4, &hi);
			rp->bar[i] |= (uint64_t)hi << 32;
			rp->bar[i + 1] = 0;
			i++;
		}
	}
}

/** Tell whether a device path holds a relative offset range (ROM) node. */
static BOOLEAN from_rom(EFI_DEVICE_PATH *p)
{
	for (; p && !IsDevicePathEnd(p); p = NextDevicePathNode(p))
		if (DevicePathType(p) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(p) == MEDIA_RELATIVE_OFFSET_RANGE_DP)
			return TRUE;
	return FALSE;
}

/**
 * Tell whether a device path names our driver's file: \virtio-scsi.efi
 * (the Driver#### option) or a boot loader's copy such as
 * \EFI\BOOT\drivers_x64\virtio-scsi_x64.efi.
 */
static BOOLEAN from_file(EFI_DEVICE_PATH *p)
{
	const CHAR16 *name, *want;
	UINTN i, j;

	for (; p && !IsDevicePathEnd(p); p = NextDevicePathNode(p)) {
		if (DevicePathType(p) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(p) != MEDIA_FILEPATH_DP)
			continue;
		name = ((FILEPATH_DEVICE_PATH *)p)->PathName;
		for (i = 0; name[i]; i++) {
			want = L"virtio-scsi";
			for (j = 0; want[j] && (name[i + j] | 0x20) == want[j]; j++)
				;
			if (!want[j])
				return TRUE;
		}
	}
	return FALSE;
}

/** VirtioScsiDxe's file name, which tools/fwimage.py gives our driver. */
static EFI_GUID virtio_scsi_dxe = { 0xfab5d4f4, 0x83c0, 0x4aaf,
	{ 0x84, 0x80, 0x44, 0x2d, 0x11, 0xdf, 0x6c, 0xea } };

/** Tell whether a loaded image's file path is that file in a volume. */
static BOOLEAN from_fv(EFI_DEVICE_PATH *p)
{
	for (; p && !IsDevicePathEnd(p); p = NextDevicePathNode(p))
		if (DevicePathType(p) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(p) == MEDIA_PIWG_FW_FILE_DP &&
		    !CompareMem((UINT8 *)p + 4, &virtio_scsi_dxe, sizeof(EFI_GUID)))
			return TRUE;
	return FALSE;
}

/** Tell whether a driver named like the firmware's own virtio-scsi one
 * (OVMF's VirtioScsiDxe) is there. */
static BOOLEAN builtin_virtio_scsi_driver(void)
{
	EFI_COMPONENT_NAME2_PROTOCOL *cn;
	EFI_HANDLE *h;
	CHAR16 *name;
	UINTN n, i;
	BOOLEAN found = FALSE;
	EFI_TPL tpl = walk_begin();

	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &binding_guid, NULL,
					      &n, &h))) {
		for (i = 0; i < n; i++) {
			name = NULL;
			if (!EFI_ERROR(BS->HandleProtocol(h[i], &cn2_guid, (VOID **)&cn)) &&
			    !EFI_ERROR(cn->GetDriverName(cn, (CHAR8 *)"en", &name)) &&
			    name && !StrCmp(name, L"Virtio SCSI Host Driver"))
				found = TRUE;
		}
		FreePool(h);
	}
	walk_end(tpl);
	return found;
}

/** Find the controller handle a device path runs through. */
static EFI_HANDLE controller_of(EFI_HANDLE dev)
{
	EFI_DEVICE_PATH *path = DevicePathFromHandle(dev);
	EFI_HANDLE h = NULL;

	if (!path || EFI_ERROR(BS->LocateDevicePath(&pci_io_guid, &path, &h)))
		return NULL;
	return h;
}

/** Who drives the controller: our driver, loaded from the option ROM
 * (or, in_fv, from the firmware volume in VirtioScsiDxe's place)? */
static void check_owner(EFI_HANDLE ctrl, enum driver_source from)
{
	EFI_HANDLE owner = ctrl ? pci_owner(ctrl) : NULL;
	EFI_COMPONENT_NAME2_PROTOCOL *cn = NULL;
	EFI_DRIVER_BINDING_PROTOCOL *db = NULL;
	EFI_LOADED_IMAGE *li = NULL;
	CHAR16 *name = NULL;

	if (owner) {
		BS->HandleProtocol(owner, &cn2_guid, (VOID **)&cn);
		BS->HandleProtocol(owner, &binding_guid, (VOID **)&db);
		BS->HandleProtocol(owner, &loaded_image_guid, (VOID **)&li);
		note_image("virtio-scsi", owner);
		if (cn)
			cn->GetDriverName(cn, (CHAR8 *)"en", &name);
	}
	check(name && StrCmp(name, L"VirtIO-SCSI Polled Driver") == 0 && db &&
	      db->Version == 0x11,
	      "the boot controller is driven by our driver (version 0x11)",
	      "owner %p", owner);
	if (from == FROM_FILE) {
		check(li && from_file(li->FilePath),
		      "our driver was loaded from its file (a Driver#### option, "
		      "or a boot loader's driver directory)", "file path %s",
		      li ? "names another file" : "unknown");
		return;
	}
	if (from == FROM_ROM) {
		check(li && from_rom(li->FilePath),
		      "our driver was loaded by the firmware from the option ROM",
		      "file path %s", li ? "without a ROM offset range" : "unknown");
		return;
	}
	check(li && from_fv(li->FilePath),
	      "our driver came from the firmware volume, as file FAB5D4F4-83C0-"
	      "4AAF-8480-442D11DF6CEA", "file path %s",
	      li ? "names another file" : "unknown");
	check(!builtin_virtio_scsi_driver(),
	      "the firmware's own VirtioScsiDxe is not there", "it is");
}

/** Files on the boot disk, through our Block I/O and the firmware's FAT. */
static void check_files(void)
{
	UINTN size = 0, want_size = 0;
	UINT8 *data = read_boot_file(L"\\PATTERN.BIN", &size);
	UINT8 *want = read_boot_file(L"\\EXPECT.TXT", &want_size);
	UINT8 *got;
	UINTN got_size = 0;

	check(data && size == ROM_FILE_SECTORS * 512 &&
	      verify_sectors(ROM_FILE_SEED, 0, data, ROM_FILE_SECTORS) == -1,
	      "reads PATTERN.BIN (1 MiB) from the boot disk, pattern intact",
	      "%u bytes", (unsigned)size);
	got = read_boot_file(L"\\HELLO.TXT", &got_size);
	check(got && want && got_size == want_size && !CompareMem(got, want, got_size),
	      "reads HELLO.TXT from the boot disk", "mismatch");
	if (data)
		FreePool(data);
	if (got)
		FreePool(got);
	if (want)
		FreePool(want);
}

/** ExitBootServices, retried once if the map changed under us. */
static EFI_STATUS exit_boot_services(void)
{
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN entries, key, dsize;
	UINT32 dver;
	EFI_STATUS st = EFI_INVALID_PARAMETER;
	int tries;

	for (tries = 0; tries < 2 && EFI_ERROR(st); tries++) {
		map = LibMemoryMap(&entries, &key, &dsize, &dver);
		if (!map)
			return EFI_OUT_OF_RESOURCES;
		st = BS->ExitBootServices(self, key);
	}
	return st;
}

/** The OS handoff: after ExitBootServices, the device must be reset. */
static void check_handoff(EFI_HANDLE ctrl)
{
	struct raw_platform rp = { .base = { .ops = &raw_ops } };
	struct vp_dev vp;
	uint8_t before, after;
	uint64_t enabled = 0, v = 0;
	EFI_STATUS st;
	uint16_t q;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pci_io_guid, (VOID **)&rp.pci_io)) ||
	    !check(vp_probe(&vp, &rp.base) == VS_OK,
		   "the core's transport finds the controller on raw registers",
		   "no"))
		return;
	read_bars(&rp);
	before = vp_get_status(&vp);
	note("device status before ExitBootServices: %02x", before);
	rp.pci_io = NULL;	/* no boot services from here on */
	st = exit_boot_services();
	if (EFI_ERROR(st)) {
		check(FALSE, "ExitBootServices", "%lx", (unsigned long)st);
		return;
	}
	boot_services_gone = TRUE;
	after = vp_get_status(&vp);
	for (q = 0; vp.modern && q < 3; q++) {
		raw_bar_write(&rp.base, vp.common.is_io, vp.common.bar,
			      vp.common.offset + VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
		raw_bar_read(&rp.base, vp.common.is_io, vp.common.bar,
			     vp.common.offset + VIRTIO_PCI_COMMON_Q_ENABLE, 2, &v);
		enabled |= v << q;
	}
	check(before & VIRTIO_STATUS_DRIVER_OK, "before: the device was running (DRIVER_OK)",
	      "%02x", before);
	check(after == 0, "after ExitBootServices: device status 0 (reset)", "%02x", after);
	check(vp.modern && enabled == 0,
	      "after ExitBootServices: queues 0-2 disabled, no DMA left", "%lx",
	      (unsigned long)enabled);
	/* a heartbeat, not a check: the runner looks for it (rom_vm) */
	raw_delay_us(&rp.base, 100000);
	note("heartbeat: running 100 ms after the handoff");
}

/**
 * The checks of a driver the firmware loaded itself, from the option ROM
 * or (in_fv) the firmware volume, then the handoff.  Before the handoff,
 * more(other) runs on every other virtio-scsi controller, one the
 * firmware left alone.
 * @v in_fv	the driver is built into the firmware image
 * @v more	more checks of an unowned controller (may be NULL)
 */
/**
 * The narrow VM: the boot manager connected the boot disk of a controller
 * with many units as narrowly as it could.  Says how many children and
 * boot options there are (the runner compares them and the variable
 * store with the built-in stack's); with our driver, the boot disk must
 * be the controller's only child.
 */
void narrow_tests(void)
{
	EFI_HANDLE ctrl = controller_of(boot_device);
	EFI_DEVICE_PATH *path = ctrl ? DevicePathFromHandle(ctrl) : NULL;
	CHAR16 name[64];
	EFI_GUID guid;
	UINTN children = path ? count_children(path) : 0, options = 0, size;
	EFI_STATUS st;

	name[0] = 0;
	for (;;) {
		size = sizeof(name);
		st = RT->GetNextVariableName(&size, name, &guid);
		if (EFI_ERROR(st))
			break;
		if (!CompareGuid(&guid, &global_var_guid) && name[0] == 'B' &&
		    name[1] == 'o' && name[2] == 'o' && name[3] == 't' &&
		    name[4] && name[8] == 0 && name[4] != 'O' && name[4] != 'C' &&
		    name[4] != 'N')
			options++;
	}
	note("narrow: %u children of the boot controller, %u Boot#### options",
	     (unsigned)children, (unsigned)options);
	if (pci_owner(ctrl) && builtin_virtio_scsi_driver())
		return;		/* the built-in stack: figures only */
	check(children == 1, "narrow: the boot manager's connect made one child "
	      "of our controller, the boot disk", "%u children",
	      (unsigned)children);
}

void rom_tests(enum driver_source from,
	       void (*more)(EFI_HANDLE ctrl, EFI_HANDLE drv))
{
	EFI_HANDLE ctrl = controller_of(boot_device);
	EFI_DEVICE_PATH *path = DevicePathFromHandle(boot_device), *n;
	SCSI_DEVICE_PATH *scsi = NULL;

	for (n = path; n && !IsDevicePathEnd(n); n = NextDevicePathNode(n))
		if (DevicePathType(n) == MESSAGING_DEVICE_PATH &&
		    DevicePathSubType(n) == MSG_SCSI_DP)
			scsi = (SCSI_DEVICE_PATH *)n;
	check(scsi != NULL, "the boot manager started us from a Scsi(Pun,Lun) disk",
	      "boot device path has no SCSI node");
	/* the driver-option VM boots from a unit the built-in stack cannot see */
	if (from == FROM_FILE)
		check(scsi && scsi->Pun == DRIVER_OPTION_PUN &&
		      scsi->Lun == DRIVER_OPTION_LUN,
		      "the boot disk is Scsi(40,9), beyond the built-in stack's reach",
		      "Scsi(%u,%u)", scsi ? scsi->Pun : 0, scsi ? scsi->Lun : 0);
	check_owner(ctrl, from);
	check_files();
	if (more && ctrl && pci_owner(ctrl)) {
		EFI_HANDLE ctrls[8];
		UINT16 ids[8];
		UINTN n = find_controllers(ctrls, 8, ids), i;

		for (i = 0; i < n; i++)
			if (ctrls[i] != ctrl)
				more(ctrls[i], pci_owner(ctrl));
	}
	if (ctrl)
		check_handoff(ctrl);
}
