/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * SCSI constants from SAM-5, SPC-4 and SBC-3 used by the core.
 */
#ifndef SPEC_SCSI_H
#define SPEC_SCSI_H

/* SPC-4 §6 / SBC-3 §5 operation codes */
#define SCSI_OP_TEST_UNIT_READY 0x00
#define SCSI_OP_REQUEST_SENSE 0x03
#define SCSI_OP_INQUIRY 0x12
#define SCSI_OP_MODE_SENSE_6 0x1A
#define SCSI_OP_READ_CAPACITY_10 0x25
#define SCSI_OP_READ_10 0x28
#define SCSI_OP_WRITE_10 0x2A
#define SCSI_OP_SYNCHRONIZE_CACHE_10 0x35
#define SCSI_OP_READ_16 0x88
#define SCSI_OP_WRITE_16 0x8A
#define SCSI_OP_SYNCHRONIZE_CACHE_16 0x91
#define SCSI_OP_SERVICE_ACTION_IN_16 0x9E
#define SCSI_SAI_READ_CAPACITY_16 0x10
#define SCSI_OP_REPORT_LUNS 0xA0

/* SAM-5 §5.3 status codes */
#define SCSI_STATUS_GOOD 0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02
#define SCSI_STATUS_CONDITION_MET 0x04
#define SCSI_STATUS_BUSY 0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL 0x28
#define SCSI_STATUS_ACA_ACTIVE 0x30
#define SCSI_STATUS_TASK_ABORTED 0x40

/* SPC-4 §4.5 sense data: response codes and sense keys */
#define SCSI_SENSE_FIXED_CURRENT 0x70
#define SCSI_SENSE_FIXED_DEFERRED 0x71
#define SCSI_SENSE_DESC_CURRENT 0x72
#define SCSI_SENSE_DESC_DEFERRED 0x73
#define SCSI_SENSE_FIXED_ASC 12
#define SCSI_SENSE_FIXED_ASCQ 13
#define SCSI_SENSE_FIXED_MIN_LEN 14

#define SCSI_SK_NO_SENSE 0x0
#define SCSI_SK_RECOVERED_ERROR 0x1
#define SCSI_SK_NOT_READY 0x2
#define SCSI_SK_MEDIUM_ERROR 0x3
#define SCSI_SK_HARDWARE_ERROR 0x4
#define SCSI_SK_ILLEGAL_REQUEST 0x5
#define SCSI_SK_UNIT_ATTENTION 0x6
#define SCSI_SK_DATA_PROTECT 0x7
#define SCSI_SK_ABORTED_COMMAND 0xB

/*
 * Additional sense code and qualifier (SPC-4 §4.5.6, Table 50), packed
 * as one value, ASC in the high byte: SCSI_ASC_ASCQ(0x3F, 0x0E).  The
 * whole core uses this one packing.
 */
#define SCSI_ASC_ASCQ(asc, ascq) ((uint16_t)((asc) << 8 | (ascq)))
#define SCSI_ASC(v) ((uint8_t)((v) >> 8))
#define SCSI_ASC_NOT_READY 0x04			/* LOGICAL UNIT NOT READY, ... */
#define SCSI_ASC_MEDIUM_CHANGED 0x28		/* NOT READY TO READY CHANGE */
#define SCSI_ASC_POWER_ON_RESET 0x29		/* POWER ON, RESET, ... */
#define SCSI_ASC_PARAMETERS_CHANGED 0x2A	/* ... PARAMETERS CHANGED */
#define SCSI_ASC_MEDIUM_NOT_PRESENT 0x3A
#define SCSI_ASC_TARGET_CHANGED 0x3F		/* TARGET OPERATING CONDITIONS ... */
#define SCSI_ASCQ_BECOMING_READY SCSI_ASC_ASCQ(0x04, 0x01)
#define SCSI_ASCQ_CAPACITY_CHANGED SCSI_ASC_ASCQ(0x2A, 0x09)
#define SCSI_ASCQ_INQUIRY_CHANGED SCSI_ASC_ASCQ(0x3F, 0x03)
#define SCSI_ASCQ_LUNS_CHANGED SCSI_ASC_ASCQ(0x3F, 0x0E)	/* REPORTED LUNS DATA HAS CHANGED */

/* SPC-4 §6.6.2 standard INQUIRY data */
#define SCSI_INQUIRY_STD_LEN 36
#define SCSI_INQ_PQ(b0) (((b0) >> 5) & 0x7)
#define SCSI_INQ_PDT(b0) ((b0) & 0x1F)
#define SCSI_INQ_RMB 0x80	/* byte 1 */
#define SCSI_INQ_VENDOR 8	/* T10 vendor identification, 8 bytes */
#define SCSI_INQ_PRODUCT 16	/* product identification, 16 bytes */
#define SCSI_PDT_DIRECT_ACCESS 0x00
#define SCSI_PDT_CDROM 0x05
#define SCSI_PDT_NONE 0x1F

/* SPC-4 §6.6.1: INQUIRY with EVPD; SBC-3 §6.6.4 Block Limits VPD page */
#define SCSI_INQ_EVPD 0x01
#define SCSI_VPD_BLOCK_LIMITS 0xB0
#define SCSI_VPD_BLOCK_LIMITS_LEN 64

/* SPC-4 §6.33 REPORT LUNS: 8-byte header, 8 bytes per LUN */
#define SCSI_REPORT_LUNS_HEADER 8
#define SCSI_REPORT_LUNS_ENTRY 8

/* SBC-3 §5.16 READ CAPACITY(10) data: all-ones LBA means "use (16)" */
#define SCSI_READ_CAPACITY_10_LEN 8
#define SCSI_READ_CAPACITY_16_LEN 32
#define SCSI_READ_CAPACITY_10_MAX_LBA 0xFFFFFFFFu

/* SPC-4 §7.5.5 mode parameter header (6): WP bit of device-specific param */
#define SCSI_MODE_HDR6_LEN 4
#define SCSI_MODE_WP 0x80
#define SCSI_MODE_PAGE_ALL 0x3F
/* SBC-3 §6.5.4: the Caching mode page, its WCE bit (byte 2, bit 2) */
#define SCSI_MODE_PAGE_CACHING 0x08
#define SCSI_MODE_CACHING_LEN 20	/* page code, length 12h, 18 bytes */
#define SCSI_MODE_CACHING_WCE 0x04
/* SPC-4 §6.11: MODE SENSE(6) byte 1, DBD: no block descriptors */
#define SCSI_MODE_SENSE_DBD 0x08

#endif /* SPEC_SCSI_H */
