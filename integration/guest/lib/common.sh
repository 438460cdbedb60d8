# Shared by the guest scripts: where the cache is, logging, locking, hashing inputs.
# Sourced, never run. Everything large lives under $MOLT_CACHE (default ~/.cache/molt), never in
# the git clone, keyed by version or by a hash of the inputs that built it.

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MOLT_CACHE:-$HOME/.cache/molt}
KERNELS="$CACHE/kernels"          # kernels/RELEASE/{boot/vmlinuz-RELEASE,boot/config-RELEASE,lib/modules/RELEASE}
GCACHE="$CACHE/guest"             # rootfs, initramfs, jre, images, runs
# shellcheck source=../versions.env
. "$GUEST_DIR/versions.env"

log() { printf '%s %s\n' "[$(date +%H:%M:%S)] ${0##*/}:" "$*" >&2; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Runs "$@" holding an exclusive lock named $1 (a file under the cache), so two scripts (or two
# engineers) building the same cached thing wait for each other instead of racing.
with_lock() {
  local name=$1; shift
  mkdir -p "$CACHE/locks"
  (
    flock -w 1800 9 || die "timed out waiting for lock $name"
    "$@"
  ) 9>"$CACHE/locks/$name.lock"
}

# Prints a short hash of its arguments and the named files' contents: the cache key of a step.
inputs_hash() {
  local f
  {
    for f in "$@"; do
      if [ -f "$f" ]; then printf 'file %s\n' "${f##*/}"; cat "$f"; else printf 'arg %s\n' "$f"; fi
    done
  } | sha256sum | cut -c1-16
}

# Seconds since the epoch with milliseconds, for timing steps.
now() { date +%s.%3N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# True when a Debian package name resolves to a candidate version in the machine's apt lists.
apt_resolves() {
  local cand
  cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [ -n "$cand" ] && [ "$cand" != "(none)" ]
}

# Removes a build tree that a chroot step may have left with mounts inside (proc, sys, dev):
# unmounts them first, then removes without crossing into any other file system.
umount_under() {
  local dir m
  dir=$(realpath "$1")
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r)
}
safe_rm_tree() {
  [ -e "$1" ] || return 0
  umount_under "$1"
  rm -rf --one-file-system "$1"
}

# A running guest lives in a run directory: $MOLT_CACHE/guest/runs/NAME (NAME default "default"):
#   run.env (ports, pids, kernel), root.ext4 (its own copy of the image), console.log (the serial
#   console, each line prefixed with the host's epoch time), qemu.log, monitor.sock, console.sock.
run_dir_of() { echo "$GCACHE/runs/${1:-default}"; }

# True while the QEMU of a run directory is alive.
run_alive() {
  local pid
  pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null
}

# Waits until the agent of run directory $1 answers, for at most $2 seconds; fails early when that
# QEMU dies. With $3 (a console.log line number) it first waits for the agent-ready event after
# that line: QEMU's user network accepts the host's connection even before the guest listens, so
# polling alone would hang on a half-open connection (each try has a short answer timeout too).
wait_agent() {
  local run=$1 deadline port
  deadline=$(( $(date +%s) + $2 ))
  [ -z "${3:-}" ] || wait_event "$run" "$3" agent-ready "$2" >/dev/null
  port=$(sed -n 's/^AGENT_HOST_PORT=//p' "$run/run.env")
  until python3 "$GUEST_DIR/lib/agent_client.py" --port "$port" --connect-timeout 2 --io-timeout 2 --timeout 10 -- true 2>/dev/null; do
    run_alive "$run" || { tail -30 "$run/console.log" >&2; die "QEMU exited (console above, $run/console.log)"; }
    [ "$(date +%s)" -lt "$deadline" ] || { tail -30 "$run/console.log" >&2; die "guest agent did not answer within $2 s (console above)"; }
    sleep 0.2
  done
}

# Waits until console.log of run $1 has, after line $2, a MOLT-EVENT named in $3 (a regex such as
# 'restore-done|restore-failed'), for at most $4 seconds; prints the event's name.
wait_event() {
  local run=$1 from=$2 re=$3 deadline hit
  deadline=$(( $(date +%s) + $4 ))
  while :; do
    hit=$(tail -n +"$((from + 1))" "$run/console.log" | grep -oE "MOLT-EVENT ($re) " | head -1 | awk '{ print $2 }' || true)
    [ -z "$hit" ] || { echo "$hit"; return 0; }
    run_alive "$run" || { tail -30 "$run/console.log" >&2; die "QEMU exited while waiting for $re"; }
    [ "$(date +%s)" -lt "$deadline" ] || { tail -30 "$run/console.log" >&2; die "no $re on the console within $4 s (console above)"; }
    sleep 0.1
  done
}
