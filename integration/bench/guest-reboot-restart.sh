#!/usr/bin/env bash
# The comparison without Molt: the same guest and workload as the kexec upgrade, but a plain reboot
# (QEMU system_reset: a full reset; under TCG there is no firmware to skip, so this is what a
# reboot costs here) and then the workload started again from scratch, as a service manager would.
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
from=$(wc -l < "$RUN/console.log")
t0=$(now)
printf 'system_reset\n' | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())' "$RUN/monitor.sock"
wait_agent "$RUN" 180 "$from"
t_agent=$(now)
start_workload
until answers; do sleep 0.05; done
t1=$(now)
printf '{"reboot_to_agent_s": %s, "workload_restart_s": %s, "outage_s": %s, "connection_kept": false}\n' \
  "$(awk -v a="$t0" -v b="$t_agent" 'BEGIN { printf "%.2f", b - a }')" \
  "$(awk -v a="$t_agent" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
