/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/**
 * @file
 * PCI configuration access mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2):
 * an address dword at port 0xCF8, data at 0xCFC.  Reaches the first 256
 * bytes of every function's configuration space, all a virtio-pci
 * device needs.
 */
#include "io.h"
#include "bare.h"

#define PCI_CONFIG_ADDRESS	0xCF8
#define PCI_CONFIG_DATA		0xCFC
#define PCI_CONFIG_ENABLE	0x80000000u

/** The address dword of one configuration dword. */
static uint32_t pci_cf8_address(uint8_t bus, uint8_t dev, uint8_t fn,
				uint8_t off)
{
	return PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xFC);
}

/**
 * Read one dword of configuration space.
 * @v bus, dev, fn	function
 * @v off	offset, dword aligned
 * @ret val	value (all ones where no function answers)
 */
uint32_t pci_cfg_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_address(bus, dev, fn, off));
	return inl(PCI_CONFIG_DATA);
}

/** Write one dword of configuration space; parameters as pci_cfg_read32. */
void pci_cfg_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		     uint32_t val)
{
	outl(PCI_CONFIG_ADDRESS, pci_cf8_address(bus, dev, fn, off));
	outl(PCI_CONFIG_DATA, val);
}
