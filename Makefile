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
TEST_BINS := $(BUILD)/tests/t_map $(BUILD)/tests/demo

.PHONY: all deps kernel modules test-modules bpf user tests-build check demo shell clean help

all: modules test-modules bpf user tests-build

help:
	@echo "p2pmap targets:"
	@echo "  make deps       install build/test dependencies (Debian bookworm + backports)"
	@echo "  make kernel     build the lab kernel once, cached in \$$P2PMAP_CACHE ($(P2PMAP_CACHE))"
	@echo "  make all        p2pmap.ko, p2pmap_edu.ko, BPF policies, userspace, test programs"
	@echo "  make check      deps + kernel + all, then every test (host and lab); ends with 'N passed, N failed'"
	@echo "  make demo       boot the lab, load the modules, move data through both paths, show decisions"
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

bpf:
	@true

user:
	@true

tests-build: $(TEST_BINS)

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
	$(Q)if [ -d "$(KDIR)" ]; then $(MAKE) -C kernel KDIR=$(KDIR) clean >/dev/null; \
	  $(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod clean >/dev/null; fi
