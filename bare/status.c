/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Names of the image's exit codes and of the core's statuses, and which
 * exit code a controller that would not start gets.
 */
#include "bare.h"

static const char *const exit_names[] = {
	[BARE_EXIT_OK] = "ok",
	[BARE_EXIT_DATA] = "a data check failed",
	[BARE_EXIT_NO_PCI] = "no PCI functions",
	[BARE_EXIT_NO_DEVICE] = "no virtio-scsi controller",
	[BARE_EXIT_BAR] = "a BAR is unassigned or out of range",
	[BARE_EXIT_RESET] = "a device did not reset",
	[BARE_EXIT_FEATURES] = "a device refused FEATURES_OK",
	[BARE_EXIT_INIT] = "a controller did not start",
	[BARE_EXIT_CLOCK] = "no clock",
	[BARE_EXIT_USAGE] = "bad command line",
	[BARE_EXIT_EXCEPTION] = "CPU exception",
};

/** Name an exit code. */
const char *bare_exit_name(enum bare_exit code)
{
	return (unsigned)code < sizeof(exit_names) / sizeof(exit_names[0]) ?
	       exit_names[code] : "?";
}

/** Name a core status, for console lines. */
const char *bare_status_name(int rc)
{
	switch (rc) {
	case VS_OK: return "ok";
	case VS_E_INVAL: return "invalid";
	case VS_E_NODEV: return "nodev";
	case VS_E_DEVICE: return "device";
	case VS_E_TIMEOUT: return "timeout";
	case VS_E_NOMEM: return "nomem";
	case VS_E_UNSUPPORTED: return "unsupported";
	case VS_E_BADSIZE: return "badsize";
	case VS_E_NOTARGET: return "notarget";
	case VS_E_BUSY: return "busy";
	case VS_E_REFUSED: return "refused";
	case VS_E_NOMEDIA: return "nomedia";
	case VS_E_PROTECTED: return "protected";
	case VS_E_MEDIUM: return "medium";
	default: return "other";
	}
}

/**
 * The exit code of a controller vscsi_init refused.
 * @v rc		vscsi_init's status
 * @v bar_refused	the platform refused one of its BARs (bar_check)
 * @ret code		BARE_EXIT_BAR, _RESET, _FEATURES or _INIT
 */
enum bare_exit bare_exit_of_init(int rc, bool bar_refused)
{
	if (bar_refused)
		return BARE_EXIT_BAR;
	switch (rc) {
	case VS_E_TIMEOUT: return BARE_EXIT_RESET;	/* vp_reset gave up */
	case VS_E_REFUSED: return BARE_EXIT_FEATURES;
	default: return BARE_EXIT_INIT;
	}
}
