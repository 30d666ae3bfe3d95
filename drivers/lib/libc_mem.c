/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * memset and memcpy for an image linked without libefi (which otherwise
 * supplies them): the UEFI driver, the bare-metal image.  Built with -fno-tree-loop-distribute-patterns, so the
 * loops are not turned back into calls to themselves.
 */
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
