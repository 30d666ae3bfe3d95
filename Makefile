# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# virtio-scsi UEFI driver.  `make help` lists the targets.
#   make          the x64 driver (build/virtio-scsi.efi) and its test app:
#                 the x64 build packages only (gcc, binutils, gnu-efi)
#   make run      boot QEMU+OVMF, load the driver from the Shell, show disks
#   make check    every test; the last line is "N passed, N failed"
#   make deps     install what is missing (Debian 12, apt-get); make run
#                 and make check do it themselves, nothing else does
#   V=1           show the commands; CC, CFLAGS, LDFLAGS may be set

BUILD      ?= build
# ARCH: the UEFI target, x64 (build/) or aa64 (build/aa64/, cross-built)
ARCH       ?= x64
# host tests and tools: the CC given for x64 (make CC=clang), else gcc
ifneq ($(filter command line environment,$(origin CC)),)
ifeq ($(ARCH),x64)
HOSTCC     ?= $(CC)
endif
endif
HOSTCC     ?= gcc
LOG_LEVEL  ?= 1
EFI_OPT    ?= -O2

ifeq ($(ARCH),x64)
EFI_ARCH   := x86_64
CROSS      ?=
OUT        := $(BUILD)
EFI_INC    ?= /usr/include/efi
EFI_LIB    ?= /usr/lib
# DEBUGCON=0 keeps the driver off I/O port 0x402 (QEMU's debug console)
DEBUGCON   ?= 1
ARCH_CFLAGS := -mno-red-zone -DGNU_EFI_USE_MS_ABI
EFI_RELATIVE := R_X86_64_RELATIVE
else ifeq ($(ARCH),aa64)
EFI_ARCH   := aarch64
CROSS      ?= aarch64-linux-gnu-
OUT        := $(BUILD)/aa64
# Debian's gnu-efi:arm64 is not Multi-Arch: tools/install-deps.sh unpacks
# it here instead of installing it
GNU_EFI_AA64 ?= $(BUILD)/gnu-efi-aa64
EFI_INC    ?= $(GNU_EFI_AA64)/usr/include/efi
EFI_LIB    ?= $(GNU_EFI_AA64)/usr/lib
DEBUGCON   := 0
ARCH_CFLAGS :=
EFI_RELATIVE := R_AARCH64_RELATIVE
else
$(error ARCH=$(ARCH): x64 or aa64)
endif
# The target's tools; CC, LD and OBJCOPY given on the command line win
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
ifeq ($(origin LD),default)
LD := $(CROSS)ld
endif
OBJCOPY    ?= $(CROSS)objcopy
AR         := $(CROSS)ar

CORE_SRCS := drivers/lib/log.c \
	drivers/virtio/virtio_pci.c drivers/virtio/virtqueue.c \
	drivers/virtio/vs_queue.c drivers/virtio/vp_transport.c \
	drivers/scsi/virtio_scsi.c drivers/scsi/scsi_decide.c drivers/scsi/scsi_engine.c \
	drivers/scsi/scsi_inquiry.c drivers/scsi/scsi_scan.c drivers/scsi/scsi_disk.c \
	drivers/scsi/scsi_inventory.c
EFI_SRCS  := efi/driver.c efi/guids.c efi/pass_thru.c efi/block_io.c efi/block_io2.c efi/scsi_io.c \
	efi/component_name.c efi/diagnostics.c efi/disk_info.c efi/device_path.c efi/stats.c efi/status.c \
	efi/platform_pciio.c efi/uefi_lib.c drivers/lib/libc.c drivers/lib/libc_mem.c
APP_SRCS  := test/efi/testapp.c test/efi/testlib.c test/efi/basic.c \
	test/efi/media.c test/efi/conform.c test/efi/handoff.c test/efi/diag.c test/efi/secboot.c test/efi/bench.c test/efi/faults.c test/efi/unplug.c \
	drivers/lib/libc.c \
	drivers/lib/log.c drivers/virtio/virtio_pci.c

WARN      := -Wall -Wextra -Werror
# GCC must be told not to turn the C library loops (drivers/lib/libc*.c)
# back into calls to themselves; clang is told in the source
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)
NO_LOOP_CALLS := $(if $(CC_IS_CLANG),,-fno-tree-loop-distribute-patterns)
# kbuild's convention: V=1 shows each command; otherwise Q hides it and
# SAY prints a one-line summary instead
ifeq ($(V),1)
Q :=
SAY := @true
else
Q := @
SAY := @echo
endif
# make -s: not even the summaries
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
SAY := @true
endif
EFI_CFLAGS := -std=gnu11 $(EFI_OPT) -g0 $(WARN) -fpic -fshort-wchar \
	-fno-stack-protector -ffreestanding -fno-strict-aliasing \
	$(NO_LOOP_CALLS) $(ARCH_CFLAGS) \
	-DVS_DEBUGCON=$(DEBUGCON) -DVS_LOG_LEVEL=$(LOG_LEVEL) \
	-I$(EFI_INC) -I$(EFI_INC)/$(EFI_ARCH) -Iinclude -Iefi $(CFLAGS)
EFI_LDFLAGS := -nostdlib -znocombreloc -T $(EFI_LIB)/elf_$(EFI_ARCH)_efi.lds \
	-shared -Bsymbolic -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-$(EFI_ARCH).o $(LDFLAGS)

DRIVER := $(OUT)/virtio-scsi.efi
TESTAPP := $(OUT)/testapp.efi
ROM := $(BUILD)/virtio-scsi.rom

all: $(DRIVER) $(TESTAPP)

# gnu-efi for arm64, unpacked from the .deb that make deps fetched
$(BUILD)/gnu-efi-aa64/usr/lib/crt0-efi-aarch64.o:
	$(Q)tools/gnu-efi-aa64.sh $(BUILD)/gnu-efi-aa64
ifeq ($(ARCH),aa64)
EFI_HEADERS_READY := $(BUILD)/gnu-efi-aa64/usr/lib/crt0-efi-aarch64.o
endif

$(OUT)/efi/%.o: %.c | $(EFI_HEADERS_READY)
	@mkdir -p $(dir $@)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -c $< -o $@

# Link, then refuse relocations gnu-efi's self-relocation would silently
# skip: only R_*_RELATIVE is applied (crt0's _relocate).
# The driver needs only gnu-efi's relocation code (libgnuefi); the test
# app uses libefi too (Print, file helpers).
$(OUT)/virtio-scsi.so: EFI_LIBS := -lgnuefi
$(OUT)/testapp.so: EFI_LIBS := -lefi -lgnuefi
$(OUT)/virtio-scsi.so: SUBSYSTEM := 0xb
$(OUT)/testapp.so: SUBSYSTEM := 0xa
$(OUT)/%.so:
	$(SAY) "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(if $(filter aa64,$(ARCH)),--defsym=EFI_SUBSYSTEM=$(SUBSYSTEM) --no-warn-rwx-segments) \
		$^ -o $@ $(EFI_LIBS)
	$(Q)tools/efi-check.sh relocs $(EFI_RELATIVE) $@

$(OUT)/virtio-scsi.so: $(addprefix $(OUT)/efi/,$(CORE_SRCS:.c=.o) $(EFI_SRCS:.c=.o))
$(OUT)/testapp.so: $(addprefix $(OUT)/efi/,$(APP_SRCS:.c=.o))

# The PE image, with no COFF symbol table.  x64: objcopy writes the PE
# (subsystem 11: boot service driver, 10: application).  aa64: gnu-efi's
# crt0 carries its own PE header, so the image is the raw binary, with
# the subsystem set at link time (AArch64's header from crt0 has no base
# relocations: its _relocate applies the RELATIVE ones itself, on both
# architectures).  tools/efi-check.sh checks what the loader reads.
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .rel -j .rela \
	-j .rel.* -j .rela.* -j .reloc
ifeq ($(ARCH),x64)
EFI_SECTIONS += -j .dynsym
$(DRIVER): PE_TARGET := --target=efi-bsdrv-x86_64
$(TESTAPP): PE_TARGET := --target=efi-app-x86_64
PE_FORMAT := pei-x86-64
else
$(DRIVER) $(TESTAPP): PE_TARGET := -O binary
PE_FORMAT := pei-aarch64-little
endif
$(DRIVER): PE_SUBSYSTEM := 0000000b
$(TESTAPP): PE_SUBSYSTEM := 0000000a
$(OUT)/%.efi: $(OUT)/%.so
	$(SAY) "  PE      $@"
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) $(PE_TARGET) --strip-all $< $@
	$(Q)tools/efi-check.sh pe $(PE_FORMAT) $(PE_SUBSYSTEM) $(ARCH) "$(CROSS)" $@

# ------------------------------------------------- the core as a library
# Freestanding, and proof that the core needs no UEFI or C library header:
# -nostdinc leaves only include/ and the compiler's own freestanding
# headers (stdint.h, stddef.h, stdbool.h, stdarg.h).  No red zone, no
# SSE: an embedder's kernel may take interrupts on its stack and not save
# vector registers.
CC_INCLUDE := $(shell $(CC) -print-file-name=include)
CORE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(CC_INCLUDE) -Iinclude -fno-pic -fno-stack-protector \
	$(if $(filter x64,$(ARCH)),-mno-red-zone) -mgeneral-regs-only $(NO_LOOP_CALLS)
CORE_LIB := $(OUT)/core/libvscsi.a
CORE_OBJS := $(addprefix $(OUT)/core/,$(CORE_SRCS:.c=.o))

$(OUT)/core/%.o: %.c
	@mkdir -p $(dir $@)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	$(SAY) "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

core: $(CORE_LIB)

# ------------------------------------------------ the bare-metal platform
# A PVH ELF that QEMU boots with -kernel: bare/ and the core library.
# The platform (PVH entry, console, clock, PCI, the core's operations),
# then two programs on it: the test harness (main.c) and the smallest
# embedding (example.c, docs/porting.md)
BARE_PLATFORM := bare/start.S bare/console.c bare/clock.c bare/pci.c \
	bare/pci_cf8.c bare/platform.c bare/status.c \
	drivers/lib/libc.c drivers/lib/libc_mem.c
BARE_SRCS := $(BARE_PLATFORM) bare/main.c bare/gpt.c
bare_objs = $(addprefix $(BUILD)/bare/,$(addsuffix .o,$(basename $(1))))
BARE_OBJS := $(call bare_objs,$(BARE_SRCS))
EXAMPLE_OBJS := $(call bare_objs,$(BARE_PLATFORM) bare/example.c)
BARE := $(BUILD)/bare/virtio-scsi-bare.elf
EXAMPLE := $(BUILD)/bare/virtio-scsi-example.elf
BARE_CFLAGS := $(CORE_CFLAGS) -Ibare -Itest/common

$(BUILD)/bare/%.o: %.c
	@mkdir -p $(dir $@)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(BARE_CFLAGS) -MMD -c $< -o $@
$(BUILD)/bare/%.o: %.S
	@mkdir -p $(dir $@)
	$(SAY) "  AS      $<"
	$(Q)$(CC) $(BARE_CFLAGS) -MMD -c $< -o $@

$(BARE): $(BARE_OBJS) $(CORE_LIB) bare/bare.ld
	$(SAY) "  LD      $@"
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T bare/bare.ld $(BARE_OBJS) $(CORE_LIB) -o $@
$(EXAMPLE): $(EXAMPLE_OBJS) $(CORE_LIB) bare/bare.ld
	$(SAY) "  LD      $@"
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T bare/bare.ld $(EXAMPLE_OBJS) $(CORE_LIB) -o $@

# U-Boot with the driver, from Debian's u-boot source package, for QEMU
# virt: build/uboot/{aarch64,riscv64}/u-boot.bin (cached by its sources)
uboot:
	@tools/uboot-build.sh $(BUILD)/uboot

bare: $(BARE) $(EXAMPLE)

run-bare: $(BARE) $(BUILD)/mkpattern
	@tools/run-bare.sh $(BUILD)

# dependency files of our objects (not of unpacked packages under build/)
-include $(shell find $(BUILD) \( -name 'qemu-test*' -o -name gnu-efi-aa64 \) -prune \
	-o -name '*.d' -type f -print 2>/dev/null)

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- host tests
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Itest/unit \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := test_transport test_host test_ordering test_adapter test_decide test_engine test_scan test_disk test_inventory test_log test_bare
UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
UNIT_COMMON := $(CORE_SRCS) test/unit/fake_device.c test/unit/fake_target.c

# test_bare also links the bare-metal platform's portable parts
UNIT_EXTRA_test_bare := bare/pci.c bare/platform.c bare/status.c
UNIT_EXTRA_test_host := test/unit/host_queue.c

$(BUILD)/unit/%: test/unit/%.c $(UNIT_COMMON) test/unit/*.h include/*/*.h bare/*.h
	@mkdir -p $(dir $@)
	$(SAY) "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< $(UNIT_COMMON) $(UNIT_EXTRA_$*) -o $@ -lcmocka

# The same tests without sanitizers, for valgrind
VG_BINS := $(addprefix $(BUILD)/unit-vg/,$(UNIT_TESTS))
$(BUILD)/unit-vg/%: test/unit/%.c $(UNIT_COMMON) test/unit/*.h include/*/*.h bare/*.h
	@mkdir -p $(dir $@)
	$(SAY) "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -Iinclude -Itest/unit $< $(UNIT_COMMON) $(UNIT_EXTRA_$*) -o $@ -lcmocka

# ---------------------------------------------------------------- fuzzers
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 20
FUZZERS := fuzz_device fuzz_scsi_data
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
# short device timeouts: a hostile device that never answers costs
# microseconds of virtual time per poll
FUZZ_CFLAGS := -g -O1 -Iinclude -Itest/unit -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -DVSCSI_DEFAULT_TIMEOUT_US=2000 \
	-DVSCSI_TMF_TIMEOUT_US=2000

# fuzz_device runs the adapter over the core's rings and over a host's
$(BUILD)/fuzz/%: test/fuzz/%.c test/fuzz/fuzz.h $(UNIT_COMMON) test/unit/*.h test/unit/host_queue.c include/*/*.h
	@mkdir -p $(dir $@)
	$(SAY) "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(UNIT_COMMON) test/unit/host_queue.c -o $@

# Run each fuzzer for FUZZ_SECONDS on a copy of its seed corpus.
fuzz: $(FUZZ_BINS)
	@test/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZERS)

$(BUILD)/mkpattern: tools/mkpattern.c test/common/pattern.h
	@mkdir -p $(dir $@)
	$(SAY) "  HOSTCC  $@"
	$(Q)$(HOSTCC) -O2 $(WARN) $< -o $@

# the compressor's round trips, under the sanitizers (test/tools/)
$(BUILD)/efi-compress-test: test/tools/efi_compress_test.c tools/efi_compress.c tools/efi_compress.h
	@mkdir -p $(dir $@)
	$(SAY) "  HOSTCC  $@"
	$(Q)$(HOSTCC) -O1 -g $(WARN) -Itools -fsanitize=address,undefined \
		-fno-sanitize-recover=all $< tools/efi_compress.c -o $@

$(BUILD)/mkrom: tools/mkrom.c tools/efi_compress.c tools/efi_compress.h
	@mkdir -p $(dir $@)
	$(SAY) "  HOSTCC  $@"
	$(Q)$(HOSTCC) -O2 $(WARN) tools/mkrom.c tools/efi_compress.c -o $@

# The AArch64 build, as a sub-make of this one (make ARCH=aa64 directly
# builds the same files)
AA64_CC ?= aarch64-linux-gnu-gcc
AA64_MAKE := $(MAKE) --no-print-directory ARCH=aa64 CC=$(AA64_CC) CFLAGS= LDFLAGS=
X64_DRIVER := $(BUILD)/virtio-scsi.efi
AA64_DRIVER := $(BUILD)/aa64/virtio-scsi.efi
ifeq ($(ARCH),x64)
# the sub-make decides whether it is out of date; make compares the
# file's time afterwards, so the ROM is rebuilt only when it changed
$(AA64_DRIVER): FORCE
	@$(AA64_MAKE) -s $@
endif
FORCE:

# PCI option ROM: vendor 1AF4, devices 1048 and 1004, one EFI image per
# architecture (x64, then AA64), so the same file serves OVMF and AAVMF;
# x64 alone where no AArch64 driver can be built (no cross compiler, or
# no gnu-efi for arm64: make deps fetches both)
HAVE_AA64 := $(shell command -v $(AA64_CC) >/dev/null 2>&1 && tools/gnu-efi-aa64.sh --have && echo 1)
ROM_DRIVERS := $(X64_DRIVER) $(if $(HAVE_AA64),$(AA64_DRIVER))
$(ROM): $(ROM_DRIVERS) $(BUILD)/mkrom
	$(if $(HAVE_AA64),,@echo "  no AArch64 driver ($(AA64_CC) or gnu-efi for arm64 missing, see make deps): x64 image only")
	$(SAY) "  ROM     $@"
	$(Q)$(BUILD)/mkrom -d 1048 -d 1004 -o $@ $(ROM_DRIVERS)

rom: $(ROM)

print-core-srcs:
	@echo $(CORE_SRCS)
# make print-unit-extra T=test_bare: what that unit test links beyond the core
print-unit-extra:
	@echo $(UNIT_EXTRA_$(T))

# Figures: source coverage of drivers/ by the unit tests and fuzz corpora.
coverage:
	@test/coverage.sh $(BUILD) $(UNIT_TESTS) -- $(FUZZERS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Install missing Debian packages (apt-get), once per machine.
deps:
	@tools/install-deps.sh

# Every test, both architectures; the last line is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all rom bare $(UNIT_BINS) $(VG_BINS) $(FUZZ_BINS) $(BUILD)/mkpattern $(BUILD)/efi-compress-test
	@$(AA64_MAKE) all
	@$(MAKE) --no-print-directory firmware uboot
	@FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) test/run-all.sh $(BUILD)

# make sign KEY=key.pem CERT=cert.pem [KEY_PASS=...]: Secure Boot signed
# copies of the drivers and test apps, and a ROM of the signed drivers,
# under build/signed/ (tools/sign.sh)
sign: all
	@$(AA64_MAKE) -s all
	@tools/sign.sh $(BUILD) "$(KEY)" "$(CERT)" "$(KEY_PASS)"

# make firmware: Debian's OVMF and AAVMF with our driver in their DXE
# volume in place of VirtioScsiDxe (tools/fwimage.py)
FIRMWARE_X64 := $(BUILD)/firmware/OVMF_CODE_4M.fd
FIRMWARE_AA64 := $(BUILD)/firmware/AAVMF_CODE.fd
OVMF_CODE_IN ?= /usr/share/OVMF/OVMF_CODE_4M.fd
AAVMF_CODE_IN ?= /usr/share/AAVMF/AAVMF_CODE.fd
firmware: $(FIRMWARE_X64) $(FIRMWARE_AA64)
$(FIRMWARE_X64): $(X64_DRIVER) tools/fwimage.py $(OVMF_CODE_IN)
	@mkdir -p $(dir $@)
	$(Q)python3 tools/fwimage.py --driver $(X64_DRIVER) -o $@ $(OVMF_CODE_IN)
$(FIRMWARE_AA64): $(AA64_DRIVER) tools/fwimage.py $(AAVMF_CODE_IN)
	@mkdir -p $(dir $@)
	$(Q)python3 tools/fwimage.py --driver $(AA64_DRIVER) -o $@ $(AAVMF_CODE_IN)

# make run with that firmware: the Shell finds our driver built in
run-firmware: firmware $(BUILD)/mkpattern
	@OVMF_CODE=$(FIRMWARE_X64) FIRMWARE_IMAGE=1 tools/run-qemu.sh $(BUILD)

# make install [DESTDIR=...] [PREFIX=/usr/local]: each architecture's
# driver and the ROM under share/virtio-scsi/, the ROM tool as
# virtio-scsi-mkrom, the core library and its headers for embedders
PREFIX ?= /usr/local
DATADIR := $(PREFIX)/share/virtio-scsi
install: all rom $(AA64_DRIVER) $(CORE_LIB)
	$(Q)install -d $(DESTDIR)$(DATADIR)/x64 $(DESTDIR)$(DATADIR)/aa64 \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/include/virtio-scsi/vscsi \
		$(DESTDIR)$(PREFIX)/include/virtio-scsi/spec
	$(Q)install -m 644 $(X64_DRIVER) $(DESTDIR)$(DATADIR)/x64/virtio-scsi.efi
	$(Q)install -m 644 $(AA64_DRIVER) $(DESTDIR)$(DATADIR)/aa64/virtio-scsi.efi
	$(Q)install -m 644 $(ROM) $(DESTDIR)$(DATADIR)/virtio-scsi.rom
	$(Q)install -m 755 $(BUILD)/mkrom $(DESTDIR)$(PREFIX)/bin/virtio-scsi-mkrom
	$(Q)install -m 644 $(CORE_LIB) $(DESTDIR)$(PREFIX)/lib/libvscsi.a
	$(Q)install -m 644 include/vscsi/*.h $(DESTDIR)$(PREFIX)/include/virtio-scsi/vscsi/
	$(Q)install -m 644 include/spec/*.h $(DESTDIR)$(PREFIX)/include/virtio-scsi/spec/
	$(SAY) "  INSTALL $(DESTDIR)$(PREFIX)"

# Figures: our driver against the firmware's stack, same VM (not a test).
bench: all $(BUILD)/mkpattern
	@ARCH=$(ARCH) tools/run-bench.sh $(BUILD)

# Boot QEMU + OVMF into the Shell, load the driver, show its disks.
run: deps
	@$(MAKE) --no-print-directory all $(BUILD)/mkpattern
	@tools/run-qemu.sh $(BUILD)

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))
	@echo "Other targets:"
	@echo "  make rom        PCI option ROM, x64 and AArch64 images (build/virtio-scsi.rom)"
	@echo "  make firmware   OVMF and AAVMF with the driver built in (build/firmware/)"
	@echo "  make sign       Secure Boot signed copies (KEY=, CERT=, KEY_PASS=)"
	@echo "  make ARCH=aa64  the AArch64 driver and test app (build/aa64/)"
	@echo "  make core       the core alone: build/core/libvscsi.a (freestanding)"
	@echo "  make bare       the bare-metal x86-64 image; make run-bare boots it"
	@echo "  make uboot      U-Boot with the driver, AArch64 and RISC-V (build/uboot/)"
	@echo "  make bench      figures: ours against the firmware's stack, same VM"
	@echo "  make coverage   figures: source coverage of drivers/"
	@echo "  make unit, make fuzz, make install (DESTDIR, PREFIX), make clean"

.PHONY: all clean core bare run-bare uboot fuzz rom unit check run deps bench \
	coverage sign firmware run-firmware install help FORCE \
	print-core-srcs print-unit-extra
