#!/usr/bin/env bash
# Builds Molt's installed layout (a MOLT_HOME) from the Maven build:
#   DIR/lib/*.jar   the coordinator's jar and its whole runtime class path
#   DIR/native/     librocksdbjni-linux64.so unpacked (for -Djava.library.path=DIR/native)
#   DIR/bin/        molt, moltd, molt-java.sh (the launchers find lib/ through MOLT_HOME) and
#                   molt-boot-guard (the hook a new kernel's boot runs before its network is up)
# Prints DIR. The guest builder copies it into /opt/molt (MOLT_GUEST_DIST=DIR).
#
#   scripts/dist.sh [DIR]        default DIR: target/dist (in the checkout)
#
# Env: MOLT_DIST_SKIP_BUILD=1  use the existing build (coordinator/target) instead of running Maven.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/dist}

if [ "${MOLT_DIST_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && ./mvnw -B -ntp -q -pl coordinator -am install -DskipTests) >&2
fi
cp_file=$root/coordinator/target/molt-classpath.txt
jar=$(ls "$root"/coordinator/target/molt-coordinator-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1)
[ -f "$cp_file" ] && [ -n "$jar" ] || {
  echo "dist.sh: no coordinator build in $root/coordinator/target: run without MOLT_DIST_SKIP_BUILD" >&2
  exit 1
}

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${out%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lib" "$tmp/bin"
# Copies keep their mtimes (cp -p): the layout's hash, and so the guest image, changes only when
# a jar's content or name does.
cp -p "$jar" "$tmp/lib/"
tr ':' '\n' < "$cp_file" | while read -r dep; do
  [ -n "$dep" ] || continue
  [ -f "$dep" ] || { echo "dist.sh: $dep (from $cp_file) is not a jar file: rebuild" >&2; exit 1; }
  cp -p "$dep" "$tmp/lib/"
done
# RocksDB's JNI library for this machine, unpacked once: rocksdbjni otherwise writes its 17 MB .so to
# /tmp at every JVM start (seconds under TCG, on the path to restore), unless -Djava.library.path
# names a directory holding it (FIELD-NOTES); /etc/default/moltd of the guest does.
rocks=$(ls "$tmp"/lib/rocksdbjni-*.jar 2>/dev/null | head -1)
if [ -n "$rocks" ] && [ "$(uname -m)" = x86_64 ]; then
  mkdir -p "$tmp/native"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("librocksdbjni-linux64.so", sys.argv[2])' \
    "$rocks" "$tmp/native"
fi
for f in molt moltd molt-java.sh molt-boot-guard; do
  install -m 755 "$root/bin/$f" "$tmp/bin/$f"
done
rm -rf "$out" && mkdir -p "$(dirname "$out")" && mv "$tmp" "$out"
trap - EXIT
echo "dist.sh: $(ls "$out/lib" | wc -l) jars, $(du -sh "$out" | cut -f1): $out" >&2
echo "$out"
