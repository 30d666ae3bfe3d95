/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The C types of the core, as U-Boot's headers define them (named by
 * VS_PLATFORM_TYPES in the Makefile: see include/vscsi/types.h).
 */
#ifndef VSCSI_UBOOT_TYPES_H
#define VSCSI_UBOOT_TYPES_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/stddef.h>

#endif /* VSCSI_UBOOT_TYPES_H */
