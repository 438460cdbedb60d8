#!/usr/bin/env bash
# Stops a guest started by boot.sh: asks its PID 1 to power off (sync first), falls back to QEMU's
# monitor "quit", then to killing that QEMU's pid (only the one recorded in the run directory).
# Removes the run's disk copy unless --keep.
#
#   integration/guest/stop.sh [--name NAME] [--keep]
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
name=default keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
RUN=$(run_dir_of "$name")
[ -d "$RUN" ] || { log "no guest '$name'"; exit 0; }

wait_gone() {  # seconds
  local i=0
  while run_alive "$RUN" && [ $i -lt $(( $1 * 10 )) ]; do sleep 0.1; i=$((i + 1)); done
  ! run_alive "$RUN"
}
if run_alive "$RUN"; then
  "$GUEST_DIR/gx" --name "$name" --connect-timeout 2 --timeout 5 -- 'sync; kill -TERM 1' >/dev/null 2>&1 || true
  if ! wait_gone 10; then
    log "guest did not power off: QEMU monitor quit"
    printf 'quit\n' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())' "$RUN/monitor.sock" 2>/dev/null || true
    wait_gone 5 || { log "QEMU still alive: kill $(cat "$RUN/qemu.pid")"; kill -9 "$(cat "$RUN/qemu.pid")"; wait_gone 5; }
  fi
fi
lp=$(cat "$RUN/console_logger.pid" 2>/dev/null || true)
if [ -n "$lp" ] && kill -0 "$lp" 2>/dev/null && grep -q console_logger "/proc/$lp/cmdline" 2>/dev/null; then
  kill "$lp" 2>/dev/null || true
fi
[ "$keep" = 1 ] || rm -f "$RUN/root.ext4"
log "guest '$name' stopped"
