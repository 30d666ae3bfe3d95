/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * memset and memcpy for an image linked without libefi (which otherwise
 * supplies them): the UEFI driver, the bare-metal image.  As in libc.c,
 * the loops are kept loops (GCC: -fno-tree-loop-distribute-patterns,
 * clang: VS_NO_BUILTIN).
 */
#include <stddef.h>

/* clang: keep these loops loops (GCC: -fno-tree-loop-distribute-patterns) */
#if defined(__clang__)
#define VS_NO_BUILTIN __attribute__((no_builtin))
#else
#define VS_NO_BUILTIN
#endif

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

VS_NO_BUILTIN void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

VS_NO_BUILTIN void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
