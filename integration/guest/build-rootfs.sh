#!/usr/bin/env bash
# Builds the guest's root disk: an ext4 image holding the base root fs (build-base.sh), the
# kernels (OLD_KERNEL, NEW_KERNEL and EXTRA_KERNELS of versions.env: vmlinuz, config, System.map,
# initrd under /boot, modules under /lib/modules), the CRIUs of STAGED_CRIU_SUITES under
# /var/lib/molt/criu/VERSION/,
# the guest's boot (/sbin/molt-pid1 + /etc/molt/rc), the guest agent, and /opt/molt (a jlinked
# Java 25 runtime; Molt's own files when MOLT_GUEST_DIST names a directory to copy there).
# Prints the image's directory: root.ext4 and manifest.env (kernel and initrd paths for boot.sh).
#
#   integration/guest/build-rootfs.sh
#
# Env: MOLT_GUEST_DIST=DIR   copied into /opt/molt (bin/moltd, lib/*.jar, ...): rc starts
#                            /opt/molt/bin/moltd at boot when it is executable.
#      MOLT_GUEST_JRE=0      no Java runtime in /opt/molt/jre (smaller image, faster first build).
#
# Cached as $MOLT_CACHE/guest/images/<hash>/, the hash over every input (base, kernels, initrds,
# runtime, rootfs/ overlay, molt-pid1.c, this script, the dist): it is rebuilt only when one changes.
# The image is never booted in place: boot.sh boots a copy.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

JDK=${MOLT_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
JRE_MODULES=java.base,java.logging,java.management,jdk.unsupported,java.naming,jdk.net,java.net.http
# Module subtrees no QEMU guest loads (hardware it has no device for): left out of /lib/modules to
# keep the image small (~400 MB of modules per kernel otherwise). Everything else is installed.
PRUNE_MODULES=(sound drivers/gpu drivers/media drivers/infiniband drivers/staging drivers/iio
  drivers/comedi drivers/net/wireless drivers/net/ethernet drivers/bluetooth drivers/usb
  drivers/hid drivers/input drivers/hwmon drivers/isdn drivers/mtd net/bluetooth net/mac80211
  net/wireless)
FREE_MB=${MOLT_GUEST_FREE_MB:-1024}   # room for CRIU images, Molt's store, workloads' files

# A jlinked Java 25 runtime with a CDS archive (FIELD-NOTES: CDS cuts JVM start under TCG), cached
# by the JDK's release and the module list.
build_jre() {
  local key out tmp t0
  [ -x "$JDK/bin/jlink" ] || die "no jlink at $JDK/bin/jlink: install Temurin 25 or set MOLT_JDK (or MOLT_GUEST_JRE=0)"
  key=$(inputs_hash "$JDK/release" "$JRE_MODULES" "strip-debug no-man-pages no-header-files cds")
  out="$GCACHE/jre/$key"
  if [ -x "$out/bin/java" ]; then echo "$out"; return; fi
  mkdir -p "$GCACHE/jre"
  tmp="$GCACHE/jre/.build.$$"
  rm -rf "$tmp"
  t0=$(now)
  "$JDK/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$tmp" >&2
  rm -rf "$out" && mv "$tmp" "$out"
  log "jlinked runtime: $(du -sh "$out" | cut -f1) in $(elapsed "$t0") s: $out"
  echo "$out"
}

# A hash of a directory tree's names, modes and contents (for the overlay and the dist).
tree_hash() {
  [ -n "$1" ] && [ -d "$1" ] || { echo none; return; }
  (cd "$1" && find . \( -type f -o -type l \) -printf '%p %m %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r cat) | sha256sum | cut -c1-16
}

install_kernel() {
  local release=$1 ktree=$2 initrd=$3 stage=$4 excludes=() p
  for p in "${PRUNE_MODULES[@]}"; do excludes+=(--exclude="$release/kernel/$p"); done
  mkdir -p "$stage/lib/modules" "$stage/boot"
  tar -C "$ktree/lib/modules" "${excludes[@]}" -cf - "$release" | tar -C "$stage/lib/modules" -xf -
  depmod -b "$stage" "$release"
  cp "$ktree/boot/vmlinuz-$release" "$ktree/boot/config-$release" "$stage/boot/"
  [ -f "$ktree/boot/System.map-$release" ] && cp "$ktree/boot/System.map-$release" "$stage/boot/"
  cp "$initrd" "$stage/boot/initrd.img-$release"
}

# A CRIU of another Debian suite (scripts/install-criu.sh's private tree, cached on the host),
# staged for the guest as /var/lib/molt/criu/VERSION/{tree,criu}: the wrapper runs it through the
# tree's own loader at its guest path. VERSION is what the CRIU itself says.
stage_criu() {
  local suite=$1 root=$2 wrapper tree version dest
  wrapper=$(MOLT_CRIU_SUITE=$suite "$GUEST_DIR/../../scripts/install-criu.sh")
  tree="$(dirname "$(dirname "$wrapper")")/tree"
  version=$("$wrapper" --version | sed -n 's/^Version: *//p')
  [ -n "$version" ] || die "$wrapper --version printed no version"
  dest="/var/lib/molt/criu/$version"
  mkdir -p "$root$dest"
  cp -a "$tree" "$root$dest/tree"
  rm -rf "$root$dest/tree/usr/share/doc" "$root$dest/tree/usr/share/man" "$root$dest/tree/usr/include"
  cat > "$root$dest/criu" <<WRAP
#!/bin/sh
# $suite's CRIU $version, run through its own loader and libraries (integration/guest/build-rootfs.sh).
exec $dest/tree/usr/lib64/ld-linux-x86-64.so.2 --library-path $dest/tree/lib/x86_64-linux-gnu:$dest/tree/usr/lib/x86_64-linux-gnu $dest/tree/usr/sbin/criu "\$@"
WRAP
  chmod 755 "$root$dest/criu"
  log "staged $suite's CRIU $version at $dest/criu"
}

build_image() {
  local t0 base old_tree new_tree old_initrd new_initrd jre=none key out stage used size_mb k extra_info=() criu_info=()
  t0=$(now)
  base=$("$GUEST_DIR/build-base.sh")
  old_tree=$("$GUEST_DIR/fetch-kernels.sh" "$OLD_KERNEL")
  new_tree=$("$GUEST_DIR/fetch-kernels.sh" "$NEW_KERNEL")
  old_initrd=$("$GUEST_DIR/build-initramfs.sh" "$OLD_KERNEL")
  new_initrd=$("$GUEST_DIR/build-initramfs.sh" "$NEW_KERNEL")
  declare -A extra_tree extra_initrd
  for k in $EXTRA_KERNELS; do
    [ "$k" != "$OLD_KERNEL" ] && [ "$k" != "$NEW_KERNEL" ] || continue
    extra_tree[$k]=$("$GUEST_DIR/fetch-kernels.sh" "$k")
    extra_initrd[$k]=$("$GUEST_DIR/build-initramfs.sh" "$k")
    extra_info+=("$k" "$(cat "${extra_tree[$k]}/.molt-packages" 2>/dev/null || true)" "${extra_initrd[$k]##*/}")
  done
  for k in $STAGED_CRIU_SUITES; do
    criu_info+=("$k" "$(ls "${MOLT_CACHE:-$HOME/.cache/molt}/criu-$k/debs" 2>/dev/null | LC_ALL=C sort || true)")
  done
  [ "${MOLT_GUEST_JRE:-1}" = 0 ] || jre=$(with_lock jre build_jre)
  key=$(inputs_hash "${base##*/}" "$OLD_KERNEL" "$NEW_KERNEL" \
    "$(cat "$old_tree/.molt-packages" "$new_tree/.molt-packages" 2>/dev/null || true)" \
    "extra=${extra_info[*]}" "criu=${criu_info[*]}" \
    "${old_initrd##*/}" "${new_initrd##*/}" "${jre##*/}" "${PRUNE_MODULES[*]}" "$FREE_MB" \
    "$(tree_hash "$GUEST_DIR/rootfs")" "$GUEST_DIR/src/molt-pid1.c" "$0" \
    "dist=$(tree_hash "${MOLT_GUEST_DIST:-}")")
  out="$GCACHE/images/$key"
  if [ -f "$out/manifest.env" ]; then echo "$out"; return; fi

  mkdir -p "$GCACHE/images"
  stage=$(mktemp -d "$GCACHE/images/.stage.XXXXXX")
  trap 'safe_rm_tree "$stage"' EXIT   # a failed build leaves nothing behind (we run in with_lock's subshell)
  log "assembling the root fs (base ${base##*/})"
  local root="$stage/root"
  mkdir -p "$root" && cp -a "$base/." "$root/"
  rm -f "$root/.molt-base"
  install_kernel "$OLD_KERNEL" "$old_tree" "$old_initrd" "$root"
  install_kernel "$NEW_KERNEL" "$new_tree" "$new_initrd" "$root"
  for k in "${!extra_tree[@]}"; do
    install_kernel "$k" "${extra_tree[$k]}" "${extra_initrd[$k]}" "$root"
  done
  for k in $STAGED_CRIU_SUITES; do
    stage_criu "$k" "$root"
  done
  gcc -static -Os -Wall -Wextra -o "$root/usr/sbin/molt-pid1" "$GUEST_DIR/src/molt-pid1.c"
  cp -a "$GUEST_DIR/rootfs/." "$root/"
  mkdir -p "$root/opt/molt/bin" "$root/opt/molt/lib" "$root/var/lib/molt" "$root/var/log/molt"
  [ "$jre" = none ] || cp -a "$jre" "$root/opt/molt/jre"
  [ -z "${MOLT_GUEST_DIST:-}" ] || cp -a "$MOLT_GUEST_DIST/." "$root/opt/molt/"
  cp "$base/.molt-base" "$stage/packages.txt"

  used=$(du -sm "$root" | cut -f1)
  size_mb=$(( used * 5 / 4 + FREE_MB ))
  log "mkfs.ext4 -d: ${used} MB of files in a ${size_mb} MB image"
  # Inode tables and journal initialised now, not lazily by the guest kernel (that would cost the
  # slow TCG guest CPU in the background of every measurement).
  mkfs.ext4 -q -F -L molt-root -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0 \
    -d "$root" "$stage/root.ext4" "${size_mb}M" >&2
  rm -rf "$root"
  cat > "$stage/manifest.env" <<MANIFEST
# Written by build-rootfs.sh: what boot.sh needs to boot this image (host paths).
IMAGE_KEY=$key
OLD_KERNEL=$OLD_KERNEL
NEW_KERNEL=$NEW_KERNEL
KERNEL_$(echo "$OLD_KERNEL" | tr -c 'a-zA-Z0-9\n' _)=$old_tree/boot/vmlinuz-$OLD_KERNEL
INITRD_$(echo "$OLD_KERNEL" | tr -c 'a-zA-Z0-9\n' _)=$old_initrd
KERNEL_$(echo "$NEW_KERNEL" | tr -c 'a-zA-Z0-9\n' _)=$new_tree/boot/vmlinuz-$NEW_KERNEL
INITRD_$(echo "$NEW_KERNEL" | tr -c 'a-zA-Z0-9\n' _)=$new_initrd
EXTRA_KERNELS="${!extra_tree[*]}"
$(for k in "${!extra_tree[@]}"; do
    v=$(echo "$k" | tr -c 'a-zA-Z0-9\n' _)
    echo "KERNEL_$v=${extra_tree[$k]}/boot/vmlinuz-$k"
    echo "INITRD_$v=${extra_initrd[$k]}"
  done)
JRE=$([ "$jre" = none ] && echo none || echo /opt/molt/jre)
MOLT_DIST=${MOLT_GUEST_DIST:-none}
BUILT=$(date -u +%FT%TZ)
MANIFEST
  chmod 755 "$stage"
  rm -rf "$out" && mv "$stage" "$out" && trap - EXIT
  # Keep the KEEP_IMAGES newest images (other inputs, other branches); a booted guest runs on its
  # own copy, so removing an image never disturbs a running one.
  ls -dt "$GCACHE"/images/*/ | tail -n +"$(( ${MOLT_KEEP_IMAGES:-3} + 1 ))" | xargs -r rm -rf
  log "image ${used} MB used / ${size_mb} MB built in $(elapsed "$t0") s: $out"
  echo "$out"
}

"$GUEST_DIR/install-host-deps.sh"
with_lock image build_image
