/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The end-to-end checks of one controller: ownership, Ext SCSI
 * Pass Thru rules, one Block I/O per unit, the pattern disk, writes, the
 * FAT partition, resets, unload and reload.
 *
 * Topology (test/qemu/run-tests.sh builds it):
 *   target 0 LUN 0  64 MiB, pattern seed 1
 *   target 0 LUN 1  16 MiB, zeros; written here with seed 2
 *   target 1 LUN 0  GPT disk, one FAT partition holding HELLO.TXT
 *   target 1 LUN 1  1 MiB
 */
#include "testlib.h"

#define PATTERN_DISK_BLOCKS (64u * 2048)
#define WRITE_DISK_BLOCKS (16u * 2048)
#define SMALL_DISK_BLOCKS 2048u
#define NUM_UNITS 4

/* ------------------------------------------------------------------ */
/* Ext SCSI Pass Thru                                                  */

/** Build a packet for a CDB reading into @p buf. */
static void read_packet(EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET *p,
			UINT8 *cdb, UINT8 cdb_len, VOID *buf, UINT32 len,
			VOID *sense, UINT8 sense_len)
{
	ZeroMem(p, sizeof(*p));
	p->Timeout = 10 * 10000000ull;	/* 10 s */
	p->Cdb = cdb;
	p->CdbLength = cdb_len;
	p->InDataBuffer = buf;
	p->InTransferLength = len;
	p->SenseData = sense;
	p->SenseDataLength = sense_len;
	p->DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_READ;
}

static void test_pass_thru(EFI_HANDLE ctrl, EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt)
{
	UINT64 before;
	UINT8 target[TARGET_MAX_BYTES] = { 0 };
	UINT8 cdb[16] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 *buf = alloc_buf(4096), *sense = buf + 2048;
	EFI_STATUS st;

	read_packet(&p, cdb, 6, buf, 36, sense, 96);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	check(st == EFI_SUCCESS && p.HostAdapterStatus == 0 && p.TargetStatus == 0 &&
	      p.InTransferLength == 36 && (buf[0] & 0x1F) == 0 &&
	      CompareMem(buf + 8, "QEMU", 4) == 0,
	      "PassThru INQUIRY 0:0: 36 bytes, direct-access, vendor QEMU",
	      "%lx ha %x ts %x len %u pdt %x", (unsigned long)st,
	      p.HostAdapterStatus, p.TargetStatus, p.InTransferLength, buf[0]);

	/*
	 * An address GetNextTargetLun does not list is not a legal one
	 * (§15.7.3): refused before anything is sent (the device's request
	 * count does not move).
	 */
	target[0] = 5;
	read_packet(&p, cdb, 6, buf, 36, sense, 96);
	before = requests_of(ctrl);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	check(st == EFI_INVALID_PARAMETER && requests_of(ctrl) == before,
	      "PassThru to absent target 5: INVALID_PARAMETER, nothing sent",
	      "%lx, %lu requests", (unsigned long)st,
	      (unsigned long)(requests_of(ctrl) - before));
	target[0] = 0;

	/* an unknown opcode: executed, CHECK CONDITION, ILLEGAL REQUEST */
	cdb[0] = 0xFF;
	read_packet(&p, cdb, 6, buf, 36, sense, 96);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	check(st == EFI_SUCCESS && p.TargetStatus == SCSI_STATUS_CHECK_CONDITION &&
	      p.SenseDataLength >= 14 && (sense[2] & 0xF) == SCSI_SK_ILLEGAL_REQUEST,
	      "PassThru bad opcode: CHECK CONDITION with ILLEGAL REQUEST sense",
	      "%lx ts %x sense %u key %x", (unsigned long)st, p.TargetStatus,
	      p.SenseDataLength, sense[2] & 0xF);
	cdb[0] = SCSI_OP_INQUIRY;

	/* more than one request can carry: BAD_BUFFER_SIZE and the limit */
	cdb[0] = SCSI_OP_READ_16;
	ZeroMem(cdb + 1, 15);
	cdb[10] = 0x04;	/* 0x040000 blocks = 128 MiB */
	read_packet(&p, cdb, 16, buf, 0x8000000, sense, 96);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	check(st == EFI_BAD_BUFFER_SIZE && p.InTransferLength > 0 &&
	      p.InTransferLength < 0x8000000,
	      "PassThru 128 MiB read: BAD_BUFFER_SIZE with the adapter's limit",
	      "%lx len %u", (unsigned long)st, p.InTransferLength);
	note("adapter transfer limit %u bytes", p.InTransferLength);

	st = pt->ResetTargetLun(pt, target, 0);
	check(st == EFI_SUCCESS, "ResetTargetLun(0,0): LOGICAL UNIT RESET", "%lx",
	      (unsigned long)st);
	st = pt->ResetChannel(pt);
	check(st == EFI_SUCCESS, "ResetChannel: I_T NEXUS RESET per target", "%lx",
	      (unsigned long)st);
	target[1] = 1;
	st = pt->ResetTargetLun(pt, target, 0);
	check(st == EFI_INVALID_PARAMETER, "ResetTargetLun(target 256): INVALID_PARAMETER",
	      "%lx", (unsigned long)st);
	free_buf(buf, 4096);
}

/* ------------------------------------------------------------------ */
/* Block I/O                                                           */

static void test_children(EFI_DEVICE_PATH *ctrl_path, EFI_BLOCK_IO **bio)
{
	static const UINT64 blocks[NUM_UNITS] = {
		PATTERN_DISK_BLOCKS, WRITE_DISK_BLOCKS, 0, SMALL_DISK_BLOCKS,
	};
	UINTN i, count, total = count_children(ctrl_path);

	check(total == NUM_UNITS, "exactly 4 Block I/O children under the controller",
	      "%u", (unsigned)total);
	for (i = 0; i < NUM_UNITS; i++) {
		char name[64];

		bio[i] = find_block_io(ctrl_path, i / 2, i % 2, &count);
		vs_snprintf(name, sizeof(name), "one Block I/O on Scsi(%u,%u)%s",
			     (unsigned)(i / 2), (unsigned)(i % 2),
			     blocks[i] ? " with its capacity" : "");
		if (!check(bio[i] && count == 1 &&
			   (!blocks[i] || (bio[i]->Media->LastBlock + 1 == blocks[i] &&
					   bio[i]->Media->BlockSize == 512)),
			   name, "%u handles, last block %lu", (unsigned)count,
			   bio[i] ? (unsigned long)bio[i]->Media->LastBlock : 0ul))
			bio[i] = NULL;
	}
}

static void test_read_pattern(EFI_BLOCK_IO *bio)
{
	const UINTN chunk = 1 << 20, per = chunk / 512;
	UINT8 *buf = alloc_buf(chunk);
	UINT64 lba;
	INT64 bad = -1;
	EFI_STATUS st = EFI_SUCCESS;

	for (lba = 0; lba < PATTERN_DISK_BLOCKS && bad < 0; lba += per) {
		SetMem(buf, chunk, 0x5A);
		st = bio->ReadBlocks(bio, bio->Media->MediaId, lba, chunk, buf);
		if (EFI_ERROR(st))
			break;
		bad = verify_sectors(PATTERN_SEED, lba, buf, per);
	}
	check(!EFI_ERROR(st) && bad < 0,
	      "ReadBlocks: every sector of the 64 MiB disk matches the pattern",
	      "%lx at LBA %lu, bad sector %ld", (unsigned long)st,
	      (unsigned long)lba, (long)bad);
	free_buf(buf, chunk);
}

static void test_read_odd(EFI_BLOCK_IO *bio)
{
	static const struct { UINT64 lba, blocks; } r[] = {
		{ 0, 1 }, { PATTERN_DISK_BLOCKS - 7, 7 }, { 12345, 2049 },
		{ 1000, 70000 },	/* above 65535 blocks: split commands */
	};
	UINTN bytes = 70000 * 512, i;
	UINT8 *buf = alloc_buf(bytes);
	EFI_STATUS st;
	INT64 bad;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		char name[80];

		SetMem(buf, r[i].blocks * 512, 0xA5);
		st = bio->ReadBlocks(bio, bio->Media->MediaId, r[i].lba,
				     r[i].blocks * 512, buf);
		bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, r[i].lba, buf,
							   r[i].blocks);
		vs_snprintf(name, sizeof(name), "ReadBlocks %lu blocks at LBA %lu",
			     (unsigned long)r[i].blocks, (unsigned long)r[i].lba);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
	}
	free_buf(buf, bytes);
}

static void test_write(EFI_BLOCK_IO *bio)
{
	static const struct { UINT64 lba, blocks; } r[] = {
		{ 0, 4096 }, { 30000, 100 }, { WRITE_DISK_BLOCKS - 1, 1 },
	};
	UINTN bytes = 4096 * 512, i, j;
	UINT8 *buf = alloc_buf(bytes);
	EFI_STATUS st;
	INT64 bad;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		char name[80];

		for (j = 0; j < r[i].blocks; j++)
			pattern_fill(WRITE_SEED, r[i].lba + j, buf + j * 512);
		st = bio->WriteBlocks(bio, bio->Media->MediaId, r[i].lba,
				      r[i].blocks * 512, buf);
		SetMem(buf, bytes, 0);
		if (!EFI_ERROR(st))
			st = bio->ReadBlocks(bio, bio->Media->MediaId, r[i].lba,
					     r[i].blocks * 512, buf);
		bad = EFI_ERROR(st) ? -2 : verify_sectors(WRITE_SEED, r[i].lba, buf,
							   r[i].blocks);
		vs_snprintf(name, sizeof(name),
			     "WriteBlocks %lu blocks at LBA %lu, read back",
			     (unsigned long)r[i].blocks, (unsigned long)r[i].lba);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
	}
	st = bio->FlushBlocks(bio);
	check(st == EFI_SUCCESS, "FlushBlocks: SYNCHRONIZE CACHE", "%lx",
	      (unsigned long)st);
	st = bio->Reset(bio, FALSE);
	check(st == EFI_SUCCESS, "Block I/O Reset", "%lx", (unsigned long)st);
	free_buf(buf, bytes);
}

/** Where odd buffers start: 1, 3 and 511 bytes past a page boundary. */
static const UINTN odd_offsets[] = { 1, 3, 511 };

/**
 * Fill a READ(10) or WRITE(10) CDB (SBC-3 §5.15, §5.35).
 * @v cdb	10 bytes
 * @v op	SCSI_OP_READ_10 or SCSI_OP_WRITE_10
 * @v lba	first block (below 2^16 here)
 * @v blocks	how many
 */
static void rw10_cdb(UINT8 *cdb, UINT8 op, UINT64 lba, UINT8 blocks)
{
	ZeroMem(cdb, 10);
	cdb[0] = op;
	cdb[4] = (UINT8)(lba >> 8);
	cdb[5] = (UINT8)lba;
	cdb[8] = blocks;
}

/**
 * Read and write through Block I/O and pass-thru with buffers that start
 * 1, 3 and 511 bytes past a page (IoAlign 1): byte for byte the pattern,
 * and the written sectors (inside the ones the runner checks on the host
 * image) read back.
 */
static void test_odd_buffers(EFI_HANDLE ctrl, EFI_BLOCK_IO *rd, EFI_BLOCK_IO *wr)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 target[TARGET_MAX_BYTES] = { 0 }, cdb[10];
	UINT8 *page = alloc_buf(5 * 4096), *buf;
	UINT64 lba;
	UINTN i, j;
	EFI_STATUS st;
	INT64 bad;
	char name[96];

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		pt = NULL;
	check(rd->Media->IoAlign <= 1 && (!pt || pt->Mode->IoAlign <= 1),
	      "IoAlign 1: Block I/O and pass-thru demand no alignment",
	      "%u %u", rd->Media->IoAlign, pt ? pt->Mode->IoAlign : 0);
	for (i = 0; i < sizeof(odd_offsets) / sizeof(odd_offsets[0]); i++) {
		buf = page + 4096 + odd_offsets[i];
		/* Block I/O: 5 sectors read, then 3 written and read back */
		lba = 777 + 10 * i;
		SetMem(buf, 5 * 512, 0xA5);
		st = rd->ReadBlocks(rd, rd->Media->MediaId, lba, 5 * 512, buf);
		bad = EFI_ERROR(st) ? -2 : verify_sectors(PATTERN_SEED, lba, buf, 5);
		vs_snprintf(name, sizeof(name), "ReadBlocks into a buffer at page + %u",
			     (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
		lba = 100 + 10 * i;
		for (j = 0; j < 3; j++)
			pattern_fill(WRITE_SEED, lba + j, buf + j * 512);
		st = wr->WriteBlocks(wr, wr->Media->MediaId, lba, 3 * 512, buf);
		SetMem(buf, 3 * 512, 0);
		if (!EFI_ERROR(st))
			st = wr->ReadBlocks(wr, wr->Media->MediaId, lba, 3 * 512, buf);
		bad = EFI_ERROR(st) ? -2 : verify_sectors(WRITE_SEED, lba, buf, 3);
		vs_snprintf(name, sizeof(name), "WriteBlocks from a buffer at page + %u, "
			     "read back", (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
		if (!pt)
			continue;
		/* pass-thru: READ(10) of 2 sectors, WRITE(10) of 2 to 0:1 */
		lba = 4000 + 10 * i;
		rw10_cdb(cdb, SCSI_OP_READ_10, lba, 2);
		read_packet(&p, cdb, 10, buf, 1024, NULL, 0);
		SetMem(buf, 1024, 0xA5);
		st = pt->PassThru(pt, target, 0, &p, NULL);
		bad = EFI_ERROR(st) || p.TargetStatus ? -2 :
		      verify_sectors(PATTERN_SEED, lba, buf, 2);
		vs_snprintf(name, sizeof(name), "PassThru READ(10) into a buffer at "
			     "page + %u", (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx ts %x bad %ld", (unsigned long)st,
		      p.TargetStatus, (long)bad);
		lba = 200 + 10 * i;
		for (j = 0; j < 2; j++)
			pattern_fill(WRITE_SEED, lba + j, buf + j * 512);
		rw10_cdb(cdb, SCSI_OP_WRITE_10, lba, 2);
		read_packet(&p, cdb, 10, NULL, 0, NULL, 0);
		p.OutDataBuffer = buf;
		p.OutTransferLength = 1024;
		p.DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_WRITE;
		st = pt->PassThru(pt, target, 1, &p, NULL);
		SetMem(buf, 1024, 0);
		if (!EFI_ERROR(st) && !p.TargetStatus)
			st = wr->ReadBlocks(wr, wr->Media->MediaId, lba, 1024, buf);
		bad = EFI_ERROR(st) || p.TargetStatus ? -2 :
		      verify_sectors(WRITE_SEED, lba, buf, 2);
		vs_snprintf(name, sizeof(name), "PassThru WRITE(10) from a buffer at "
			     "page + %u, read back", (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx ts %x bad %ld", (unsigned long)st,
		      p.TargetStatus, (long)bad);
	}
	free_buf(page, 5 * 4096);
}

/**
 * Read with a SCSI I/O READ(10) into @p buf, or write with WRITE(10).
 * @v sio	SCSI I/O
 * @v write	direction
 * @v lba	first block
 * @v blocks	how many (512 bytes each)
 * @v buf	buffer
 * @ret st	ExecuteScsiCommand's status, DEVICE_ERROR for a bad TargetStatus
 */
static EFI_STATUS sio_rw10(EFI_SCSI_IO_PROTOCOL *sio, BOOLEAN write, UINT64 lba,
			   UINT8 blocks, VOID *buf)
{
	UINT8 cdb[10];
	EFI_SCSI_IO_SCSI_REQUEST_PACKET p = {
		.Timeout = 100000000, .Cdb = cdb, .CdbLength = sizeof(cdb),
	};
	EFI_STATUS st;

	rw10_cdb(cdb, write ? SCSI_OP_WRITE_10 : SCSI_OP_READ_10, lba, blocks);
	if (write) {
		p.OutDataBuffer = buf;
		p.OutTransferLength = blocks * 512;
		p.DataDirection = EFI_SCSI_IO_DATA_DIRECTION_WRITE;
	} else {
		p.InDataBuffer = buf;
		p.InTransferLength = blocks * 512;
		p.DataDirection = EFI_SCSI_IO_DATA_DIRECTION_READ;
	}
	st = sio->ExecuteScsiCommand(sio, &p, NULL);
	return !st && p.TargetStatus ? EFI_DEVICE_ERROR : st;
}

/**
 * The same through Block I/O 2 and SCSI I/O: reads of the pattern disk
 * and writes to Scsi(0,1) (inside the sectors the runner checks on the
 * host image) from buffers 1, 3 and 511 bytes past a page, read back.
 */
static void test_odd_buffers2(EFI_DEVICE_PATH *ctrl_path)
{
	EFI_BLOCK_IO2_PROTOCOL *rd2 = NULL, *wr2 = NULL;
	EFI_SCSI_IO_PROTOCOL *rsio = NULL, *wsio = NULL;
	EFI_HANDLE rh = find_unit(ctrl_path, 0, 0, &(UINTN){ 0 });
	EFI_HANDLE wh = find_unit(ctrl_path, 0, 1, &(UINTN){ 0 });
	UINT8 *page = alloc_buf(5 * 4096), *buf;
	EFI_STATUS st;
	UINT64 lba;
	UINTN i, j;
	INT64 bad;
	char name[96];

	BS->HandleProtocol(rh, &block_io2_guid, (VOID **)&rd2);
	BS->HandleProtocol(wh, &block_io2_guid, (VOID **)&wr2);
	BS->HandleProtocol(rh, &scsi_io_guid, (VOID **)&rsio);
	BS->HandleProtocol(wh, &scsi_io_guid, (VOID **)&wsio);
	if (!check(rd2 && wr2 && rsio && wsio && rd2->Media->IoAlign <= 1 &&
		   rsio->IoAlign <= 1, "IoAlign 1: Block I/O 2 and SCSI I/O demand "
		   "no alignment", "%p %p %p %p", rd2, wr2, rsio, wsio))
		goto out;
	for (i = 0; i < sizeof(odd_offsets) / sizeof(odd_offsets[0]); i++) {
		buf = page + 4096 + odd_offsets[i];
		lba = 900 + 10 * i;
		SetMem(buf, 4 * 512, 0xA5);
		st = rd2->ReadBlocksEx(rd2, rd2->Media->MediaId, lba, NULL, 4 * 512, buf);
		if (!st)
			st = sio_rw10(rsio, FALSE, lba + 4, 2, buf + 4 * 512);
		bad = st ? -2 : verify_sectors(PATTERN_SEED, lba, buf, 6);
		vs_snprintf(name, sizeof(name), "ReadBlocksEx and SCSI I/O READ(10) "
			     "into a buffer at page + %u", (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
		lba = 300 + 10 * i;
		for (j = 0; j < 5; j++)
			pattern_fill(WRITE_SEED, lba + j, buf + j * 512);
		st = wr2->WriteBlocksEx(wr2, wr2->Media->MediaId, lba, NULL, 3 * 512, buf);
		if (!st)
			st = sio_rw10(wsio, TRUE, lba + 3, 2, buf + 3 * 512);
		SetMem(buf, 5 * 512, 0);
		if (!st)
			st = wr2->ReadBlocksEx(wr2, wr2->Media->MediaId, lba, NULL,
					       5 * 512, buf);
		bad = st ? -2 : verify_sectors(WRITE_SEED, lba, buf, 5);
		vs_snprintf(name, sizeof(name), "WriteBlocksEx and SCSI I/O WRITE(10) "
			     "from a buffer at page + %u, read back",
			     (unsigned)odd_offsets[i]);
		check(bad == -1, name, "%lx bad %ld", (unsigned long)st, (long)bad);
	}
out:
	free_buf(page, 5 * 4096);
}

/**
 * FlushBlocks sends SYNCHRONIZE CACHE only when the unit's write cache is
 * on and something was written since the last flush: none for a disk
 * only read, one after a write, none for a disk whose cache is off
 * (Scsi(1,1): write-cache=off).
 */
static void test_flush_policy(EFI_HANDLE ctrl, EFI_BLOCK_IO *rd,
			      EFI_BLOCK_IO *wr, EFI_BLOCK_IO *nocache)
{
	UINT8 *buf = alloc_buf(4096);
	UINT64 n0, n1, n2, n3;
	EFI_STATUS st[4];

	n0 = requests_of(ctrl);
	st[0] = rd->FlushBlocks(rd);
	n1 = requests_of(ctrl);
	st[1] = wr->ReadBlocks(wr, wr->Media->MediaId, 0, 512, buf);
	if (!EFI_ERROR(st[1]))
		st[1] = wr->WriteBlocks(wr, wr->Media->MediaId, 0, 512, buf);
	n2 = requests_of(ctrl);
	st[2] = wr->FlushBlocks(wr);
	st[3] = wr->FlushBlocks(wr);
	n3 = requests_of(ctrl);
	check(!st[0] && !st[1] && !st[2] && !st[3] && n1 == n0 && n3 == n2 + 1,
	      "FlushBlocks: SYNCHRONIZE CACHE once after a write, none with "
	      "nothing written", "%lx %lx %lx %lx; %lu, %lu requests",
	      (unsigned long)st[0], (unsigned long)st[1], (unsigned long)st[2],
	      (unsigned long)st[3], (unsigned long)(n1 - n0),
	      (unsigned long)(n3 - n2));
	st[0] = nocache->ReadBlocks(nocache, nocache->Media->MediaId, 5, 512, buf);
	if (!EFI_ERROR(st[0]))
		st[0] = nocache->WriteBlocks(nocache, nocache->Media->MediaId, 5,
					     512, buf);
	n0 = requests_of(ctrl);
	st[1] = nocache->FlushBlocks(nocache);
	n1 = requests_of(ctrl);
	check(!st[0] && !st[1] && n1 == n0,
	      "FlushBlocks of a disk whose write cache is off (WCE 0): nothing sent",
	      "%lx %lx, %lu requests", (unsigned long)st[0], (unsigned long)st[1],
	      (unsigned long)(n1 - n0));
	free_buf(buf, 4096);
}

#define BATCH 8
#define BATCH_BLOCKS 64

/**
 * Block I/O 2 with events: BATCH reads submitted back to back, each with
 * its own token, all complete and signal in the order submitted, with the
 * pattern's bytes; and Disk I/O 2 (layered by the firmware on the Block
 * I/O 2 the partition driver publishes on a partition) reads through it.
 */
static void test_block_io2(EFI_DEVICE_PATH *ctrl_path)
{
	static EFI_GUID disk_io2_guid = EFI_DISK_IO2_PROTOCOL_GUID;
	EFI_BLOCK_IO2_PROTOCOL *bio2 = NULL, *part_bio2 = NULL;
	EFI_DISK_IO2_PROTOCOL *dio2 = NULL;
	EFI_BLOCK_IO *bio = NULL;
	struct bio2_token tok[BATCH];
	UINT8 *buf = alloc_buf(BATCH * BATCH_BLOCKS * 512), *want;
	EFI_STATUS st[BATCH];
	EFI_HANDLE *h;
	EFI_DEVICE_PATH *p;
	SCSI_DEVICE_PATH *s;
	BOOLEAN ok = TRUE;
	INT64 bad = -1;
	UINTN n, i;
	EFI_TPL tpl;

	BS->HandleProtocol(find_unit(ctrl_path, 0, 0, &n), &block_io2_guid,
			   (VOID **)&bio2);
	if (!check(bio2 != NULL, "Block I/O 2 on the Scsi(0,0) child", "none"))
		goto out;
	for (i = 0; i < BATCH; i++) {
		ok &= bio2_token_open(&tok[i]);
		st[i] = EFI_NOT_READY;
	}
	for (i = 0; ok && i < BATCH; i++)
		st[i] = bio2->ReadBlocksEx(bio2, bio2->Media->MediaId, 5000 + 300 * i,
					  &tok[i].t, BATCH_BLOCKS * 512,
					  buf + i * BATCH_BLOCKS * 512);
	for (i = 0; ok && i < BATCH; i++) {
		ok = st[i] == EFI_SUCCESS && tok[i].signals == 1 &&
		     tok[i].seq == tok[0].seq + i &&
		     tok[i].t.TransactionStatus == EFI_SUCCESS;
		if (ok)
			bad = verify_sectors(PATTERN_SEED, 5000 + 300 * i,
					     buf + i * BATCH_BLOCKS * 512, BATCH_BLOCKS);
		ok &= bad == -1;
	}
	i = i ? i - 1 : 0;	/* the token that failed */
	check(ok, "ReadBlocksEx: 8 tokens back to back each signal once, in "
	      "order, with the pattern's bytes", "token %u: %lx, %u signals, "
	      "seq %u, bad %ld", (unsigned)i, (unsigned long)st[i],
	      (unsigned)tok[i].signals, (unsigned)tok[i].seq, (long)bad);
	for (i = 0; i < BATCH; i++)
		bio2_token_close(&tok[i]);

	/* the FAT partition of Scsi(1,0): Block I/O 2 and Disk I/O 2 there */
	tpl = walk_begin();
	if (!EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &disk_io2_guid, NULL,
					      &n, &h))) {
		for (i = 0; i < n && !dio2; i++) {
			p = DevicePathFromHandle(h[i]);
			s = p ? scsi_node_under(ctrl_path, p, FALSE) : NULL;
			if (!s || s->Pun != 1 || s->Lun != 0 ||
			    IsDevicePathEnd(NextDevicePathNode(&s->Header)))
				continue;
			BS->HandleProtocol(h[i], &disk_io2_guid, (VOID **)&dio2);
			BS->HandleProtocol(h[i], &block_io2_guid, (VOID **)&part_bio2);
		}
		FreePool(h);
	}
	walk_end(tpl);
	bio = find_block_io(ctrl_path, 1, 0, &n);
	if (!check(dio2 && part_bio2 && bio, "the partition on Scsi(1,0) has "
		   "Block I/O 2 and Disk I/O 2", "%p %p", dio2, part_bio2))
		goto out;
	/* 4 KiB at byte 1024 of the partition (it starts at LBA 2048) */
	want = buf + 8192;
	st[0] = bio->ReadBlocks(bio, bio->Media->MediaId, 2050, 4096, want);
	ok = bio2_token_open(&tok[0]);
	st[1] = ok ? dio2->ReadDiskEx(dio2, part_bio2->Media->MediaId, 1024,
				      (EFI_DISK_IO2_TOKEN *)&tok[0].t, 4096, buf) :
		     EFI_OUT_OF_RESOURCES;
	check(st[0] == EFI_SUCCESS && st[1] == EFI_SUCCESS && tok[0].signals == 1 &&
	      tok[0].t.TransactionStatus == EFI_SUCCESS &&
	      CompareMem(buf, want, 4096) == 0,
	      "Disk I/O 2 ReadDiskEx on the partition: signalled, the disk's bytes",
	      "%lx %lx, %u signals, %lx", (unsigned long)st[0],
	      (unsigned long)st[1], (unsigned)tok[0].signals,
	      (unsigned long)tok[0].t.TransactionStatus);
	bio2_token_close(&tok[0]);
out:
	free_buf(buf, BATCH * BATCH_BLOCKS * 512);
}

/**
 * A TEST UNIT READY to Scsi(1,1) through the pass-thru: a marker the
 * runner finds in QEMU's trace of the commands the device saw.
 * @v ctrl	controller
 */
static void trace_mark(EFI_HANDLE ctrl)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 target[TARGET_MAX_BYTES] = { 1 }, cdb[6] = { SCSI_OP_TEST_UNIT_READY };

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return;
	ZeroMem(&p, sizeof(p));
	p.Timeout = 10000000;
	p.Cdb = cdb;
	p.CdbLength = sizeof(cdb);
	pt->PassThru(pt, target, 1, &p, NULL);
}

/**
 * SCSI I/O on a child (§15.4), held BY_DRIVER by our driver, so the
 * firmware's SCSI disk driver never starts on it: connecting the child
 * leaves our driver its only holder (the runner checks QEMU's trace
 * between the two markers: the partition driver's reads, nothing of a
 * disk driver's bring-up), and after a disconnect and a connect of the
 * child it has its one Block I/O, ours, and its file system back.
 */
static void test_scsi_io(EFI_HANDLE ctrl, EFI_DEVICE_PATH *ctrl_path,
			 EFI_HANDLE drv)
{
	EFI_SCSI_IO_PROTOCOL *sio = NULL;
	EFI_BLOCK_IO *bio = NULL, *again = NULL;
	EFI_HANDLE h = find_unit(ctrl_path, 1, 0, &(UINTN){ 0 }), holder;
	EFI_STATUS st, st2;
	UINTN n;

	if (h) {
		BS->HandleProtocol(h, &scsi_io_guid, (VOID **)&sio);
		BS->HandleProtocol(h, &block_io_guid, (VOID **)&bio);
	}
	if (!check(sio && bio, "SCSI I/O on the Scsi(1,0) child", "none"))
		return;
	conform_scsi_io(sio, SCSI_PDT_DIRECT_ACCESS, 1, 0);
	holder = driver_holding(h, &scsi_io_guid, &n);
	check(holder == drv && n == 1, "our driver holds the child's SCSI I/O "
	      "BY_DRIVER, no one else", "%u holders, %p", (unsigned)n, holder);
	trace_mark(ctrl);
	st = BS->ConnectController(h, NULL, NULL, TRUE);
	trace_mark(ctrl);
	holder = driver_holding(h, &scsi_io_guid, &n);
	check(st == EFI_SUCCESS && holder == drv && n == 1,
	      "ConnectController of a child: the firmware's SCSI disk driver "
	      "cannot take it (our driver its only holder)", "%lx, %u holders",
	      (unsigned long)st, (unsigned)n);
	st = BS->DisconnectController(h, NULL, NULL);
	holder = driver_holding(h, &scsi_io_guid, &n);
	check(st == EFI_SUCCESS && n == 0, "DisconnectController of a child: our "
	      "driver lets go of its SCSI I/O", "%lx, %u holders", (unsigned long)st,
	      (unsigned)n);
	st = BS->ConnectController(h, NULL, NULL, TRUE);
	holder = driver_holding(h, &scsi_io_guid, &n);
	st2 = BS->HandleProtocol(h, &block_io_guid, (VOID **)&again);
	check(st == EFI_SUCCESS && holder == drv && n == 1 && !st2 && again == bio &&
	      hello_under(ctrl_path, 1, 0),
	      "disconnect and connect of a child: our driver takes it back, one "
	      "Block I/O (ours), its file system back", "%lx, %u holders %p, bio %p",
	      (unsigned long)st, (unsigned)n, holder, again);
}

static void test_fat(EFI_DEVICE_PATH *ctrl_path)
{
	UINTN got_size = 0, want_size = 0;
	UINT8 *want = read_boot_file(L"\\EXPECT.TXT", &want_size);
	UINT8 *got = read_file_under(ctrl_path, 1, 0, L"\\HELLO.TXT", &got_size);

	check(want && got && got_size == want_size &&
	      CompareMem(got, want, got_size) == 0,
	      "firmware mounts the FAT partition on Scsi(1,0); HELLO.TXT matches",
	      "expected %u bytes%s, read %u%s", (unsigned)want_size,
	      want ? "" : " (missing)", (unsigned)got_size, got ? "" : " (missing)");
	if (got)
		FreePool(got);
	if (want)
		FreePool(want);
}

/* ------------------------------------------------------------------ */
/* Per controller                                                      */

/**
 * Component Name and Component Name 2 (§11.5): a child of ours is named;
 * a ChildHandle that is none of the controller's children (the app's own
 * image) is EFI_INVALID_PARAMETER, from both protocols.
 */
static void test_component_names(EFI_HANDLE ctrl, EFI_HANDLE drv)
{
	static EFI_GUID cn1_guid = EFI_COMPONENT_NAME_PROTOCOL_GUID;
	EFI_COMPONENT_NAME2_PROTOCOL *cn2 = NULL;
	EFI_COMPONENT_NAME_PROTOCOL *cn1 = NULL;
	EFI_HANDLE child = first_child(DevicePathFromHandle(ctrl));
	CHAR16 *name = NULL;
	EFI_STATUS st1, st2;
	EFI_TPL tpl = walk_begin();

	BS->HandleProtocol(drv, &cn2_guid, (VOID **)&cn2);
	BS->HandleProtocol(drv, &cn1_guid, (VOID **)&cn1);
	if (!check(child && cn1 && cn2, "Component Name and Component Name 2 on our image",
		   "child %p cn %p cn2 %p", child, cn1, cn2)) {
		walk_end(tpl);
		return;
	}
	st2 = cn2->GetControllerName(cn2, ctrl, child, (CHAR8 *)"en", &name);
	check(st2 == EFI_SUCCESS && name && StrCmp(name, L"Virtio SCSI Disk") == 0,
	      "ComponentName2 names a child", "%lx", (unsigned long)st2);
	st1 = cn1->GetControllerName(cn1, ctrl, self, (CHAR8 *)"eng", &name);
	st2 = cn2->GetControllerName(cn2, ctrl, self, (CHAR8 *)"en", &name);
	walk_end(tpl);
	check(st1 == EFI_INVALID_PARAMETER && st2 == EFI_INVALID_PARAMETER,
	      "§11.5 GetControllerName of a ChildHandle that is no child: "
	      "INVALID_PARAMETER (both protocols)", "%lx %lx",
	      (unsigned long)st1, (unsigned long)st2);
}

/** A RemainingDevicePath: one node, then the end. */
struct remaining {
	SCSI_DEVICE_PATH node;
	EFI_DEVICE_PATH end;
};

/** Scsi(pun, lun) followed by the end node. */
static struct remaining scsi_remaining(UINT16 pun, UINT16 lun)
{
	struct remaining r = {
		.node = { { MESSAGING_DEVICE_PATH, MSG_SCSI_DP,
			    { sizeof(SCSI_DEVICE_PATH), 0 } }, pun, lun },
		.end = { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE,
			 { sizeof(EFI_DEVICE_PATH), 0 } },
	};
	return r;
}

/** Units the pass-thru lists (its legal address list). */
static UINTN listed_units(EFI_HANDLE ctrl)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	UINT8 target[TARGET_MAX_BYTES], *tp = target;
	UINT64 lun = 0;
	UINTN n = 0;

	if (EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt)))
		return 0;
	SetMem(target, sizeof(target), 0xFF);
	while (!EFI_ERROR(pt->GetNextTargetLun(pt, &tp, &lun)))
		n++;
	return n;
}

/**
 * Narrow connect (§11.1 bus drivers): Supported refuses a remaining path
 * whose first node is no well-formed Scsi() node; Start with Scsi(1,0)
 * lists every unit but makes only that child, a second Start with
 * Scsi(0,1) that one too, an end node none.
 */
static void test_narrow_connect(EFI_HANDLE ctrl, EFI_HANDLE drv)
{
	EFI_DEVICE_PATH *path = DevicePathFromHandle(ctrl);
	EFI_DRIVER_BINDING_PROTOCOL *db = NULL;
	EFI_HANDLE drivers[2] = { drv, NULL };
	struct remaining r = scsi_remaining(1, 0), bad = r;
	EFI_STATUS st[3];
	UINTN n[3];

	BS->HandleProtocol(drv, &binding_guid, (VOID **)&db);
	if (!check(db != NULL, "our driver binding", "none"))
		return;
	bad.node.Header.Length[0] = sizeof(SCSI_DEVICE_PATH) + 4;
	st[0] = db->Supported(db, ctrl, &bad.node.Header);
	bad = r;
	bad.node.Header.SubType = MSG_USB_DP;
	st[1] = db->Supported(db, ctrl, &bad.node.Header);
	st[2] = db->Supported(db, ctrl, &r.node.Header);
	check(st[0] == EFI_UNSUPPORTED && st[1] == EFI_UNSUPPORTED && !st[2],
	      "§11.1 Supported: a remaining path that is no well-formed Scsi() "
	      "node: UNSUPPORTED; Scsi(1,0): SUCCESS", "%lx %lx %lx",
	      (unsigned long)st[0], (unsigned long)st[1], (unsigned long)st[2]);
	st[0] = BS->ConnectController(ctrl, drivers, &r.node.Header, FALSE);
	n[0] = count_children(path);
	find_unit(path, 1, 0, &n[1]);
	check(st[0] == EFI_SUCCESS && n[0] == 1 && n[1] == 1 &&
	      listed_units(ctrl) == NUM_UNITS,
	      "§11.1 Start with Scsi(1,0): every unit listed, that one child alone",
	      "%lx, %u children, %u units", (unsigned long)st[0], (unsigned)n[0],
	      (unsigned)listed_units(ctrl));
	r = scsi_remaining(0, 1);
	st[0] = BS->ConnectController(ctrl, drivers, &r.node.Header, FALSE);
	n[0] = count_children(path);
	st[1] = BS->ConnectController(ctrl, drivers, &r.end, FALSE);
	n[1] = count_children(path);
	find_unit(path, 0, 1, &n[2]);
	check(st[0] == EFI_SUCCESS && n[0] == 2 && n[2] == 1 && st[1] == EFI_SUCCESS &&
	      n[1] == 2, "§11.1 Start again: Scsi(0,1) adds that child, an end "
	      "node none", "%lx %lx, %u then %u children", (unsigned long)st[0],
	      (unsigned long)st[1], (unsigned)n[0], (unsigned)n[1]);
}

static void basic_run(EFI_HANDLE ctrl, UINT16 dev_id, EFI_HANDLE *drv,
		      BOOLEAN reload);

/**
 * The basic checks on a controller, our driver loaded from a file: at the
 * end it is unloaded and loaded again.
 */
void basic_tests(EFI_HANDLE ctrl, UINT16 dev_id, EFI_HANDLE *drv)
{
	basic_run(ctrl, dev_id, drv, TRUE);
}

/**
 * The same with our driver built into the firmware (make firmware): it
 * also drives the app's own boot disk, so it is not unloaded.
 */
void basic_tests_built_in(EFI_HANDLE ctrl, EFI_HANDLE drv)
{
	basic_run(ctrl, 0x1048, &drv, FALSE);
}

static void basic_run(EFI_HANDLE ctrl, UINT16 dev_id, EFI_HANDLE *drv,
		      BOOLEAN reload)
{
	EFI_DEVICE_PATH *ctrl_path = DevicePathFromHandle(ctrl);
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_COMPONENT_NAME2_PROTOCOL *cn;
	EFI_BLOCK_IO *bio[NUM_UNITS];
	CHAR16 *name = NULL;
	EFI_STATUS st;
	VOID *iface;

	note("controller %04x", dev_id);
	check(pci_owner(ctrl) == NULL &&
	      EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, &iface)),
	      "controller unowned before our driver (OVMF kept off)",
	      "owner %p", pci_owner(ctrl));
	test_narrow_connect(ctrl, *drv);
	st = connect(ctrl, *drv);
	check(st == EFI_SUCCESS, "ConnectController with our driver", "%lx",
	      (unsigned long)st);
	check(pci_owner(ctrl) == *drv, "our driver holds the controller's PciIo BY_DRIVER",
	      "owner %p, ours %p", pci_owner(ctrl), *drv);
	st = BS->HandleProtocol(ctrl, &pass_thru_guid, (VOID **)&pt);
	if (!check(st == EFI_SUCCESS, "Ext SCSI Pass Thru on the controller", "%lx",
		   (unsigned long)st))
		return;
	if (!EFI_ERROR(BS->HandleProtocol(*drv, &cn2_guid, (VOID **)&cn)))
		cn->GetControllerName(cn, ctrl, NULL, (CHAR8 *)"en", &name);
	check(name && StrCmp(name, L"Virtio SCSI Host Controller") == 0,
	      "ComponentName2 names the controller", "%p", name);
	test_component_names(ctrl, *drv);

	conform_pass_thru(pt, NUM_UNITS);
	test_pass_thru(ctrl, pt);
	test_children(ctrl_path, bio);
	diag_tests(ctrl, *drv, boot_device);
	if (bio[0]) {
		test_read_pattern(bio[0]);
		test_read_odd(bio[0]);
		conform_block_io(bio[0], FALSE);
	}
	if (bio[1]) {
		conform_block_io(bio[1], TRUE);
		test_write(bio[1]);
	}
	if (bio[0] && bio[1]) {
		test_odd_buffers(ctrl, bio[0], bio[1]);
		test_odd_buffers2(ctrl_path);
	}
	if (bio[0] && bio[1] && bio[3])
		test_flush_policy(ctrl, bio[0], bio[1], bio[3]);
	test_block_io2(ctrl_path);
	test_scsi_io(ctrl, ctrl_path, *drv);
	test_fat(ctrl_path);
	if (!reload)
		return;

	/* Unload gives the controller back; a second load takes it again */
	st = BS->UnloadImage(*drv);
	check(st == EFI_SUCCESS && pci_owner(ctrl) == NULL &&
	      EFI_ERROR(BS->HandleProtocol(ctrl, &pass_thru_guid, &iface)) &&
	      count_children(ctrl_path) == 0,
	      "UnloadImage releases the controller and its children",
	      "%lx owner %p children %u", (unsigned long)st, pci_owner(ctrl),
	      (unsigned)count_children(ctrl_path));
	*drv = load_driver();
	if (!*drv)
		return;
	st = connect(ctrl, *drv);
	test_children(ctrl_path, bio);
	if (bio[0])
		test_read_odd(bio[0]);
}
