/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Installing the driver into an existing VM without rebuilding firmware
 * (the "driver-option" VM, first boot): a Driver#### load option (UEFI
 * 2.10 §3.1.3) naming \virtio-scsi.efi on the disk this app booted from,
 * and DriverOrder, in the firmware's non-volatile variables.  The boot
 * manager loads it on every later boot, before it connects the boot
 * devices; the second boot (rom_tests, FROM_FILE) checks that it did.
 * This is what the Shell's `bcfg driver add` and Linux's `efibootmgr -r`
 * write.
 */
#include "testlib.h"

#define NV_BS_RT (EFI_VARIABLE_NON_VOLATILE | \
		  EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

/**
 * Tell whether a variable holds exactly the given bytes.
 * @v name	variable
 * @v data	expected value
 * @v size	its size
 * @ret same	TRUE when it reads back so
 */
static BOOLEAN reads_back(CHAR16 *name, const VOID *data, UINTN size)
{
	static EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINT8 buf[512];
	UINTN got = sizeof(buf);

	return !EFI_ERROR(RT->GetVariable(name, &global, NULL, &got, buf)) &&
	       got == size && !CompareMem(buf, data, size);
}

/** Write Driver0000 and DriverOrder, and read them back. */
void install_driver_option(void)
{
	static EFI_GUID global = EFI_GLOBAL_VARIABLE;
	static CHAR16 desc[] = L"virtio-scsi";
	EFI_DEVICE_PATH *path = FileDevicePath(boot_device, DRIVER_OPTION_FILE);
	UINTN plen = path ? DevicePathSize(path) : 0;
	UINTN size = sizeof(UINT32) + sizeof(UINT16) + sizeof(desc) + plen;
	UINT8 *opt = AllocateZeroPool(size);
	UINT32 attributes = LOAD_OPTION_ACTIVE;
	UINT16 order = 0, plen16 = (UINT16)plen;
	EFI_STATUS st = EFI_OUT_OF_RESOURCES, st2 = EFI_NOT_READY;

	if (path && opt) {
		/* EFI_LOAD_OPTION: Attributes, FilePathListLength,
		 * Description, FilePathList (no OptionalData) */
		CopyMem(opt, &attributes, sizeof(attributes));
		CopyMem(opt + 4, &plen16, sizeof(plen16));
		CopyMem(opt + 6, desc, sizeof(desc));
		CopyMem(opt + 6 + sizeof(desc), path, plen);
		st = RT->SetVariable(L"Driver0000", &global, NV_BS_RT, size, opt);
		st2 = RT->SetVariable(L"DriverOrder", &global, NV_BS_RT,
				      sizeof(order), &order);
	}
	check(st == EFI_SUCCESS && st2 == EFI_SUCCESS &&
	      reads_back(L"Driver0000", opt, size) &&
	      reads_back(L"DriverOrder", &order, sizeof(order)),
	      "install: Driver0000 (\\virtio-scsi.efi on the boot disk) and "
	      "DriverOrder written and read back", "%lx %lx", (unsigned long)st,
	      (unsigned long)st2);
	if (opt)
		FreePool(opt);
	if (path)
		FreePool(path);
}
