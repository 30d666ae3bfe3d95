/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Conformance checks: the parameter and return-code rules of UEFI 2.10
 * §13.9 (Block I/O) and §15.7 (Extended SCSI Pass Thru), one named check
 * per rule, citing it.  They run against any instance: ours (counted as
 * checks) and, in the "conform" VM, OVMF's own VirtioScsiDxe + ScsiBus +
 * ScsiDisk stack on a second controller, reported as "# builtin:" lines
 * for comparison (not counted: its deviations are not our failures).
 */
#include "testlib.h"

/** Whose instance is being checked: results counted, or only shown. */
static BOOLEAN counted = TRUE;
static const char *label = "ours";

static void rule(BOOLEAN ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Report one rule, for our instance as a check, else as a comparison. */
static void rule(BOOLEAN ok, const char *name, const char *fmt, ...)
{
	char why[120] = "";
	va_list ap;

	va_start(ap, fmt);
	if (!ok)
		vs_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (counted)
		check(ok, name, "%s", why);
	else
		note("%s: %s - %s%s%s", label, ok ? "meets" : "misses", name,
		     ok ? "" : ": ", why);
}

/**
 * Pick the instance the next rules are about.
 * @v name	"ours", or another label (results only shown)
 */
void conform_target(const char *name)
{
	label = name;
	counted = name[0] == 'o' && name[1] == 'u';
}

/*
 * On AArch64 the firmware maps nothing at address 0, so a probe that the
 * built-in stack answers by dereferencing NULL takes the machine down
 * (AAVMF 2022.11's VirtioScsiDxe does, for a NULL Target; x64 OVMF reads
 * zeros there and carries on).  Such probes are skipped on the built-in
 * stack there, and said so; ours always gets them.
 */
#if defined(__aarch64__)
#define NULL_FAULTS 1
#else
#define NULL_FAULTS 0
#endif

/**
 * Tell whether a NULL-pointer probe may run on the stack under test.
 * @v name	the rule it checks
 * @ret run	TRUE to run it
 */
static BOOLEAN null_probe(const char *name)
{
	if (counted || !NULL_FAULTS)
		return TRUE;
	note("%s: skipped - %s (a NULL dereference in the firmware's stack "
	     "faults on AArch64)", label, name);
	return FALSE;
}

/* ------------------------------------------------------------------ */
/* §15.7 Extended SCSI Pass Thru                                       */

static void packet(EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET *p, UINT8 *cdb,
		   UINT8 cdb_len, VOID *buf, UINT32 len, VOID *sense)
{
	ZeroMem(p, sizeof(*p));
	p->Timeout = 10 * 10000000ull;
	p->Cdb = cdb;
	p->CdbLength = cdb_len;
	p->InDataBuffer = buf;
	p->InTransferLength = len;
	p->SenseData = sense;
	p->SenseDataLength = sense ? 96 : 0;
	p->DataDirection = EFI_EXT_SCSI_DATA_DIRECTION_READ;
}

/** §15.7.3 GetNextTargetLun and §15.7.8 GetNextTarget. */
static void conform_enumeration(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, UINTN units)
{
	UINT8 target[TARGET_MAX_BYTES], *tp = target;
	UINT64 lun = 0;
	UINTN n = 0;
	EFI_STATUS st;

	SetMem(target, sizeof(target), 0xFF);
	while (!EFI_ERROR((st = pt->GetNextTargetLun(pt, &tp, &lun))) && n < 64)
		n++;
	rule(n >= units && st == EFI_NOT_FOUND,
	     "§15.7.3 GetNextTargetLun: all-0xFF starts, NOT_FOUND ends",
	     "still listing after %u (every address, not only units?), last %lx",
	     (unsigned)n, (unsigned long)st);
	SetMem(target, sizeof(target), 0);
	target[0] = 200;
	lun = 0;
	st = pt->GetNextTargetLun(pt, &tp, &lun);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.3 GetNextTargetLun: a Target/Lun not returned before: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
	st = pt->GetNextTargetLun(pt, &tp, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.3 GetNextTargetLun: NULL Lun: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);

	SetMem(target, sizeof(target), 0xFF);
	n = 0;
	while (!EFI_ERROR((st = pt->GetNextTarget(pt, &tp))) && n < 64)
		n++;
	rule(n >= 1 && st == EFI_NOT_FOUND,
	     "§15.7.8 GetNextTarget: all-0xFF starts, NOT_FOUND ends",
	     "%u targets, last %lx", (unsigned)n, (unsigned long)st);
	SetMem(target, sizeof(target), 0);
	target[0] = 200;
	st = pt->GetNextTarget(pt, &tp);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.8 GetNextTarget: a Target not returned before: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
}

/**
 * The UEFI conformance suite's invalid address (edk2-test SctPkg,
 * ExtScsiPassThruBBTestMain.c GetInvalidTargetLun): one past the highest
 * Target ID GetNextTargetLun lists, the 16 bytes read as a little-endian
 * number, and one past the highest LUN it lists.
 * @v pt	instance
 * @ret target	invalid Target ID
 * @ret lun	invalid LUN
 * @ret first_t	the first listed Target ID
 * @ret first_l	the first listed LUN
 * @ret ok	FALSE when nothing is listed
 */
static BOOLEAN invalid_address(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt,
			       UINT8 *target, UINT64 *lun, UINT8 *first_t,
			       UINT64 *first_l)
{
	UINT8 cur[TARGET_MAX_BYTES], *cp = cur;
	UINT64 l, max_lun = 0;
	UINTN n = 0, i;
	INTN j;

	ZeroMem(target, TARGET_MAX_BYTES);
	SetMem(cur, sizeof(cur), 0xFF);
	while (!EFI_ERROR(pt->GetNextTargetLun(pt, &cp, &l)) && n < 1024) {
		if (n++ == 0) {
			CopyMem(first_t, cur, TARGET_MAX_BYTES);
			*first_l = l;
		}
		if (l > max_lun)
			max_lun = l;
		for (j = TARGET_MAX_BYTES - 1; j >= 0; j--) {
			if (cur[j] != target[j]) {
				if (cur[j] > target[j])
					CopyMem(target, cur, TARGET_MAX_BYTES);
				break;
			}
		}
	}
	if (!n)
		return FALSE;
	*lun = max_lun + 1;
	for (i = 0; i < TARGET_MAX_BYTES && ++target[i] == 0; i++)
		;
	return TRUE;
}

/**
 * The suite's invalid-address assertions (TDS 4.1-4.6): every function
 * refuses the address one past what it listed, with and without an
 * Event, before anything reaches the device.
 * @v pt	instance
 */
static void conform_invalid_address(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt)
{
	UINT8 bad_t[TARGET_MAX_BYTES], first_t[TARGET_MAX_BYTES];
	UINT8 arg[TARGET_MAX_BYTES], *ap = arg;
	UINT8 cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 96, 0 };
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 *buf = alloc_buf(4096);
	UINT64 bad_l, first_l = 0, l;
	EFI_DEVICE_PATH *dp = NULL;
	EFI_EVENT event = NULL;
	EFI_STATUS st;
	int pass;

	if (!invalid_address(pt, bad_t, &bad_l, first_t, &first_l)) {
		rule(FALSE, "SCT: GetNextTargetLun lists a unit", "none");
		free_buf(buf, 4096);
		return;
	}
	note("%s: invalid address per the suite: target %u, LUN %lu", label,
	     bad_t[0], (unsigned long)bad_l);

	CopyMem(arg, bad_t, sizeof(arg));
	l = first_l;
	st = pt->GetNextTargetLun(pt, &ap, &l);
	rule(st == EFI_INVALID_PARAMETER,
	     "SCT 4.1.2.1 GetNextTargetLun: max+1 Target: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
	CopyMem(arg, first_t, sizeof(arg));
	l = bad_l;
	st = pt->GetNextTargetLun(pt, &ap, &l);
	rule(st == EFI_INVALID_PARAMETER,
	     "SCT 4.1.2.1 GetNextTargetLun: max+1 Lun: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);

	st = pt->BuildDevicePath(pt, bad_t, first_l, &dp);
	rule(st == EFI_NOT_FOUND,
	     "SCT 4.2.2.1 BuildDevicePath: max+1 Target: NOT_FOUND", "%lx",
	     (unsigned long)st);
	if (!EFI_ERROR(st))
		FreePool(dp);
	st = pt->BuildDevicePath(pt, first_t, bad_l, &dp);
	rule(st == EFI_NOT_FOUND,
	     "SCT 4.2.2.1 BuildDevicePath: max+1 Lun: NOT_FOUND", "%lx",
	     (unsigned long)st);
	if (!EFI_ERROR(st))
		FreePool(dp);
	st = pt->BuildDevicePath(pt, first_t, first_l, &dp);
	rule(st == EFI_SUCCESS,
	     "SCT 4.2 BuildDevicePath: the first listed unit: SUCCESS", "%lx",
	     (unsigned long)st);
	if (!EFI_ERROR(st)) {
		st = pt->GetTargetLun(pt, NULL, &ap, &l);
		rule(st == EFI_INVALID_PARAMETER,
		     "SCT 4.3.2.1 GetTargetLun: NULL DevicePath: INVALID_PARAMETER",
		     "%lx", (unsigned long)st);
		st = pt->GetTargetLun(pt, dp, NULL, &l);
		rule(st == EFI_INVALID_PARAMETER,
		     "SCT 4.3.2.1 GetTargetLun: NULL Target: INVALID_PARAMETER",
		     "%lx", (unsigned long)st);
		FreePool(dp);
	}

	st = pt->ResetTargetLun(pt, bad_t, first_l);
	rule(st == EFI_INVALID_PARAMETER || st == EFI_UNSUPPORTED,
	     "SCT 4.4.2.1 ResetTargetLun: max+1 Target: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
	st = pt->ResetTargetLun(pt, first_t, bad_l);
	rule(st == EFI_INVALID_PARAMETER || st == EFI_UNSUPPORTED,
	     "SCT 4.4.2.1 ResetTargetLun: max+1 Lun: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);

	CopyMem(arg, bad_t, sizeof(arg));
	st = pt->GetNextTarget(pt, &ap);
	rule(st == EFI_INVALID_PARAMETER,
	     "SCT 4.5.2.1 GetNextTarget: max+1 Target: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);

	BS->CreateEvent(EVT_NOTIFY_SIGNAL, TPL_CALLBACK, NULL, NULL, &event);
	for (pass = 0; pass < 2; pass++) {
		EFI_EVENT ev = pass ? event : NULL;
		const char *with = pass ? "with an Event" : "without an Event";
		char name[120];

		packet(&p, cdb, 6, buf, 96, NULL);
		p.Timeout = 2 * 10000000ull;
		st = pt->PassThru(pt, bad_t, first_l, &p, ev);
		vs_snprintf(name, sizeof(name), "SCT 4.6.2.3 PassThru %s: max+1 "
			    "Target: INVALID_PARAMETER", with);
		rule(st == EFI_INVALID_PARAMETER, name, "%lx ha %x",
		     (unsigned long)st, p.HostAdapterStatus);
		packet(&p, cdb, 6, buf, 96, NULL);
		p.Timeout = 2 * 10000000ull;
		cdb[1] = (UINT8)((bad_l << 5) & 0xE0);
		st = pt->PassThru(pt, first_t, bad_l, &p, ev);
		cdb[1] = 0;
		vs_snprintf(name, sizeof(name), "SCT 4.6.2.3 PassThru %s: max+1 "
			    "Lun: INVALID_PARAMETER", with);
		rule(st == EFI_INVALID_PARAMETER, name, "%lx ha %x",
		     (unsigned long)st, p.HostAdapterStatus);
		ZeroMem(&p, sizeof(p));
		vs_snprintf(name, sizeof(name), "SCT 4.6.2.3 PassThru %s: zeroed "
			    "packet: INVALID_PARAMETER", with);
		if (null_probe(name)) {
			st = pt->PassThru(pt, first_t, first_l, &p, ev);
			rule(st == EFI_INVALID_PARAMETER, name, "%lx",
			     (unsigned long)st);
		}
	}
	if (event)
		BS->CloseEvent(event);
	free_buf(buf, 4096);
}

/** §15.7.4 BuildDevicePath and §15.7.5 GetTargetLun. */
static void conform_device_paths(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt)
{
	UINT8 target[TARGET_MAX_BYTES] = { 0 }, out[TARGET_MAX_BYTES], *op = out;
	EFI_DEVICE_PATH *dp = NULL;
	SCSI_DEVICE_PATH far;
	VENDOR_DEVICE_PATH vendor;
	UINT64 lun = 0;
	EFI_STATUS st;

	st = pt->BuildDevicePath(pt, target, 1, &dp);
	rule(st == EFI_SUCCESS && dp && DevicePathType(dp) == MESSAGING_DEVICE_PATH &&
	     DevicePathSubType(dp) == MSG_SCSI_DP,
	     "§15.7.4 BuildDevicePath(0,1): SUCCESS, a SCSI node", "%lx",
	     (unsigned long)st);
	if (!EFI_ERROR(st) && dp) {
		SetMem(out, sizeof(out), 0xAA);
		st = pt->GetTargetLun(pt, dp, &op, &lun);
		rule(st == EFI_SUCCESS && out[0] == 0 && lun == 1,
		     "§15.7.5 GetTargetLun(BuildDevicePath(0,1)) gives 0,1 back",
		     "%lx %u %lu", (unsigned long)st, out[0], (unsigned long)lun);
		st = pt->GetTargetLun(pt, dp, &op, NULL);
		rule(st == EFI_INVALID_PARAMETER,
		     "§15.7.5 GetTargetLun: NULL Lun: INVALID_PARAMETER", "%lx",
		     (unsigned long)st);
		FreePool(dp);
	}
	st = pt->BuildDevicePath(pt, target, 0, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.4 BuildDevicePath: NULL DevicePath: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);
	SetMem(target, sizeof(target), 0x77);
	dp = NULL;
	st = pt->BuildDevicePath(pt, target, 0, &dp);
	rule(st == EFI_NOT_FOUND,
	     "§15.7.4 BuildDevicePath: a Target the channel cannot have: NOT_FOUND",
	     "%lx", (unsigned long)st);
	if (!EFI_ERROR(st) && dp)
		FreePool(dp);

	ZeroMem(&vendor, sizeof(vendor));
	vendor.Header.Type = HARDWARE_DEVICE_PATH;
	vendor.Header.SubType = HW_VENDOR_DP;
	SetDevicePathNodeLength(&vendor.Header, sizeof(vendor));
	st = pt->GetTargetLun(pt, &vendor.Header, &op, &lun);
	rule(st == EFI_UNSUPPORTED,
	     "§15.7.5 GetTargetLun: a node type it does not support: UNSUPPORTED",
	     "%lx", (unsigned long)st);
	ZeroMem(&far, sizeof(far));
	far.Header.Type = MESSAGING_DEVICE_PATH;
	far.Header.SubType = MSG_SCSI_DP;
	SetDevicePathNodeLength(&far.Header, sizeof(far));
	far.Pun = 0x7777;
	st = pt->GetTargetLun(pt, &far.Header, &op, &lun);
	rule(st == EFI_NOT_FOUND,
	     "§15.7.5 GetTargetLun: no valid translation: NOT_FOUND", "%lx",
	     (unsigned long)st);
}

/** §15.7.2 PassThru, §15.7.6 ResetChannel, §15.7.7 ResetTargetLun. */
static void conform_pass_thru_calls(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt)
{
	UINT8 target[TARGET_MAX_BYTES] = { 0 };
	UINT8 cdb[16] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };
	EFI_EXT_SCSI_PASS_THRU_SCSI_REQUEST_PACKET p;
	UINT8 *buf = alloc_buf(8192), *sense = buf + 4096;
	UINT32 align = pt->Mode->IoAlign;
	EFI_STATUS st;

	rule(pt->Mode->Attributes & (EFI_EXT_SCSI_PASS_THRU_ATTRIBUTES_PHYSICAL |
				     EFI_EXT_SCSI_PASS_THRU_ATTRIBUTES_LOGICAL),
	     "§15.7.1 Mode: PHYSICAL or LOGICAL attribute", "%x",
	     pt->Mode->Attributes);
	rule(align <= 1 || (align & (align - 1)) == 0,
	     "§15.7.1 Mode: IoAlign 0, 1 or a power of two", "%u", align);

	packet(&p, cdb, 6, buf, 36, sense);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	rule(st == EFI_SUCCESS && p.HostAdapterStatus == 0 && p.TargetStatus == 0 &&
	     p.InTransferLength == 36,
	     "§15.7.2 PassThru INQUIRY: SUCCESS, statuses OK, InTransferLength",
	     "%lx ha %x ts %x len %u", (unsigned long)st, p.HostAdapterStatus,
	     p.TargetStatus, p.InTransferLength);
	cdb[0] = 0xFF;
	packet(&p, cdb, 6, buf, 36, sense);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	rule(st == EFI_SUCCESS && p.TargetStatus == SCSI_STATUS_CHECK_CONDITION &&
	     p.SenseDataLength > 0,
	     "§15.7.2 PassThru: a CHECK CONDITION is SUCCESS with TargetStatus and sense",
	     "%lx ts %x sense %u", (unsigned long)st, p.TargetStatus,
	     p.SenseDataLength);
	cdb[0] = SCSI_OP_INQUIRY;

	packet(&p, cdb, 6, buf, 36, sense);
	if (null_probe("§15.7.2 PassThru: NULL Target")) {
		st = pt->PassThru(pt, NULL, 0, &p, NULL);
		rule(st == EFI_INVALID_PARAMETER,
		     "§15.7.2 PassThru: NULL Target: INVALID_PARAMETER", "%lx",
		     (unsigned long)st);
	}
	SetMem(target, sizeof(target), 0x77);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.2 PassThru: a Target the channel cannot have: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
	ZeroMem(target, sizeof(target));
	st = pt->PassThru(pt, target, ~0ull, &p, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.2 PassThru: an invalid Lun: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);
	p.DataDirection = 3;
	st = pt->PassThru(pt, target, 0, &p, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.7.2 PassThru: invalid DataDirection: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);
	if (align > 1) {
		packet(&p, cdb, 6, buf + 1, 36, sense);
		st = pt->PassThru(pt, target, 0, &p, NULL);
		rule(st == EFI_INVALID_PARAMETER,
		     "§15.7.2 PassThru: buffer not on IoAlign: INVALID_PARAMETER",
		     "%lx", (unsigned long)st);
	}
	cdb[0] = SCSI_OP_READ_16;
	ZeroMem(cdb + 1, 15);
	cdb[9] = 0x40;	/* 0x40000000 blocks: no adapter moves 512 GiB at once */
	packet(&p, cdb, 16, buf, 0x80000000u, sense);
	st = pt->PassThru(pt, target, 0, &p, NULL);
	rule(st == EFI_BAD_BUFFER_SIZE && p.InTransferLength < 0x80000000u,
	     "§15.7.2 PassThru: too much data: BAD_BUFFER_SIZE, InTransferLength what fits",
	     "%lx len %x", (unsigned long)st, p.InTransferLength);

	st = pt->ResetChannel(pt);
	rule(st == EFI_SUCCESS || st == EFI_UNSUPPORTED,
	     "§15.7.6 ResetChannel: SUCCESS (or UNSUPPORTED)", "%lx",
	     (unsigned long)st);
	st = pt->ResetTargetLun(pt, target, 0);
	rule(st == EFI_SUCCESS || st == EFI_UNSUPPORTED,
	     "§15.7.7 ResetTargetLun(0,0): SUCCESS (or UNSUPPORTED)", "%lx",
	     (unsigned long)st);
	SetMem(target, sizeof(target), 0x77);
	st = pt->ResetTargetLun(pt, target, 0);
	rule(st == EFI_INVALID_PARAMETER || st == EFI_UNSUPPORTED,
	     "§15.7.7 ResetTargetLun: an invalid Target: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);
	free_buf(buf, 8192);
}

/**
 * Every §15.7 rule on one pass-thru instance.
 * @v pt	instance; Target 0 LUN 0 and 1 must exist
 * @v units	how many units it must list at least
 */
void conform_pass_thru(EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt, UINTN units)
{
	conform_enumeration(pt, units);
	conform_invalid_address(pt);
	conform_device_paths(pt);
	conform_pass_thru_calls(pt);
}

/* ------------------------------------------------------------------ */
/* §13.9 Block I/O                                                     */

/**
 * Every §13.9 parameter rule of ReadBlocks or WriteBlocks, MediaId first.
 * @v bio	instance
 * @v write	WriteBlocks (the instance must be writable; LBA 0 is
 *		written with what it held)
 */
void conform_block_io(EFI_BLOCK_IO *bio, BOOLEAN write)
{
	EFI_BLOCK_IO_MEDIA *m = bio->Media;
	UINTN bs = m->BlockSize;
	UINT8 *buf = alloc_buf(4 * bs + 4096);
	UINT32 id = m->MediaId;
	const char *op = write ? "§13.9.4 WriteBlocks" : "§13.9.3 ReadBlocks";
	char name[120];
	EFI_STATUS st;
	EFI_STATUS (EFIAPI *io)(EFI_BLOCK_IO *, UINT32, EFI_LBA, UINTN, VOID *) =
		write ? bio->WriteBlocks : bio->ReadBlocks;
#define RULE(cond, text)                                                    \
	do {                                                                \
		vs_snprintf(name, sizeof(name), "%s: %s", op, text);        \
		rule(cond, name, "%lx", (unsigned long)st);                 \
	} while (0)

	rule(m->IoAlign <= 1 || (m->IoAlign & (m->IoAlign - 1)) == 0,
	     "§13.9.1 Media: IoAlign 0, 1 or a power of two", "%u", m->IoAlign);
	rule(m->BlockSize && m->BlockSize % 512 == 0 && m->MediaPresent,
	     "§13.9.1 Media: BlockSize a multiple of 512, medium present", "%u",
	     m->BlockSize);
	/* contents to write back unchanged */
	bio->ReadBlocks(bio, id, 0, bs, buf);

	st = io(bio, id + 1, m->LastBlock + 5, bs, buf);
	RULE(st == EFI_MEDIA_CHANGED, "stale MediaId with a bad LBA: MEDIA_CHANGED");
	st = io(bio, id + 1, 0, 0, buf);
	RULE(st == EFI_MEDIA_CHANGED, "stale MediaId with BufferSize 0: MEDIA_CHANGED");
	st = io(bio, id + 1, 0, bs - 1, buf);
	RULE(st == EFI_MEDIA_CHANGED, "stale MediaId with a bad size: MEDIA_CHANGED");
	if (m->IoAlign > 1) {
		st = io(bio, id + 1, 0, bs, buf + 1);
		RULE(st == EFI_MEDIA_CHANGED, "stale MediaId with a misaligned buffer: MEDIA_CHANGED");
	}
	st = io(bio, id, 0, bs, NULL);
	RULE(st == EFI_INVALID_PARAMETER, "NULL Buffer: INVALID_PARAMETER");
	st = io(bio, id, 0, 0, buf);
	RULE(st == EFI_SUCCESS, "BufferSize 0: SUCCESS");
	st = io(bio, id, 0, bs - 1, buf);
	RULE(st == EFI_BAD_BUFFER_SIZE, "BufferSize not a multiple of BlockSize: BAD_BUFFER_SIZE");
	st = io(bio, id, m->LastBlock + 1, bs, buf);
	RULE(st == EFI_INVALID_PARAMETER, "LBA past LastBlock: INVALID_PARAMETER");
	st = io(bio, id, m->LastBlock, 2 * bs, buf);
	RULE(st == EFI_INVALID_PARAMETER, "range past LastBlock: INVALID_PARAMETER");
	st = io(bio, id, ~0ull, 2 * bs, buf);
	RULE(st == EFI_INVALID_PARAMETER, "LBA that wraps: INVALID_PARAMETER");
	if (m->IoAlign > 1) {
		st = io(bio, id, 0, bs, buf + 1);
		RULE(st == EFI_INVALID_PARAMETER, "Buffer not on IoAlign: INVALID_PARAMETER");
	}
	st = io(bio, id, 0, bs, buf);
	RULE(st == EFI_SUCCESS, "one valid block: SUCCESS");
	if (write) {
		st = bio->FlushBlocks(bio);
		rule(st == EFI_SUCCESS, "§13.9.5 FlushBlocks: SUCCESS", "%lx",
		     (unsigned long)st);
	} else {
		st = bio->Reset(bio, FALSE);
		rule(st == EFI_SUCCESS, "§13.9.2 Reset: SUCCESS", "%lx",
		     (unsigned long)st);
	}
#undef RULE
	free_buf(buf, 4 * bs + 4096);
}

/* ------------------------------------------------------------------ */
/* §15.4 SCSI I/O                                                      */

/**
 * Every §15.4 rule on one unit's SCSI I/O, and the UEFI suite's: NULL
 * arguments, a zeroed packet (with and without an Event, which a refused
 * packet never signals), a packet the checks refuse, an INQUIRY asking
 * for more than fits, an INQUIRY with an Event, and the resets.
 * @v sio	instance
 * @v pdt	the unit's peripheral device type
 * @v target	its target
 * @v lun	its LUN
 */
void conform_scsi_io(EFI_SCSI_IO_PROTOCOL *sio, UINT8 pdt, UINT8 target,
		     UINT64 lun)
{
	EFI_SCSI_IO_SCSI_REQUEST_PACKET p;
	UINT8 cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };
	UINT8 where[TARGET_MAX_BYTES], *wp = where, type = 0xFF, i;
	UINT8 *buf = alloc_buf(8192);
	struct bio2_token ev;
	UINT64 got_lun = ~0ull;
	EFI_STATUS st, sta;
	BOOLEAN zero = TRUE;

	rule(sio->IoAlign <= 1 || (sio->IoAlign & (sio->IoAlign - 1)) == 0,
	     "§15.4 IoAlign 0, 1 or a power of two", "%u", sio->IoAlign);
	st = sio->GetDeviceType(sio, NULL);
	rule(st == EFI_INVALID_PARAMETER, "§15.4.1 GetDeviceType: NULL: INVALID_PARAMETER",
	     "%lx", (unsigned long)st);
	st = sio->GetDeviceType(sio, &type);
	rule(st == EFI_SUCCESS && type == pdt,
	     "§15.4.1 GetDeviceType: the unit's peripheral device type", "%lx %x",
	     (unsigned long)st, type);
	st = sio->GetDeviceLocation(sio, NULL, &got_lun);
	sta = sio->GetDeviceLocation(sio, &wp, NULL);
	rule(st == EFI_INVALID_PARAMETER && sta == EFI_INVALID_PARAMETER,
	     "§15.4.2 GetDeviceLocation: NULL Target or Lun: INVALID_PARAMETER",
	     "%lx %lx", (unsigned long)st, (unsigned long)sta);
	SetMem(where, sizeof(where), 0xAA);
	st = sio->GetDeviceLocation(sio, &wp, &got_lun);
	for (i = 1; i < TARGET_MAX_BYTES; i++)
		zero &= where[i] == 0;
	rule(st == EFI_SUCCESS && where[0] == target && zero && got_lun == lun,
	     "§15.4.2 GetDeviceLocation: the unit's Target ID and LUN", "%lx %u %lu",
	     (unsigned long)st, where[0], (unsigned long)got_lun);

	if (!bio2_token_open(&ev)) {
		rule(FALSE, "an event for ExecuteScsiCommand", "CreateEvent failed");
		goto out;
	}
	ZeroMem(&p, sizeof(p));
	st = sio->ExecuteScsiCommand(sio, &p, NULL);
	sta = sio->ExecuteScsiCommand(sio, &p, ev.t.Event);
	if (sta == EFI_SUCCESS)
		bio2_token_wait(&ev, 1);
	rule(st == EFI_INVALID_PARAMETER && sta == EFI_INVALID_PARAMETER && !ev.signals,
	     "SCT 3.2.3.2.2 ExecuteScsiCommand: zeroed packet: INVALID_PARAMETER, "
	     "no event", "%lx %lx, %u signals", (unsigned long)st,
	     (unsigned long)sta, (unsigned)ev.signals);
	st = sio->ExecuteScsiCommand(sio, NULL, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.4.5 ExecuteScsiCommand: NULL Packet: INVALID_PARAMETER", "%lx",
	     (unsigned long)st);
	ZeroMem(&p, sizeof(p));
	p.Timeout = 20000000;
	p.Cdb = cdb;
	p.CdbLength = 6;
	p.InDataBuffer = buf;
	p.InTransferLength = 36;
	p.DataDirection = 3;
	bio2_token_reset(&ev);
	st = sio->ExecuteScsiCommand(sio, &p, ev.t.Event);
	if (st == EFI_SUCCESS)
		bio2_token_wait(&ev, 1);
	rule(st == EFI_INVALID_PARAMETER && !ev.signals,
	     "§15.4.5 ExecuteScsiCommand: a DataDirection that is none: "
	     "INVALID_PARAMETER, no event", "%lx, %u signals", (unsigned long)st,
	     (unsigned)ev.signals);
	p.DataDirection = EFI_SCSI_IO_DATA_DIRECTION_READ;
	p.SenseDataLength = 18;
	st = sio->ExecuteScsiCommand(sio, &p, NULL);
	rule(st == EFI_INVALID_PARAMETER,
	     "§15.4.5 ExecuteScsiCommand: SenseDataLength without SenseData: "
	     "INVALID_PARAMETER", "%lx", (unsigned long)st);
	p.SenseDataLength = 0;
	p.InTransferLength = 0xFFFFFFFF;
	st = sio->ExecuteScsiCommand(sio, &p, NULL);
	rule(st == EFI_BAD_BUFFER_SIZE || st == EFI_SUCCESS,
	     "SCT 3.2.3.2.1 ExecuteScsiCommand: too long InTransferLength: "
	     "BAD_BUFFER_SIZE or SUCCESS", "%lx", (unsigned long)st);
	p.InTransferLength = 36;
	p.HostAdapterStatus = p.TargetStatus = 0xEE;
	bio2_token_reset(&ev);
	st = sio->ExecuteScsiCommand(sio, &p, ev.t.Event);
	if (st == EFI_SUCCESS)
		bio2_token_wait(&ev, 1);
	rule(st == EFI_SUCCESS && ev.signals == 1 && p.InTransferLength == 36 &&
	     p.HostAdapterStatus == 0 && p.TargetStatus == 0 &&
	     SCSI_INQ_PDT(buf[0]) == pdt,
	     "§15.4.5 ExecuteScsiCommand: INQUIRY with an Event: SUCCESS, "
	     "signalled, 36 bytes", "%lx, %u signals, len %u ha %x ts %x",
	     (unsigned long)st, (unsigned)ev.signals, p.InTransferLength,
	     p.HostAdapterStatus, p.TargetStatus);
	bio2_token_close(&ev);
	st = sio->ResetDevice(sio);
	sta = sio->ResetBus(sio);
	rule(st == EFI_SUCCESS && sta == EFI_SUCCESS,
	     "§15.4.3/4 ResetBus and ResetDevice: SUCCESS", "%lx %lx",
	     (unsigned long)st, (unsigned long)sta);
out:
	free_buf(buf, 8192);
}

/* ------------------------------------------------------------------ */
/* §13.10 Block I/O 2                                                  */

/**
 * Every §13.10 parameter rule of ReadBlocksEx or WriteBlocksEx, each with
 * a token without an event (blocking) and one with an event: the same
 * status from both, MediaId first; a call that fails its checks signals
 * nothing; one that passes them returns SUCCESS and signals its event
 * once with TransactionStatus SUCCESS.  Then FlushBlocksEx or Reset.
 * @v bio2	instance
 * @v write	WriteBlocksEx (LBA 0 is written with what it held)
 */
void conform_block_io2(EFI_BLOCK_IO2_PROTOCOL *bio2, BOOLEAN write)
{
	EFI_BLOCK_IO_MEDIA *m = bio2->Media;
	UINTN bs = m->BlockSize, i;
	UINT8 *buf = alloc_buf(4 * bs + 4096);
	UINT32 id = m->MediaId;
	const char *op = write ? "§13.10.4 WriteBlocksEx" : "§13.10.3 ReadBlocksEx";
	EFI_BLOCK_IO2_TOKEN sync = { NULL, EFI_NOT_READY };
	struct bio2_token async;
	EFI_STATUS st, sta;
	char name[120];
	EFI_STATUS (EFIAPI *io)(EFI_BLOCK_IO2_PROTOCOL *, UINT32, EFI_LBA,
				EFI_BLOCK_IO2_TOKEN *, UINTN, VOID *) =
		write ? bio2->WriteBlocksEx : bio2->ReadBlocksEx;
	const struct {
		UINT32 id;
		EFI_LBA lba;
		UINTN size;
		BOOLEAN null_buf;
		EFI_STATUS want;
		const char *text;
	} c[] = {
		{ id + 1, m->LastBlock + 5, bs, FALSE, EFI_MEDIA_CHANGED,
		  "stale MediaId with a bad LBA: MEDIA_CHANGED" },
		{ id + 1, 0, 0, FALSE, EFI_MEDIA_CHANGED,
		  "stale MediaId with BufferSize 0: MEDIA_CHANGED" },
		{ id + 1, 0, bs - 1, FALSE, EFI_MEDIA_CHANGED,
		  "stale MediaId with a bad size: MEDIA_CHANGED" },
		{ id + 1, 0, bs, TRUE, EFI_MEDIA_CHANGED,
		  "stale MediaId with a NULL Buffer: MEDIA_CHANGED" },
		{ id, 0, bs, TRUE, EFI_INVALID_PARAMETER,
		  "NULL Buffer: INVALID_PARAMETER" },
		{ id, 0, bs - 1, FALSE, EFI_BAD_BUFFER_SIZE,
		  "BufferSize not a multiple of BlockSize: BAD_BUFFER_SIZE" },
		{ id, m->LastBlock + 1, bs, FALSE, EFI_INVALID_PARAMETER,
		  "LBA past LastBlock: INVALID_PARAMETER" },
		{ id, m->LastBlock, 2 * bs, FALSE, EFI_INVALID_PARAMETER,
		  "range past LastBlock: INVALID_PARAMETER" },
		{ id, ~0ull, 2 * bs, FALSE, EFI_INVALID_PARAMETER,
		  "LBA that wraps: INVALID_PARAMETER" },
		{ id, 0, 0, FALSE, EFI_SUCCESS, "BufferSize 0: SUCCESS" },
		{ id, 0, bs, FALSE, EFI_SUCCESS, "one valid block: SUCCESS" },
	};

	if (!bio2_token_open(&async)) {
		rule(FALSE, "a Block I/O 2 token's event", "CreateEvent failed");
		return;
	}
	/* contents to write back unchanged */
	bio2->ReadBlocksEx(bio2, id, 0, NULL, bs, buf);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		bio2_token_reset(&async);
		st = io(bio2, c[i].id, c[i].lba, &sync, c[i].size,
			c[i].null_buf ? NULL : buf);
		sta = io(bio2, c[i].id, c[i].lba, &async.t, c[i].size,
			 c[i].null_buf ? NULL : buf);
		if (sta == EFI_SUCCESS)
			bio2_token_wait(&async, 1);
		vs_snprintf(name, sizeof(name), "%s: %s%s", op, c[i].text,
			     c[i].want == EFI_SUCCESS ? ", the event signalled once" :
			     ", no event signalled");
		rule(st == c[i].want && sta == c[i].want &&
		     async.signals == (c[i].want == EFI_SUCCESS) &&
		     (c[i].want != EFI_SUCCESS ||
		      async.t.TransactionStatus == EFI_SUCCESS),
		     name, "%lx %lx, %u signals, %lx", (unsigned long)st,
		     (unsigned long)sta, (unsigned)async.signals,
		     (unsigned long)async.t.TransactionStatus);
	}
	st = io(bio2, id, 0, NULL, bs, buf);
	vs_snprintf(name, sizeof(name), "%s: a NULL Token is a blocking call: SUCCESS", op);
	rule(st == EFI_SUCCESS, name, "%lx", (unsigned long)st);
	bio2_token_reset(&async);
	if (write) {
		st = bio2->FlushBlocksEx(bio2, NULL);
		sta = bio2->FlushBlocksEx(bio2, &async.t);
		if (sta == EFI_SUCCESS)
			bio2_token_wait(&async, 1);
		rule(st == EFI_SUCCESS && sta == EFI_SUCCESS && async.signals == 1 &&
		     async.t.TransactionStatus == EFI_SUCCESS,
		     "§13.10.5 FlushBlocksEx: SUCCESS, blocking and with an event",
		     "%lx %lx, %u signals", (unsigned long)st, (unsigned long)sta,
		     (unsigned)async.signals);
	} else {
		st = bio2->Reset(bio2, FALSE);
		rule(st == EFI_SUCCESS, "§13.10.2 Reset: SUCCESS", "%lx",
		     (unsigned long)st);
	}
	bio2_token_close(&async);
	free_buf(buf, 4 * bs + 4096);
}

/**
 * WriteBlocks on a write-protected medium (§13.9.4: WRITE_PROTECTED),
 * after the MediaId rule.
 * @v bio	read-only instance
 */
void conform_read_only(EFI_BLOCK_IO *bio)
{
	UINT8 *buf = alloc_buf(4096);
	UINT32 id = bio->Media->MediaId;
	EFI_STATUS st;

	rule(bio->Media->ReadOnly, "§13.9.1 Media: a write-protected medium is ReadOnly",
	     "%u", bio->Media->ReadOnly);
	st = bio->WriteBlocks(bio, id + 1, 0, bio->Media->BlockSize, buf);
	rule(st == EFI_MEDIA_CHANGED,
	     "§13.9.4 WriteBlocks: read-only and stale MediaId: MEDIA_CHANGED", "%lx",
	     (unsigned long)st);
	st = bio->WriteBlocks(bio, id, 0, bio->Media->BlockSize, buf);
	rule(st == EFI_WRITE_PROTECTED,
	     "§13.9.4 WriteBlocks: read-only medium: WRITE_PROTECTED", "%lx",
	     (unsigned long)st);
	free_buf(buf, 4096);
}

/**
 * WriteBlocksEx on a write-protected medium (§13.10.4: WRITE_PROTECTED),
 * with an event that must not be signalled.
 * @v bio2	read-only instance
 */
static void conform_read_only2(EFI_BLOCK_IO2_PROTOCOL *bio2)
{
	UINT8 *buf = alloc_buf(4096);
	struct bio2_token async = { 0 };
	EFI_STATUS st = EFI_NOT_READY;

	if (bio2_token_open(&async)) {
		st = bio2->WriteBlocksEx(bio2, bio2->Media->MediaId, 0, &async.t,
					 bio2->Media->BlockSize, buf);
		if (st == EFI_SUCCESS)
			bio2_token_wait(&async, 1);
		bio2_token_close(&async);
	}
	rule(st == EFI_WRITE_PROTECTED && !async.signals,
	     "§13.10.4 WriteBlocksEx: read-only medium: WRITE_PROTECTED, no event",
	     "%lx, %u signals", (unsigned long)st, (unsigned)async.signals);
	free_buf(buf, 4096);
}

/* ------------------------------------------------------------------ */
/* The "conform" VM                                                    */

/**
 * Run every rule on each controller: the one the firmware left alone is
 * ours once connected; one the firmware drove itself is "builtin".
 * Each has Target 0 LUN 0 writable and LUN 1 read-only, and units at 3:0
 * and 5:2.
 * @v ctrls	virtio-scsi controllers
 * @v n		how many
 * @v drv	our driver's image
 */
void conform_tests(EFI_HANDLE *ctrls, UINTN n, EFI_HANDLE drv)
{
	EFI_EXT_SCSI_PASS_THRU_PROTOCOL *pt;
	EFI_BLOCK_IO *rw, *ro;
	EFI_BLOCK_IO2_PROTOCOL *rw2;
	EFI_SCSI_IO_PROTOCOL *sio;
	EFI_DEVICE_PATH *path;
	UINTN i, count_rw, count_ro;

	for (i = 0; i < n; i++) {
		BOOLEAN ours = pci_owner(ctrls[i]) == NULL;

		path = DevicePathFromHandle(ctrls[i]);
		if (ours)
			check(connect(ctrls[i], drv) == EFI_SUCCESS &&
			      pci_owner(ctrls[i]) == drv,
			      "conformance: our driver holds its controller", "no");
		else	/* the firmware connected only its boot unit */
			BS->ConnectController(ctrls[i], NULL, NULL, TRUE);
		conform_target(ours ? "ours" : "builtin");
		note("conformance of %s", ours ? "our driver" :
		     "the firmware's VirtioScsiDxe + ScsiBus + ScsiDisk");
		if (EFI_ERROR(BS->HandleProtocol(ctrls[i], &pass_thru_guid,
						 (VOID **)&pt))) {
			rule(FALSE, "Ext SCSI Pass Thru on the controller", "none");
			continue;
		}
		conform_pass_thru(pt, 4);
		rw = find_block_io(path, 0, 0, &count_rw);
		ro = find_block_io(path, 0, 1, &count_ro);
		rule(count_rw == 1 && count_ro == 1, "one Block I/O per unit",
		     "%u and %u", (unsigned)count_rw, (unsigned)count_ro);
		if (rw) {
			conform_block_io(rw, FALSE);
			conform_block_io(rw, TRUE);
		}
		if (ro)
			conform_read_only(ro);
		/* AAVMF 2022.11's own stack faults in these (x64 compares) */
		if (!null_probe("§13.10 Block I/O 2 and §15.4 SCSI I/O rules"))
			continue;
		if (!EFI_ERROR(BS->HandleProtocol(find_unit(path, 0, 1, &count_ro),
						  &block_io2_guid, (VOID **)&rw2)))
			conform_read_only2(rw2);
		if (EFI_ERROR(BS->HandleProtocol(find_unit(path, 0, 0, &count_rw),
						 &block_io2_guid, (VOID **)&rw2))) {
			rule(FALSE, "§13.10 Block I/O 2 beside each Block I/O", "none");
			continue;
		}
		conform_block_io2(rw2, FALSE);
		conform_block_io2(rw2, TRUE);
		if (EFI_ERROR(BS->HandleProtocol(find_unit(path, 0, 0, &count_rw),
						 &scsi_io_guid, (VOID **)&sio))) {
			rule(FALSE, "§15.4 SCSI I/O on each unit's handle", "none");
			continue;
		}
		conform_scsi_io(sio, SCSI_PDT_DIRECT_ACCESS, 0, 0);
	}
	conform_target("ours");
}
