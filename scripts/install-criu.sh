#!/usr/bin/env bash
# Installs Debian forky's CRIU (4.2.1) into a private tree under the cache, without touching the
# system's apt state, and prints the path of a wrapper that runs it through the tree's own loader.
#
# Why forky: on this host's kernel (6.18) bookworm's 3.17.1 fails on every command (vDSO bounds) and
# trixie's 4.1.1 cannot dump inet sockets; 4.2.1 dumps and restores established TCP (FIELD-NOTES).
# Idempotent: a second run with the tree present only prints the wrapper's path.
set -euo pipefail

SUITE=${MOLT_CRIU_SUITE:-forky}
CACHE=${MOLT_CACHE:-$HOME/.cache/molt}
ROOT="$CACHE/criu-$SUITE"
TREE="$ROOT/tree"
WRAPPER="$ROOT/bin/criu"

if [ -x "$WRAPPER" ] && "$WRAPPER" --version >/dev/null 2>&1; then
  echo "$WRAPPER"
  exit 0
fi

mkdir -p "$ROOT/apt/lists/partial" "$ROOT/apt/cache/archives/partial" "$ROOT/debs" "$ROOT/bin"
echo "deb http://deb.debian.org/debian $SUITE main" > "$ROOT/apt/sources.list"
APT_OPTS=(
  -o "Dir::Etc::SourceList=$ROOT/apt/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$ROOT/apt/lists"
  -o "Dir::Cache=$ROOT/apt/cache"
  -o "Dir::State::status=/dev/null"
  -o "APT::Get::AllowUnauthenticated=false"
  -o "APT::Sandbox::User=root"
)
apt-get "${APT_OPTS[@]}" -qq update >&2
mapfile -t PKGS < <(apt-cache "${APT_OPTS[@]}" depends --recurse --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances criu libcriu-dev | grep -v '^ ' | grep -v '^<' | sort -u)
(cd "$ROOT/debs" && apt-get "${APT_OPTS[@]}" -qq download "${PKGS[@]}" >&2)
rm -rf "$TREE.tmp" && mkdir -p "$TREE.tmp"
for deb in "$ROOT"/debs/*.deb; do dpkg -x "$deb" "$TREE.tmp"; done
rm -rf "$TREE" && mv "$TREE.tmp" "$TREE"

cat > "$WRAPPER.tmp" <<WRAP
#!/bin/sh
# Runs forky's CRIU through its own loader and libraries (see scripts/install-criu.sh).
exec "$TREE/usr/lib64/ld-linux-x86-64.so.2" --library-path "$TREE/lib/x86_64-linux-gnu:$TREE/usr/lib/x86_64-linux-gnu" "$TREE/usr/sbin/criu" "\$@"
WRAP
chmod +x "$WRAPPER.tmp" && mv "$WRAPPER.tmp" "$WRAPPER"
"$WRAPPER" --version >&2
echo "$WRAPPER"
