#!/usr/bin/env bash
# Builds the guest's base root fs once: a debootstrap'd Debian bookworm minbase with the packages
# of versions.env (criu 3.17.1, kexec-tools, nftables, iproute2, procps, kmod, python3, ...), and
# prints its directory. build-rootfs.sh adds kernels, modules, Molt's files and makes the image.
#
# Cached as $MOLT_CACHE/guest/base/<hash>/, the hash over suite, mirror, packages and this script.
# Safety: packages are configured in a chroot with a policy-rc.d that forbids starting services,
# so kexec-tools' kexec-load init script never runs (no kexec on the host, ever).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
[ "$(id -u)" = 0 ] || die "run as root: debootstrap, chroot and mknod need it"

build() {
  local key out tmp t0
  key=$(inputs_hash "$SUITE" "$MIRROR" "$GUEST_PACKAGES" "$0")
  out="$GCACHE/base/$key"
  if [ -f "$out/.molt-base" ]; then echo "$out"; return; fi
  mkdir -p "$GCACHE/base"
  tmp=$(mktemp -d "$GCACHE/base/.build.XXXXXX")
  chmod 755 "$tmp"
  t0=$(now)
  log "debootstrap $SUITE minbase + $GUEST_PACKAGES (first stage: download and unpack)"
  debootstrap --foreign --variant=minbase --arch=amd64 --include="$GUEST_PACKAGES" \
    "$SUITE" "$tmp" "$MIRROR" >"$tmp.log" 2>&1 || { tail -20 "$tmp.log" >&2; safe_rm_tree "$tmp"; die "debootstrap first stage failed (log: $tmp.log)"; }
  printf '#!/bin/sh\n# No service starts inside the image build (kexec-tools would try kexec-load).\nexit 101\n' \
    > "$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  log "debootstrap second stage (configure in a chroot)"
  if ! chroot "$tmp" /debootstrap/debootstrap --second-stage >>"$tmp.log" 2>&1; then
    tail -20 "$tmp.log" >&2; safe_rm_tree "$tmp"; die "debootstrap second stage failed (log: $tmp.log)"
  fi
  umount_under "$tmp"   # in case debootstrap left proc or sys mounted
  # What a server image does not need at run time: package caches, docs, man pages, locales.
  rm -rf "$tmp"/var/cache/apt/*.bin "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/* \
    "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* "$tmp"/usr/share/info/* "$tmp"/usr/share/locale/*
  chroot "$tmp" dpkg-query -W -f '${Package} ${Version}\n' > "$tmp/.molt-base"
  rm -rf "$out" && mv "$tmp" "$out" && rm -f "$tmp.log"
  ls -dt "$GCACHE"/base/*/ | tail -n +3 | xargs -r rm -rf   # keep this one and the previous
  log "base root fs: $(du -sh "$out" | cut -f1), criu $(awk '$1 == "criu" { print $2 }' "$out/.molt-base") in $(elapsed "$t0") s: $out"
  echo "$out"
}

with_lock base build
