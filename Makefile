# SPDX-License-Identifier: BSD-2-Clause-Patent
#
# virtio-scsi UEFI driver.
#   make          the driver (build/virtio-scsi.efi) and the test app
#   make check    every test: host unit tests (ASan/UBSan), QEMU+OVMF
#   make run      boot QEMU+OVMF, load the driver from the Shell, show disks
#   make deps     install what is missing (Debian 12, apt-get)
#   make bench    figures: ours against the firmware's stack, same VM
#   make coverage figures: source coverage of drivers/
#   make core     the core alone: build/core/libvscsi.a (freestanding)
#   make bare     the bare-metal x86-64 image: build/bare/virtio-scsi-bare.elf
#   make run-bare boot it under QEMU (no firmware), console on stdout

BUILD      ?= build
EFI_INC    ?= /usr/include/efi
EFI_LIB    ?= /usr/lib
CC         ?= gcc
HOSTCC     ?= gcc
LD         ?= ld
OBJCOPY    ?= objcopy
# DEBUGCON=0 keeps the driver off I/O port 0x402 (QEMU's debug console)
DEBUGCON   ?= 1
LOG_LEVEL  ?= 1
EFI_OPT    ?= -O2

CORE_SRCS := drivers/lib/log.c \
	drivers/virtio/virtio_pci.c drivers/virtio/virtqueue.c \
	drivers/scsi/virtio_scsi.c drivers/scsi/scsi_command.c drivers/scsi/scsi_engine.c \
	drivers/scsi/scsi_scan.c drivers/scsi/scsi_disk.c \
	drivers/scsi/scsi_inventory.c
EFI_SRCS  := efi/driver.c efi/pass_thru.c efi/block_io.c \
	efi/component_name.c efi/disk_info.c efi/device_path.c efi/stats.c efi/status.c \
	efi/platform_pciio.c efi/uefi_lib.c drivers/lib/libc.c drivers/lib/libc_mem.c
APP_SRCS  := test/efi/testapp.c test/efi/testlib.c test/efi/basic.c \
	test/efi/media.c test/efi/conform.c test/efi/handoff.c test/efi/bench.c test/efi/faults.c test/efi/unplug.c \
	drivers/lib/libc.c \
	drivers/lib/log.c drivers/virtio/virtio_pci.c

WARN      := -Wall -Wextra -Werror
EFI_CFLAGS := -std=gnu11 $(EFI_OPT) -g0 $(WARN) -fpic -fshort-wchar \
	-fno-stack-protector -ffreestanding -fno-strict-aliasing \
	-fno-tree-loop-distribute-patterns -mno-red-zone \
	-DGNU_EFI_USE_MS_ABI -DVS_DEBUGCON=$(DEBUGCON) -DVS_LOG_LEVEL=$(LOG_LEVEL) \
	-I$(EFI_INC) -I$(EFI_INC)/x86_64 -Iinclude -Iefi
EFI_LDFLAGS := -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds \
	-shared -Bsymbolic -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
	-j .rel -j .rela -j .reloc

DRIVER := $(BUILD)/virtio-scsi.efi
TESTAPP := $(BUILD)/testapp.efi
ROM := $(BUILD)/virtio-scsi.rom

all: $(DRIVER) $(TESTAPP) $(ROM)

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(EFI_CFLAGS) -MMD -c $< -o $@

# Link, then refuse relocations gnu-efi's loader would silently skip:
# only R_X86_64_RELATIVE is applied.
# The driver needs only gnu-efi's relocation code (libgnuefi); the test
# app uses libefi too (Print, file helpers).
$(BUILD)/virtio-scsi.so: EFI_LIBS := -lgnuefi
$(BUILD)/testapp.so: EFI_LIBS := -lefi -lgnuefi
$(BUILD)/%.so:
	@echo "  LD      $@"
	@$(LD) $(EFI_LDFLAGS) $^ -o $@ $(EFI_LIBS)
	@bad=$$(readelf -rW $@ | awk '/^[0-9a-f]+ /{print $$3}' | grep -v R_X86_64_RELATIVE | sort -u); \
	if [ -n "$$bad" ]; then echo "$@: unsupported relocations: $$bad"; rm -f $@; exit 1; fi

$(BUILD)/virtio-scsi.so: $(addprefix $(BUILD)/efi/,$(CORE_SRCS:.c=.o) $(EFI_SRCS:.c=.o))
$(BUILD)/testapp.so: $(addprefix $(BUILD)/efi/,$(APP_SRCS:.c=.o))

# PE subsystem 11: EFI boot service driver; 10: application
$(DRIVER): $(BUILD)/virtio-scsi.so
	@echo "  PE      $@"
	@$(OBJCOPY) $(EFI_SECTIONS) --target=efi-bsdrv-x86_64 $< $@
	@objdump -h $@ | grep -q '\.reloc' || { echo "$@: no .reloc section"; rm -f $@; exit 1; }
$(TESTAPP): $(BUILD)/testapp.so
	@echo "  PE      $@"
	@$(OBJCOPY) $(EFI_SECTIONS) --target=efi-app-x86_64 $< $@
	@objdump -h $@ | grep -q '\.reloc' || { echo "$@: no .reloc section"; rm -f $@; exit 1; }

# ------------------------------------------------- the core as a library
# Freestanding, and proof that the core needs no UEFI or C library header:
# -nostdinc leaves only include/ and the compiler's own freestanding
# headers (stdint.h, stddef.h, stdbool.h, stdarg.h).  No red zone, no
# SSE: an embedder's kernel may take interrupts on its stack and not save
# vector registers.
CC_INCLUDE := $(shell $(CC) -print-file-name=include)
CORE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc \
	-isystem $(CC_INCLUDE) -Iinclude -fno-pic -fno-stack-protector \
	-mno-red-zone -mgeneral-regs-only -fno-tree-loop-distribute-patterns
CORE_LIB := $(BUILD)/core/libvscsi.a
CORE_OBJS := $(addprefix $(BUILD)/core/,$(CORE_SRCS:.c=.o))

$(BUILD)/core/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -MMD -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

.PHONY: core
core: $(CORE_LIB)

# ------------------------------------------------ the bare-metal platform
# A PVH ELF that QEMU boots with -kernel: bare/ and the core library.
BARE_SRCS := bare/start.S bare/main.c bare/console.c bare/clock.c \
	bare/pci.c bare/pci_cf8.c bare/platform.c bare/gpt.c bare/status.c \
	drivers/lib/libc.c drivers/lib/libc_mem.c
BARE_OBJS := $(addprefix $(BUILD)/bare/,$(addsuffix .o,$(basename $(BARE_SRCS))))
BARE := $(BUILD)/bare/virtio-scsi-bare.elf
BARE_CFLAGS := $(CORE_CFLAGS) -Ibare -Itest/common

$(BUILD)/bare/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BARE_CFLAGS) -MMD -c $< -o $@
$(BUILD)/bare/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(BARE_CFLAGS) -MMD -c $< -o $@

$(BARE): $(BARE_OBJS) $(CORE_LIB) bare/bare.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T bare/bare.ld $(BARE_OBJS) $(CORE_LIB) -o $@

.PHONY: bare run-bare
bare: $(BARE)

run-bare: deps
	@$(MAKE) --no-print-directory $(BARE) $(BUILD)/mkpattern
	@tools/run-bare.sh $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all clean
clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- host tests
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -Itest/unit \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := test_transport test_virtio_scsi test_scsi_disk test_inventory test_deadlines test_paths test_bare test_ordering
UNIT_BINS := $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
UNIT_COMMON := $(CORE_SRCS) test/unit/fake_device.c

# test_bare also links the bare-metal platform's portable parts
UNIT_EXTRA_test_bare := bare/pci.c bare/platform.c bare/status.c

$(BUILD)/unit/%: test/unit/%.c $(UNIT_COMMON) test/unit/*.h include/*/*.h bare/*.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) $< $(UNIT_COMMON) $(UNIT_EXTRA_$*) -o $@ -lcmocka

# The same tests without sanitizers, for valgrind
VG_BINS := $(addprefix $(BUILD)/unit-vg/,$(UNIT_TESTS))
$(BUILD)/unit-vg/%: test/unit/%.c $(UNIT_COMMON) test/unit/*.h include/*/*.h bare/*.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -Iinclude -Itest/unit $< $(UNIT_COMMON) $(UNIT_EXTRA_$*) -o $@ -lcmocka

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

$(BUILD)/fuzz/%: test/fuzz/%.c test/fuzz/fuzz.h $(UNIT_COMMON) test/unit/*.h include/*/*.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(UNIT_COMMON) -o $@

# Run each fuzzer for FUZZ_SECONDS on a copy of its seed corpus.
.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@test/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZERS)

$(BUILD)/mkpattern: tools/mkpattern.c test/common/pattern.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -O2 $(WARN) $< -o $@

$(BUILD)/mkrom: tools/mkrom.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -O2 $(WARN) $< -o $@

# PCI option ROM: vendor 1AF4, devices 1048 and 1004, one EFI image
$(ROM): $(DRIVER) $(BUILD)/mkrom
	@$(BUILD)/mkrom -d 1048 -d 1004 -o $@ $(DRIVER)

.PHONY: rom
rom: $(ROM)

.PHONY: unit check run deps bench coverage print-core-srcs print-unit-extra
print-core-srcs:
	@echo $(CORE_SRCS)
# make print-unit-extra T=test_bare: what that unit test links beyond the core
print-unit-extra:
	@echo $(UNIT_EXTRA_$(T))

# Figures: source coverage of drivers/ by the unit tests and fuzz corpora.
coverage: deps
	@test/coverage.sh $(BUILD) $(UNIT_TESTS) -- $(FUZZERS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Install missing Debian packages (apt-get), once per machine.
deps:
	@tools/install-deps.sh

# Every test; the last line is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all $(BARE) $(UNIT_BINS) $(VG_BINS) $(FUZZ_BINS) $(BUILD)/mkpattern
	@FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) test/run-all.sh $(BUILD)

# Figures: our driver against the firmware's stack, same VM (not a test).
bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/mkpattern
	@tools/run-bench.sh $(BUILD)

# Boot QEMU + OVMF into the Shell, load the driver, show its disks.
run: deps
	@$(MAKE) --no-print-directory all $(BUILD)/mkpattern
	@tools/run-qemu.sh $(BUILD)
