/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The C types the core uses (bool, size_t, uint8_t-uint64_t, uintptr_t,
 * UINT64_MAX, offsetof).  A host whose own headers define them in their
 * own way, as U-Boot's do, names that header in VS_PLATFORM_TYPES, so its
 * files and the core's agree on one definition.
 */
#ifndef VSCSI_TYPES_H
#define VSCSI_TYPES_H

#ifdef VS_PLATFORM_TYPES
#include VS_PLATFORM_TYPES
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#endif /* VSCSI_TYPES_H */
