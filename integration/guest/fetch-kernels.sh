#!/usr/bin/env bash
# Fetches Debian kernel packages and unpacks them (never installs them) under the cache, one tree
# per kernel release, and prints each tree's path.
#
#   integration/guest/fetch-kernels.sh [RELEASE...]   # default: $OLD_KERNEL $NEW_KERNEL (versions.env)
#
# Layout of a tree (the same whatever the packaging): $MOLT_CACHE/kernels/RELEASE/
#   boot/vmlinuz-RELEASE  boot/config-RELEASE  lib/modules/RELEASE/...  .molt-packages (what it came from)
# The .debs stay in $MOLT_CACHE/kernels/debs. A tree is created by one atomic rename, so an existing
# tree is complete; a second run only prints the paths. (scripts/fetch-kernel.sh of the kexec driver
# uses the same layout, so either script reuses the other's tree.)
#
# Packaging styles, one function each; packaging_of picks the style from the release:
#   bookworm_image  6.1.x: one linux-image-RELEASE package, files under /boot and /lib/modules.
#   forky_split     7.x:   linux-binary-RELEASE (vmlinuz) + linux-modules-RELEASE (.ko.xz) +
#                   linux-base-RELEASE (config, System.map), everything under usr/lib/modules/RELEASE/
#                   (FIELD-NOTES "Across releases"); fetched through a private apt state for forky
#                   under kernels/apt-forky (the machine's own apt sources and state are not touched).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

packaging_of() {
  case $1 in
    6.1.*) echo bookworm_image ;;
    7.*) echo forky_split ;;
    *) die "no packaging style known for kernel release $1 (expected 6.1.* or 7.*)" ;;
  esac
}

# apt options of the source packages come from: empty = the machine's own sources and lists.
APT_OPTS=()
candidate() { apt-cache "${APT_OPTS[@]}" policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
resolves() { local c; c=$(candidate "$1"); [ -n "$c" ] && [ "$c" != "(none)" ]; }

# Downloads Debian packages into kernels/debs (atomically, so a half-downloaded .deb never
# looks present) and prints the path of each .deb.
download_debs() {
  local debs="$KERNELS/debs" pkg have tmp
  mkdir -p "$debs"
  for pkg in "$@"; do
    have=$(ls "$debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$have" ] || ! dpkg-deb --info "$have" >/dev/null 2>&1; then
      if ! resolves "$pkg"; then
        log "apt lists do not know $pkg yet: apt-get update"
        apt-get "${APT_OPTS[@]}" update -qq >&2
        resolves "$pkg" || die "package $pkg is in none of the apt sources searched (${APT_OPTS[*]:-/etc/apt/sources.list}); for 6.1 add bookworm and bookworm-security to /etc/apt/sources.list"
      fi
      tmp=$(mktemp -d "$debs/.dl.XXXXXX")
      log "downloading $pkg $(candidate "$pkg")"
      (cd "$tmp" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root download -qq "$pkg" >&2)
      mv "$tmp"/*.deb "$debs/" && rmdir "$tmp"
      have=$(ls "$debs/${pkg}"_*.deb | head -1)
    fi
    echo "$have"
  done
}

# bookworm (6.1): linux-image-RELEASE holds vmlinuz, config, System.map and the modules.
fetch_bookworm_image() {
  local release=$1 dest=$2 deb
  deb=$(download_debs "linux-image-$release")
  dpkg -x "$deb" "$dest"
  basename "$deb" > "$dest/.molt-packages"
}

# forky (7.x): vmlinuz in linux-binary-RELEASE, modules in linux-modules-RELEASE, config and
# System.map in linux-base-RELEASE, all under usr/lib/modules/RELEASE/. Unpack the three, then
# link the common layout onto it: boot/{vmlinuz,config,System.map}-RELEASE -> the files there,
# lib -> usr/lib (merged /usr, as in the guest).
fetch_forky_split() {
  local release=$1 dest=$2 apt="$KERNELS/apt-forky" deb debs=() f
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
  echo "deb $MIRROR forky main" > "$apt/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::State::status=/dev/null"
    -o "APT::Sandbox::User=root")
  mapfile -t debs < <(download_debs "linux-binary-$release" "linux-modules-$release" "linux-base-$release")
  for deb in "${debs[@]}"; do dpkg -x "$deb" "$dest"; done
  mkdir -p "$dest/boot"
  ln -s usr/lib "$dest/lib"
  for f in vmlinuz config System.map; do
    ln -s "../usr/lib/modules/$release/$f" "$dest/boot/$f-$release"
  done
  printf '%s\n' "${debs[@]##*/}" > "$dest/.molt-packages"
}

fetch_one() {
  local release=$1 tree="$KERNELS/$1" style tmp
  if [ -s "$tree/boot/vmlinuz-$release" ] && [ -d "$tree/lib/modules/$release" ]; then
    echo "$tree"
    return
  fi
  style=$(packaging_of "$release")
  mkdir -p "$KERNELS"
  tmp=$(mktemp -d "$KERNELS/.$release.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT   # nothing half-unpacked stays behind (we run in with_lock's subshell)
  local t0; t0=$(now)
  "fetch_$style" "$release" "$tmp"
  [ -s "$tmp/boot/vmlinuz-$release" ] || die "$style for $release left no boot/vmlinuz-$release in $tmp"
  [ -d "$tmp/lib/modules/$release" ] || die "$style for $release left no lib/modules/$release in $tmp"
  chmod 755 "$tmp"
  rm -rf "$tree" && mv "$tmp" "$tree" && trap - EXIT
  log "kernel $release unpacked in $(elapsed "$t0") s: $tree"
  echo "$tree"
}

[ $# -gt 0 ] || set -- "$OLD_KERNEL" "$NEW_KERNEL"
for release in "$@"; do
  with_lock "kernel-$release" fetch_one "$release"
done
