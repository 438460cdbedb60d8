#!/usr/bin/env bash
# Molt's main job, for real: a Debian guest under QEMU (TCG) boots 6.1.0-50 with Molt installed as a
# server runs it (moltd started at boot, its store on the root disk, its API forwarded to the host),
# runs a workload (a TCP server, a counter, a guest-local TCP client; pids above 4999) with one TCP
# client on the host, and the operator on the host runs `molt --connect ... upgrade --switch kexec`
# to 6.1.0-56, or to the kernel named by TO (a Debian release the guest image holds, e.g. forky's
# 7.2.12+deb14-amd64: across releases, restored by the staged CRIU 4.2.1). Prints Molt's stop report (each phase and the total stop), human-readable and as
# JSON, then checks that the workload came through: new kernel, same pids, no counter gap, the host
# connection and the guest-local one answered by both kernels without a reset.
#
#   integration/demo/guest-demo.sh [TO]   (make demo [TO=7.2.12+deb14-amd64]; needs a build: make build)
#
# From a fresh machine it first builds the guest (kernels, root fs, image: ~2-3 min, then cached).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
guest=$root/integration/guest
. "$guest/lib/common.sh"
NAME=${MOLT_DEMO_NAME:-demo}   # the guest's name (runs/NAME); MOLT_DEMO_NAME lets two runs coexist
RUN=$(run_dir_of "$NAME")
GX=("$guest/gx" --name "$NAME")
DATA=/var/lib/molt-baseline
TO=${1:-${MOLT_TO:-$NEW_KERNEL}}
t0=$(now)

dist=$(MOLT_DIST_SKIP_BUILD=${MOLT_DIST_SKIP_BUILD:-1} "$root/scripts/dist.sh" "$root/target/dist")
client_pid=
cleanup() {
  set +e
  [ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null
  "$guest/stop.sh" --name "$NAME" >/dev/null 2>&1
}
trap cleanup EXIT
MOLT_GUEST_DIST=$dist "$guest/boot.sh" --name "$NAME" >/dev/null
. "$RUN/run.env"
api=127.0.0.1:$(sed -n 's/^HOST_PORT_7300=//p' "$RUN/run.env")
port=$(sed -n "s/^HOST_PORT_$DEMO_PORT=//p" "$RUN/run.env")
log "guest up in $BOOT_S s; Molt's API at $api"

"${GX[@]}" --put "$guest/baseline/workload.py" /usr/local/lib/molt-baseline/workload.py
"${GX[@]}" -- "mkdir -p $DATA /var/log/molt-baseline && rm -f $DATA/* && echo 4999 > /proc/sys/kernel/ns_last_pid &&
  setsid -f python3 /usr/local/lib/molt-baseline/workload.py --port $DEMO_PORT --dir $DATA --local-client \
  </dev/null >/var/log/molt-baseline/workload.log 2>&1"
"${GX[@]}" --timeout 60 -- "until [ -s $DATA/local-client.log ]; do sleep 0.1; done"
pids=$("${GX[@]}" -- "cat $DATA/workload.pids")
root_pid=${pids%% *}
log "workload: pids $pids (server, counter, guest-local client)"

samples=$RUN/client.jsonl
rm -f "$samples" "$RUN/client.stop"
python3 "$guest/lib/tcp_client.py" --port "$port" --samples "$samples" --stop-file "$RUN/client.stop" --interval 0.075 &
client_pid=$!
for _ in $(seq 600); do "$root/bin/molt" --connect "$api" status >/dev/null 2>&1 && break; sleep 0.5; done
until [ "$(grep -c "$OLD_KERNEL" "$samples" 2>/dev/null)" -ge 10 ]; do sleep 0.2; done

echo
set +e
"$root/bin/molt" --connect "$api" upgrade --workload "pid:$root_pid" --switch kexec \
  --kernel "/boot/vmlinuz-$TO" --initrd "/boot/initrd.img-$TO" --tcp 2>&1 | tee "$RUN/upgrade.txt"
rc=${PIPESTATUS[0]}
set -e
id=$(sed -n 's/^Upgrade \(u-[^ ]*\) started.*/\1/p' "$RUN/upgrade.txt")
echo
echo "Stop report as JSON:"
"$root/bin/molt" --connect "$api" --output json upgrades show "$id" | tee "$RUN/upgrade.json"

until [ "$(grep -c "$TO" "$samples" 2>/dev/null)" -ge 20 ] || ! kill -0 "$client_pid" 2>/dev/null; do sleep 0.2; done
touch "$RUN/client.stop"; wait "$client_pid"; client_pid=
echo
python3 - "$samples" "$RUN/upgrade.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in rows if "kernel" in r]
errors = [r for r in rows if "error" in r]
waits = [r["received"] - r["sent"] for r in ok]
kernels = []
for r in ok:
    if not kernels or kernels[-1] != r["kernel"]:
        kernels.append(r["kernel"])
print(f"host TCP client: {len(ok)} answers over one connection, kernels in order {kernels}, "
      f"errors {len(errors)}, longest wait {max(waits):.2f} s")
PY
# The same stop on the host's clock: the console's MOLT-EVENT lines, stamped by the host, from
# moltd's park-start in the old kernel to the boot hook's unpark in the new one.
python3 - "$RUN/console.log" <<'PY'
import re, sys
t = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"(\d+\.\d+) MOLT-EVENT (\S+)", line)
    if m:
        t.setdefault(m.group(2), []).append(float(m.group(1)))
last = lambda k: t[k][-1] if k in t else None
start, switch = last("park-start"), last("switch")
end_name = "boot-restore-done" if "boot-restore-done" in t else "unparked"
end = last(end_name)
if start and end:
    parts = [f"stop on the host's clock: {end - start:.2f} s (park-start -> {end_name})"]
    if switch and last("boot-restore-start"):
        parts.append(f"switch -> boot hook {last('boot-restore-start') - switch:.2f} s")
    print("; ".join(parts))
    # Where the stop went, on the host's clock: every console moment from park-start to the end,
    # the new kernel's first line ("Linux version") included.
    moments = []
    for line in open(sys.argv[1], errors="replace"):
        m = re.match(r"(\d+\.\d+) (.*)", line)
        if not m:
            continue
        at, text = float(m.group(1)), m.group(2)
        if start <= at <= end:
            e = re.match(r"MOLT-EVENT (\S+)", text)
            if e:
                moments.append((at, e.group(1)))
            elif "Linux version" in text:
                moments.append((at, "new-kernel-first-line"))
    prev = start
    print("timeline (host's clock, s since park-start / since the previous moment):")
    for at, name in moments:
        print(f"  {at - start:7.2f} {at - prev:+6.2f}  {name}")
        prev = at
else:
    print("stop on the host's clock: no park-start/unpark events on the console")
PY
uname_after=$("${GX[@]}" -- 'uname -r')
alive=$("${GX[@]}" -- "for p in $pids; do [ -d /proc/\$p ] && printf '%s ' \$p; done")
gaps=$("${GX[@]}" -- "awk '{ if (p && \$1 != p+1) print p\" -> \"\$1; p=\$1 }' $DATA/counter.log")
cpids=$("${GX[@]}" -- "awk '{ print \$2 }' $DATA/counter.log | sort -u | tr '\n' ' '")
local_err=$("${GX[@]}" -- "grep -c ERROR $DATA/local-client.log || true")
local_kernels=$("${GX[@]}" -- "awk '{ print \$2 }' $DATA/local-client.log | uniq | tr '\n' ' '")
echo "guest: uname -r $uname_after; workload pids before '$pids' alive after '$alive'"
echo "counter: pids '$cpids', gaps: ${gaps:-none}"
echo "guest-local TCP client: answered by '$local_kernels', errors $local_err"
"$root/bin/molt" --connect "$api" status 2>/dev/null | grep -i criu || true
echo "moltd in the new kernel: $("${GX[@]}" -- "grep -h 'INFO: restored' /var/log/molt/moltd.log | tail -1 | sed 's/^INFO: //'")"
echo "whole demo: $(elapsed "$t0") s"
[ "$rc" = 0 ] && [ "$uname_after" = "$TO" ] && [ "$alive" = "$pids " ] && [ -z "$gaps" ] && [ "$local_err" = 0 ] \
  && ! grep -q '"error"' "$samples" && echo "DEMO OK" || { echo "DEMO FAILED"; exit 1; }
