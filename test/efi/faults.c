/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Fault injection under QEMU: the backend fails or stalls, and
 * the driver must report it and stay usable.
 *
 * Topology (test/qemu/run-tests.sh, "faults" VM):
 *   0:0  8 MiB, pattern seed 1, through blkdebug: EIO on reads of
 *        sector 100 and on writes of sector 200
 *   0:1  8 MiB, pattern seed 1, throttled to 16 KiB/s
 */
#include "testlib.h"

#define EIO_READ_LBA 100
#define EIO_WRITE_LBA 200

static void test_eio(EFI_BLOCK_IO *bio)
{
	UINT8 *buf = alloc_buf(64 * 512);
	EFI_STATUS st;
	INT64 bad;

	st = bio->ReadBlocks(bio, bio->Media->MediaId, EIO_READ_LBA - 4, 8 * 512, buf);
	check(st == EFI_DEVICE_ERROR, "EIO on a read: ReadBlocks is DEVICE_ERROR",
	      "%lx", (unsigned long)st);
	st = bio->ReadBlocks(bio, bio->Media->MediaId, 0, 64 * 512, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, 0, buf, 64);
	check(bad == -1, "after the EIO: other reads succeed, data intact",
	      "%lx bad %ld", (unsigned long)st, (long)bad);
	st = bio->ReadBlocks(bio, bio->Media->MediaId, EIO_READ_LBA + 1, 32 * 512, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, EIO_READ_LBA + 1, buf, 32);
	check(bad == -1, "after the EIO: the sectors next to it read fine",
	      "%lx bad %ld", (unsigned long)st, (long)bad);

	pattern_fill(WRITE_SEED, EIO_WRITE_LBA, buf);
	st = bio->WriteBlocks(bio, bio->Media->MediaId, EIO_WRITE_LBA, 512, buf);
	check(st == EFI_DEVICE_ERROR, "EIO on a write: WriteBlocks is DEVICE_ERROR",
	      "%lx", (unsigned long)st);
	pattern_fill(WRITE_SEED, 300, buf);
	st = bio->WriteBlocks(bio, bio->Media->MediaId, 300, 512, buf);
	SetMem(buf, 512, 0);
	if (!EFI_ERROR(st))
		st = bio->ReadBlocks(bio, bio->Media->MediaId, 300, 512, buf);
	check(st == EFI_SUCCESS && pattern_check(WRITE_SEED, 300, buf) < 0,
	      "after the EIO: a write elsewhere lands and reads back", "%lx",
	      (unsigned long)st);
	free_buf(buf, 64 * 512);
}

static void test_timeout(EFI_HANDLE ctrl, EFI_BLOCK_IO *slow, EFI_BLOCK_IO *other)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 target[TARGET_MAX_BYTES] = { 0 };
	UINT8 cdb[10] = { SCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 128, 0 };
	UINT8 *buf = alloc_buf(64 * 1024), sense[96];
	EFI_STATUS st;
	INT64 bad;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return;
	/* QEMU lets the first request through and makes the next one pay:
	 * after this 64 KiB, another 64 KiB waits 4 s at 16 KiB/s */
	slow->ReadBlocks(slow, slow->Media->MediaId, 0, 64 * 1024, buf);
	/* the packet allows 1 s */
	ZeroMem(&p, sizeof(p));
	p.Timeout = 10000000;
	p.Cdb = cdb;
	p.CdbLength = 10;
	p.InDataBuffer = buf;
	p.InTransferLength = 64 * 1024;
	p.SenseData = sense;
	p.SenseDataLength = sizeof(sense);
	p.DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_READ;
	/* the runner times these two lines on the host's clock */
	note("timing: passthru-start");
	st = pt->PassThru(pt, target, 1, &p, NULL);
	note("timing: passthru-end");
	check(st == EFI_TIMEOUT &&
	      p.HostAdapterStatus == EFI_EXT_SCSI_STATUS_HOST_ADAPTER_TIMEOUT,
	      "a request slower than its Timeout: TIMEOUT, the device is reset",
	      "%lx ha %x", (unsigned long)st, p.HostAdapterStatus);
	st = other->ReadBlocks(other, other->Media->MediaId, 0, 64 * 512, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, 0, buf, 64);
	check(bad == -1, "after the timeout: the controller works, data intact",
	      "%lx bad %ld", (unsigned long)st, (long)bad);
	st = slow->ReadBlocks(slow, slow->Media->MediaId, 0, 2 * 512, buf);
	bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, 0, buf, 2);
	check(bad == -1, "after the timeout: the slow disk still reads (no hang)",
	      "%lx bad %ld", (unsigned long)st, (long)bad);
	free_buf(buf, 64 * 1024);
}

void fault_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv)
{
	EFI_DEVICE_PATH *path = DevicePathFromHandle(ctrl);
	EFI_BLOCK_IO *eio, *slow;
	UINTN n1, n2;

	check(connect(ctrl, *drv) == EFI_SUCCESS && pci_owner(ctrl) == *drv,
	      "our driver holds the controller", "no");
	eio = find_block_io(path, 0, 0, &n1);
	slow = find_block_io(path, 0, 1, &n2);
	if (!check(eio && slow && n1 == 1 && n2 == 1, "a Block I/O on each disk",
		   "%u %u", (unsigned)n1, (unsigned)n2))
		return;
	test_eio(eio);
	test_timeout(ctrl, slow, eio);
}
