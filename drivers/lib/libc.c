/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * C library functions the compiler may call in a freestanding build (GCC
 * requires memcpy, memmove, memset and memcmp), for platforms with no C
 * library (UEFI, bare metal); gnu-efi's libefi already has memcpy and
 * memset, so those two are in libc_mem.c.  Not part of the core library:
 * an embedder with a C library uses its own.  Their loops must not be
 * turned back into calls to themselves: GCC is given
 * -fno-tree-loop-distribute-patterns, clang VS_NO_BUILTIN.
 */
#include <stddef.h>

/* clang: keep these loops loops (GCC: -fno-tree-loop-distribute-patterns) */
#if defined(__clang__)
#define VS_NO_BUILTIN __attribute__((no_builtin))
#else
#define VS_NO_BUILTIN
#endif

void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

VS_NO_BUILTIN void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		while (n--)
			*d++ = *s++;
	else
		while (n--)
			d[n] = s[n];
	return dst;
}

VS_NO_BUILTIN int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
