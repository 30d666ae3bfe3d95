/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The option-ROM protocols on our driver's image handle, through the
 * protocols themselves: EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL
 * (UEFI 2.10 §11.6) and EFI_DRIVER_DIAGNOSTICS2_PROTOCOL (§11.4): the
 * standard test of a controller and of a disk, and each parameter rule.
 */
#include "testlib.h"
#include "uefi/driver_diagnostics.h"

static EFI_GUID diag2_guid = EFI_DRIVER_DIAGNOSTICS2_PROTOCOL_GUID;
static EFI_GUID version_guid = EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL_GUID;

/** Tell whether a CHAR16 text holds an ASCII substring. */
static BOOLEAN text_has(const CHAR16 *text, const char *what)
{
	UINTN i, j;

	for (i = 0; text && text[i]; i++) {
		for (j = 0; what[j] && text[i + j] == (CHAR16)what[j]; j++)
			;
		if (!what[j])
			return TRUE;
	}
	return FALSE;
}

/** Copy a result's text into the results, a "# diag: " line each. */
static void print_text(const CHAR16 *text)
{
	char line[160];
	UINTN i, n = 0;

	for (i = 0; text; i++) {
		if (!text[i] || text[i] == '\n' || n + 1 == sizeof(line)) {
			line[n] = '\0';
			if (n)
				note("diag: %s", line);
			n = 0;
			if (!text[i])
				break;
			continue;
		}
		line[n++] = text[i] < 0x80 ? (char)text[i] : '?';
	}
}

/**
 * Run the checks on a controller our driver manages.
 * @v ctrl	controller
 * @v drv	our driver's image handle
 * @v other	a handle our driver does not manage (the boot disk's)
 */
void diag_tests(EFI_HANDLE ctrl, EFI_HANDLE drv, EFI_HANDLE other)
{
	EFI_DRIVER_SUPPORTED_EFI_VERSION_PROTOCOL *ver;
	EFI_DRIVER_DIAGNOSTICS2_PROTOCOL *dg;
	EFI_HANDLE child = first_child(DevicePathFromHandle(ctrl));
	CHAR8 *en = (CHAR8 *)"en";
	EFI_GUID *type = NULL;
	CHAR16 *buf = NULL;
	UINTN size = 0;
	EFI_STATUS st;

	st = BS->HandleProtocol(drv, &version_guid, (VOID **)&ver);
	check(!EFI_ERROR(st) && ver->Length == sizeof(*ver) &&
	      ver->FirmwareVersion == EFI_2_10_SYSTEM_TABLE_REVISION,
	      "§11.6 Supported EFI Version on the image handle: UEFI 2.10",
	      "%lx length %u version %x", (unsigned long)st,
	      ver ? ver->Length : 0, ver ? ver->FirmwareVersion : 0);
	st = BS->HandleProtocol(drv, &diag2_guid, (VOID **)&dg);
	if (!check(!EFI_ERROR(st) && dg->SupportedLanguages &&
		   dg->SupportedLanguages[0] == 'e' && dg->SupportedLanguages[1] == 'n',
		   "§11.4 Driver Diagnostics 2 on the image handle, in English",
		   "%lx", (unsigned long)st))
		return;

	st = dg->RunDiagnostics(dg, ctrl, NULL, EfiDriverDiagnosticTypeStandard,
				en, &type, &size, &buf);
	check(st == EFI_SUCCESS && type && buf && size >= sizeof(CHAR16) &&
	      text_has(buf, "driver ok") && text_has(buf, "live: 3 of 3") &&
	      text_has(buf, "TEST UNIT READY") && text_has(buf, "answered"),
	      "§11.4 RunDiagnostics of the controller: passed, status, queues, "
	      "a round trip", "%lx", (unsigned long)st);
	print_text(buf);
	if (buf)
		FreePool(buf);
	buf = NULL;
	if (child) {
		st = dg->RunDiagnostics(dg, ctrl, child, EfiDriverDiagnosticTypeStandard,
					en, &type, &size, &buf);
		check(st == EFI_SUCCESS && buf && text_has(buf, "INQUIRY") &&
		      text_has(buf, "READ CAPACITY: answered") &&
		      text_has(buf, "read of LBA 0: read"),
		      "§11.4 RunDiagnostics of a disk: INQUIRY, READ CAPACITY, LBA 0",
		      "%lx", (unsigned long)st);
		print_text(buf);
		if (buf)
			FreePool(buf);
		buf = NULL;
	}
	check(child != NULL, "a disk to diagnose", "none");

	/* §11.4's parameter rules: each call changes one argument */
	const struct {
		const char *rule;
		EFI_HANDLE ctrl, child;
		EFI_DRIVER_DIAGNOSTIC_TYPE kind;
		CHAR8 *lang;
		BOOLEAN no_type, no_size, no_buf;
		EFI_STATUS want;
	} rules[] = {
		{ "NULL Language: INVALID_PARAMETER", ctrl, NULL,
		  EfiDriverDiagnosticTypeStandard, NULL, 0, 0, 0, EFI_INVALID_PARAMETER },
		{ "NULL ControllerHandle: INVALID_PARAMETER", NULL, NULL,
		  EfiDriverDiagnosticTypeStandard, en, 0, 0, 0, EFI_INVALID_PARAMETER },
		{ "NULL ErrorType: INVALID_PARAMETER", ctrl, NULL,
		  EfiDriverDiagnosticTypeStandard, en, 1, 0, 0, EFI_INVALID_PARAMETER },
		{ "NULL BufferSize: INVALID_PARAMETER", ctrl, NULL,
		  EfiDriverDiagnosticTypeStandard, en, 0, 1, 0, EFI_INVALID_PARAMETER },
		{ "NULL Buffer: INVALID_PARAMETER", ctrl, NULL,
		  EfiDriverDiagnosticTypeStandard, en, 0, 0, 1, EFI_INVALID_PARAMETER },
		{ "a language not supported: UNSUPPORTED", ctrl, NULL,
		  EfiDriverDiagnosticTypeStandard, (CHAR8 *)"fr", 0, 0, 0, EFI_UNSUPPORTED },
		{ "a test type not supported: UNSUPPORTED", ctrl, NULL,
		  EfiDriverDiagnosticTypeManufacturing, en, 0, 0, 0, EFI_UNSUPPORTED },
		{ "a controller we do not manage: UNSUPPORTED", other, NULL,
		  EfiDriverDiagnosticTypeStandard, en, 0, 0, 0, EFI_UNSUPPORTED },
		{ "a child not ours: UNSUPPORTED", ctrl, other,
		  EfiDriverDiagnosticTypeStandard, en, 0, 0, 0, EFI_UNSUPPORTED },
	};
	char name[120];
	UINTN i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		buf = NULL;
		st = dg->RunDiagnostics(dg, rules[i].ctrl, rules[i].child,
					rules[i].kind, rules[i].lang,
					rules[i].no_type ? NULL : &type,
					rules[i].no_size ? NULL : &size,
					rules[i].no_buf ? NULL : &buf);
		vs_snprintf(name, sizeof(name), "§11.4 RunDiagnostics: %s",
			    rules[i].rule);
		check(st == rules[i].want, name, "%lx", (unsigned long)st);
		if (!EFI_ERROR(st) && buf)
			FreePool(buf);
	}
}
