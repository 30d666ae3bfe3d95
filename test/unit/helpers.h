/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Fixtures shared by the host unit tests.
 */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fake_device.h"
#include "../common/pattern.h"
#include "spec/scsi.h"
#include "spec/virtio.h"
#include "vscsi/byteorder.h"
#include "vscsi/scsi_disk.h"
#include "vscsi/scsi_scan.h"

/** A TEST UNIT READY: a command with no data. */
static const uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };

/** A fake device and the adapter driving it. */
struct rig {
	struct fake_dev fd;
	struct vscsi_ctrl c;
};

/** Fresh rig, modern device, disk 0:0 of 2048 x 512 bytes, not started. */
static inline struct rig *rig_new(bool modern)
{
	struct rig *r = calloc(1, sizeof(*r));

	fake_init(&r->fd, modern);
	fake_add_disk(&r->fd, 0, 0, 512, 2048);
	return r;
}

static inline void rig_free(struct rig *r)
{
	fake_fini(&r->fd);
	free(r);
}

static inline int rig_setup_started(void **state, bool modern)
{
	struct rig *r = rig_new(modern);

	if (vscsi_init(&r->c, &r->fd.plat) != VS_OK)
		return -1;
	*state = r;
	return 0;
}

static inline int setup_modern(void **state)
{
	return rig_setup_started(state, true);
}

static inline int setup_legacy(void **state)
{
	return rig_setup_started(state, false);
}

/** Stop the adapter and check nothing leaked or went astray. */
static inline int teardown_rig(void **state)
{
	struct rig *r = *state;

	if (r->c.mem)
		vscsi_fini(&r->c);
	assert_int_equal(fake_active_maps(&r->fd), 0);
	assert_int_equal(r->fd.dma_errors, 0);
	assert_int_equal(r->fd.spec_errors, 0);
	rig_free(r);
	return 0;
}

/** Fill a fake disk's backing store with the test pattern. */
static inline void fill_pattern(struct fake_lun *lu, uint64_t sectors)
{
	uint64_t i;

	for (i = 0; i < sectors; i++)
		pattern_fill(7, i, lu->data + i * 512);
}

/** INQUIRY then open, as a platform does. */
static inline int open_disk(struct rig *r, struct scsi_disk *d, uint8_t t,
			    uint16_t l)
{
	struct scsi_lun_info info;
	int rc = scsi_inquiry(&r->c, t, l, &info);

	return rc == VS_OK ? scsi_disk_open(d, &r->c, &info) : rc;
}

/** Send a 6-byte CDB with a data-in buffer. */
static inline int rig_cmd_in(struct rig *r, uint8_t t, uint16_t l,
			     const uint8_t *cdb, uint8_t cdb_len, void *buf,
			     uint32_t len, struct vscsi_cmd *out)
{
	struct vscsi_cmd cmd = {
		.target = t, .lun = l, .cdb = cdb, .cdb_len = cdb_len,
		.data_in = buf, .in_len = len, .timeout_us = 1000,
	};
	int rc = vscsi_exec(&r->c, &cmd);

	if (out)
		*out = cmd;
	return rc;
}

/**
 * Arm a device fault: a TEST UNIT READY must fail with @p rc, and the
 * next one, fault cleared, must succeed (the adapter stays usable).
 */
static inline void assert_fault_then_recovery(struct rig *r,
					      enum fake_fault fault, int rc)
{
	r->fd.fault = fault;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), rc);
	r->fd.fault = FAULT_NONE;
	assert_int_equal(rig_cmd_in(r, 0, 0, tur, 6, NULL, 0, NULL), VS_OK);
}

#endif /* TEST_HELPERS_H */
