#!/usr/bin/env bash
# The guest benchmark, in one run, side by side: the outage of the same workload (TCP server +
# counter + guest-local client, one TCP client on the host) when its guest moves from 6.1.0-50 to
# 6.1.0-56 in three ways:
#   molt        `molt --connect ... upgrade --switch kexec` (integration/demo/guest-demo.sh): Molt's
#               total stop, park to unpark, from its stop report
#   hand        the hand-scripted criu dump + kexec + criu restore (integration/guest/baseline.sh):
#               dump start to restore done
#   reboot      a plain reboot and the workload started again (guest-reboot-restart.sh): reset
#               to the restarted workload's first answer; its connections and state are lost
# One QEMU at a time. Also reports the host's load, since the 2 shared cores inflate every number.
#
#   integration/bench/guest-bench.sh      (make bench-guest; needs a build: make build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/target/guest-bench
mkdir -p "$out"
load() { cut -d' ' -f1 /proc/loadavg; }

echo "== molt upgrade (load $(load))" >&2
"$root/integration/demo/guest-demo.sh" > "$out/molt.txt" 2>"$out/molt.err" || { tail -30 "$out/molt.txt" >&2; exit 1; }
echo "== hand-scripted criu + kexec (load $(load))" >&2
"$root/integration/guest/baseline.sh" > "$out/hand.json" 2>"$out/hand.err" || { tail -30 "$out/hand.err" >&2; exit 1; }
echo "== reboot + restart (load $(load))" >&2
"$root/integration/bench/guest-reboot-restart.sh" > "$out/reboot.json" 2>"$out/reboot.err" || { tail -30 "$out/reboot.err" >&2; exit 1; }

python3 - "$out" <<'PY'
import json, re, sys
d = sys.argv[1]
molt_txt = open(f"{d}/molt.txt").read()
m = re.search(r"Stop report as JSON:\n(\{.*?\n\})\n", molt_txt, re.S)
upgrade = json.loads(m.group(1)) if m else {}
report = upgrade.get("stopReport") or upgrade.get("upgrade", {}).get("stopReport", {})
molt_total = int(report.get("totalStopMillis", 0)) / 1000
phases = {p["name"]: int(p.get("millis", 0)) / 1000 for p in report.get("phases", [])}
wait = re.search(r"longest wait ([0-9.]+) s", molt_txt)
host_clock = re.search(r"stop on the host's clock: ([0-9.]+) s", molt_txt)
molt_host = float(host_clock.group(1)) if host_clock else None
hand = json.load(open(f"{d}/hand.json"))
reboot = json.load(open(f"{d}/reboot.json"))
rows = [
    ("molt upgrade, host's clock (console events)", molt_host if molt_host else float("nan"), float(wait.group(1)) if wait else None, "kept"),
    ("molt upgrade, its stop report (guest clocks)", molt_total, None, "kept"),
    ("hand-scripted criu dump + kexec + restore", hand["stop_s"], hand["client"]["longest_wait_for_an_answer_s"], "kept"),
    ("plain reboot + workload restart", reboot["outage_s"], None, "lost"),
]
print(f"{'way':45} {'stop / outage':>14} {'client wait':>12}  connections")
for name, stop, w, conn in rows:
    print(f"{name:45} {stop:13.2f}s {(f'{w:.2f}s' if w is not None else '-'):>12}  {conn}")
print()
print("molt's phases:", ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()))
print("hand-scripted phases:", ", ".join(f"{k} {v:.2f}s" for k, v in hand["stop_phases_s"].items()))
print("reboot:", ", ".join(f"{k} {v}" for k, v in reboot.items()))
base = hand["stop_s"]
if molt_host:
    print(f"ratios to the hand-scripted stop: molt {molt_host / base:.2f}x (host's clock), {molt_total / base:.2f}x (report); "
          f"reboot + restart {reboot['outage_s'] / base:.2f}x")
print(json.dumps({"molt_stop_s": molt_total, "molt_stop_host_clock_s": molt_host, "molt_phases_s": phases, "hand_stop_s": hand["stop_s"],
                  "hand_phases_s": hand["stop_phases_s"], "reboot_restart_s": reboot["outage_s"], "reboot": reboot}))
PY
