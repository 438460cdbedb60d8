#!/usr/bin/env bash
# Installs what Molt's build and tests need on a fresh Debian machine, idempotently:
#  - CRIU 4.2.1 from Debian forky in a private tree (scripts/install-criu.sh), linked as
#    ~/.cache/molt/bin/criu;
#  - system packages the tests use (gcc for the test workloads, util-linux's unshare and setpriv,
#    openssl for the API's mutual TLS certificates).
# Large downloads are cached under ~/.cache/molt (MOLT_CACHE), keyed by version.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${MOLT_CACHE:-$HOME/.cache/molt}
mkdir -p "$CACHE/bin"

need=()
for tool in gcc:gcc unshare:util-linux setsid:util-linux setpriv:util-linux openssl:openssl python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

criu=$("$here/install-criu.sh")
ln -sfn "$criu" "$CACHE/bin/criu"
echo "criu: $("$CACHE/bin/criu" --version | head -1) at $CACHE/bin/criu" >&2
