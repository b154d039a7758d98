# p2pmap: top-level build. `make help` lists the targets.
#
#   KDIR=<tree>   kernel to build the modules against (default: the cached lab kernel)
#   V=1           show full commands

SHELL := /bin/bash
TOP := $(CURDIR)
export P2PMAP_CACHE ?= $(HOME)/.cache/p2pmap

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

LAB_KDIR := $(shell $(TOP)/scripts/build-kernel.sh --dir 2>/dev/null)
KDIR ?= $(LAB_KDIR)
export KDIR

BUILD := $(TOP)/build
HOSTCC := gcc
TEST_CFLAGS := -O2 -g -Wall -Wextra -Wno-override-init -I$(TOP)/include
TEST_BINS := $(BUILD)/tests/t_map $(BUILD)/tests/t_stats $(BUILD)/tests/demo
# The tests' own policies (tests/bpf), built with bpf/Makefile's rules.
TEST_BPF := force_p2p garbage bad_write_ctx bad_oob bad_license bad_sleepable bad_flags \
	    bad_name no_decide init_fail
SAMPLE_BPF := topology bounce_all size_threshold rules numa_local

.PHONY: all deps kernel modules test-modules bpf test-bpf user tests-build check demo shell clean help

all: modules test-modules bpf user tests-build

help:
	@echo "p2pmap targets:"
	@echo "  make deps       install build/test dependencies (Debian bookworm + backports)"
	@echo "  make kernel     build the lab kernel once, cached in \$$P2PMAP_CACHE ($(P2PMAP_CACHE))"
	@echo "  make all        p2pmap.ko, p2pmap_edu.ko, BPF policies, userspace, test programs"
	@echo "  make bpf        the sample policies: bpf/<name>.bpf.o (for bpftool) and .skel.h"
	@echo "  make check      deps + kernel + all, then every test (host and lab); ends with 'N passed, N failed'"
	@echo "  make demo       boot the lab, load the modules, move data with the built-in rule and with a policy"
	@echo "  make shell      boot the lab with an interactive shell on the serial console"
	@echo "  make clean      remove build products (the cached kernel stays)"
	@echo "Variables: KDIR=<kernel tree> (default: lab kernel), V=1 verbose, P2PMAP_ACCEL=kvm"

deps:
	$(Q)$(TOP)/scripts/deps.sh

kernel:
	$(Q)$(TOP)/scripts/build-kernel.sh >/dev/null

# Against the lab kernel, make sure it is built first (a no-op once cached).
ifeq ($(KDIR),$(LAB_KDIR))
modules test-modules: kernel
endif

modules:
	$(Q)$(MAKE) -C kernel KDIR=$(KDIR) $(if $(filter 1,$(V)),V=1,)

test-modules: modules
	$(Q)$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod KBUILD_EXTRA_SYMBOLS=$(TOP)/kernel/Module.symvers modules

bpf: modules
	$(Q)$(MAKE) -C bpf KDIR=$(KDIR) $(if $(filter 1,$(V)),V=1,)

test-bpf: bpf
	$(Q)$(MAKE) -C bpf KDIR=$(KDIR) SRC=$(TOP)/tests/bpf OUT=$(BUILD)/tests/bpf \
	  NAMES="$(TEST_BPF)" $(if $(filter 1,$(V)),V=1,)

user:
	@true

tests-build: $(TEST_BINS) $(BUILD)/tests/t_policy

$(BUILD)/tests/t_policy: tests/guest/t_policy.c tests/guest/lib.c tests/guest/lib.h bpf/rules.h \
			 include/uapi/p2pmap.h test-bpf
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HOSTCC) $(TEST_CFLAGS) -Ibpf -I$(BUILD)/tests/bpf -o $@ $< tests/guest/lib.c -lbpf -lpthread

$(BUILD)/tests/%: tests/guest/%.c tests/guest/lib.c tests/guest/lib.h include/uapi/p2pmap.h tests/kmod/p2pmap_test.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HOSTCC) $(TEST_CFLAGS) -o $@ $< tests/guest/lib.c

check: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/run-tests.sh

demo: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/vm/run.sh --quiet --out $(BUILD)/demo -- sh tests/guest/demo.sh; rc=$$?; \
	  cat $(BUILD)/demo/share/demo.txt 2>/dev/null; exit $$rc

shell: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/vm/run.sh --shell

clean:
	$(Q)rm -rf $(BUILD)
	$(Q)$(MAKE) -C bpf clean >/dev/null
	$(Q)if [ -d "$(KDIR)" ]; then $(MAKE) -C kernel KDIR=$(KDIR) clean >/dev/null; \
	  $(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod clean >/dev/null; fi
