#!/usr/bin/env bash
# Fetches a Debian kernel image package and unpacks it under the cache (never installs it), and
# prints the path of its bzImage. Idempotent: with the tree present it only prints the path.
#
#   scripts/fetch-kernel.sh [RELEASE]      # default 6.1.0-56-amd64 (Debian bookworm-security)
#
# Layout, shared with integration/guest/fetch-kernels.sh (either reuses the other's tree):
#   $MOLT_CACHE/kernels/RELEASE/{boot/vmlinuz-RELEASE, boot/config-RELEASE, lib/modules/RELEASE/}
#   $MOLT_CACHE/kernels/debs/linux-image-RELEASE_*.deb
# The .deb comes from the machine's own apt sources; if their lists do not know it, they are
# updated once. Downloads and trees appear by one rename, so a present one is complete.
set -euo pipefail

RELEASE=${1:-6.1.0-56-amd64}
CACHE=${MOLT_CACHE:-$HOME/.cache/molt}
KERNELS="$CACHE/kernels"
TREE="$KERNELS/$RELEASE"
VMLINUZ="$TREE/boot/vmlinuz-$RELEASE"
PKG="linux-image-$RELEASE"

if [ -s "$VMLINUZ" ]; then
  echo "$VMLINUZ"
  exit 0
fi

mkdir -p "$KERNELS/debs"
deb=$(ls "$KERNELS/debs/$PKG"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ] || ! dpkg-deb --info "$deb" >/dev/null 2>&1; then
  if [ -z "$(apt-cache policy "$PKG" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" { print $2 }')" ]; then
    echo "fetch-kernel: apt lists do not know $PKG yet: apt-get update" >&2
    apt-get update -qq >&2
  fi
  tmp=$(mktemp -d "$KERNELS/debs/.dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root -qq download "$PKG" >&2) \
    || { echo "fetch-kernel: cannot download $PKG: is it in the machine's apt sources (bookworm-security)?" >&2; exit 1; }
  mv "$tmp"/*.deb "$KERNELS/debs/"
  deb=$(ls "$KERNELS/debs/$PKG"_*.deb | head -1)
fi

unpack=$(mktemp -d "$KERNELS/.$RELEASE.XXXXXX")
trap 'rm -rf "$unpack" ${tmp:+"$tmp"}' EXIT
dpkg -x "$deb" "$unpack"
[ -s "$unpack/boot/vmlinuz-$RELEASE" ] || { echo "fetch-kernel: $deb holds no boot/vmlinuz-$RELEASE" >&2; exit 1; }
chmod 755 "$unpack"
rm -rf "$TREE" && mv "$unpack" "$TREE"
echo "$VMLINUZ"
