#!/usr/bin/env bash
# The guest benchmark, in one run, side by side on the same guest image: the outage of the same
# workload (TCP server + counter + guest-local client, one TCP client on the host) when its guest
# moves from 6.1.0-50 to each target of BENCH_TARGETS (default: 6.1.0-56, within the release, and
# Debian forky's 7.2.12, across releases), in two ways each, plus one reboot:
#   molt        `molt --connect ... upgrade --switch kexec` (integration/demo/guest-demo.sh TARGET):
#               Molt's total stop, park to unpark, from its stop report, and on the host's clock
#   hand        the hand-scripted criu dump + kexec + criu restore (integration/guest/baseline.sh
#               with MOLT_TO=TARGET; across releases it restores with the staged CRIU 4.2.1)
#   reboot      a plain reboot and the workload started again (guest-reboot-restart.sh): reset
#               to the restarted workload's first answer; its connections and state are lost
# One QEMU at a time. Also reports the host's load, since the 2 shared cores inflate every number.
#
#   integration/bench/guest-bench.sh      (make bench-guest; needs a build: make build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/integration/guest/versions.env"
out=$root/target/guest-bench
mkdir -p "$out"
load() { cut -d' ' -f1 /proc/loadavg; }
targets=${BENCH_TARGETS:-$NEW_KERNEL 7.2.12+deb14-amd64}
# Guest names: BENCH_PREFIX-demo and BENCH_PREFIX-baseline when set (runs beside someone else's demo).
prefix=${BENCH_PREFIX:+$BENCH_PREFIX-}
export MOLT_DEMO_NAME=${prefix}demo MOLT_BASELINE_NAME=${prefix}baseline

for to in $targets; do
  echo "== molt upgrade to $to (load $(load))" >&2
  "$root/integration/demo/guest-demo.sh" "$to" > "$out/molt-$to.txt" 2>"$out/molt-$to.err" || { tail -30 "$out/molt-$to.txt" >&2; exit 1; }
  echo "== hand-scripted criu + kexec to $to (load $(load))" >&2
  MOLT_TO=$to "$root/integration/guest/baseline.sh" > "$out/hand-$to.json" 2>"$out/hand-$to.err" || { tail -30 "$out/hand-$to.err" >&2; exit 1; }
done
if [ -z "${BENCH_NO_REBOOT:-}" ]; then
  echo "== reboot + restart (load $(load))" >&2
  "$root/integration/bench/guest-reboot-restart.sh" > "$out/reboot.json" 2>"$out/reboot.err" || { tail -30 "$out/reboot.err" >&2; exit 1; }
fi

python3 - "$out" "$OLD_KERNEL" $targets <<'PY'
import json, os, re, sys
d, old, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"{'way':66} {'stop / outage':>14} {'client wait':>12}  connections")
summary = {}
for to in targets:
    molt_txt = open(f"{d}/molt-{to}.txt").read()
    m = re.search(r"Stop report as JSON:\n(\{.*?\n\})\n", molt_txt, re.S)
    upgrade = json.loads(m.group(1)) if m else {}
    report = upgrade.get("stopReport") or upgrade.get("upgrade", {}).get("stopReport", {})
    molt_total = int(report.get("totalStopMillis", 0)) / 1000
    phases = {p["name"]: int(p.get("millis", 0)) / 1000 for p in report.get("phases", [])}
    wait = re.search(r"longest wait ([0-9.]+) s", molt_txt)
    host_clock = re.search(r"stop on the host's clock: ([0-9.]+) s", molt_txt)
    molt_host = float(host_clock.group(1)) if host_clock else float("nan")
    hand = json.load(open(f"{d}/hand-{to}.json"))
    rows = [
        (f"{old} -> {to}: molt, host's clock (console events)", molt_host, float(wait.group(1)) if wait else None),
        (f"{old} -> {to}: molt, its stop report", molt_total, None),
        (f"{old} -> {to}: hand-scripted criu dump + kexec + restore", hand["stop_s"], hand["client"]["longest_wait_for_an_answer_s"]),
    ]
    for name, stop, w in rows:
        print(f"{name:66} {stop:13.2f}s {(f'{w:.2f}s' if w is not None else '-'):>12}  kept")
    print(f"   molt's phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in phases.items()))
    print(f"   CRIU: dumped by {report.get('dumpCriu', '?')}, restored by {report.get('restoreCriu', '?')}")
    print(f"   hand-scripted phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in hand["stop_phases_s"].items()))
    print(f"   ratio molt (host's clock) / hand-scripted: {molt_host / hand['stop_s']:.2f}x")
    summary[to] = {"molt_stop_s": molt_total, "molt_stop_host_clock_s": molt_host, "molt_phases_s": phases,
                   "dump_criu": report.get("dumpCriu"), "restore_criu": report.get("restoreCriu"),
                   "hand_stop_s": hand["stop_s"], "hand_phases_s": hand["stop_phases_s"]}
if os.path.exists(f"{d}/reboot.json"):
    reboot = json.load(open(f"{d}/reboot.json"))
    print(f"{'plain reboot + workload restart':66} {reboot['outage_s']:13.2f}s {'-':>12}  lost")
    summary["reboot_restart_s"] = reboot["outage_s"]
print(json.dumps(summary))
PY
