#!/usr/bin/env bash
# Installs what the guest scripts need on the host, idempotently (nothing when all is present):
#   qemu-system-x86 (the guest), debootstrap (its root fs), e2fsprogs (mkfs.ext4 -d), cpio
#   (initramfs), xz-utils, gcc + libc6-dev (the guest's tiny static init), python3 (agent client,
#   host-side test client), kmod (depmod -b / modprobe -d on the unpacked kernels, to list the
#   modules the initramfs needs; nothing is loaded on the host), gcc-12 + make (the test livepatch
#   modules, built against Debian's headers by build-livepatch.sh; never loaded on the host).
#   Never runs kexec on the host.
set -euo pipefail
need=()
for tool in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap mkfs.ext4:e2fsprogs \
            cpio:cpio xz:xz-utils gcc:gcc python3:python3 flock:util-linux depmod:kmod \
            gcc-12:gcc-12 make:make; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-host-deps: installing ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
