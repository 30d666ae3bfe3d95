/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * Memory layout of the bare-metal image, shared by start.S and the C code.
 */
#ifndef BARE_LAYOUT_H
#define BARE_LAYOUT_H

/** GiB of physical address space identity-mapped at boot (2 MiB pages);
 * a BAR above this cannot be reached and is refused. */
#define BARE_MAP_GIB 64
/** The one stack. */
#define BARE_STACK_SIZE (64 * 1024)

#endif /* BARE_LAYOUT_H */
