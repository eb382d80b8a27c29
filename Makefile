# Pecan: build the kernel and user programs, run them in QEMU, test, measure.
#   make          build everything
#   make run      boot the interactive system (serial console on stdio)
#   make test     host unit tests + the in-system suite (ONLY=group[.name] to narrow)
#   make soak     a thousand rounds against the operating system: nothing may leak
#   make fuzz     the hostile fuzzer alone (FUZZ_CALLS=N FUZZ_SEED=S FUZZ_OPS=M)
#   make bench    benchmarks under QEMU TCG with -icount shift=0, Pecan and
#                 Linux side by side (LINUX_KERNEL=vmlinuz to pick the kernel)
#                 (CACHE_VERBOSE=1: list the cache lines of the IPC round trips)
#   make size     the kernel's run-time, boot and debugger text in bytes
#   make hotcode  the kernel functions the benchmarks run: the instructions
#                 each executed, its bytes that ran, and those compiled for
#                 size (KSMALL, COLD) that ran much
#   make ipc-trace  one IPC round trip of the benchmark, instruction counts per
#                 function (TRACE="--general --words 8" for others; --unix:
#                 unix_getpid's round trip; --pagefault: pagefault_user_pager)
#   make cache-lines  the cache lines and pages of one IPC round trip, listed
#                 (a QEMU plugin of ours, tools/cacheplugin/lines.c)
#   make deps     install missing Debian packages (bench-deps: also make bench's)

BUILD      ?= build
CC         := gcc
LD         := ld
OBJCOPY    := objcopy
QEMU       ?= qemu-system-x86_64
QEMU_ACCEL ?= tcg
QEMU_MEM   ?= 256M
PYTHON     ?= python3
Q          := $(if $(V),,@)

WARN   := -Wall -Wextra -Werror
COMMON := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
          -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -mno-red-zone \
          -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Icommon/include

# The kernel's code unpadded: alignment of functions, jumps and loops made
# 8% of its run-time text (docs/performance.md, "Kernel size"); the IPC
# fast paths align themselves where a cache line matters.
KALIGN  := -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1
KCFLAGS := $(COMMON) $(KALIGN) $(WARN) -mcmodel=kernel -mgeneral-regs-only \
           -Ikernel/include -Ikernel/arch/x86_64/include
UCFLAGS := $(COMMON) $(WARN) -Iuser/include -Iuser/lib/c/include -Iuser/os/include -mgeneral-regs-only
HCFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
           -Ikernel/include -Ikernel/arch/x86_64/include -Icommon/include -Itests/host

.DEFAULT_GOAL := all

# ---- kernel ----------------------------------------------------------------
# (Every object depends on this Makefile too: its flags change what is built.)
KSRC := $(wildcard kernel/core/*.c kernel/arch/x86_64/*.c kernel/arch/x86_64/*.S) common/format.c
KOBJ := $(patsubst %,$(BUILD)/%.o,$(KSRC))
KERNEL_ELF := $(BUILD)/kernel/pecan.elf
KERNEL_IMG := $(BUILD)/kernel/pecan.elf32

# Kernel files no benchmark's measured loop runs (docs/performance.md,
# "Kernel size": found by counting what each benchmark executes): set-up
# and rare system calls, printing, emulation. Compiled for size.
KSMALL := kernel/core/tcontrol.c kernel/core/exreg.c \
          kernel/core/print.c kernel/core/panic.c kernel/core/kip.c common/format.c \
          kernel/arch/x86_64/segload.c \
          kernel/arch/x86_64/pic.c kernel/arch/x86_64/uart.c
$(patsubst %,$(BUILD)/%.o,$(KSMALL)): KCFLAGS += -Os

$(BUILD)/kernel/%.c.o: kernel/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -c $< -o $@
$(BUILD)/kernel/%.S.o: kernel/%.S Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -D__ASSEMBLER__ -MMD -c $< -o $@
$(BUILD)/common/format.c.o: common/format.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -c $< -o $@

# Boot code and data go to the kernel pool after boot: no other section
# may refer to them (kernel/include/section.h).
$(KERNEL_ELF): $(KOBJ) kernel/arch/x86_64/kernel.ld tools/kernel_sections.py
	@echo "  LD      $@"
	$(Q)$(PYTHON) tools/kernel_sections.py check $(KOBJ)
	$(Q)$(LD) -n -nostdlib -z noexecstack --no-warn-rwx-segments -z max-page-size=4096 -T kernel/arch/x86_64/kernel.ld -o $@ $(KOBJ)

# QEMU's multiboot loader takes 32-bit ELF only; segments keep their
# physical load addresses, the entry point is in the low boot section.
$(KERNEL_IMG): $(KERNEL_ELF)
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

# ---- user programs ---------------------------------------------------------
ULIB_SRC := $(wildcard user/lib/l4/*.c user/lib/l4/*.S user/lib/c/*.c user/lib/c/*.S)
ULIB_OBJ := $(patsubst %,$(BUILD)/%.o,$(ULIB_SRC)) $(BUILD)/user/format.c.o

$(BUILD)/user/%.c.o: user/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -MMD -c $< -o $@
$(BUILD)/user/%.S.o: user/%.S Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -D__ASSEMBLER__ -MMD -c $< -o $@
$(BUILD)/user/format.c.o: common/format.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -MMD -c $< -o $@

# program name -> link address (X.2 root servers: spec 12.2)
ADDR_sigma0 := 0x00F00000
ADDR_root   := 0x01000000
ADDR_tests  := 0x01000000
ADDR_bench  := 0x01000000
PROGRAMS    := sigma0 root tests bench
# sources a program takes from elsewhere
EXTRA_bench := user/tests/tsupport.c

define user_program
$(BUILD)/user/$(1).elf: $$(patsubst %,$(BUILD)/%.o,$$(wildcard user/$(1)/*.c user/$(1)/*.S) $$(EXTRA_$(1))) $$(ULIB_OBJ) user/user.ld
	@echo "  LD      $$@"
	$(Q)$$(LD) -nostdlib -z noexecstack --no-warn-rwx-segments -static -z max-page-size=4096 --defsym=LOAD_ADDR=$(ADDR_$(1)) \
	    -T user/user.ld -o $$@ $$(filter %.o,$$^)
endef
$(foreach p,$(PROGRAMS),$(eval $(call user_program,$(p))))

# ---- the operating system (user/os): its root server and its programs --------
# Programs of the OS are loaded by the root server into their own spaces,
# all linked at 0x400000 (the argument page is just below, os/proto.h).
LIBOS_MSG := $(BUILD)/user/os/lib/msg.c.o
LIBOS     := $(patsubst %,$(BUILD)/%.o,$(wildcard user/os/lib/*.c))
OS_APPS   := $(patsubst user/os/apps/%.c,%,$(wildcard user/os/apps/*.c))
OS_SERVERS := console shell pipe
OS_PROGRAMS := $(OS_APPS) $(OS_SERVERS)

# the root server carries the test suite and the benchmarks (shell: test, bench)
OS_ROOT_SRC := $(wildcard user/os/root/*.c) $(filter-out user/tests/main.c,$(wildcard user/tests/*.c)) \
               $(filter-out user/bench/main.c,$(wildcard user/bench/*.c))
$(BUILD)/user/os.elf: $(patsubst %,$(BUILD)/%.o,$(OS_ROOT_SRC)) $(LIBOS_MSG) $(ULIB_OBJ) user/user.ld
	@echo "  LD      $@"
	$(Q)$(LD) -nostdlib -z noexecstack --no-warn-rwx-segments -static -z max-page-size=4096 \
	    --defsym=LOAD_ADDR=0x01000000 -T user/user.ld -o $@ $(filter %.o,$^)

define os_program
$(BUILD)/user/os/$(1).elf: $$(patsubst %,$(BUILD)/%.o,$(2)) $$(LIBOS) $$(ULIB_OBJ) user/user.ld
	@echo "  LD      $$@"
	$(Q)$$(LD) -nostdlib -z noexecstack --no-warn-rwx-segments -static -z max-page-size=4096 \
	    --defsym=LOAD_ADDR=0x400000 -T user/user.ld -o $$@ $$(filter %.o,$$^)
endef
$(foreach p,$(OS_APPS),$(eval $(call os_program,$(p),user/os/apps/$(p).c)))
$(foreach p,$(OS_SERVERS),$(eval $(call os_program,$(p),$(wildcard user/os/$(p)/*.c))))

# ---- the Unix server (user/unix, docs/unix.md) ------------------------------
# An OS server like the others, built against the Linux uapi headers of
# Debian's linux-libc-dev (for the ABI's numbers and layouts only), with
# its file-system image linked in: a cpio archive of busybox and
# user/unix/rootfs, made by tools/mkrootfs.py.
UNIX_CFLAGS := $(UCFLAGS) $(UNIX_DEBUG) -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include
UNIX_IMAGE  := $(BUILD)/unix/rootfs.cpio
BUSYBOX     ?= /bin/busybox
$(BUILD)/user/unix/%.c.o: user/unix/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UNIX_CFLAGS) -MMD -c $< -o $@
$(BUILD)/user/unix/image.S.o: user/unix/image.S $(UNIX_IMAGE)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(UCFLAGS) -D__ASSEMBLER__ -DIMAGE='"$(UNIX_IMAGE)"' -c $< -o $@
# The differential tests (tests/linux, docs/testing.md): each program built
# with musl (/test/NAME in the image, ET_EXEC) and with glibc as a static PIE
# (/test/NAME.glibc, ET_DYN: the loader's other case);
# make test runs the same binaries on this machine and on Pecan and
# compares their output (tools/session.py, group unix).
LT_NAMES   := $(sort $(basename $(notdir $(filter-out tests/linux/lt.c,$(wildcard tests/linux/*.c)))))
LT_ROOT    := $(BUILD)/unix/tests
LT_BINS    := $(LT_NAMES:%=$(LT_ROOT)/test/%) $(LT_NAMES:%=$(LT_ROOT)/test/%.glibc)
LT_CFLAGS  := -s -O2 -Wall -Wextra -Werror
MUSL_CC    ?= musl-gcc
GLIBC_CC   ?= gcc
$(LT_ROOT)/test/%.glibc: tests/linux/%.c tests/linux/lt.c tests/linux/lt.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (glibc)"
	$(Q)$(GLIBC_CC) -static-pie $(LT_CFLAGS) -o $@ $< tests/linux/lt.c
$(LT_ROOT)/test/%: tests/linux/%.c tests/linux/lt.c tests/linux/lt.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (musl)"
	$(Q)$(MUSL_CC) -static $(LT_CFLAGS) -o $@ $< tests/linux/lt.c
linux-tests: $(LT_BINS)
# lxbench (tools/linux-bench/lxbench.c, issue 14): make bench runs the same
# static binary on Linux and on the Unix server, /bench/lxbench in both.
LXBENCH_ROOT := $(BUILD)/unix/lxbench
LXBENCH_BINS := $(LXBENCH_ROOT)/bench/lxbench $(LXBENCH_ROOT)/bench/lxtiny
$(LXBENCH_ROOT)/bench/%: tools/linux-bench/%.c tools/linux-bench/measure.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (musl)"
	$(Q)$(MUSL_CC) -static $(LT_CFLAGS) -o $@ $<
$(UNIX_IMAGE): tools/mkrootfs.py tools/cpio.py $(shell find user/unix/rootfs) $(BUSYBOX) $(LT_BINS) \
               $(LXBENCH_BINS)
	@mkdir -p $(dir $@)
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) tools/mkrootfs.py $@ --busybox $(BUSYBOX) user/unix/rootfs $(LT_ROOT) $(LXBENCH_ROOT)
# (a plain `make` on a machine without it installs Debian's busybox-static)
$(BUSYBOX):
	@tools/deps.sh
$(eval $(call os_program,unix,$(wildcard user/unix/*.c user/unix/*.S)))
OS_PROGRAMS += unix

OS_ELFS := $(BUILD)/user/os.elf $(patsubst %,$(BUILD)/user/os/%.elf,$(OS_PROGRAMS))
# what `make run` boots: sigma0, the root server, then its programs
comma := ,
space := $(subst ,, )
OS_MODULES := $(subst $(space),$(comma),$(BUILD)/user/sigma0.elf $(BUILD)/user/os.elf \
                $(patsubst %,$(BUILD)/user/os/%.elf,$(OS_PROGRAMS)))

USER_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(PROGRAMS)) $(OS_ELFS)

# ---- host unit tests -------------------------------------------------------
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))
HOST_LIB   := kernel/core/range.c kernel/core/frame.c kernel/core/elf.c \
              kernel/core/multiboot.c common/format.c

# code only one test links (it provides the hooks that code needs)
HOST_EXTRA_test_mdb := kernel/core/mdb.c
HOST_EXTRA_test_segload := kernel/arch/x86_64/segload.c
# the ABI formats, and libl4's view of them
HOST_FLAGS_test_abi := -Iuser/include
# every macro libl4's public headers define, less the compiler's and the C
# headers' they include (test_l4names: only L4 names)
L4_HEADERS := $(sort $(wildcard user/include/l4/*.h))
$(BUILD)/host/l4_macros.h: $(L4_HEADERS) $(wildcard common/include/pecan/*.h)
	@mkdir -p $(dir $@)
	$(Q)printf '#include <l4/%s>\n' $(notdir $(L4_HEADERS)) | \
	    $(CC) -E -dM -Iuser/include -Icommon/include - | sort > $@.all
	$(Q)printf '#include <stdint.h>\n#include <stddef.h>\n' | $(CC) -E -dM - | sort > $@.compiler
	$(Q)comm -23 $@.all $@.compiler | awk '{ n = $$2; sub(/\(.*/, "", n); print "\"" n "\"," }' > $@
HOST_DEPS_test_l4names := $(BUILD)/host/l4_macros.h
HOST_FLAGS_test_l4names := -I$(BUILD)/host
# the user C library and libos's malloc, under other names than the host's
HOST_EXTRA_test_libc := user/lib/c/strtol.c user/lib/c/qsort.c user/os/lib/malloc.c
HOST_FLAGS_test_libc := -Iuser/include -Iuser/os/include -Dstrtol=libc_strtol \
    -Dstrtoul=libc_strtoul -Dqsort=libc_qsort -Dmalloc=os_malloc -Dfree=os_free \
    -Dcalloc=os_calloc -Drealloc=os_realloc

.SECONDEXPANSION:
$(BUILD)/host/%: tests/host/%.c tests/host/check.h $(HOST_LIB) $$(HOST_EXTRA_$$*) $$(HOST_DEPS_$$*)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(HCFLAGS) $(HOST_FLAGS_$*) -DHOST_TEST -o $@ $< $(HOST_LIB) $(HOST_EXTRA_$*)
	@mkdir -p $(BUILD)/host/deps
	$(Q)$(CC) $(HCFLAGS) $(HOST_FLAGS_$*) -DHOST_TEST -MM -MT $@ $< > $(BUILD)/host/deps/$*.d

# ---- top-level targets -----------------------------------------------------
.PHONY: all kernel user host-tests linux-tests run test soak readme fuzz bench size hotcode ipc-trace \
        cache-lines deps bench-deps clean
all: $(KERNEL_IMG) $(USER_ELFS)
kernel: $(KERNEL_IMG)
user: $(USER_ELFS)
host-tests: $(HOST_TESTS)

QEMU_BASE = $(QEMU) -machine pc -cpu max -m $(QEMU_MEM) -display none -no-reboot \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel $(KERNEL_IMG)

deps:
	@tools/deps.sh

# QEMU_EXTRA="-s -S" waits for gdb on port 1234 (see README.md).
# `make run`: the operating system, with the interactive kernel debugger
# (the shell's kdb command) and a second serial port for the irq tests.
KERNEL_ARGS ?= kdb
run: deps all
	$(QEMU_BASE) -accel $(QEMU_ACCEL) -serial mon:stdio -serial null $(QEMU_EXTRA) \
	    -append "$(KERNEL_ARGS)" -initrd "$(OS_MODULES)"

HARNESS = $(PYTHON) tools/harness.py --build $(BUILD) --accel $(QEMU_ACCEL) --mem $(QEMU_MEM) \
          --os-modules "$(OS_MODULES)"
test: deps all host-tests
	$(HARNESS) $(if $(ONLY),--only $(ONLY))

# a thousand rounds of programs, pipelines, Ctrl-C and killed servers
# (make test runs a hundred): nothing may leak
SOAK_ROUNDS ?= 1000
soak: deps all
	$(HARNESS) --soak $(SOAK_ROUNDS)

# README.md's session transcript from a real run (make test checks it)
readme: deps all
	$(HARNESS) --update-readme

# The hostile fuzzer alone (docs/testing.md): make fuzz FUZZ_CALLS=N FUZZ_SEED=S,
# FUZZ_OPS=M to choose the operation classes (user/tests/hostile.h),
# FUZZ_KERNEL=nofastpath for kernel options.
FUZZ_VARS := $(foreach v,FUZZ_CALLS FUZZ_SEED FUZZ_OPS FUZZ_TRACE FUZZ_KERNEL,$(if $($(v)),$(v)="$($(v))"))
fuzz: deps all
	$(FUZZ_VARS) $(PYTHON) tools/harness.py --build $(BUILD) --accel $(QEMU_ACCEL) \
	    --mem $(QEMU_MEM) --fuzz

# ---- Linux side of the benchmarks ------------------------------------------
# /init of the initramfs make bench boots Debian's stock kernel with: a static
# program of ours (tools/linux-bench/init.c), packed by a small newc writer
# (tools/cpio.py).
LINUX_INIT      := $(BUILD)/bench/linux-init
LINUX_INITRAMFS := $(BUILD)/bench/linux-initramfs.cpio.gz
LINUX_KERNEL    ?=

$(LINUX_INIT): tools/linux-bench/init.c tools/linux-bench/measure.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror -o $@ $<
# with lxbench, the identical binaries the Unix server's image holds, and
# busybox for its `sh -c true`
$(LINUX_INITRAMFS): $(LINUX_INIT) $(LXBENCH_BINS) tools/linux-bench/mkinitramfs.py tools/cpio.py
	@echo "  CPIO    $@"
	$(Q)$(PYTHON) tools/linux-bench/mkinitramfs.py $@ $(LINUX_INIT) bin/busybox=$(BUSYBOX) \
	    $(foreach b,$(LXBENCH_BINS),bench/$(notdir $(b))=$(b))

# make bench also needs a Linux kernel image and matplotlib; installed here,
# not by make deps, so make test never waits for them.
bench-deps:
	@tools/deps.sh bench $(BUILD)/linux-kernel

# The cache-line counter (docs/benchmarking.md): a QEMU TCG plugin, a
# host shared library that QEMU 7.2 loads with -plugin; it declares the
# plugin API itself (Debian ships no qemu-plugin.h). Not part of `all`:
# make test does not need it.
CACHE_PLUGIN := $(BUILD)/tools/cacheplugin/lines.so
$(CACHE_PLUGIN): tools/cacheplugin/lines.c tools/cacheplugin/qemu_plugin_api.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) -shared -fPIC -O2 -g $(WARN) -o $@ $<

# The block counter of make hotcode (tools/hotcode.py): which kernel
# functions the benchmarks run.
EXEC_PLUGIN := $(BUILD)/tools/cacheplugin/execcount.so
$(EXEC_PLUGIN): tools/cacheplugin/execcount.c tools/cacheplugin/qemu_plugin_api.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) -shared -fPIC -O2 -g $(WARN) -o $@ $<

hotcode: deps all $(EXEC_PLUGIN)
	$(PYTHON) tools/hotcode.py --build $(BUILD) --plugin $(EXEC_PLUGIN) --small "$(KSMALL)"

bench: bench-deps all $(LINUX_INITRAMFS) $(CACHE_PLUGIN)
	$(PYTHON) tools/bench.py --build $(BUILD) --mem $(QEMU_MEM) \
	    --linux-initramfs $(LINUX_INITRAMFS) $(if $(LINUX_KERNEL),--linux-kernel $(LINUX_KERNEL)) \
	    --cache-plugin $(CACHE_PLUGIN) $(if $(CACHE_VERBOSE),--cache-verbose)

# the kernel's text apart: run-time, boot (released after boot), debugger
size: $(KERNEL_ELF)
	@$(PYTHON) tools/kernel_sections.py size $(KERNEL_ELF)

ipc-trace: deps all
	$(PYTHON) tools/ipc_trace.py --build $(BUILD) $(TRACE)

cache-lines: deps all $(CACHE_PLUGIN)
	$(PYTHON) tools/cachelines.py --build $(BUILD) --mem $(QEMU_MEM) --plugin $(CACHE_PLUGIN) --verbose

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
