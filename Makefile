# SPDX-License-Identifier: Apache-2.0
#
# make                  svmm for this machine          -> build/<host isa>/svmm
# make ARCH=aarch64     static aarch64 svmm (cross)    -> build/aarch64/svmm
# make check            every test: format, freestanding, unit, host CLI, fuzz (short), lab
# make prove            Frama-C WP proofs of the guest-facing parsers
# make demo             boots a Linux guest under svmm in the emulated arm64 lab
# make check-sanitize   the lab scenarios with an ASan+UBSan aarch64 svmm (SANITIZE=1)
#
# Dependencies come from Debian only: scripts/install-deps.sh installs them,
# scripts/arm64-sysroot.sh fetches the arm64 libraries for the cross build.

HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
VERSION := $(shell cat VERSION)
# SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer, in its own build
# directory. ASan cannot link statically: such an aarch64 svmm is dynamic
# (libc and the sanitizer runtimes; run.sh copies them into the lab host).
SANITIZE ?=
BUILD := build/$(ARCH)$(if $(SANITIZE),-sanitize)
OBJ := $(BUILD)/obj

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -I. -MMD -MP -DSVMM_VERSION='"$(VERSION)"'
LDLIBS := -lfdt -ljson-c -lseccomp -lpthread

ifeq ($(ARCH),$(HOST_ARCH))
CC ?= cc
else ifeq ($(ARCH),aarch64)
CC := aarch64-linux-gnu-gcc
SYSROOT := build/sysroot-aarch64
CFLAGS += -isystem $(SYSROOT)/usr/include
LDFLAGS += -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
ifeq ($(SANITIZE),)
LDFLAGS += -static
else
# The sysroot's libraries linked in; only libc and the runtimes stay dynamic.
LDLIBS := -Wl,-Bstatic -lfdt -ljson-c -lseccomp -Wl,-Bdynamic -lpthread
endif
else
$(error ARCH=$(ARCH): svmm builds for the host ($(HOST_ARCH)) or for aarch64)
endif
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# Layers, lowest first (see ../shared/ARCHITECTURE.md). core/string.c only
# serves freestanding builds; hosted builds use libc's.
CORE_SRCS := $(filter-out core/string.c,$(wildcard core/*.c))
ARCH_SRCS := $(wildcard arch/aarch64/*.c)
DEV_SRCS := $(wildcard dev/*.c)
VIRTIO_SRCS := $(wildcard virtio/*.c)
MACHINE_SRCS := $(wildcard machine/*.c)
FREESTANDING_SRCS := $(CORE_SRCS) $(ARCH_SRCS) $(DEV_SRCS) $(VIRTIO_SRCS) $(MACHINE_SRCS)
CONFIG_SRCS := $(wildcard config/*.c)
HOST_SRCS := $(wildcard host/linux/*.c)
# The KVM backend's ISA half: aarch64 hosts run aarch64 guests; any other
# host gets a backend that explains where svmm can run.
ifeq ($(ARCH),aarch64)
HYP_SRCS := $(filter-out hyp/kvm/kvm_unsupported_isa.c,$(wildcard hyp/kvm/*.c))
else
HYP_SRCS := $(filter-out hyp/kvm/kvm_arm64%.c,$(wildcard hyp/kvm/*.c))
endif
LIB_SRCS := $(FREESTANDING_SRCS) $(CONFIG_SRCS) $(HOST_SRCS) $(HYP_SRCS)
CMD_SRCS := $(wildcard cmd/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(OBJ)/%.o)

all: $(BUILD)/svmm $(BUILD)/svmm-test

$(BUILD)/svmm: $(CMD_OBJS) $(BUILD)/libsvmm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The lab's test build: svmm plus hidden triggers (SVMM_SANDBOX_TEST_TRIGGER)
# that make a forbidden system call, so the lab sees the filters catch one.
# The shipped svmm never contains them. The object linked first wins over
# libsvmm.a's own host/linux/sandbox.o.
TEST_TRIGGER_OBJS := $(OBJ)/test-triggers/host/linux/sandbox.o $(OBJ)/test-triggers/host/linux/jail.o

$(OBJ)/test-triggers/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DSVMM_SANDBOX_TEST_TRIGGER -c -o $@ $<

$(BUILD)/svmm-test: $(CMD_OBJS) $(TEST_TRIGGER_OBJS) $(BUILD)/libsvmm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libsvmm.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

ifeq ($(ARCH),aarch64)
$(LIB_OBJS) $(CMD_OBJS) $(TEST_TRIGGER_OBJS): | $(SYSROOT)/.done
$(SYSROOT)/.done: scripts/arm64-sysroot.sh
	bash scripts/arm64-sysroot.sh $(SYSROOT)
endif

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# ---- unit tests (cmocka), built and run on the host ----
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

# The seL4 backend's helpers that need no seL4 are tested on the host too.
$(BUILD)/tests/test_sel4_helpers: tests/unit/test_sel4_helpers.c host/sel4/format.c \
		hyp/sel4/dtb_info.c $(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

$(BUILD)/tests/test_sddf_blk: tests/unit/test_sddf_blk.c host/sel4/sddf_blk.c \
		host/sel4/sddf_blk_client.c $(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

$(BUILD)/tests/test_virtio_blk_drv: tests/unit/test_virtio_blk_drv.c host/sel4/virtio_blk_drv.c \
		host/sel4/sddf_blk.c host/sel4/sddf_blk_client.c $(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

$(BUILD)/tests/test_console_queue: tests/unit/test_console_queue.c host/sel4/console_queue.c \
		$(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

$(BUILD)/tests/test_mgmt_prompt: tests/unit/test_mgmt_prompt.c host/sel4/mgmt_prompt.c \
		host/sel4/format.c host/sel4/vm_names.c $(BUILD)/libsvmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libsvmm.a $(LDLIBS) -lcmocka

check-unit: $(UNIT_BINS)
	@bash tests/run-unit.sh $(UNIT_BINS)

# ---- fuzzers (libFuzzer, AddressSanitizer, UBSan; clang, on the host) ----
# Every tests/fuzz/fuzz_*.c is one fuzzer. Each links an archive of all the
# freestanding sources (core arch dev virtio) built for fuzzing, taking just
# the objects it uses, so a new device fuzzer needs no change here. `make fuzz`
# runs each for FUZZ_SECONDS (default 20) via scripts/run-fuzzers.sh; corpora,
# logs and crash inputs stay under build/fuzz/.
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $(WARNINGS) -I. -MMD -MP \
	-DSVMM_VERSION='"$(VERSION)"' -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJS := $(FREESTANDING_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libsvmm-fuzz.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# The VM description (config/) needs libc and json-c: its objects form a
# second archive, linked ahead of the freestanding one, which harnesses
# that do not use it never pull from.
# cmd/machine_desc.c (a description's machine) joins it for fuzz_device_tree.
FUZZ_HOSTED_OBJS := $(CONFIG_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/cmd/machine_desc.o

$(FUZZ_DIR)/libsvmm-fuzz-hosted.a: $(FUZZ_HOSTED_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/bin/%: tests/fuzz/%.c $(FUZZ_DIR)/libsvmm-fuzz.a $(FUZZ_DIR)/libsvmm-fuzz-hosted.a
	@mkdir -p $(dir $@)
	@mkdir -p $(FUZZ_DIR)/deps
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MF $(FUZZ_DIR)/deps/$*.d -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_DIR)/libsvmm-fuzz-hosted.a $(FUZZ_DIR)/libsvmm-fuzz.a -ljson-c -lfdt

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@bash scripts/run-fuzzers.sh $(FUZZ_BINS)

# CI's short, bounded fuzzing pass: any crash or sanitizer report fails it.
check-fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-10} bash scripts/run-fuzzers.sh $(FUZZ_BINS)

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_HOSTED_OBJS:.o=.d) $(wildcard $(FUZZ_DIR)/deps/*.d)

# Command-line behaviour that needs no guest (errors, validate, terminal restore).
check-host: $(BUILD)/svmm
	@python3 tests/host/test_cli.py $(BUILD)/svmm
	@python3 tests/host/test_sdf_system.py $(BUILD)/svmm

check-format:
	@bash scripts/check-format.sh

# core/ arch/ dev/ virtio/ cross-compiled for aarch64 without libc: proves they carry
# no libc or Linux dependency.
check-freestanding:
	@bash scripts/check-freestanding.sh $(FREESTANDING_SRCS)

# Frama-C WP proofs of the guest-facing parsers' ACSL contracts and of the
# absence of run-time errors in them (scripts/prove.sh lists the files; the
# README's "Proofs" section says what is proven).
prove check-prove:
	@bash scripts/prove.sh

check-lab:
	$(MAKE) ARCH=aarch64
	bash tests/lab/run.sh --svmm build/aarch64/svmm

# ---- svmm on seL4: a Microkit 2.3.0 protection domain per VM (see hyp/sel4/vmm.c) ----
# make sel4 MICROKIT_SDK=/path/to/microkit-sdk-2.3.0 [MICROKIT_BOARD=qemu_virt_aarch64]
#      [MICROKIT_CONFIG=debug|release|smp-debug|smp-release] [SEL4_OUT=build/sel4]
#      SYSTEM=sys.json                     a system description: its VMs name their images
#   or [VM=examples/linux-sel4.json] [KERNEL=Image] [INITRD=rootfs.cpio.gz] [CMDLINE="..."]
#      [DISK=disk.img]                     one VM, the flags overriding its description
# The host svmm writes the SDF and, in $(SEL4_OUT), each VM's device tree and
# system.mk (svmm sdf --build-dir), which names each VM's svmm program image
# and its kernel and initrd. Each VM's svmm is the same objects linked
# with that VM's images (section .rodata.svmm_guest); a VM with a disk gets
# the block driver, blk_driver.elf, for QEMU's virtio-blk device: the disk's
# bytes are QEMU's drive file (give QEMU -drive file=IMG,if=none,format=raw,
# id=d0 -device virtio-blk-device,drive=d0), and DISK is only checked to
# exist; a system of several VMs gets the console multiplexer, console_mux.elf
# (and with "management" the management PD, mgmt.elf), and every system the
# timer PD, timer.elf (the alarm of idle vCPUs). The microkit tool makes
# $(SEL4_OUT)/loader.img, which QEMU boots (tests/sel4/run.sh; -smp 4 for
# the smp- configs).
MICROKIT_BOARD ?= qemu_virt_aarch64
MICROKIT_CONFIG ?= debug
VM ?= examples/linux-sel4.json
SYSTEM ?=
KERNEL ?= $(HOME)/.cache/svmm-lab/Image
INITRD ?= build/lab/rootfs.cpio.gz
SEL4_OUT ?= build/sel4
SEL4_CC := aarch64-linux-gnu-gcc
SEL4_LD := aarch64-linux-gnu-ld
SEL4_BOARD_DIR = $(MICROKIT_SDK)/board/$(MICROKIT_BOARD)/$(MICROKIT_CONFIG)
# As the SDK's examples build: freestanding, no libc, strict alignment (guest
# RAM and device registers are reached through plain pointers). General
# registers only: the VMM keeps off the FP/SIMD state.
SEL4_CFLAGS = -std=c11 -O2 -g -ffreestanding -fno-builtin -fno-stack-protector -nostdinc \
	-isystem $(shell $(SEL4_CC) -print-file-name=include) -mstrict-align -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	$(WARNINGS) -I. -isystem $(SEL4_BOARD_DIR)/include -MMD -MP
SEL4_SRCS := core/string.c $(CORE_SRCS) $(filter-out arch/aarch64/fdt.c,$(ARCH_SRCS)) $(DEV_SRCS) \
	machine/machine.c machine/desc_text.c $(wildcard hyp/sel4/*.c) \
	$(filter-out host/sel4/blk_driver_pd.c host/sel4/virtio_blk_drv.c \
		host/sel4/console_mux_pd.c host/sel4/timer_pd.c host/sel4/mgmt_pd.c \
		host/sel4/mgmt_prompt.c host/sel4/vm_names.c,$(wildcard host/sel4/*.c))
SEL4_OBJS = $(SEL4_SRCS:%.c=$(SEL4_OUT)/obj/%.o)
# virtio/ as an archive: svmm.elf takes the devices machine/machine.c can put on the bus.
SEL4_VIRTIO_OBJS = $(VIRTIO_SRCS:%.c=$(SEL4_OUT)/obj/%.o)
# The driver's PD object is built per VM (its readonly); the rest is shared.
SEL4_BLK_OBJS = $(addprefix $(SEL4_OUT)/obj/,host/sel4/virtio_blk_drv.o \
	host/sel4/sddf_blk.o host/sel4/format.o core/string.o)
SEL4_MUX_OBJS = $(addprefix $(SEL4_OUT)/obj/,host/sel4/console_mux_pd.o \
	host/sel4/console_queue.o host/sel4/board_uart.o host/sel4/vm_names.o core/console_mux.o \
	core/string.o)
# The management PD: its prompt, the console queue to the multiplexer, the lifecycle's words.
SEL4_MGMT_OBJS = $(addprefix $(SEL4_OUT)/obj/,host/sel4/mgmt_pd.o host/sel4/mgmt_prompt.o \
	host/sel4/console_queue.o host/sel4/vm_names.o host/sel4/format.o core/vm_command.o \
	core/vm_lifecycle.o core/string.o)
SEL4_LINK = $(SEL4_LD) -L$(SEL4_BOARD_DIR)/lib $^ -lmicrokit -Tmicrokit.ld \
	$(shell $(SEL4_CC) -print-libgcc-file-name) -o $@
DISK ?=

sel4:
	@bash scripts/sel4-sdk-check.sh "$(MICROKIT_SDK)" "$(MICROKIT_BOARD)" "$(MICROKIT_CONFIG)"
	$(MAKE) ARCH=$(HOST_ARCH) build/$(HOST_ARCH)/svmm
	@mkdir -p $(SEL4_OUT)
ifneq ($(SYSTEM),)
	build/$(HOST_ARCH)/svmm sdf $(SYSTEM) --out $(SEL4_OUT)/svmm.system --build-dir $(SEL4_OUT)
else
	ln -sfn "$(abspath $(KERNEL))" $(SEL4_OUT)/Image
	ln -sfn "$(abspath $(INITRD))" $(SEL4_OUT)/rootfs.cpio.gz
	build/$(HOST_ARCH)/svmm sdf $(VM) --kernel $(SEL4_OUT)/Image --initrd $(SEL4_OUT)/rootfs.cpio.gz \
		$(if $(CMDLINE),--cmdline "$(CMDLINE)") $(if $(DISK),--disk "$(DISK)") \
		--out $(SEL4_OUT)/svmm.system --build-dir $(SEL4_OUT)
endif
	$(MAKE) sel4-image SEL4_SYSTEM_MK=$(SEL4_OUT)/system.mk

# The second stage: what system.mk names.
ifneq ($(SEL4_SYSTEM_MK),)
include $(SEL4_SYSTEM_MK)
endif
SEL4_VMM_ELFS = $(foreach vm,$(SEL4_SYSTEM_VMS),$(SEL4_OUT)/$(SEL4_SYSTEM_IMAGE_$(vm)))
SEL4_BLK_ELFS = $(foreach vm,$(SEL4_SYSTEM_VMS),$(if $(SEL4_SYSTEM_BLK_$(vm)),$(SEL4_OUT)/$(SEL4_SYSTEM_BLK_$(vm))))
SEL4_MUX_ELF = $(if $(SEL4_SYSTEM_MUX),$(SEL4_OUT)/console_mux.elf)
SEL4_MGMT_ELF = $(if $(SEL4_SYSTEM_MGMT),$(SEL4_OUT)/mgmt.elf)

sel4-image: $(SEL4_OUT)/loader.img

$(SEL4_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(SEL4_CC) $(SEL4_CFLAGS) -c -o $@ $<

# seL4's headers use GNU C's `asm`: the files that include them are C11
# with GNU extensions.
$(SEL4_OUT)/obj/hyp/sel4/%.o \
	$(SEL4_OUT)/obj/host/sel4/console_mux_pd.o $(SEL4_OUT)/obj/host/sel4/mgmt_pd.o \
	$(SEL4_OUT)/obj/host/sel4/timer_pd.o: SEL4_CFLAGS += -std=gnu11

# check-sel4's blkfault case: a block driver that faults on the first write.
SEL4_BLK_TEST_FAULT ?=

$(SEL4_OUT)/libvirtio.a: $(SEL4_VIRTIO_OBJS)
	rm -f $@
	aarch64-linux-gnu-ar rcs $@ $^

# A VM without an initrd packages an empty one (size 0: none).
$(SEL4_OUT)/no-initrd:
	@mkdir -p $(dir $@)
	: >$@

# One VM's svmm (`aarch64-linux-gnu-size -A` tells svmm from the packaged
# guest images) and, with a disk, its block server (the image in section
# .data.svmm_disk).
define sel4_vm_rules
$(SEL4_OUT)/obj/guest_images_$(1).o: host/sel4/guest_images_blobs.S $(SEL4_OUT)/$(1).dtb \
		$(SEL4_OUT)/$(1).settings $(SEL4_SYSTEM_KERNEL_$(1)) \
		$(or $(SEL4_SYSTEM_INITRD_$(1)),$(SEL4_OUT)/no-initrd)
	@mkdir -p $$(dir $$@)
	$(SEL4_CC) -c -o $$@ $$< -DSVMM_KERNEL='"$(SEL4_SYSTEM_KERNEL_$(1))"' \
		-DSVMM_SETTINGS='"$(abspath $(SEL4_OUT)/$(1).settings)"' \
		-DSVMM_INITRD='"$(abspath $(or $(SEL4_SYSTEM_INITRD_$(1)),$(SEL4_OUT)/no-initrd))"' \
		-DSVMM_DTB='"$(abspath $(SEL4_OUT)/$(1).dtb)"'
$(SEL4_OUT)/$(SEL4_SYSTEM_IMAGE_$(1)): $(SEL4_OBJS) $(SEL4_OUT)/obj/guest_images_$(1).o \
		$(SEL4_OUT)/libvirtio.a
	$$(SEL4_LINK)
ifneq ($(SEL4_SYSTEM_BLK_$(1)),)
$(SEL4_OUT)/obj/blk_driver_pd_$(1).o: host/sel4/blk_driver_pd.c
	@mkdir -p $$(dir $$@)
	$(SEL4_CC) $$(SEL4_CFLAGS) -std=gnu11 -DBLK_DRIVER_READONLY=$(SEL4_SYSTEM_BLK_READONLY_$(1)) \
		$$(if $(SEL4_BLK_TEST_FAULT),-DBLK_DRIVER_TEST_FAULT_ON_WRITE) -c -o $$@ $$<
$(SEL4_OUT)/$(SEL4_SYSTEM_BLK_$(1)): $(SEL4_OUT)/obj/blk_driver_pd_$(1).o $(SEL4_BLK_OBJS)
	$$(SEL4_LINK)
endif
endef
$(foreach vm,$(SEL4_SYSTEM_VMS),$(eval $(call sel4_vm_rules,$(vm))))

# The console multiplexer, with the VMs' names (in order) packaged into it.
$(SEL4_OUT)/obj/console_names.o: host/sel4/console_names.S $(SEL4_OUT)/console_names
	@mkdir -p $(dir $@)
	$(SEL4_CC) -c -o $@ $< -DSVMM_CONSOLE_NAMES='"$(abspath $(SEL4_OUT)/console_names)"'

$(SEL4_OUT)/console_mux.elf: $(SEL4_MUX_OBJS) $(SEL4_OUT)/obj/console_names.o
	$(SEL4_LINK)

# A system with "management": the management PD, with the same names packaged.
$(SEL4_OUT)/mgmt.elf: $(SEL4_MGMT_OBJS) $(SEL4_OUT)/obj/console_names.o
	$(SEL4_LINK)

# Every system's timer PD: the alarm that wakes each svmm's parked vCPUs.
SEL4_TIMER_OBJS = $(addprefix $(SEL4_OUT)/obj/,host/sel4/timer_pd.o core/timeouts.o core/string.o)
$(SEL4_OUT)/timer.elf: $(SEL4_TIMER_OBJS)
	$(SEL4_LINK)

# bench/sel4.sh's spinner (bench/sel4/spinner.c), added to a system's SDF by the benchmark.
SEL4_SPINNER_OBJS = $(addprefix $(SEL4_OUT)/obj/,bench/sel4/spinner.o host/sel4/format.o core/string.o)
$(SEL4_OUT)/obj/bench/sel4/spinner.o: SEL4_CFLAGS += -std=gnu11
$(SEL4_OUT)/spinner.elf: $(SEL4_SPINNER_OBJS)
	$(SEL4_LINK)

$(SEL4_OUT)/loader.img: $(SEL4_VMM_ELFS) $(SEL4_BLK_ELFS) $(SEL4_MUX_ELF) $(SEL4_MGMT_ELF) \
		$(SEL4_OUT)/timer.elf \
		$(SEL4_OUT)/svmm.system
	$(MICROKIT_SDK)/bin/microkit $(SEL4_OUT)/svmm.system --search-path $(SEL4_OUT) \
		--board $(MICROKIT_BOARD) --config $(MICROKIT_CONFIG) -o $@ -r $(SEL4_OUT)/report.txt
	@ls -l $@ $(SEL4_VMM_ELFS) | awk '{print "sel4:", $$5, $$9}'

-include $(SEL4_OBJS:.o=.d) $(SEL4_VIRTIO_OBJS:.o=.d) $(SEL4_BLK_OBJS:.o=.d) $(SEL4_MUX_OBJS:.o=.d) \
	$(SEL4_MGMT_OBJS:.o=.d) \
	$(SEL4_SPINNER_OBJS:.o=.d)

# Builds and boots svmm on seL4 in QEMU; SKIPs (successfully) without MICROKIT_SDK.
check-sel4:
	@bash tests/sel4/run.sh "$(MICROKIT_SDK)" $(SEL4_CASES)

# Boot time and image sizes of svmm on seL4; SKIPs (successfully) without MICROKIT_SDK.
bench-sel4:
	@bash bench/sel4.sh "$(MICROKIT_SDK)"

# Kill -9 durability (tests/lab/scenarios-durability.sh): LAB_TRIALS boots
# (default 100): not in `check`. The lab host keeps its files in tmpfs, which
# on its 6.1 kernel refuses O_DIRECT, so durability_direct (the same with
# --disk ...,direct) is run by hand on a host whose filesystem takes it.
check-durability:
	$(MAKE) ARCH=aarch64
	LAB_TIMEOUT=$${LAB_TIMEOUT:-5400} bash tests/lab/run.sh --svmm build/aarch64/svmm \
		durability_direct durability

# The lab scenarios once with svmm built with ASan and UBSan (the durability
# trials excepted: make check-durability). Any sanitizer report fails it.
check-sanitize:
	$(MAKE) ARCH=aarch64 SANITIZE=1
	LAB_SANITIZE=1 LAB_TIMEOUT=$${LAB_TIMEOUT:-2400} bash tests/lab/run.sh \
		--svmm build/aarch64-sanitize/svmm

check: check-format check-freestanding check-prove check-unit check-host check-fuzz check-lab check-sel4

demo:
	$(MAKE) ARCH=aarch64
	bash tests/lab/run.sh --svmm build/aarch64/svmm --demo

bench:
	$(MAKE) ARCH=aarch64
	bash bench/run.sh

clean:
	rm -rf build/$(HOST_ARCH) build/aarch64

.PHONY: all check check-unit check-host check-fuzz check-format check-freestanding check-lab prove check-prove demo bench clean
.PHONY: check-durability check-sanitize
.PHONY: fuzz fuzz-build sel4 sel4-image check-sel4 bench-sel4

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(TEST_TRIGGER_OBJS:.o=.d)
