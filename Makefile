# SPDX-License-Identifier: Apache-2.0
#
# make                  svmm for this machine          -> build/<host isa>/svmm
# make ARCH=aarch64     static aarch64 svmm (cross)    -> build/aarch64/svmm
# make check            every test: format, freestanding, unit, host CLI, fuzz (short), lab
# make demo             boots a Linux guest under svmm in the emulated arm64 lab
#
# Dependencies come from Debian only: scripts/install-deps.sh installs them,
# scripts/arm64-sysroot.sh fetches the arm64 libraries for the cross build.

HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
VERSION := $(shell cat VERSION)
BUILD := build/$(ARCH)
OBJ := $(BUILD)/obj

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -I. -MMD -MP -DSVMM_VERSION='"$(VERSION)"'
LDLIBS := -lfdt -ljson-c -lpthread

ifeq ($(ARCH),$(HOST_ARCH))
CC ?= cc
else ifeq ($(ARCH),aarch64)
CC := aarch64-linux-gnu-gcc
SYSROOT := build/sysroot-aarch64
CFLAGS += -isystem $(SYSROOT)/usr/include
LDFLAGS += -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
else
$(error ARCH=$(ARCH): svmm builds for the host ($(HOST_ARCH)) or for aarch64)
endif

# Layers, lowest first (see ../shared/ARCHITECTURE.md). core/string.c only
# serves freestanding builds; hosted builds use libc's.
CORE_SRCS := $(filter-out core/string.c,$(wildcard core/*.c))
ARCH_SRCS := $(wildcard arch/aarch64/*.c)
DEV_SRCS := $(wildcard dev/*.c)
VIRTIO_SRCS := $(wildcard virtio/*.c)
FREESTANDING_SRCS := $(CORE_SRCS) $(ARCH_SRCS) $(DEV_SRCS) $(VIRTIO_SRCS)
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

all: $(BUILD)/svmm

$(BUILD)/svmm: $(CMD_OBJS) $(BUILD)/libsvmm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libsvmm.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

ifeq ($(ARCH),aarch64)
$(LIB_OBJS) $(CMD_OBJS): | $(SYSROOT)/.done
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

$(FUZZ_DIR)/bin/%: tests/fuzz/%.c $(FUZZ_DIR)/libsvmm-fuzz.a
	@mkdir -p $(dir $@)
	@mkdir -p $(FUZZ_DIR)/deps
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MF $(FUZZ_DIR)/deps/$*.d -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_DIR)/libsvmm-fuzz.a -lfdt

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@bash scripts/run-fuzzers.sh $(FUZZ_BINS)

# CI's short, bounded fuzzing pass: any crash or sanitizer report fails it.
check-fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-10} bash scripts/run-fuzzers.sh $(FUZZ_BINS)

-include $(FUZZ_LIB_OBJS:.o=.d) $(wildcard $(FUZZ_DIR)/deps/*.d)

# Command-line behaviour that needs no guest (errors, validate, terminal restore).
check-host: $(BUILD)/svmm
	@python3 tests/host/test_cli.py $(BUILD)/svmm

check-format:
	@bash scripts/check-format.sh

# core/ arch/ dev/ virtio/ cross-compiled for aarch64 without libc: proves they carry
# no libc or Linux dependency.
check-freestanding:
	@bash scripts/check-freestanding.sh $(FREESTANDING_SRCS)

check-lab:
	$(MAKE) ARCH=aarch64
	bash tests/lab/run.sh --svmm build/aarch64/svmm

check: check-format check-freestanding check-unit check-host check-fuzz check-lab

demo:
	$(MAKE) ARCH=aarch64
	bash tests/lab/run.sh --svmm build/aarch64/svmm --demo

bench:
	$(MAKE) ARCH=aarch64
	bash bench/run.sh

clean:
	rm -rf build/$(HOST_ARCH) build/aarch64

.PHONY: all check check-unit check-host check-fuzz check-format check-freestanding check-lab demo bench clean
.PHONY: fuzz fuzz-build

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)
