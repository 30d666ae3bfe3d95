/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Removal that the firmware survives (the "unplug" VM): a disk pulled
 * while a file on it is being read in a loop, a unit the device dropped
 * before the driver heard of it, a unit that comes back at its address,
 * and a storm of hot-plug and unplug cycles with every handle's device
 * path walked between them, as the Shell's `map -r` does.  A pulled disk
 * keeps its handle, without a medium, until this app connects the
 * controller again; afterwards a stable disk on the same controller must
 * still read back byte for byte.
 *
 * Topology (test/qemu/run-tests.sh, "unplug" VM):
 *   0:0  8 MiB, pattern seed 1: stays
 *   1:0  GPT disk, FAT partition with BIG.BIN (1 MiB, pattern seed 5),
 *        QEMU id rd0: pulled while BIG.BIN is read
 *   2:0  QEMU id hp (GPT + FAT): plugged and pulled by the tests
 */
#include "testlib.h"

#define STABLE_SECTORS 16384
#define BIG_SEED 5
#define BIG_SIZE (1u << 20)
#define STORM_CYCLES 100
/** How long a monitor command may take to show, in 10 ms polls. */
#define WAIT_POLLS 3000

/** Is unit (t, l) in the pass-thru's legal list? */
static BOOLEAN listed(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, UINT8 t, UINT64 l)
{
	UINT8 target[TARGET_MAX_BYTES], *tp = target;
	UINT64 lun = 0;

	SetMem(target, sizeof(target), 0xFF);
	while (!EFI_ERROR(pt->GetNextTargetLun(pt, &tp, &lun)))
		if (target[0] == t && lun == l)
			return TRUE;
	return FALSE;
}

/**
 * Poll until unit (t, l) is listed (@p there) or not, with one Block I/O
 * handle either way: a unit that went away keeps its handle, without a
 * medium.
 * @ret bio	its Block I/O, or NULL when that never came
 */
static EFI_BLOCK_IO *wait_unit(EFI_DEVICE_PATH *ctrl,
			       EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, UINT8 t,
			       UINT16 l, BOOLEAN there)
{
	EFI_BLOCK_IO *bio;
	UINTN i, count;

	for (i = 0; i < WAIT_POLLS; i++) {
		bio = find_block_io(ctrl, t, l, &count);
		if (count == 1 && listed(pt, t, l) == there &&
		    (there || !bio->Media->MediaPresent))
			return bio;
		BS->Stall(10000);
	}
	return NULL;
}



/**
 * Walk every handle's device path node by node, as `map -r` does, and
 * look at every Block I/O's media.  A node of length 0 or one running
 * past a sane size is what a path in freed pool looks like.
 * @ret bad	number of malformed paths seen
 */
static UINTN walk_handles(void)
{
	EFI_HANDLE *h;
	EFI_DEVICE_PATH *p;
	EFI_BLOCK_IO *bio;
	UINTN n, i, nodes, bad = 0;
	volatile UINT32 sink = 0;
	EFI_TPL tpl = walk_begin();

	if (EFI_ERROR(BS->LocateHandleBuffer(AllHandles, NULL, NULL, &n, &h))) {
		walk_end(tpl);
		return 0;
	}
	for (i = 0; i < n; i++) {
		p = DevicePathFromHandle(h[i]);
		for (nodes = 0; p && !IsDevicePathEnd(p); nodes++) {
			if (DevicePathNodeLength(p) < 4 || nodes > 64) {
				bad++;
				break;
			}
			p = NextDevicePathNode(p);
		}
		if (!EFI_ERROR(BS->HandleProtocol(h[i], &block_io_guid,
						  (VOID **)&bio)))
			sink += bio->Media->BlockSize + bio->Media->MediaPresent;
	}
	FreePool(h);
	walk_end(tpl);
	(void)sink;
	return bad;
}

/** Walk handles for about @p ms milliseconds; malformed paths seen. */
static UINTN walk_for(UINTN ms)
{
	UINTN bad = 0, i;

	for (i = 0; i < ms / 10; i++) {
		bad += walk_handles();
		BS->Stall(10000);
	}
	return bad;
}

/**
 * Every protocol of the pulled Scsi(1,0) child answers without reaching
 * the device: Block I/O 2 NO_MEDIA (its event never signalled), SCSI I/O
 * DEVICE_ERROR, Reset SUCCESS (nothing is in flight), Disk Info its
 * INQUIRY data; the device's request count does not move.
 * @v ctrl_handle	controller
 * @v ctrl		its path
 * @v buf		4 KiB
 */
static void check_gone_child(EFI_HANDLE ctrl_handle, EFI_DEVICE_PATH *ctrl,
			     UINT8 *buf)
{
	UINT8 cdb[6] = { SCSI_OP_TEST_UNIT_READY };
	EFI_SCSI_IO_SCSI_REQUEST_PACKET p = {
		.Timeout = 10000000, .Cdb = cdb, .CdbLength = sizeof(cdb),
	};
	EFI_HANDLE h = find_unit(ctrl, 1, 0, &(UINTN){ 0 });
	EFI_BLOCK_IO2_PROTOCOL *bio2 = NULL;
	EFI_SCSI_IO_PROTOCOL *sio = NULL;
	EFI_DISK_INFO_PROTOCOL *di = NULL;
	EFI_BLOCK_IO *bio = NULL;
	struct bio2_token tok = { 0 };
	EFI_STATUS st[5] = { 0 };
	UINT32 size = 512;
	UINT64 before = requests_of(ctrl_handle);

	BS->HandleProtocol(h, &block_io_guid, (VOID **)&bio);
	BS->HandleProtocol(h, &block_io2_guid, (VOID **)&bio2);
	BS->HandleProtocol(h, &scsi_io_guid, (VOID **)&sio);
	BS->HandleProtocol(h, &disk_info_guid, (VOID **)&di);
	if (!check(bio && bio2 && sio && di && bio2_token_open(&tok),
		   "unplug: the pulled child keeps all its protocols", "%p %p %p %p",
		   bio2, sio, di, tok.t.Event))
		return;
	st[0] = bio2->ReadBlocksEx(bio2, bio2->Media->MediaId, 0, &tok.t, 512, buf);
	st[1] = sio->ExecuteScsiCommand(sio, &p, NULL);
	st[2] = bio->Reset(bio, FALSE);
	st[3] = bio2->Reset(bio2, FALSE);
	st[4] = di->Inquiry(di, buf, &size);
	check(st[0] == EFI_NO_MEDIA && !tok.signals && st[1] == EFI_DEVICE_ERROR &&
	      st[2] == EFI_SUCCESS && st[3] == EFI_SUCCESS && st[4] == EFI_SUCCESS &&
	      requests_of(ctrl_handle) == before,
	      "unplug: its Block I/O 2 NO_MEDIA, SCSI I/O DEVICE_ERROR, Resets and "
	      "Disk Info SUCCESS, nothing sent", "%lx %lx %lx %lx %lx, %u signals, "
	      "%lu requests", (unsigned long)st[0], (unsigned long)st[1],
	      (unsigned long)st[2], (unsigned long)st[3], (unsigned long)st[4],
	      (unsigned)tok.signals,
	      (unsigned long)(requests_of(ctrl_handle) - before));
	bio2_token_close(&tok);
}

/**
 * Pull a disk while a file on it is read over and over: the reads end
 * in an error, nothing hangs, the disk keeps its handle without a medium
 * until the controller is connected again, and then its handles go.
 */
static void test_read_while_unplugged(EFI_HANDLE ctrl_handle,
				      EFI_DEVICE_PATH *ctrl,
				      EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt,
				      EFI_HANDLE drv)
{
	EFI_BLOCK_IO *bio;
	UINTN count;
	EFI_FILE_HANDLE root, f = NULL;
	UINT8 *buf = alloc_buf(BIG_SIZE);
	EFI_STATUS st = EFI_SUCCESS, first_err = EFI_SUCCESS;
	UINTN good = 0, errors = 0, i, size;
	BOOLEAN data_ok = TRUE, ok;

	root = open_root_under(ctrl, 1, 0);
	if (root && EFI_ERROR(root->Open(root, &f, L"\\BIG.BIN",
					 EFI_FILE_MODE_READ, 0)))
		f = NULL;
	if (!check(f != NULL, "unplug: BIG.BIN opened on Scsi(1,0)", "no file"))
		goto out;
	/* at most 60 s: 3 good reads, the pull, then until reads fail */
	for (i = 0; i < 600 && errors < 3; i++) {
		size = BIG_SIZE;
		st = f->SetPosition(f, 0);
		if (!EFI_ERROR(st))
			st = f->Read(f, &size, buf);
		if (!EFI_ERROR(st) && size == BIG_SIZE && !errors) {
			if (verify_sectors(BIG_SEED, 0, buf, BIG_SIZE / 512) >= 0)
				data_ok = FALSE;
			if (++good == 3)
				monitor("device_del rd0");
		} else if (EFI_ERROR(st) || size != BIG_SIZE) {
			if (!errors++)
				first_err = EFI_ERROR(st) ? st : EFI_END_OF_FILE;
		}
		BS->Stall(good >= 3 ? 100000 : 1000);
	}
	check(good >= 3 && data_ok, "unplug: BIG.BIN reads back right before the pull",
	      "%u good reads, data %s", (unsigned)good, data_ok ? "ok" : "wrong");
	check(errors >= 3, "unplug: reads of the pulled disk fail (no hang, no stale data)",
	      "%u errors in %u reads", (unsigned)errors, (unsigned)i);
	note("unplug: first failed read: %lx", (unsigned long)first_err);
	f->Close(f);
	root->Close(root);
	bio = wait_unit(ctrl, pt, 1, 0, FALSE);
	ok = bio && bio->ReadBlocks(bio, bio->Media->MediaId, 0, 512, buf) ==
		    EFI_NO_MEDIA;
	check(ok, "unplug: the pulled disk keeps its Block I/O, without medium "
	      "(NO_MEDIA), and leaves the legal list", "%p", bio);
	if (bio)
		check_gone_child(ctrl_handle, ctrl, buf);
	/* as the Shell's connect does: where children of gone units go */
	connect(ctrl_handle, drv);
	find_block_io(ctrl, 1, 0, &count);
	check(count == 0 && !listed(pt, 1, 0),
	      "unplug: ConnectController of the controller uninstalls it",
	      "%u handles", (unsigned)count);
	check(open_root_under(ctrl, 1, 0) == NULL,
	      "unplug: no file system left on Scsi(1,0)", "still mounted");
out:
	free_buf(buf, BIG_SIZE);
}

/**
 * A unit the device dropped before the driver heard of it (the driver's
 * timer cannot run while we are at TPL_CALLBACK): still listed, so
 * PassThru is sent and gets the selection timeout (§15.7.2), a read gets
 * DEVICE_ERROR; once the event is in, the disk has no medium.
 */
static void test_dropped_unit(EFI_DEVICE_PATH *ctrl,
			      EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt)
{
	UINT8 target[TARGET_MAX_BYTES] = { 2 };
	UINT8 cdb[6] = { SCSI_OP_TEST_UNIT_READY };
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 *buf = alloc_buf(4096);
	EFI_BLOCK_IO *bio;
	EFI_STATUS st = EFI_SUCCESS, rd;
	UINT32 id;
	EFI_TPL tpl;
	UINTN i;
	BOOLEAN ok;

	monitor("device_add scsi-hd,drive=hp,bus=scsi0.0,scsi-id=2,lun=0,id=hp");
	bio = wait_unit(ctrl, pt, 2, 0, TRUE);
	if (!check(bio != NULL, "unplug: device_add gives Scsi(2,0)", "not there"))
		goto out;
	id = bio->Media->MediaId;
	tpl = BS->RaiseTPL(TPL_CALLBACK);
	monitor("device_del hp");
	for (i = 0; i < 600; i++) {
		ZeroMem(&p, sizeof(p));
		p.Timeout = 10000000;
		p.Cdb = cdb;
		p.CdbLength = 6;
		p.DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_READ;
		st = pt->PassThru(pt, target, 0, &p, NULL);
		if (st != EFI_SUCCESS)
			break;
		BS->Stall(50000);
	}
	rd = bio->ReadBlocks(bio, id, 0, 512, buf);
	ok = listed(pt, 2, 0);
	BS->RestoreTPL(tpl);
	check(ok && st == EFI_TIMEOUT &&
	      p.HostAdapterStatus == EFI_EXT_SCSI_STATUS_HOST_ADAPTER_TIMEOUT_COMMAND,
	      "unplug: a listed unit the device dropped: PassThru TIMEOUT, TIMEOUT_COMMAND",
	      "listed %u, %lx ha %x", ok, (unsigned long)st, p.HostAdapterStatus);
	check(rd == EFI_DEVICE_ERROR, "unplug: a read sent to it: DEVICE_ERROR",
	      "%lx", (unsigned long)rd);
	/* the event is in within a tick: no medium, new MediaId, NO_MEDIA */
	for (i = 0; i < WAIT_POLLS && bio->Media->MediaPresent; i++)
		BS->Stall(10000);
	rd = bio->ReadBlocks(bio, bio->Media->MediaId, 0, 512, buf);
	check(!bio->Media->MediaPresent && bio->Media->MediaId != id &&
	      rd == EFI_NO_MEDIA,
	      "unplug: then no medium, a new MediaId, reads NO_MEDIA",
	      "present %u id %u->%u %lx", bio->Media->MediaPresent, id,
	      bio->Media->MediaId, (unsigned long)rd);
	check(wait_unit(ctrl, pt, 2, 0, FALSE) == bio,
	      "unplug: its unit leaves the legal list, its Block I/O stays",
	      "not so");
out:
	free_buf(buf, 4096);
}

/**
 * The unit comes back at its address: the same child, a medium again,
 * told inside the consumer's next call (MEDIA_CHANGED), and the drivers
 * above find its file system anew.
 * @v ctrl	controller's path
 * @v pt	its pass-thru
 * @v n		a number no other drive of the VM has
 */
static void test_comes_back(EFI_DEVICE_PATH *ctrl,
			    EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, unsigned n)
{
	EFI_BLOCK_IO *before, *bio;
	UINT8 *buf = alloc_buf(4096);
	EFI_STATUS st, again;
	UINT32 id;

	before = find_block_io(ctrl, 2, 0, &(UINTN){ 0 });
	if (!check(before && !before->Media->MediaPresent,
		   "come-back: Scsi(2,0) is there without a medium", "%p", before))
		goto out;
	id = before->Media->MediaId;
	monitor("drive_add 0 if=none,id=back%u,format=raw,snapshot=on,file=@HP@", n);
	monitor("device_add scsi-hd,drive=back%u,bus=scsi0.0,scsi-id=2,lun=0,id=hp", n);
	bio = wait_unit(ctrl, pt, 2, 0, TRUE);
	check(bio == before, "come-back: the unit gets its old child back, "
	      "no second handle", "%p, was %p", bio, before);
	if (!bio)
		goto out;
	st = bio->ReadBlocks(bio, id, 0, 512, buf);
	again = bio->ReadBlocks(bio, bio->Media->MediaId, 0, 512, buf);
	check(st == EFI_MEDIA_CHANGED && again == EFI_SUCCESS &&
	      bio->Media->MediaPresent && bio->Media->MediaId != id &&
	      bio->Media->LastBlock + 1 == 65536,
	      "come-back: the next read is MEDIA_CHANGED, then the medium reads",
	      "%lx %lx present %u id %u->%u", (unsigned long)st,
	      (unsigned long)again, bio->Media->MediaPresent, id,
	      bio->Media->MediaId);
	check(hello_under(ctrl, 2, 0),
	      "come-back: its FAT partition is found anew, HELLO.TXT matches",
	      "no HELLO.TXT on Scsi(2,0)");
	monitor("device_del hp");
	check(wait_unit(ctrl, pt, 2, 0, FALSE) == bio,
	      "come-back: pulled again, the same child has no medium", "not so");
out:
	free_buf(buf, 4096);
}

/** Walk handles for about @p ms milliseconds; the most Block I/O
 * handles seen on Scsi(2,0) into @p most. */
static UINTN storm_walk(EFI_DEVICE_PATH *ctrl, UINTN ms, UINTN *most)
{
	UINTN count, bad = walk_for(ms);

	find_block_io(ctrl, 2, 0, &count);
	if (count > *most)
		*most = count;
	return bad;
}

/**
 * Plug and pull a disk STORM_CYCLES times at one address, walking every
 * device path between the commands: one handle throughout; connecting
 * the controller afterwards leaves its one stable disk.
 */
static void test_storm(EFI_HANDLE ctrl_handle, EFI_DEVICE_PATH *ctrl,
		       EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, EFI_HANDLE drv)
{
	UINTN i, bad = 0, most = 0;
	EFI_BLOCK_IO *bio;

	/* QEMU drops a drive with the device that used it: a new one each time */
	for (i = 0; i < STORM_CYCLES; i++) {
		monitor("drive_add 0 if=none,id=storm%u,format=raw,snapshot=on,"
			"file=@HP@", (unsigned)i);
		monitor("device_add scsi-hd,drive=storm%u,bus=scsi0.0,scsi-id=2,"
			"lun=0,id=hp", (unsigned)i);
		bad += storm_walk(ctrl, i % 3 == 0 ? 300 : 100, &most);
		monitor("device_del hp");
		bad += storm_walk(ctrl, i % 5 == 0 ? 300 : 100, &most);
	}
	monitor("info status");	/* marks the storm's end in the monitor log */
	bio = wait_unit(ctrl, pt, 2, 0, FALSE);
	bad += walk_for(500);
	check(bio && most == 1 && count_children(ctrl) == 2,
	      "storm: 100 plug/unplug cycles at one address leave one handle",
	      "2:0 %s, at most %u handles, %u children",
	      bio ? "without medium" : "not settled", (unsigned)most,
	      (unsigned)count_children(ctrl));
	check(bad == 0, "storm: every handle's device path stayed well formed",
	      "%u malformed", (unsigned)bad);
	connect(ctrl_handle, drv);
	check(count_children(ctrl) == 1,
	      "storm: then ConnectController leaves the stable disk alone",
	      "%u children", (unsigned)count_children(ctrl));
}

/** The stable disk reads back byte for byte. */
static void test_stable(EFI_DEVICE_PATH *ctrl, const char *when)
{
	EFI_BLOCK_IO *bio = find_block_io(ctrl, 0, 0, &(UINTN){ 0 });
	UINT8 *buf = alloc_buf(STABLE_SECTORS * 512);
	EFI_STATUS st = EFI_NOT_FOUND;
	INT64 bad = 0;

	if (bio) {
		st = bio->ReadBlocks(bio, bio->Media->MediaId, 0,
				     STABLE_SECTORS * 512, buf);
		bad = verify_sectors(PATTERN_SEED, 0, buf, STABLE_SECTORS);
	}
	check(st == EFI_SUCCESS && bad < 0,
	      "unplug: the stable disk 0:0 reads back byte for byte", "%s: %lx, "
	      "sector %ld", when, (unsigned long)st, (long)bad);
	free_buf(buf, STABLE_SECTORS * 512);
}

void unplug_tests(EFI_HANDLE ctrl, EFI_HANDLE *drv)
{
	EFI_DEVICE_PATH *path = DevicePathFromHandle(ctrl);
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_STATUS st;

	st = connect(ctrl, *drv);
	check(st == EFI_SUCCESS && pci_owner(ctrl) == *drv,
	      "ConnectController: our driver holds the controller", "%lx",
	      (unsigned long)st);
	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return;
	check(count_children(path) == 2, "2 Block I/O children", "%u",
	      (unsigned)count_children(path));
	test_read_while_unplugged(ctrl, path, pt, *drv);
	test_stable(path, "after the pull");
	test_dropped_unit(path, pt);
	test_comes_back(path, pt, 0);
	test_storm(ctrl, path, pt, *drv);
	test_stable(path, "after the storm");
}
