#!/usr/bin/env bash
# Builds the guest's small initramfs for one kernel release and prints its path (an uncompressed
# newc cpio, ~3 MB): busybox-static from Debian, initramfs/init, and only the modules that reach
# the root disk (virtio_pci, virtio_blk, ext4, crc32c and what they depend on, in load order).
#
#   integration/guest/build-initramfs.sh RELEASE
#
# Cached as $MOLT_CACHE/guest/initramfs/RELEASE-<hash>.cpio, the hash over the kernel package, the
# busybox package, the module list and initramfs/init; rebuilt only when one of those changes.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

RELEASE=${1:?usage: build-initramfs.sh RELEASE}
ROOT_MODULES=(virtio_pci virtio_blk ext4 crc32c_generic)
# Pulled in by ext4's softdep but useless here: QEMU's default CPU has no SSE4.2, so it fails to
# load (crc32c_generic serves instead).
SKIP_MODULES=(crc32c-intel)

# Debian's busybox-static (one static binary), unpacked once under the cache.
busybox_tree() {
  local dir="$GCACHE/debs" deb tree
  mkdir -p "$dir"
  deb=$(ls "$dir"/busybox-static_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    apt_resolves busybox-static || apt-get update -qq >&2
    local tmp; tmp=$(mktemp -d "$dir/.dl.XXXXXX")
    (cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq busybox-static >&2)
    mv "$tmp"/*.deb "$dir/" && rmdir "$tmp"
    deb=$(ls "$dir"/busybox-static_*.deb | head -1)
  fi
  tree="$dir/${deb##*/}.d"
  if [ ! -x "$tree/bin/busybox" ]; then
    rm -rf "$tree.tmp" && dpkg -x "$deb" "$tree.tmp" && mv "$tree.tmp" "$tree"
  fi
  echo "$tree"
}

build() {
  local ktree bbtree key out stage t0
  ktree=$("$GUEST_DIR/fetch-kernels.sh" "$RELEASE")
  bbtree=$(with_lock busybox busybox_tree)
  key=$(inputs_hash "$RELEASE" "$(cat "$ktree/.molt-packages" 2>/dev/null || stat -c %Y "$ktree/boot/vmlinuz-$RELEASE")" \
        "${bbtree##*/}" "${ROOT_MODULES[*]}" "${SKIP_MODULES[*]}" "$GUEST_DIR/initramfs/init" "$0")
  out="$GCACHE/initramfs/$RELEASE-$key.cpio"
  if [ -s "$out" ]; then echo "$out"; return; fi
  t0=$(now)
  mkdir -p "$GCACHE/initramfs"
  stage=$(mktemp -d "$GCACHE/initramfs/.stage.XXXXXX")
  # Resolve dependencies on a hard-linked copy of the modules with its own modules.dep: the
  # kernel tree stays as unpacked (the kexec driver's scripts share it).
  mkdir -p "$stage/depmod/lib/modules"
  cp -al "$ktree/lib/modules/$RELEASE" "$stage/depmod/lib/modules/"
  depmod -b "$stage/depmod" "$RELEASE"
  mkdir -p "$stage/root"/{bin,dev,proc,sys,newroot,lib/modules}
  local wanted=() m
  for m in "${ROOT_MODULES[@]}"; do   # crc32c_generic is gone in 7.x (ext4 pulls crc32c-cryptoapi)
    grep -qE "/${m//_/[_-]}\.ko(\.xz|\.zst)?:" "$stage/depmod/lib/modules/$RELEASE/modules.dep" && wanted+=("$m")
  done
  : > "$stage/root/modules.list"
  local line path rel unpack
  while read -r line; do
    case $line in
      insmod\ *) path=${line#insmod }; path=${path%% *} ;;
      builtin\ *) continue ;;
      *) die "unexpected modprobe output for $RELEASE: $line" ;;
    esac
    rel=${path#"$stage/depmod/lib/modules/$RELEASE/"}
    # 7.x ships modules compressed (.ko.xz): unpack them here, so busybox's insmod needs no xz
    # and the slow TCG guest does not decompress on the restore path.
    case $rel in
      *.ko.xz) unpack=(xz -dc); rel=${rel%.xz} ;;
      *.ko.zst) unpack=(zstd -qdc); rel=${rel%.zst} ;;
      *) unpack=(cat) ;;
    esac
    [[ " ${SKIP_MODULES[*]} " == *" $(basename "$rel" .ko) "* ]] && continue
    grep -qxF "$rel" "$stage/root/modules.list" && continue
    mkdir -p "$stage/root/lib/modules/$(dirname "$rel")"
    "${unpack[@]}" "$path" > "$stage/root/lib/modules/$rel"
    echo "$rel" >> "$stage/root/modules.list"
  done < <(modprobe -d "$stage/depmod" -S "$RELEASE" -a --show-depends "${wanted[@]}")
  cp "$bbtree/bin/busybox" "$stage/root/bin/busybox"
  local applet
  for applet in sh mount umount insmod switch_root sleep cat echo read; do
    ln -s busybox "$stage/root/bin/$applet"
  done
  install -m 755 "$GUEST_DIR/initramfs/init" "$stage/root/init"
  mknod -m 600 "$stage/root/dev/console" c 5 1
  (cd "$stage/root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) > "$stage/out.cpio"
  rm -f "$GCACHE/initramfs/$RELEASE"-*.cpio   # older builds for this release
  mv "$stage/out.cpio" "$out"
  log "initramfs for $RELEASE: $(du -h "$out" | cut -f1), modules: $(tr '\n' ' ' < "$stage/root/modules.list") in $(elapsed "$t0") s"
  rm -rf "$stage"
  echo "$out"
}

with_lock "initramfs-$RELEASE" build
