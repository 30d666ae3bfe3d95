/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Checks of the disks users attach: CD/DVD with and without
 * media, El Torito, media change through the QEMU monitor, 4Kn and 512e
 * disks, a disk over 2 TiB, a read-only disk, Disk Info, and hot-plug,
 * resize and unplug of a disk while the driver runs.
 *
 * Topology (test/qemu/run-tests.sh, "media" VM):
 *   0:0  scsi-cd, ISO with an El Torito EFI image holding HELLO.TXT
 *   0:1  scsi-cd without medium
 *   1:0  16 MiB, 4096-byte logical blocks, pattern seed 1
 *   1:1  8 MiB, 512-byte logical / 4096-byte physical blocks
 *   2:0  3 TiB, sparse
 *   2:1  1 MiB, readonly=on, pattern seed 3
 *   3:0  hot-plugged here: GPT disk with a FAT partition holding HELLO.TXT
 */
#include "testlib.h"

#define RO_SEED 3
#define BIG_SEED 4
#define BIG_BLOCKS (3ull << 31)		/* 3 TiB of 512 bytes */
#define BIG_WRITE_LBA 0x100000010ull
/** How long a monitor command may take to show, in 10 ms polls. */
#define WAIT_POLLS 2000

static EFI_GUID scsi_interface_guid = EFI_DISK_INFO_SCSI_INTERFACE_GUID;

static BOOLEAN wait_file(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun);

/** Block I/O of a unit, checking there is exactly one. */
static EFI_BLOCK_IO *unit(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun)
{
	UINTN count;
	EFI_BLOCK_IO *bio = find_block_io(ctrl, pun, lun, &count);

	return count == 1 ? bio : NULL;
}

static void test_cdrom(EFI_DEVICE_PATH *ctrl)
{
	EFI_BLOCK_IO *cd = unit(ctrl, 0, 0), *empty = unit(ctrl, 0, 1);
	UINT8 *buf = alloc_buf(4096);
	EFI_STATUS st;

	if (!check(cd && empty, "a Block I/O on each CD unit (with and without medium)",
		   "%p %p", cd, empty))
		return;
	check(cd->Media->BlockSize == 2048 && cd->Media->RemovableMedia &&
	      cd->Media->ReadOnly && cd->Media->MediaPresent,
	      "CD: 2048-byte blocks, removable, read-only, medium present",
	      "block %u removable %u ro %u present %u", cd->Media->BlockSize,
	      cd->Media->RemovableMedia, cd->Media->ReadOnly,
	      cd->Media->MediaPresent);
	st = cd->ReadBlocks(cd, cd->Media->MediaId, 16, 2048, buf);
	check(st == EFI_SUCCESS && buf[0] == 1 && CompareMem(buf + 1, "CD001", 5) == 0,
	      "CD: ReadBlocks LBA 16 is the ISO 9660 primary volume descriptor",
	      "%lx %02x", (unsigned long)st, buf[0]);
	st = cd->WriteBlocks(cd, cd->Media->MediaId, 16, 2048, buf);
	check(st == EFI_WRITE_PROTECTED, "CD: WriteBlocks is WRITE_PROTECTED", "%lx",
	      (unsigned long)st);
	check(wait_file(ctrl, 0, 0),
	      "CD: firmware finds the El Torito image; HELLO.TXT matches",
	      "no HELLO.TXT on Scsi(0,0)");

	check(!empty->Media->MediaPresent && empty->Media->RemovableMedia,
	      "empty CD: no medium, removable", "present %u",
	      empty->Media->MediaPresent);
	st = empty->ReadBlocks(empty, empty->Media->MediaId, 0, 2048, buf);
	check(st == EFI_NO_MEDIA, "empty CD: ReadBlocks is NO_MEDIA", "%lx",
	      (unsigned long)st);
	free_buf(buf, 4096);
}

/** Poll a read until it returns @p want (the monitor acts some time later). */
static EFI_STATUS poll_read(EFI_BLOCK_IO *bio, UINT32 media_id, EFI_STATUS want,
			    VOID *buf)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN i;

	for (i = 0; i < WAIT_POLLS; i++) {
		st = bio->ReadBlocks(bio, media_id, 16, bio->Media->BlockSize, buf);
		if (st == want)
			break;
		BS->Stall(10000);
	}
	return st;
}

/**
 * Poll until a file system on unit (pun, lun) holds HELLO.TXT matching
 * EXPECT.TXT (the driver's timer connects a hot-plugged disk).
 */
static BOOLEAN wait_file(EFI_DEVICE_PATH *ctrl, UINT16 pun, UINT16 lun)
{
	UINTN i;
	BOOLEAN ok = FALSE;

	for (i = 0; i < WAIT_POLLS / 10 && !ok; i++) {
		ok = hello_under(ctrl, pun, lun);
		if (!ok)
			BS->Stall(100000);
	}
	return ok;
}

static void test_media_change(EFI_DEVICE_PATH *ctrl)
{
	EFI_BLOCK_IO *cd = unit(ctrl, 0, 0);
	UINT8 *buf = alloc_buf(4096);
	UINT64 old_blocks;
	UINT32 id;
	EFI_STATUS st;

	if (!cd)
		return;
	old_blocks = cd->Media->LastBlock + 1;
	id = cd->Media->MediaId;
	monitor("eject -f cd0");
	st = poll_read(cd, id, EFI_NO_MEDIA, buf);
	check(st == EFI_NO_MEDIA && !cd->Media->MediaPresent,
	      "CD eject: ReadBlocks is NO_MEDIA, MediaPresent cleared", "%lx",
	      (unsigned long)st);

	id = cd->Media->MediaId;
	monitor("change cd0 @ISO2@");
	st = poll_read(cd, id, EFI_MEDIA_CHANGED, buf);
	check(st == EFI_MEDIA_CHANGED && cd->Media->MediaPresent &&
	      cd->Media->MediaId != id,
	      "CD change: stale MediaId is MEDIA_CHANGED, new MediaId, medium present",
	      "%lx present %u id %u->%u", (unsigned long)st, cd->Media->MediaPresent,
	      id, cd->Media->MediaId);
	note("new disc: %lu blocks", (unsigned long)cd->Media->LastBlock + 1);
	st = cd->ReadBlocks(cd, cd->Media->MediaId, 16, 2048, buf);
	check(st == EFI_SUCCESS && CompareMem(buf + 1, "CD001", 5) == 0 &&
	      cd->Media->LastBlock + 1 != old_blocks,
	      "CD change: the new disc reads, with its own capacity",
	      "%lx blocks %lu, before %lu", (unsigned long)st,
	      (unsigned long)cd->Media->LastBlock + 1, (unsigned long)old_blocks);
	check(wait_file(ctrl, 0, 0), "CD change: the firmware finds El Torito on the new disc",
	      "no HELLO.TXT on Scsi(0,0)");
	free_buf(buf, 4096);
}

static void test_4k(EFI_DEVICE_PATH *ctrl)
{
	EFI_BLOCK_IO *d4k = unit(ctrl, 1, 0), *d512e = unit(ctrl, 1, 1);
	UINT8 *buf = alloc_buf(16 * 4096);
	EFI_STATUS st;
	INT64 bad;

	if (!check(d4k && d512e, "a Block I/O on the 4Kn and 512e disks", "%p %p",
		   d4k, d512e))
		return;
	check(d4k->Media->BlockSize == 4096 && d4k->Media->LastBlock + 1 == 4096,
	      "4Kn: 4096-byte blocks, 4096 of them", "block %u last %lu",
	      d4k->Media->BlockSize, (unsigned long)d4k->Media->LastBlock);
	st = d4k->ReadBlocks(d4k, d4k->Media->MediaId, 100, 16 * 4096, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, 800, buf, 128);
	check(bad == -1, "4Kn: 16 blocks at LBA 100 match the pattern", "%lx bad %ld",
	      (unsigned long)st, (long)bad);
	st = d4k->ReadBlocks(d4k, d4k->Media->MediaId, 0, 512, buf);
	check(st == EFI_BAD_BUFFER_SIZE, "4Kn: a 512-byte read is BAD_BUFFER_SIZE",
	      "%lx", (unsigned long)st);
	check(d512e->Revision >= EFI_BLOCK_IO_PROTOCOL_REVISION3 &&
	      d512e->Media->BlockSize == 512 &&
	      d512e->Media->LogicalBlocksPerPhysicalBlock == 8 &&
	      d512e->Media->LowestAlignedLba == 0,
	      "512e: revision 3 media, 8 logical blocks per physical block",
	      "rev %lx per-phys %u", (unsigned long)d512e->Revision,
	      d512e->Media->LogicalBlocksPerPhysicalBlock);
	free_buf(buf, 16 * 4096);
}

static void test_big_and_readonly(EFI_DEVICE_PATH *ctrl)
{
	EFI_BLOCK_IO *big = unit(ctrl, 2, 0), *ro = unit(ctrl, 2, 1);
	UINT8 *buf = alloc_buf(4096);
	EFI_STATUS st;
	INT64 bad;

	if (!check(big && ro, "a Block I/O on the 3 TiB and read-only disks",
		   "%p %p", big, ro))
		return;
	check(big->Media->LastBlock + 1 == BIG_BLOCKS,
	      "3 TiB: LastBlock from READ CAPACITY(16), beyond 2^32",
	      "%lx blocks", (unsigned long)big->Media->LastBlock + 1);
	pattern_fill(BIG_SEED, BIG_WRITE_LBA, buf);
	st = big->WriteBlocks(big, big->Media->MediaId, BIG_WRITE_LBA, 512, buf);
	SetMem(buf, 512, 0);
	if (!EFI_ERROR(st))
		st = big->ReadBlocks(big, big->Media->MediaId, BIG_WRITE_LBA, 512, buf);
	check(st == EFI_SUCCESS && pattern_check(BIG_SEED, BIG_WRITE_LBA, buf) < 0,
	      "3 TiB: write and read back LBA 2^32+16 (WRITE/READ(16))", "%lx",
	      (unsigned long)st);
	st = big->ReadBlocks(big, big->Media->MediaId, BIG_BLOCKS - 1, 512, buf);
	check(st == EFI_SUCCESS, "3 TiB: read the last block", "%lx",
	      (unsigned long)st);

	check(ro->Media->ReadOnly, "readonly=on disk: Media->ReadOnly", "%u",
	      ro->Media->ReadOnly);
	st = ro->WriteBlocks(ro, ro->Media->MediaId, 0, 512, buf);
	check(st == EFI_WRITE_PROTECTED, "read-only disk: WriteBlocks is WRITE_PROTECTED",
	      "%lx", (unsigned long)st);
	st = ro->ReadBlocks(ro, ro->Media->MediaId, 0, 4096, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(RO_SEED, 0, buf, 8);
	check(bad == -1, "read-only disk: reads match the pattern", "%lx",
	      (unsigned long)st);
	free_buf(buf, 4096);
}

static void test_disk_info(EFI_DEVICE_PATH *ctrl)
{
	EFI_HANDLE *h;
	EFI_DISK_INFO_PROTOCOL *di = NULL;
	UINT8 inq[64];
	UINT32 size, ch, dev;
	UINTN n, i;
	EFI_STATUS st;
	EFI_TPL tpl = walk_begin();

	if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &disk_info_guid, NULL, &n, &h)))
		n = 0;
	for (i = 0; i < n && !di; i++) {
		EFI_DEVICE_PATH *p = DevicePathFromHandle(h[i]);
		SCSI_DEVICE_PATH *s = p ? scsi_node_under(ctrl, p, TRUE) : NULL;

		if (s && s->Pun == 1 && s->Lun == 0)
			BS->HandleProtocol(h[i], &disk_info_guid, (VOID **)&di);
	}
	if (n)
		FreePool(h);
	walk_end(tpl);
	if (!check(di != NULL, "Disk Info on the Scsi(1,0) child", "none"))
		return;
	check(CompareMem(&di->Interface, &scsi_interface_guid, sizeof(EFI_GUID)) == 0,
	      "Disk Info interface is SCSI", "other GUID");
	size = 10;
	st = di->Inquiry(di, inq, &size);
	check(st == EFI_BUFFER_TOO_SMALL && size == 36,
	      "Disk Info Inquiry, small buffer: BUFFER_TOO_SMALL and the size",
	      "%lx %u", (unsigned long)st, size);
	size = sizeof(inq);
	st = di->Inquiry(di, inq, &size);
	check(st == EFI_SUCCESS && size == 36 && (inq[0] & 0x1F) == 0 &&
	      CompareMem(inq + 8, "QEMU", 4) == 0,
	      "Disk Info Inquiry: the unit's INQUIRY data", "%lx %u",
	      (unsigned long)st, size);
	st = di->WhichIde(di, &ch, &dev);
	check(st == EFI_UNSUPPORTED, "Disk Info WhichIde: UNSUPPORTED", "%lx",
	      (unsigned long)st);
}


static BOOLEAN pass_thru_lists(EFI_HANDLE ctrl, UINT8 t, UINT64 l)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	UINT8 target[TARGET_MAX_BYTES], *tp = target;
	UINT64 lun = 0;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return FALSE;
	SetMem(target, sizeof(target), 0xFF);
	while (!EFI_ERROR(pt->GetNextTargetLun(pt, &tp, &lun)))
		if (target[0] == t && lun == l)
			return TRUE;
	return FALSE;
}

/**
 * Poll until the unit (3,0) is listed (@p there) or not, with one Block
 * I/O either way (a pulled disk keeps its handle, without a medium).
 */
static EFI_BLOCK_IO *wait_hotplug(EFI_HANDLE ctrl_handle, EFI_DEVICE_PATH *ctrl,
				  BOOLEAN there)
{
	EFI_BLOCK_IO *bio;
	UINTN i, count;

	for (i = 0; i < WAIT_POLLS; i++) {
		bio = find_block_io(ctrl, 3, 0, &count);
		if (count == 1 && pass_thru_lists(ctrl_handle, 3, 0) == there &&
		    bio->Media->MediaPresent == there)
			return bio;
		BS->Stall(10000);
	}
	return NULL;
}

/**
 * Poll with reads under the MediaId a consumer knew until the driver
 * says the medium changed (inside that call, never behind its back).
 * @ret st	the last read's status
 */
static EFI_STATUS wait_media_changed(EFI_BLOCK_IO *bio, UINT32 id, UINT8 *buf)
{
	EFI_STATUS st = EFI_SUCCESS;
	UINTN i;

	for (i = 0; i < WAIT_POLLS && st == EFI_SUCCESS; i++) {
		st = bio->ReadBlocks(bio, id, 0, bio->Media->BlockSize, buf);
		if (st == EFI_SUCCESS)
			BS->Stall(10000);
	}
	return st;
}

static void test_hotplug(EFI_HANDLE ctrl_handle, EFI_DEVICE_PATH *ctrl,
			 EFI_HANDLE drv)
{
	EFI_BLOCK_IO *bio, *gone;
	UINT8 *buf = alloc_buf(4096);
	UINT32 id;
	EFI_STATUS st;
	UINTN count;

	monitor("device_add scsi-hd,drive=hp0,bus=scsi0.0,scsi-id=3,lun=0,id=hp0");
	bio = wait_hotplug(ctrl_handle, ctrl, TRUE);
	if (!check(bio && bio->Media->LastBlock + 1 == 65536,
		   "hot-plug: device_add gives a Block I/O on Scsi(3,0)",
		   "not there"))
		goto out;
	check(pass_thru_lists(ctrl_handle, 3, 0),
	      "hot-plug: GetNextTargetLun lists 3:0", "missing");
	check(wait_file(ctrl, 3, 0),
	      "hot-plug: its FAT partition is mounted; HELLO.TXT matches",
	      "no HELLO.TXT on Scsi(3,0)");

	id = bio->Media->MediaId;
	monitor("block_resize hp0 64M");
	st = wait_media_changed(bio, id, buf);
	check(st == EFI_MEDIA_CHANGED && bio->Media->LastBlock + 1 == 131072 &&
	      bio->Media->MediaId != id,
	      "resize: the next read is MEDIA_CHANGED, with the new LastBlock "
	      "(PARAM_CHANGE)", "%lx, %lu blocks", (unsigned long)st,
	      (unsigned long)bio->Media->LastBlock + 1);

	monitor("device_del hp0");
	gone = wait_hotplug(ctrl_handle, ctrl, FALSE);
	st = gone ? gone->ReadBlocks(gone, gone->Media->MediaId, 0, 512, buf) : 0;
	check(gone == bio && st == EFI_NO_MEDIA,
	      "hot-unplug: the unit leaves the legal list, its Block I/O stays "
	      "without medium (NO_MEDIA)", "%p %lx", gone, (unsigned long)st);
	connect(ctrl_handle, drv);
	find_block_io(ctrl, 3, 0, &count);
	check(count == 0 && count_children(ctrl) == 6,
	      "hot-unplug: ConnectController of the controller uninstalls it",
	      "%u handles, %u children", (unsigned)count,
	      (unsigned)count_children(ctrl));
out:
	free_buf(buf, 4096);
}

void media_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv)
{
	EFI_DEVICE_PATH *path = DevicePathFromHandle(ctrl);
	EFI_STATUS st;

	check(pci_owner(ctrl) == NULL, "controller unowned before our driver",
	      "owner %p", pci_owner(ctrl));
	st = connect(ctrl, *drv);
	check(st == EFI_SUCCESS && pci_owner(ctrl) == *drv,
	      "ConnectController: our driver holds the controller", "%lx",
	      (unsigned long)st);
	check(count_children(path) == 6, "6 Block I/O children (2 CD, 4 disks)",
	      "%u", (unsigned)count_children(path));
	test_cdrom(path);
	test_4k(path);
	test_big_and_readonly(path);
	test_disk_info(path);
	test_media_change(path);
	test_hotplug(ctrl, path, *drv);
}
