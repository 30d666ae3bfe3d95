/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_COMPONENT_NAME2_PROTOCOL and EFI_COMPONENT_NAME_PROTOCOL (UEFI 2.10
 * §11.5), so the Shell's `drivers` and `devtree` name what we drive.
 */
#include "vscsi_efi.h"

static CHAR16 vs_driver_name[] = L"VirtIO-SCSI Polled Driver";
static CHAR16 vs_controller_name[] = L"Virtio SCSI Host Controller";

/** Tell whether Language is in a ';'-separated list (or is one code). */
BOOLEAN vs_efi_language_ok(const CHAR8 *list, const CHAR8 *lang)
{
	const CHAR8 *p = list;
	UINTN n;

	if (!lang)
		return FALSE;
	for (n = 0; lang[n]; n++)
		;
	while (*p) {
		UINTN i;

		for (i = 0; i < n && p[i] == lang[i]; i++)
			;
		if (i == n && (p[n] == ';' || p[n] == '\0'))
			return TRUE;
		while (*p && *p != ';')
			p++;
		if (*p == ';')
			p++;
	}
	return FALSE;
}

/**
 * Name a controller we manage, or one of its children.
 * @v languages	supported list of the protocol asked
 * @v controller	controller handle
 * @v child	child handle or NULL
 * @v language	language asked
 * @ret name	the name
 * @ret st	EFI status (§11.5.2): EFI_INVALID_PARAMETER as well for a
 *		child that is none of the controller's children
 */
static EFI_STATUS vs_controller_name_of(const CHAR8 *languages,
					EFI_HANDLE controller, EFI_HANDLE child,
					CHAR8 *language, CHAR16 **name)
{
	EFI_HANDLE drv = vs_efi_driver_binding.DriverBindingHandle;
	struct vs_efi_disk *d;

	if (!controller || !language || !name)
		return EFI_INVALID_PARAMETER;
	if (!vs_efi_managed_ctrl(controller))
		return EFI_UNSUPPORTED;
	if (!vs_efi_language_ok(languages, language))
		return EFI_UNSUPPORTED;
	if (!child) {
		*name = vs_controller_name;
		return EFI_SUCCESS;
	}
	d = vs_efi_disk_from_handle(child, drv);
	if (!d || d->ctrl->handle != controller)
		return EFI_INVALID_PARAMETER;
	*name = L"Virtio SCSI Disk";
	return EFI_SUCCESS;
}

/*
 * One implementation serves both protocols: their functions differ only
 * in the type of This, and SupportedLanguages sits at the same place.
 */
static EFI_STATUS EFIAPI vs_cn_driver_name(EFI_COMPONENT_NAME2_PROTOCOL *This,
					   CHAR8 *Language, CHAR16 **DriverName)
{
	if (!Language || !DriverName)
		return EFI_INVALID_PARAMETER;
	if (!vs_efi_language_ok(This->SupportedLanguages, Language))
		return EFI_UNSUPPORTED;
	*DriverName = vs_driver_name;
	return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI
vs_cn_controller_name(EFI_COMPONENT_NAME2_PROTOCOL *This,
		      EFI_HANDLE ControllerHandle, EFI_HANDLE ChildHandle,
		      CHAR8 *Language, CHAR16 **ControllerName)
{
	return vs_controller_name_of(This->SupportedLanguages, ControllerHandle,
				     ChildHandle, Language, ControllerName);
}

/* ISO 639-2 for Component Name, RFC 4646 for Component Name 2 */
EFI_COMPONENT_NAME_PROTOCOL vs_efi_component_name = {
	(EFI_COMPONENT_NAME_GET_DRIVER_NAME)vs_cn_driver_name,
	(EFI_COMPONENT_NAME_GET_CONTROLLER_NAME)vs_cn_controller_name,
	(CHAR8 *)"eng",
};

EFI_COMPONENT_NAME2_PROTOCOL vs_efi_component_name2 = {
	vs_cn_driver_name, vs_cn_controller_name, (CHAR8 *)"en",
};
