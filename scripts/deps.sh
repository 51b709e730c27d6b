#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what mfpscan needs to build, test, benchmark and demo: Debian
# packages with apt-get, the few npm servers under tests/node_modules, and the
# kernel tree files (kselftest harness, checkpatch) taken from linux-source.
# Idempotent and quiet when everything is present, so every make target that
# needs something may call it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

debs=(
	build-essential pkg-config kmod cpio xz-utils
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static
	libsystemd-dev libudev-dev libcurl4-openssl-dev libssl-dev
	libjpeg-dev libpng-dev libtiff-dev libhpdf-dev zlib1g-dev
	libjson-c-dev libinih-dev libcmocka-dev libusb-1.0-0-dev
	libusbredirparser-dev
	dkms qpdf dbus systemd apache2 openssh-server openssh-client
	python3-aiosmtpd python3-dbus python3-gi sane-utils curl valgrind udev nginx libxml2-dev
	file iproute2 util-linux procps bsdutils e2fsprogs
	samba smbclient libsmbclient-dev
	libgtk-4-dev libdbus-1-dev libx11-dev gettext
	xvfb dunst at-spi2-core gir1.2-atspi-2.0 python3-pyatspi
	appstream desktop-file-utils man-db fonts-dejavu-core
	poppler-utils libtesseract-dev tesseract-ocr-eng
	dwarves
)

missing=()
for p in "${debs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	# Keep apt from starting the servers we install: tests start their own.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

# Kernel-tree files that no -dev package ships: extracted once.
ksrc="$top/build/linux-src"
if [ ! -f "$ksrc/.done" ]; then
	mkdir -p "$ksrc"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$ksrc" --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/.clang-format
	touch "$ksrc/.done"
fi

# The second kernel the module is built and tested for (make check-kernel,
# KVERS), unpacked into build/kernels/ rather than installed: the system's
# default kernel stays Debian's 6.1.
bash "$top/scripts/fetch-kernel.sh" 6.12 >/dev/null

# npm servers used by the storage tests (the machine's Node.js, or Debian's).
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
# The marker holds the hash of package.json and its lock, so a changed list
# of packages is installed on an existing checkout too.
npm_want=$(cat "$top/tests/servers/package.json" "$top/tests/servers/package-lock.json" |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$top/tests/servers/node_modules/.done" 2>/dev/null)" != "$npm_want" ]; then
	(cd "$top/tests/servers" && npm install --silent --no-audit --no-fund >/dev/null)
	echo "$npm_want" >"$top/tests/servers/node_modules/.done"
fi
