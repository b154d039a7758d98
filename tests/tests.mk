# The test programs, included by the top Makefile (with KDIR set). Each lab program is
# build/tests/NAME from tests/guest/NAME.c, linked with tests/lib/lib.c; NAME_CFLAGS,
# NAME_SRCS, NAME_LIBS and NAME_DEPS add what one needs. One pattern rule builds them all.

# The lab's programs (kselftest's TEST_GEN_PROGS).
TEST_PROGS := t_map t_contract t_stats t_matrix t_fuzz t_stress t_faults t_dma_mask t_bounce t_override \
	      t_safety t_policy t_attach_caps t_shadow t_slice t_movable
# The tests' own policies (tests/bpf), built with bpf/Makefile's rules.
TEST_BPF := force_p2p garbage bad_write_ctx bad_oob bad_license bad_sleepable bad_flags \
	    bad_name no_decide init_fail pure_sized bad_holds holds_copy
# The sample driver's ioctl, which the lab's programs use (through tests/lib/lib.h).
EDU_UAPI := samples/p2pmap_edu/p2pmap_edu.h

TEST_LIB := tests/lib/lib.c tests/lib/lib.h include/uapi/p2pmap.h $(EDU_UAPI) \
	    tests/kmod/p2pmap_test.h
# Loading policies: the libbpf helpers of tests/lib/policy.c, p2ppolicy's flag editor and
# its rules writer.
POLICY_SRCS := tests/lib/policy.c user/p2ppolicy/policy_ops.c user/p2ppolicy/rules_write.c
POLICY_DEPS := $(POLICY_SRCS) tests/lib/policy.h user/p2ppolicy/policy_ops.h \
	       user/p2ppolicy/rules_write.h bpf/rules.h

# Programs that attach policies: the shipped skeletons (bpf) or the tests' own (test-bpf).
t_policy_CFLAGS := -Ibpf -I$(BUILD)/tests/bpf
t_policy_LIBS := -lbpf
t_policy_SRCS := $(POLICY_SRCS)
t_policy_DEPS := $(POLICY_DEPS) test-bpf
t_attach_caps_CFLAGS := -Ibpf -I$(BUILD)/tests/bpf
t_attach_caps_LIBS := -lbpf
t_attach_caps_DEPS := test-bpf
t_shadow_CFLAGS := -Ibpf -I$(BUILD)/tests/bpf
t_shadow_SRCS := $(POLICY_SRCS)
t_shadow_LIBS := -lbpf
t_shadow_DEPS := $(POLICY_DEPS) test-bpf
t_override_CFLAGS := -Ibpf
t_override_LIBS := -lbpf
t_override_DEPS := bpf
t_stress_CFLAGS := -Ibpf
t_stress_SRCS := $(POLICY_SRCS)
t_stress_LIBS := -lbpf -lpthread
t_stress_DEPS := $(POLICY_DEPS) bpf

# The benchmarks (make bench) and the lab demo's program (make demo): the same rule over
# their own directories.
BENCH_CFLAGS := -Wno-format-truncation -Itests/kmod -Ibpf
bench_CFLAGS := $(BENCH_CFLAGS)
bench_SRCS := $(POLICY_SRCS)
bench_LIBS := -lbpf -lpthread
bench_DEPS := $(POLICY_DEPS) bpf
bench-decide_CFLAGS := $(BENCH_CFLAGS)
bench-decide_SRCS := $(POLICY_SRCS)
bench-decide_LIBS := -lbpf
bench-decide_DEPS := $(POLICY_DEPS) bpf

define test-cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HOSTCC) $(TEST_CFLAGS) $($(@F)_CFLAGS) -o $@ $< tests/lib/lib.c $($(@F)_SRCS) $($(@F)_LIBS)
endef

.SECONDEXPANSION:
$(BUILD)/tests/%: tests/guest/%.c $(TEST_LIB) $$($$*_DEPS)
	$(test-cc)
$(BUILD)/tests/demo: tests/demo/demo.c $(TEST_LIB)
	$(test-cc)
$(BUILD)/tests/bench: tests/bench/bench.c $(TEST_LIB) $(bench_DEPS)
	$(test-cc)
$(BUILD)/tests/bench-decide: tests/bench/decide.c $(TEST_LIB) $(bench-decide_DEPS)
	$(test-cc)

# Host unit tests of p2ppolicy (cmocka): the parts without libbpf, udev or systemd.
UNIT_CORE := util pci rule config fmt fmt_shadow fmt_override kmod metrics
$(BUILD)/tests/unit/t_p2ppolicy: tests/unit/t_p2ppolicy.c user
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HOSTCC) $(TEST_CFLAGS) -Wno-missing-field-initializers -Wno-format-truncation \
	  -Iuser/p2ppolicy -Ibpf $$(pkg-config --cflags json-c) \
	  -DP2PPOLICY_EXAMPLE_CONF='"$(TOP)/user/etc/p2ppolicy.conf"' -o $@ $< \
	  $(UNIT_CORE:%=$(BUILD)/user/%.o) $$(pkg-config --libs inih json-c cmocka)

tests-build: $(TEST_PROGS:%=$(BUILD)/tests/%) $(BUILD)/tests/demo $(BUILD)/tests/unit/t_p2ppolicy
