/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Integration test app, booted by OVMF as \EFI\BOOT\BOOTX64.EFI from the
 * boot disk.  It loads our driver from the same disk and connects it to
 * every virtio-scsi controller the firmware left alone, then runs the
 * checks the runner asked for in \MODE.TXT on the boot disk:
 *   basic  the end-to-end checks (basic.c)
 *   media  CD/DVD, 4Kn, >2 TiB, read-only disks, media change, hot-plug
 *          and resize through the QEMU monitor (media.c)
 *   conform  the §13.9 and §15.7 rules on our driver and, for comparison,
 *          on the firmware's own stack (conform.c)
 *   faults EIO from the backend, a request slower than its timeout (faults.c)
 *   unplug disks pulled while in use, a hot-plug storm (unplug.c)
 *   bench  figures: our driver against the firmware's stack (bench.c)
 *   rom    booted from a disk behind our driver, which the firmware loaded
 *          from the option ROM; ends with ExitBootServices (handoff.c)
 */
#include "testlib.h"

/** Read the mode word from \MODE.TXT (default "basic"). */
static void read_mode(char *mode, UINTN size)
{
	UINTN n = 0, i;
	UINT8 *data = read_boot_file(L"\\MODE.TXT", &n);

	CopyMem(mode, "basic", 6);
	if (!data)
		return;
	for (i = 0; i < n && i + 1 < size && data[i] > ' '; i++)
		mode[i] = data[i];
	mode[i] = '\0';
	FreePool(data);
}

static BOOLEAN is_mode(const char *mode, const char *name)
{
	while (*mode && *mode == *name) {
		mode++;
		name++;
	}
	return *mode == *name;
}

/* Not EFIAPI: gnu-efi's crt0 calls it with the System V convention. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_HANDLE ctrls[16], drv;
	UINT16 ids[16];
	EFI_LOADED_IMAGE *li;
	UINTN n, i;
	char line[64], mode[24];

	InitializeLib(image, systab);
	self = image;
	BS->SetWatchdogTimer(0, 0, 0, NULL);
	BS->HandleProtocol(image, &loaded_image_guid, (VOID **)&li);
	boot_device = li->DeviceHandle;
	read_mode(mode, sizeof(mode));
	note("virtio-scsi integration test app, mode %s", mode);
	note_image("testapp", image);

	if (is_mode(mode, "rom") || is_mode(mode, "firmware")) {
			UINT8 sb = 0;
		UINTN size = sizeof(sb);

		RT->GetVariable(L"SecureBoot", &global_var_guid, NULL, &size, &sb);
		note("SecureBoot: %u", sb);
		/* the driver came from the option ROM, or the firmware image */
		if (is_mode(mode, "firmware"))
			rom_tests(FROM_FV, basic_tests_built_in);
		else
			rom_tests(FROM_ROM, NULL);
		goto done;
	}
	if (is_mode(mode, "driver-option") || is_mode(mode, "refind")) {
		rom_tests(FROM_FILE, NULL);
		goto done;
	}
	if (is_mode(mode, "narrow")) {
		narrow_tests();
		goto done;
	}
	n = find_controllers(ctrls, 16, ids);
	check(n >= 1, "a virtio-scsi controller is present", "none");
	if (is_mode(mode, "secboot")) {
		drv = secboot_tests(ctrls, ids, n);
		for (i = 0; drv && i < n; i++)
			basic_tests(ctrls[i], ids[i], &drv);
		goto done;
	}
	drv = load_driver();
	if (drv && is_mode(mode, "conform"))
		conform_tests(ctrls, n, drv);
	else if (drv && is_mode(mode, "bench"))
		bench_tests(ctrls, n, &drv);
	else if (drv && is_mode(mode, "bench-timer"))
		bench_timer_tests(ctrls, n, &drv);
	else if (drv && is_mode(mode, "bench-window-builtin"))
		bench_window_tests(ctrls, n, &drv, FALSE);
	else if (drv && is_mode(mode, "bench-window-ours"))
		bench_window_tests(ctrls, n, &drv, TRUE);
	else
		for (i = 0; drv && i < n; i++) {
			if (is_mode(mode, "media"))
				media_tests(ctrls[i], &drv);
			else if (is_mode(mode, "faults"))
				fault_tests(ctrls[i], &drv);
			else if (is_mode(mode, "unplug"))
				unplug_tests(ctrls[i], &drv);
			else
				basic_tests(ctrls[i], ids[i], &drv);
		}

done:
	if (!boot_services_gone)
		dump_driver_log();
	vs_snprintf(line, sizeof(line), "%u passed, %u failed\n", passed, failed);
	port_puts(line);
	if (!boot_services_gone && VS_ARCH_HAS_PORTS)
		Print(L"%a", line);
#if VS_ARCH_HAS_PORTS
	/* isa-debug-exit: QEMU ends with status (v << 1) | 1 */
	outb(EXIT_PORT, failed ? 1 : 0);
#else
	/* AArch64: power off (PSCI through the firmware); the runner reads
	 * the verdict from the results */
	RT->ResetSystem(EfiResetShutdown, failed ? EFI_DEVICE_ERROR : EFI_SUCCESS,
			0, NULL);
#endif
	return failed ? EFI_DEVICE_ERROR : EFI_SUCCESS;
}
