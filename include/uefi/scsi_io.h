/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * EFI_SCSI_IO_PROTOCOL (UEFI 2.10 §15.4), which gnu-efi lacks.  Written
 * from the specification.  Its request packet has the layout of Ext SCSI
 * Pass Thru's (§15.7.2), and its status values are the same.
 */
#ifndef UEFI_SCSI_IO_H
#define UEFI_SCSI_IO_H

#include <efi.h>

#define EFI_SCSI_IO_PROTOCOL_GUID \
	{ 0x932f47e6, 0x2362, 0x4002, \
	  { 0x80, 0x3e, 0x3c, 0xd5, 0x4b, 0x13, 0x8f, 0x85 } }

/* §15.4.5 ExecuteScsiCommand(): DataDirection */
#define EFI_SCSI_IO_DATA_DIRECTION_READ 0
#define EFI_SCSI_IO_DATA_DIRECTION_WRITE 1
#define EFI_SCSI_IO_DATA_DIRECTION_BIDIRECTIONAL 2

typedef struct {
	UINT64 Timeout;			/* 100 ns units; 0 waits forever */
	VOID *InDataBuffer;
	VOID *OutDataBuffer;
	VOID *SenseData;
	VOID *Cdb;
	UINT32 InTransferLength;
	UINT32 OutTransferLength;
	UINT8 CdbLength;
	UINT8 DataDirection;
	UINT8 HostAdapterStatus;
	UINT8 TargetStatus;
	UINT8 SenseDataLength;
} EFI_SCSI_IO_SCSI_REQUEST_PACKET;

struct _EFI_SCSI_IO_PROTOCOL;
typedef struct _EFI_SCSI_IO_PROTOCOL EFI_SCSI_IO_PROTOCOL;

typedef EFI_STATUS (EFIAPI *EFI_SCSI_IO_PROTOCOL_GET_DEVICE_TYPE)(
	IN EFI_SCSI_IO_PROTOCOL *This, OUT UINT8 *DeviceType);

typedef EFI_STATUS (EFIAPI *EFI_SCSI_IO_PROTOCOL_GET_DEVICE_LOCATION)(
	IN EFI_SCSI_IO_PROTOCOL *This, IN OUT UINT8 **Target, OUT UINT64 *Lun);

typedef EFI_STATUS (EFIAPI *EFI_SCSI_IO_PROTOCOL_RESET_BUS)(
	IN EFI_SCSI_IO_PROTOCOL *This);

typedef EFI_STATUS (EFIAPI *EFI_SCSI_IO_PROTOCOL_RESET_DEVICE)(
	IN EFI_SCSI_IO_PROTOCOL *This);

typedef EFI_STATUS (EFIAPI *EFI_SCSI_IO_PROTOCOL_EXEC_SCSI_COMMAND)(
	IN EFI_SCSI_IO_PROTOCOL *This,
	IN OUT EFI_SCSI_IO_SCSI_REQUEST_PACKET *Packet,
	IN EFI_EVENT Event OPTIONAL);

struct _EFI_SCSI_IO_PROTOCOL {
	EFI_SCSI_IO_PROTOCOL_GET_DEVICE_TYPE GetDeviceType;
	EFI_SCSI_IO_PROTOCOL_GET_DEVICE_LOCATION GetDeviceLocation;
	EFI_SCSI_IO_PROTOCOL_RESET_BUS ResetBus;
	EFI_SCSI_IO_PROTOCOL_RESET_DEVICE ResetDevice;
	EFI_SCSI_IO_PROTOCOL_EXEC_SCSI_COMMAND ExecuteScsiCommand;
	UINT32 IoAlign;
};

#endif /* UEFI_SCSI_IO_H */
