/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_BLOCK_IO2_PROTOCOL (UEFI 2.10 §13.10) on each Block I/O child: the
 * same disk, media and checks as its Block I/O (block_io.c), with tokens.
 * The driver polls, so a request with an event is carried out within the
 * call; its outcome goes in the token's TransactionStatus and the event
 * is signalled before the call returns, so tokens submitted back to back
 * complete in order.  A call that fails its checks signals nothing.
 */
#include "vscsi_efi.h"


static struct vs_efi_disk *vs_bio2_disk(EFI_BLOCK_IO2_PROTOCOL *This)
{
	return vs_container_of(This, struct vs_efi_disk, block_io2);
}

/** §13.10.2 Reset(): as Block I/O's. */
static EFI_STATUS EFIAPI vs_bio2_reset(EFI_BLOCK_IO2_PROTOCOL *This,
				       BOOLEAN ExtendedVerification)
{
	(void)ExtendedVerification;
	return vs_efi_disk_reset(vs_bio2_disk(This));
}

/** §13.10.3 ReadBlocksEx(). */
static EFI_STATUS EFIAPI vs_bio2_read(EFI_BLOCK_IO2_PROTOCOL *This,
				      UINT32 MediaId, EFI_LBA Lba,
				      EFI_BLOCK_IO2_TOKEN *Token,
				      UINTN BufferSize, VOID *Buffer)
{
	return vs_efi_disk_rw(vs_bio2_disk(This), FALSE, MediaId, Lba, Token,
			      BufferSize, Buffer);
}

/** §13.10.4 WriteBlocksEx(). */
static EFI_STATUS EFIAPI vs_bio2_write(EFI_BLOCK_IO2_PROTOCOL *This,
				       UINT32 MediaId, EFI_LBA Lba,
				       EFI_BLOCK_IO2_TOKEN *Token,
				       UINTN BufferSize, VOID *Buffer)
{
	return vs_efi_disk_rw(vs_bio2_disk(This), TRUE, MediaId, Lba, Token,
			      BufferSize, Buffer);
}

/** §13.10.5 FlushBlocksEx(). */
static EFI_STATUS EFIAPI vs_bio2_flush(EFI_BLOCK_IO2_PROTOCOL *This,
				       EFI_BLOCK_IO2_TOKEN *Token)
{
	return vs_efi_disk_flush(vs_bio2_disk(This), Token);
}

/**
 * The protocol a child starts from (block_io.c copies it and points Media
 * at the Block I/O media): data, so this file calls into block_io.c and
 * nothing calls back.
 */
const EFI_BLOCK_IO2_PROTOCOL vs_efi_block_io2 = {
	.Reset = vs_bio2_reset,
	.ReadBlocksEx = vs_bio2_read,
	.WriteBlocksEx = vs_bio2_write,
	.FlushBlocksEx = vs_bio2_flush,
};
