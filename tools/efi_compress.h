/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * The UEFI compression algorithm (UEFI 2.10 §19): a compressor for the
 * option-ROM builder, and a decompressor of its own for the ROM checker
 * and the tests (the firmware has the other one).
 */
#ifndef TOOLS_EFI_COMPRESS_H
#define TOOLS_EFI_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/**
 * Compress.
 * @v in	data
 * @v n		its length
 * @ret out	compressed data (8-byte header and bit stream), malloc'd
 * @ret out_len	its length
 * @ret rc	0, or -1 (out of memory, input over 4 GiB)
 */
int efi_compress(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len);

/**
 * Decompress, checking every field: lengths that make no complete code,
 * a string reaching before the start, more or less data than the header
 * says all fail.
 * @v in	compressed data
 * @v n		bytes available
 * @ret out	the data, malloc'd
 * @ret out_len	its length
 * @ret rc	0, or -1
 */
int efi_decompress(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len);

#endif /* TOOLS_EFI_COMPRESS_H */
