#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's initramfs: a static busybox, the modules needed to mount
# the host root over 9p under an overlay, and tests/vm/initramfs-init.
#   mkinitramfs.sh KVER OUTPUT [ROOT]
# ROOT: where that kernel's /lib/modules is (a tree unpacked by
# scripts/fetch-kernel.sh), / by default. Compressed modules are stored
# decompressed: busybox insmod loads plain ELF only.
set -euo pipefail
kver=$1
out=$2
mroot=${3:-/}
top=$(cd "$(dirname "$0")/../.." && pwd)

[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' || {
	echo "mkinitramfs: /bin/busybox must be the static one (busybox-static)" >&2
	exit 2
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,mods}
cp /bin/busybox "$root/bin/busybox"
cp "$top/tests/vm/initramfs-init" "$root/init"
chmod +x "$root/init"

# Modules in dependency order (modprobe resolves them), loaded by /init.
: >"$root/mods/order"
for m in 9pnet_virtio 9p virtio_pci overlay; do
	modprobe -d "$mroot" -S "$kver" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	plain=$(basename "$ko")
	plain=${plain%.xz}
	plain=${plain%.zst}
	case $ko in
	*.xz) xz -dc "$ko" >"$root/mods/$plain" ;;
	*.zst) zstd -qdc "$ko" >"$root/mods/$plain" ;;
	*) cp "$ko" "$root/mods/$plain" ;;
	esac
	echo "$plain" >>"$root/mods/order"
done

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
