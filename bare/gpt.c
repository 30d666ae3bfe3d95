/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Read a disk's GUID Partition Table (UEFI 2.10 §5.3) and print each
 * partition.  The disk's contents are as untrusted as the device: sizes
 * are bounded before use and both CRCs are checked.
 */
#include "vscsi/byteorder.h"
#include "bare.h"

#define GPT_HEADER_LBA		1
#define GPT_SIGNATURE		"EFI PART"
#define GPT_HDR_SIZE		12	/* offsets in the header (§5.3.2) */
#define GPT_HDR_CRC		16
#define GPT_HDR_ENTRY_LBA	72
#define GPT_HDR_ENTRIES		80
#define GPT_HDR_ENTRY_SIZE	84
#define GPT_HDR_ENTRIES_CRC	88
#define GPT_HDR_MIN_SIZE	92
#define GPT_ENTRY_MIN_SIZE	128	/* and a multiple of it (§5.3.3) */
#define GPT_ENT_TYPE		0	/* offsets in an entry */
#define GPT_ENT_FIRST		32
#define GPT_ENT_LAST		40
#define GPT_ENT_NAME		56
#define GPT_NAME_CHARS		36

/**
 * CRC-32 as GPT uses it (IEEE 802.3, reflected, polynomial 0xEDB88320).
 * @v crc	running value (0 to start)
 * @v p		bytes
 * @v n		how many
 * @ret crc	updated value
 */
static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	unsigned k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return ~crc;
}

/** Format a GUID in its text form (§Appendix A: mixed endian). */
static void gpt_guid(char *out, size_t size, const uint8_t *g)
{
	vs_snprintf(out, size, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		    get_le32(g), get_le16(g + 4), get_le16(g + 6), g[8], g[9],
		    g[10], g[11], g[12], g[13], g[14], g[15]);
}

/** A partition name (UTF-16LE) as printable ASCII; others become '?'. */
static void gpt_name(char *out, const uint8_t *p)
{
	unsigned i;
	uint16_t ch;

	for (i = 0; i < GPT_NAME_CHARS; i++) {
		ch = get_le16(p + 2 * i);
		if (!ch)
			break;
		out[i] = ch >= 0x20 && ch < 0x7F && ch != '"' ? (char)ch : '?';
	}
	out[i] = '\0';
}

/**
 * Print one partition entry (UEFI 2.10 §5.3.3), unless it is unused.
 * @v where	the disk, for the line
 * @v i		its index
 * @v e		the entry
 */
static void gpt_print_entry(const char *where, uint32_t i, const uint8_t *e)
{
	char guid[40], name[GPT_NAME_CHARS + 1];
	unsigned n;

	for (n = 0; n < 16 && !e[GPT_ENT_TYPE + n]; n++)
		;
	if (n == 16)
		return;		/* unused entry: type GUID zero */
	gpt_guid(guid, sizeof(guid), e + GPT_ENT_TYPE);
	gpt_name(name, e + GPT_ENT_NAME);
	console_printf("part %s %u first=%llu last=%llu type=%s name=\"%s\"\n",
		       where, i + 1,
		       (unsigned long long)get_le64(e + GPT_ENT_FIRST),
		       (unsigned long long)get_le64(e + GPT_ENT_LAST), guid, name);
}

/**
 * Print a unit's partitions, one "part" line each, or why there are none.
 * @v b		controller
 * @v u		unit with an open disk and a medium
 * @v buf	scratch memory
 * @v buf_size	its size
 * @ret rc	VS_OK (a table printed, or none found), or a read's error
 */
int gpt_print(struct bare_ctrl *b, struct scsi_unit *u, void *buf,
	      size_t buf_size)
{
	struct scsi_disk *d = &u->disk;
	uint32_t hdr_size, count, esize, i, crc, bs = d->block_size;
	uint64_t entry_lba, bytes;
	char where[32];
	uint8_t *p = buf;
	int rc;

	vs_snprintf(where, sizeof(where), "%s %u:%u", b->plat.name,
		    u->info.target, u->info.lun);
	if (bs > buf_size || d->last_lba < GPT_HEADER_LBA)
		goto none;
	rc = scsi_disk_read(d, GPT_HEADER_LBA, 1, p);
	if (rc != VS_OK)
		return rc;
	if (vs_memcmp(p, GPT_SIGNATURE, 8))
		goto none;
	hdr_size = get_le32(p + GPT_HDR_SIZE);
	if (hdr_size < GPT_HDR_MIN_SIZE || hdr_size > bs) {
		console_printf("gpt %s bad header size %u\n", where, hdr_size);
		return VS_OK;
	}
	crc = get_le32(p + GPT_HDR_CRC);
	vs_memset(p + GPT_HDR_CRC, 0, 4);
	if (crc32(0, p, hdr_size) != crc) {
		console_printf("gpt %s bad header crc\n", where);
		return VS_OK;
	}
	entry_lba = get_le64(p + GPT_HDR_ENTRY_LBA);
	count = get_le32(p + GPT_HDR_ENTRIES);
	esize = get_le32(p + GPT_HDR_ENTRY_SIZE);
	crc = get_le32(p + GPT_HDR_ENTRIES_CRC);
	bytes = (uint64_t)count * esize;
	if (esize < GPT_ENTRY_MIN_SIZE || esize % GPT_ENTRY_MIN_SIZE ||
	    bytes > buf_size || entry_lba > d->last_lba ||
	    (bytes + bs - 1) / bs > d->last_lba - entry_lba + 1) {
		console_printf("gpt %s entries unusable (%u of %u bytes at lba %llu)\n",
			       where, count, esize, (unsigned long long)entry_lba);
		return VS_OK;
	}
	rc = scsi_disk_read(d, entry_lba, (bytes + bs - 1) / bs, p);
	if (rc != VS_OK)
		return rc;
	if (crc32(0, p, bytes) != crc) {
		console_printf("gpt %s bad entries crc\n", where);
		return VS_OK;
	}
	console_printf("gpt %s entries=%u\n", where, count);
	for (i = 0; i < count; i++)
		gpt_print_entry(where, i, p + (size_t)i * esize);
	return VS_OK;
none:
	console_printf("gpt %s none\n", where);
	return VS_OK;
}
