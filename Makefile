# SPDX-License-Identifier: GPL-2.0
#
# mfpscan top-level Makefile: the kernel module (Kbuild, against KDIR), the
# userspace (usr/Makefile), the tests, benchmarks, demo and install.
#
#   make            module + userspace
#   make check      every test suite (installs what it needs)
#   make demo       the appliance in a VM, narrated main job
#   make bench      benchmarks (ratios against baselines, printed)

# The default kernel is Debian 12's 6.1 (linux-image-amd64) even when newer
# headers are installed; KVER=/KDIR= build for another one in-tree.
# KVERS lists the kernels that check-kernel boots (series or releases): the
# ones not installed are unpacked into build/kernels/ (scripts/kernel.sh).
ifeq ($(origin KVER),undefined)
KVER := $(shell bash scripts/kernel.sh default kver 2>/dev/null || uname -r)
endif
KDIR ?= /lib/modules/$(KVER)/build
KVERS ?= 6.1 6.12
PREFIX ?= /usr
DESTDIR ?=
CHECKPATCH := build/linux-src/scripts/checkpatch.pl
# checkpatch exceptions, with reasons:
#  FILE_PATH_CHANGES: out-of-tree, no MAINTAINERS file to update
CHECKPATCH_IGNORE := FILE_PATH_CHANGES
KERNEL_SOURCES = $(filter-out %.mod.c,$(wildcard kernel/*.c)) $(wildcard kernel/*.h)

.PHONY: testpages all modules usr deps clean check check-unit check-asan check-kernel \
	check-integration check-adversarial check-e2e check-poweroff check-udev check-usb check-systemd check-gui lint bench \
	bench-kernel bench-usb demo install modules-all check-dkms

all: modules usr

deps:
	@bash scripts/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# W=1 builds for every kernel of KVERS, each in build/modules/<kver>/
modules-all: deps
	@for k in $(KVERS); do bash scripts/build-module.sh $$k W=1 || exit 1; done

usr:
	$(MAKE) -C usr

# The test pages (tests/pages/*.page), rendered with Debian's poppler.
TESTPAGES := $(patsubst tests/pages/%.page,build/testpages/%.png,$(wildcard tests/pages/*.page))
testpages: $(TESTPAGES)
build/testpages/%.png: tests/pages/%.page tests/pages/make-pages.sh | usr
	nice bash tests/pages/make-pages.sh $* build/testpages

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C usr clean
	rm -rf build/vm build/asan

lint: deps
	perl $(CHECKPATCH) --strict --no-tree --ignore $(CHECKPATCH_IGNORE) \
		-f $(KERNEL_SOURCES) include/uapi/linux/mfpscan.h

check-unit: deps testpages
	$(MAKE) -C usr check-unit

check-asan: deps testpages
	$(MAKE) -C usr check-unit SANITIZE=1

check-kernel: deps check-dkms testpages
	KVERS="$(KVERS)" bash tests/vm/run-kselftest.sh

# dkms.conf builds on every kernel of KVERS (private DKMS trees in build/dkms)
check-dkms: deps
	bash scripts/dkms-build.sh $(KVERS)

check-integration: deps usr testpages
	bash tests/integration/run-all.sh

# The adversarial suite (tests/adversarial/): the D-Bus fuzzer and hostile
# servers against the real daemon; the fuzzer is built here, beside it.
ADV_FUZZ := build/adversarial/dbus_fuzz
$(ADV_FUZZ): tests/adversarial/dbus_fuzz.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
		-Wformat=2 -o $@ $< $(shell pkg-config --cflags --libs libsystemd)

check-adversarial: deps usr $(ADV_FUZZ)
	bash tests/adversarial/run-all.sh

check-e2e: deps modules usr
	bash tests/vm/run-e2e.sh
	bash tests/vm/run-poweroff.sh
	bash tests/vm/demo.sh

# The session apps used as a person would (tests/gui/test_gui.sh): Xvfb,
# dunst, AT-SPI, the real daemon; screenshots in build/screenshots/.
build/gui/xshot: tests/gui/xshot.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $< \
		$$(pkg-config --cflags --libs x11 libpng)

check-gui: deps usr build/gui/xshot
	bash tests/gui/test_gui.sh

# The power-cut acceptance in full: 20 cuts per format (check-e2e runs 2).
check-poweroff: deps modules usr
	bash tests/vm/run-poweroff.sh 40

check-udev: deps modules usr
	bash tests/vm/run-udev.sh

# Every group on both beds on 6.1; on 6.12 the driver's own groups on the
# xHCI bed (DMA through the IOMMU): 168 s more, where both beds took 292 s
# (Documentation/testing.rst, "The USB test beds").
check-usb: deps modules usr testpages
	bash tests/vm/run-usb.sh
	KVERS=6.12 bash tests/vm/run-usb.sh --bed xhci kernel control hostile
	bash tests/vm/run-usb-sleep.sh

# The installed unit, bus files, udev rules, sysusers and tmpfiles files in
# a guest booting systemd as PID 1: local, WebDAV and SFTP scans under the
# unit, the daemon's credentials, systemd-analyze security <= 2.0.
check-systemd: deps modules usr
	bash tests/vm/run-systemd.sh

check: deps
	$(MAKE) lint
	$(MAKE) check-unit
	$(MAKE) check-asan
	$(MAKE) check-kernel
	$(MAKE) check-integration
	$(MAKE) check-adversarial
	$(MAKE) check-gui
	$(MAKE) check-e2e
	$(MAKE) check-udev
	$(MAKE) check-usb
	$(MAKE) check-systemd

bench-kernel: deps modules
	bash tests/vm/run-bench-kernel.sh

bench-usb: deps modules usr
	bash tests/vm/run-usb.sh --bed xhci bench

bench: deps all testpages
	$(MAKE) bench-kernel
	$(MAKE) bench-usb
	bash tests/bench/run-bench.sh
	bash tests/bench/bench-resume.sh
	bash tests/bench/bench-bus-latency.sh

demo: deps all
	bash tests/vm/demo.sh

install: all
	$(MAKE) -C usr install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	bash scripts/install.sh "$(DESTDIR)" "$(PREFIX)"
