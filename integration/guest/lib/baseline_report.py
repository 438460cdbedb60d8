#!/usr/bin/env python3
"""Turns one baseline run's evidence into its report (JSON on stdout) and its verdict (exit 0 only
when every check passes). Evidence: the host-stamped console (MOLT-EVENT lines), the host client's
samples, the workload's counter log copied out of the guest, and a few numbers from baseline.sh.

Phases of the stop (dump start -> restore done). Within one kernel, durations come from the
guest's own uptime (two events of the same boot); across the kexec, from the host's stamps.
"""
import argparse
import json
import re
import sys

EVENT = re.compile(r"^(?P<host>\d+\.\d+) MOLT-EVENT (?P<name>\S+) uptime=(?P<up>[\d.]+)(?P<rest>.*)$")


def events(console, from_line, to_line=None):
    seen = {}
    with open(console, errors="replace") as f:
        for n, line in enumerate(f):
            if n < from_line or (to_line is not None and n >= to_line):
                continue
            m = EVENT.match(line.strip())
            if m:
                # the first occurrence after from_line: one stop, one new boot
                seen.setdefault(m["name"], (float(m["host"]), float(m["up"]), m["rest"].strip()))
    return seen


def r(x):
    return None if x is None else round(x, 3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--console", required=True)
    p.add_argument("--from-line", type=int, default=0)
    p.add_argument("--samples", required=True)
    p.add_argument("--counter", required=True)
    p.add_argument("--old", required=True)
    p.add_argument("--new", required=True)
    p.add_argument("--uname-after", required=True)
    p.add_argument("--pids-before", required=True, help="'ROOT COUNTER' before the stop")
    p.add_argument("--pids-alive-after", required=True, help="the same pids alive after, or ''")
    p.add_argument("--qemu-start", type=float, required=True, help="host time QEMU was started")
    p.add_argument("--extra", default="{}", help="JSON merged into the report (build, boot, kexec -l)")
    a = p.parse_args()

    ev = events(a.console, a.from_line)
    H = lambda name: ev[name][0] if name in ev else None
    U = lambda name: ev[name][1] if name in ev else None

    def same_boot(b, e):  # both events in the new kernel's boot: uptime difference
        return U(e) - U(b) if U(b) is not None and U(e) is not None else None

    kernel_clock_start = H("initramfs-init") - U("initramfs-init") if "initramfs-init" in ev else None
    phases = {
        "dump": r(U("dump-done") - U("dump-start")) if "dump-done" in ev else None,
        "persist_marker_and_sync": r(U("kexec-exec") - U("dump-done")) if "kexec-exec" in ev else None,
        "kexec_e_to_new_kernel_clock": r(kernel_clock_start - H("kexec-exec")) if kernel_clock_start and "kexec-exec" in ev else None,
        "new_kernel_clock_to_initramfs_init": r(U("initramfs-init")),
        "initramfs_to_root_rc": r(same_boot("initramfs-init", "rc-start")),
        "rc_to_restore_start": r(same_boot("rc-start", "restore-start")),
        "criu_restore": r(same_boot("restore-start", "restore-done")),
    }
    stop = r(H("restore-done") - H("dump-start")) if "restore-done" in ev and "dump-start" in ev else None

    cold = events(a.console, 0, a.from_line)
    cold_boot = None
    if "initramfs-init" in cold and "agent-ready" in cold:
        clock0 = cold["initramfs-init"][0] - cold["initramfs-init"][1]
        cold_boot = {
            "qemu_start_to_kernel_clock": r(clock0 - a.qemu_start),
            "kernel_clock_to_initramfs_init": r(cold["initramfs-init"][1]),
            "initramfs_to_root_rc": r(cold["rc-start"][1] - cold["initramfs-init"][1]),
            "rc_to_agent_ready": r(cold["agent-ready"][1] - cold["rc-start"][1]),
            "total": r(cold["agent-ready"][0] - a.qemu_start),
        }

    samples = [json.loads(l) for l in open(a.samples) if l.strip()]
    answers = [s for s in samples if "received" in s]
    errors = [s for s in samples if "error" in s]
    connections = {s["local_port"] for s in samples if "local_port" in s}
    kernels_in_order = []
    for s in answers:
        if not kernels_in_order or kernels_in_order[-1] != s.get("kernel"):
            kernels_in_order.append(s.get("kernel"))
    gaps = [b["received"] - a_["received"] for a_, b in zip(answers, answers[1:])]
    first_new = next((s for s in answers if s.get("kernel") == a.new), None)
    client = {
        "connections": len(connections),
        "answers": len(answers),
        "answers_old_kernel": sum(1 for s in answers if s.get("kernel") == a.old),
        "answers_new_kernel": sum(1 for s in answers if s.get("kernel") == a.new),
        "kernels_in_order": kernels_in_order,
        "server_pids": sorted({s.get("pid") for s in answers}),
        "longest_wait_for_an_answer_s": r(max(gaps) if gaps else None),
        "first_answer_after_restore_done_s": r(first_new["received"] - H("restore-done")) if first_new and "restore-done" in ev else None,
        "errors": [e["error"] for e in errors],
    }

    rows = [l.split() for l in open(a.counter) if l.strip()]
    seqs = [int(x[0]) for x in rows]
    switch = next((i for i in range(1, len(rows)) if rows[i][2] != rows[i - 1][2]), None)
    counter = {
        "lines": len(rows),
        "pids": sorted({x[1] for x in rows}),
        "kernels_in_order": [k for i, k in enumerate(x[2] for x in rows) if i == 0 or rows[i - 1][2] != k],
        "sequence_contiguous": seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else False,
        "realtime_gap_at_switch_s": r(float(rows[switch][4]) - float(rows[switch - 1][4])) if switch else None,
        "monotonic_gap_at_switch_s": r(float(rows[switch][3]) - float(rows[switch - 1][3])) if switch else None,
    }

    checks = {
        "uname_is_new_kernel": a.uname_after.strip() == a.new,
        "workload_pids_kept": a.pids_alive_after.split() == a.pids_before.split() and bool(a.pids_before.split()),
        "counter_same_pid_no_gap": counter["sequence_contiguous"] and len(counter["pids"]) == 1
            and counter["kernels_in_order"] == [a.old, a.new],
        "one_connection_answered_by_both_kernels": client["connections"] == 1
            and client["kernels_in_order"] == [a.old, a.new],
        "no_reset": not client["errors"],
    }
    report = {
        "scenario": f"kexec {a.old} -> {a.new}, CRIU dump/restore of a TCP server + counter",
        "ok": all(checks.values()),
        "checks": checks,
        "stop_s": stop,
        "stop_phases_s": phases,
        "cold_boot_phases_s": cold_boot,
        "client": client,
        "counter": counter,
        "events": {k: {"host": v[0], "uptime": v[1], **({"info": v[2]} if v[2] else {})} for k, v in ev.items()},
    }
    report.update(json.loads(a.extra))
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
