#!/usr/bin/env bash
# The comparison without Molt: the same guest and workload as the kexec upgrade, but a plain reboot
# into the new kernel (power off, then a cold boot of NEW_KERNEL; under TCG there is no firmware
# to skip, so this is what a reboot costs here) and then the workload started again from scratch,
# as a service manager would.
# Measures the outage a client sees: from the reset until the restarted workload answers a new
# connection (the old connection is gone, and the workload's state with it). Prints one JSON line.
#
#   integration/bench/guest-reboot-restart.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
guest=$root/integration/guest
. "$guest/lib/common.sh"
NAME=bench-reboot
RUN=$(run_dir_of "$NAME")
GX=("$guest/gx" --name "$NAME")
DATA=/var/lib/molt-baseline
trap '"$guest/stop.sh" --name "$NAME" >/dev/null 2>&1 || true' EXIT

"$guest/boot.sh" --name "$NAME" >/dev/null
port=$(sed -n "s/^HOST_PORT_$DEMO_PORT=//p" "$RUN/run.env")
start_workload() {
  "${GX[@]}" --put "$guest/baseline/workload.py" /usr/local/lib/molt-baseline/workload.py
  "${GX[@]}" -- "mkdir -p $DATA /var/log/molt-baseline && echo 4999 > /proc/sys/kernel/ns_last_pid &&
    setsid -f python3 /usr/local/lib/molt-baseline/workload.py --port $DEMO_PORT --dir $DATA --local-client \
    </dev/null >/var/log/molt-baseline/workload.log 2>&1"
}
# One request on a new connection; true when answered.
answers() {
  python3 - "$port" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.settimeout(2)
    s.sendall(b"probe\n")
    sys.exit(0 if s.recv(200).startswith(b"reply") else 1)
except OSError:
    sys.exit(1)
PY
}
start_workload
until answers; do sleep 0.1; done
sleep 2
# The reboot: the guest powers off (sync, PID 1 ends) and a new QEMU boots NEW_KERNEL from the
# same image (QEMU's -no-reboot turns a guest reset into an exit, so a reset cannot be timed here).
# The outage counts the power-off, QEMU start -> agent ready (BOOT_S of boot.sh) and the workload's
# restart; not boot.sh's cache check and fresh disk copy, which a real reboot does not have.
t0=$(now)
"$guest/stop.sh" --name "$NAME" >/dev/null 2>&1
poweroff_s=$(elapsed "$t0")
"$guest/boot.sh" --name "$NAME" --kernel "$NEW_KERNEL" >/dev/null 2>"$RUN.boot.err" || { cat "$RUN.boot.err" >&2; exit 1; }
boot_s=$(sed -n 's/^BOOT_S=//p' "$RUN/run.env")
t_agent=$(now)
port=$(sed -n "s/^HOST_PORT_$DEMO_PORT=//p" "$RUN/run.env")
start_workload
until answers; do sleep 0.05; done
t1=$(now)
restart_s=$(awk -v a="$t_agent" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
printf '{"poweroff_s": %s, "boot_to_agent_s": %s, "workload_restart_s": %s, "outage_s": %s, "kernel_after": "%s", "connection_kept": false}\n' \
  "$poweroff_s" "$boot_s" "$restart_s" "$(awk -v a="$poweroff_s" -v b="$boot_s" -v c="$restart_s" 'BEGIN { printf "%.2f", a + b + c }')" \
  "$("${GX[@]}" -- 'uname -r')"
