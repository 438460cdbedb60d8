#!/usr/bin/env bash
# Molt's main job on this machine: a full upgrade of a running workload with the on-host restart
# switch (this host cannot kexec; the QEMU guest demo does the real switch). It starts a demo
# workload (a counter, a child on a pipe and a socketpair, 256 MiB of known memory, a TCP server
# with one client connected), runs `molt upgrade`, and prints the stop report, human-readable and
# as JSON, then checks the workload carried on: same connection, counter without a gap.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/molt-demo.XXXXXX)
criu=${MOLT_CRIU:-$HOME/.cache/molt/bin/criu}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  set +e
  exec 3>&- 2>/dev/null
  [ -n "${moltd:-}" ] && { pkill -TERM -P "$moltd"; kill "$moltd"; wait "$moltd"; } 2>/dev/null
  pkill -KILL -f "$work/counter.log" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -o "$work/workload" "$root/integration/src/test/c/workload.c"
unshare --pid --fork setsid "$work/workload" "$work/counter.log" 256 "$port" </dev/null >/dev/null 2>&1 &
unshare_pid=$!
for _ in $(seq 100); do grep -q '^tick 3' "$work/counter.log" 2>/dev/null && break; sleep 0.1; done
workload_pid=$(pgrep -P "$unshare_pid")
echo "demo workload: pid $workload_pid (its own pid namespace), 256 MiB, TCP 127.0.0.1:$port"

"$root/bin/moltd" --store "$work/store" --staging "$work/staging" --socket "$work/molt.sock" --criu "$criu" \
  >"$work/moltd.log" 2>&1 &
moltd=$!
for _ in $(seq 300); do "$root/bin/molt" --socket "$work/molt.sock" status >/dev/null 2>&1 && break; sleep 0.2; done

exec 3<>"/dev/tcp/127.0.0.1/$port"
echo before >&3; read -r -t 10 reply <&3; echo "TCP before: $reply"

echo
"$root/bin/molt" --socket "$work/molt.sock" upgrade --workload "pid:$workload_pid" --switch restart --tcp
echo
echo "as JSON:"
"$root/bin/molt" --socket "$work/molt.sock" --output json upgrades list | head -c 100000

echo after >&3; read -r -t 30 reply <&3; echo "TCP after, same connection: $reply"
sleep 1
gaps=$(awk '/^tick/{ if (p && $2 != p+1) print p" -> "$2; p=$2 }' "$work/counter.log")
echo "counter: last $(grep '^tick' "$work/counter.log" | tail -1), gaps: ${gaps:-none}"
[ -z "$gaps" ] && ! grep -qE 'WRONG|CORRUPT|client gone' "$work/counter.log"
