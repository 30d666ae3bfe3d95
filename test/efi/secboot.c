/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The Secure Boot VM: the firmware enforces signatures (SecureBoot is 1),
 * an unsigned copy of our driver is refused by LoadImage and never runs,
 * and the signed one loads, manages the controller and passes the basic
 * checks.  The app itself is signed: the boot manager started it.
 */
#include "testlib.h"

/**
 * Run the checks.
 * @v ctrls	virtio-scsi controllers
 * @v ids	their device IDs
 * @v n		how many
 * @ret drv	our driver's image, loaded from the signed file, or NULL
 */
EFI_HANDLE secboot_tests(EFI_HANDLE *ctrls, UINT16 *ids, UINTN n)
{
	EFI_DEVICE_PATH *path;
	EFI_HANDLE img = NULL, drv;
	UINT8 sb = 0, setup = 1;
	UINTN size = sizeof(sb);
	EFI_STATUS st;

	st = RT->GetVariable(L"SecureBoot", &global_var_guid, NULL, &size, &sb);
	check(st == EFI_SUCCESS && size == 1 && sb == 1,
	      "UEFI 2.10 §3.3: SecureBoot is 1 (signatures enforced)",
	      "%lx size %u value %u", (unsigned long)st, (unsigned)size, sb);
	size = sizeof(setup);
	st = RT->GetVariable(L"SetupMode", &global_var_guid, NULL, &size, &setup);
	check(st == EFI_SUCCESS && setup == 0, "SetupMode is 0 (a PK is enrolled)",
	      "%lx value %u", (unsigned long)st, setup);

	path = FileDevicePath(boot_device, L"\\unsigned.efi");
	st = BS->LoadImage(FALSE, self, path, NULL, 0, &img);
	FreePool(path);
	/* §7.4.1: not allowed to run: ACCESS_DENIED, or SECURITY_VIOLATION
	 * with a handle that may only be unloaded */
	check(st == EFI_ACCESS_DENIED || st == EFI_SECURITY_VIOLATION,
	      "LoadImage of the unsigned driver: refused", "%lx",
	      (unsigned long)st);
	if (st == EFI_SECURITY_VIOLATION && img) {
		check(EFI_ERROR(BS->StartImage(img, NULL, NULL)),
		      "StartImage of the refused image fails", "it ran");
		BS->UnloadImage(img);
	} else if (!EFI_ERROR(st) && img) {
		BS->UnloadImage(img);
	}
	check(n >= 1 && pci_owner(ctrls[0]) == NULL,
	      "the refused driver never took the controller", "owner %p",
	      n ? pci_owner(ctrls[0]) : NULL);
	(void)ids;

	drv = load_driver();	/* \virtio-scsi.efi: the signed copy */
	check(drv != NULL, "the signed driver loads under Secure Boot", "no");
	return drv;
}
