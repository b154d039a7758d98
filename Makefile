# p2pmap: top-level build. `make help` lists the targets.
#
#   KDIR=<tree>   kernel to build the modules against (default: the cached lab kernel)
#   KASAN=1       the lab kernel with KASAN (tests/vm/kasan.config), for check and stress
#   V=1           show full commands
#
# Nothing here is computed at parse time from state that a recipe creates: `make deps`
# installs the kernel source and `make kernel` builds the tree, so the lab kernel's path is
# asked of scripts/build-kernel.sh in a recipe, after both, and handed to a sub-make as KDIR
# (see with-kdir below). tests/host/t_fresh.sh holds every entry point to that rule.

SHELL := /bin/bash
TOP := $(CURDIR)
export P2PMAP_CACHE ?= $(HOME)/.cache/p2pmap

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

KASAN ?= 0
BENCH ?= 0
export KASAN BENCH
export KDIR

# Targets that build against a kernel tree. Without KDIR (command line or environment), each
# one re-runs itself in a sub-make with KDIR set to the lab kernel, which build-kernel.sh
# builds first if it is not cached: the lookup happens when the recipe runs, never at parse.
KDIR_TARGETS := all modules test-modules bpf test-bpf user tests-build

BUILD := $(TOP)/build
HOSTCC := gcc
# The directories Kbuild builds modules in, and what it leaves there: the one list of both.
MODULE_DIRS := kernel tests/kmod samples/p2pmap_edu
MODULE_OUTPUTS = $(foreach d,$(MODULE_DIRS),$(addprefix $(d)/,*.o *.ko *.mod *.mod.c .*.cmd \
	Module.symvers modules.order))
TEST_CFLAGS := -O2 -g -Wall -Wextra -Wno-override-init -I$(TOP)/include -I$(TOP)/tests/lib
# The shipped policies.
include bpf/policies.mk

.PHONY: all deps kernel kdir-switch modules test-modules bpf test-bpf user tests-build check demo shell clean help \
	install install-files uninstall deb bench bench-profile stress module-outputs

help:
	@echo "p2pmap targets:"
	@echo "  make deps       install build/test dependencies (Debian bookworm + backports)"
	@echo "  make kernel     build the lab kernel once, cached in \$$P2PMAP_CACHE ($(P2PMAP_CACHE))"
	@echo "                  (P2PMAP_KERNEL=NAME: one of tests/vm/kernels, default 6.12; 7.3 is fetched"
	@echo "                  from trixie-backports with private apt state)"
	@echo "  make all        p2pmap.ko, the p2pmap_edu.ko sample, BPF policies, userspace, test programs"
	@echo "  make bpf        the sample policies: bpf/<name>.bpf.o (for bpftool) and .skel.h"
	@echo "  make check      deps + kernels + all, then every test (host, and the lab on each kernel of"
	@echo "                  tests/vm/kernels); ends with 'N passed, N failed'"
	@echo "  make demo       boot the lab, load the modules, move data with the built-in rule and with a policy"
	@echo "  make shell      boot the lab with an interactive shell on the serial console"
	@echo "  make bench      benchmarks in the lab: p2pmap vs the raw kernel path; build/bench/results.json"
	@echo "                  (P2PMAP_ACCEL=icount, also for bench-profile: exact instruction counts, not time)"
	@echo "  make bench-profile  perf in the lab guest: where a 4 KiB map+unmap spends its time"
	@echo "                  (P2PMAP_PROFILE_LOOPS: any of p2p ram rules ram64k ram1m bounce bounce-in register io-ram io-p2p; default p2p ram)"
	@echo "  make stress     the reliability suites, long (load, fuzz, faults, lifecycle, hot-unplug)"
	@echo "  make install    p2ppolicy, BPF objects, unit, config, man page; the module through DKMS"
	@echo "  make uninstall  remove what make install put in place"
	@echo "  make deb        Debian packages p2pmap-dkms and p2ppolicy in build/deb/ (docs/install.md)"
	@echo "  make clean      remove build products (the cached kernel stays)"
	@echo "Variables: KDIR=<kernel tree> (default: lab kernel), P2PMAP_KERNEL=6.12|7.3 (lab kernel for"
	@echo "           all, demo, shell, bench, stress), KASAN=1 (KASAN lab kernel), V=1 verbose,"
	@echo "           P2PMAP_ACCEL=kvm, P2PMAP_VARIANTS=\"switch acs ...\" (check: topology variants),"
	@echo "           P2PMAP_KERNELS=\"6.12 7.3\" (check: lab kernels),"
	@echo "           install: DESTDIR, PREFIX (/usr), SYSCONFDIR (/etc), UNITDIR (/lib/systemd/system)"

deps:
	$(Q)$(TOP)/scripts/deps.sh

kernel:
	$(Q)$(TOP)/scripts/build-kernel.sh >/dev/null

ifeq ($(KDIR),)
define with-kdir
	$(Q)kdir=$$($(TOP)/scripts/build-kernel.sh) && $(MAKE) KDIR="$$kdir" $@
endef
$(KDIR_TARGETS):
	$(with-kdir)
$(BUILD)/tests/%:
	$(with-kdir)
else

all: modules test-modules bpf user tests-build

# Kbuild does not notice that the modules were built for another kernel tree (the lab, KASAN
# or benchmark kernel: the compile commands are the same), so switching trees cleans them.
KDIR_STAMP := $(BUILD)/.modules-kdir
kdir-switch:
	$(Q)mkdir -p $(BUILD); if [ "$$(cat $(KDIR_STAMP) 2>/dev/null)" != "$(KDIR)" ]; then \
	  rm -f $(MODULE_OUTPUTS); echo "$(KDIR)" >$(KDIR_STAMP); fi

# p2pmap.ko, and the sample client driver the lab uses (samples/p2pmap_edu, never installed).
modules: kdir-switch
	$(Q)$(MAKE) -C kernel KDIR=$(KDIR) $(if $(filter 1,$(V)),V=1,)
	$(Q)$(MAKE) -C $(KDIR) M=$(TOP)/samples/p2pmap_edu KBUILD_EXTRA_SYMBOLS=$(TOP)/kernel/Module.symvers modules

test-modules: modules
	$(Q)$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod KBUILD_EXTRA_SYMBOLS=$(TOP)/kernel/Module.symvers modules

bpf: modules
	$(Q)$(MAKE) -C bpf KDIR=$(KDIR) $(if $(filter 1,$(V)),V=1,)

test-bpf: bpf
	$(Q)$(MAKE) -C bpf KDIR=$(KDIR) SRC=$(TOP)/tests/bpf OUT=$(BUILD)/tests/bpf \
	  NAMES="$(TEST_BPF)" $(if $(filter 1,$(V)),V=1,)

user: bpf
	$(Q)$(MAKE) -C user/p2ppolicy OUT=$(BUILD)/user $(if $(filter 1,$(V)),V=1,)

# The test programs: one pattern rule and each program's extras.
include tests/tests.mk

endif

# Entry points: install what is missing, then build and run. Each step is its own sub-make,
# so every value it parses exists by then.
check: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/run-tests.sh

stress: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/stress.sh

demo: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/vm/run.sh --quiet --out $(BUILD)/demo -- sh tests/demo/demo.sh; rc=$$?; \
	  cat $(BUILD)/demo/share/demo.txt 2>/dev/null; exit $$rc

shell: deps
	$(Q)$(MAKE) all
	$(Q)$(TOP)/tests/vm/run.sh --shell

# Benchmarks run on the benchmark kernel (no lockdep, kmemleak or DMA-API debug); the modules
# are rebuilt for it, and for the lab kernel again by the next make check.
bench: deps
	$(Q)kdir=$$(BENCH=1 KASAN=0 $(TOP)/scripts/build-kernel.sh) && \
	  $(MAKE) BENCH=1 KASAN=0 KDIR="$$kdir" all $(BUILD)/tests/bench $(BUILD)/tests/bench-decide && \
	  BENCH=1 KDIR="$$kdir" $(TOP)/tests/bench/run.sh

# Where the 4 KiB map+unmap spends its time: perf in the guest, on the benchmark kernel.
bench-profile: deps
	$(Q)kdir=$$(BENCH=1 KASAN=0 $(TOP)/scripts/build-kernel.sh) && \
	  $(MAKE) BENCH=1 KASAN=0 KDIR="$$kdir" all $(BUILD)/tests/bench && \
	  BENCH=1 KDIR="$$kdir" $(TOP)/tests/bench/run.sh --profile

# ---- installation ----
# Read when the install recipe runs (make help and the build steps run no command at parse).
VERSION = $(strip $(file <$(TOP)/VERSION))
PREFIX ?= /usr
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
SBINDIR := $(PREFIX)/sbin
POLICYDIR := $(PREFIX)/lib/p2pmap
MANDIR := $(PREFIX)/share/man
DOCDIR := $(PREFIX)/share/doc/p2pmap
BPFTRACEDIR := $(PREFIX)/share/p2pmap/bpftrace
GRAFANADIR := $(PREFIX)/share/p2pmap/grafana
# Where bash-completion looks for a command's completion, loaded when it is first completed.
COMPLETIONDIR := $(PREFIX)/share/bash-completion/completions
export PREFIX SYSCONFDIR UNITDIR SBINDIR POLICYDIR MANDIR DOCDIR BPFTRACEDIR GRAFANADIR \
	COMPLETIONDIR

install: deps
	$(Q)$(MAKE) user
	$(Q)$(MAKE) install-files

# What make install copies (and, without DESTDIR, registers with DKMS), from a built tree:
# no deps, no build. debian/rules installs the packages' files with it (DESTDIR=debian/tmp).
install-files:
	$(Q)VERSION=$(VERSION) P2PMAP_POLICIES="$(P2PMAP_POLICIES)" DKMS_SRC=/usr/src/p2pmap-$(VERSION) $(TOP)/scripts/install.sh install

# The Debian packages (debian/), built by dpkg-buildpackage in a copy of the checkout's files
# (tracked and untracked, not ignored), so that its 'debian/rules clean' never touches this
# tree's build. The .debs land in build/deb/.
deb: deps
	$(Q)kdir=$${KDIR:-$$($(TOP)/scripts/build-kernel.sh)} && KDIR="$$kdir" $(TOP)/scripts/deb.sh

uninstall:
	$(Q)VERSION=$(VERSION) P2PMAP_POLICIES="$(P2PMAP_POLICIES)" DKMS_SRC=/usr/src/p2pmap-$(VERSION) $(TOP)/scripts/install.sh uninstall

clean:
	$(Q)rm -rf $(BUILD)
	$(Q)$(MAKE) -C bpf clean >/dev/null
	$(Q)rm -f $(MODULE_OUTPUTS)

# What Kbuild leaves in the module directories (tests/host/kernel/t_kbuild.sh asks for it).
module-outputs:
	@echo '$(MODULE_OUTPUTS)'
