#!/usr/bin/env bash
# The hand-scripted baseline of a live kernel upgrade, end to end, from a fresh machine:
# builds what is missing (kernels, root fs, initramfs, image), boots the guest on OLD_KERNEL,
# starts a workload (a TCP server + a counter child, pids above 4999), connects ONE TCP client from
# the host that polls it every 75 ms, loads NEW_KERNEL with `kexec -l` (outside the stop), then
# stops: `criu dump --tcp-established --network-lock nftables` to the root disk, `kexec -e`; the
# new kernel's rc guards the network, restores with CRIU, lifts the guard. Verifies: uname -r is
# NEW_KERNEL, the workload kept its pids, the counter has no gap, the client's one connection was
# answered by both kernels without a reset. Prints the report (JSON) and exits 0 only if all pass.
#
#   integration/guest/baseline.sh [--keep-guest]
#
# The report is also written to $MOLT_CACHE/guest/runs/baseline/report.json. Only one QEMU runs,
# and it is stopped at the end (unless --keep-guest).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$GUEST_DIR/rootfs/etc/molt/guest.env"

keep=0
[ "${1:-}" = --keep-guest ] && keep=1
# The target: NEW_KERNEL, or MOLT_TO (another kernel of the image, e.g. forky's 7.2.12+deb14-amd64).
# Across releases the operator restores with the CRIU that works on the target (bookworm's 3.17.1
# cannot restore on 7.2): MOLT_BASELINE_RESTORE_CRIU, by default the staged 4.2.1 for any 7.x.
NEW_KERNEL=${MOLT_TO:-$NEW_KERNEL}
case $NEW_KERNEL in
  6.1.*) default_restore_criu=criu ;;
  *) default_restore_criu=/var/lib/molt/criu/4.2.1/criu ;;
esac
RESTORE_CRIU=${MOLT_BASELINE_RESTORE_CRIU:-$default_restore_criu}
NAME=${MOLT_BASELINE_NAME:-baseline}
RUN=$(run_dir_of "$NAME")
GX=("$GUEST_DIR/gx" --name "$NAME")
BASE=/usr/local/lib/molt-baseline    # guest-side scripts (pushed at run time: no image rebuild)
DATA=/var/lib/molt-baseline          # workload's files and CRIU images, on the persistent root disk
t_all=$(now)

"$GUEST_DIR/install-host-deps.sh"
t_build=$(now)
"$GUEST_DIR/build-rootfs.sh" >/dev/null
build_s=$(elapsed "$t_build")

client_pid=""
cleanup() {
  [ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null || true
  [ "$keep" = 1 ] || "$GUEST_DIR/stop.sh" --name "$NAME" || true
}
trap cleanup EXIT

"$GUEST_DIR/boot.sh" --name "$NAME" >/dev/null
boot_s=$(sed -n 's/^BOOT_S=//p' "$RUN/run.env")
demo_host_port=$(sed -n "s/^HOST_PORT_$DEMO_PORT=//p" "$RUN/run.env")

log "pushing the baseline's guest scripts to $BASE"
for f in workload.py stop.sh restore.sh; do
  "${GX[@]}" --put "$GUEST_DIR/baseline/$f" "$BASE/$f"
done
"${GX[@]}" -- "chmod +x $BASE/*"

log "starting the workload (pids above 4999)"
"${GX[@]}" -- "mkdir -p $DATA /var/log/molt-baseline && rm -f $DATA/workload.pids $DATA/counter.log &&
  echo 4999 > /proc/sys/kernel/ns_last_pid &&
  setsid -f python3 $BASE/workload.py --port $DEMO_PORT --dir $DATA </dev/null >/var/log/molt-baseline/workload.log 2>&1"
"${GX[@]}" --timeout 60 -- "until [ -s $DATA/workload.pids ] && ss -Hltn 'sport = :$DEMO_PORT' | grep -q .; do sleep 0.1; done"
pids_before=$("${GX[@]}" -- "cat $DATA/workload.pids")
root_pid=${pids_before%% *}
log "workload: server pid $root_pid, counter pid ${pids_before#* }"

samples="$RUN/client.jsonl" stopfile="$RUN/client.stop"
rm -f "$samples" "$stopfile"
python3 "$GUEST_DIR/lib/tcp_client.py" --port "$demo_host_port" --samples "$samples" \
  --stop-file "$stopfile" --interval 0.075 &
client_pid=$!
answers_on() { grep -c "\"kernel\": \"$1\"" "$samples" 2>/dev/null || true; }
wait_answers() {  # kernel count seconds
  local deadline=$(( $(date +%s) + $3 ))
  until [ "$(answers_on "$1")" -ge "$2" ]; do
    kill -0 "$client_pid" 2>/dev/null || { tail -3 "$samples" >&2; die "the host client stopped (last samples above)"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "fewer than $2 answers from $1 within $3 s ($samples)"
    sleep 0.1
  done
}
wait_answers "$OLD_KERNEL" 10 60

log "kexec -l $NEW_KERNEL (before the stop)"
kexec_load_s=$("${GX[@]}" -- "s=\$(cut -d' ' -f1 /proc/uptime);
  kexec -l /boot/vmlinuz-$NEW_KERNEL --initrd=/boot/initrd.img-$NEW_KERNEL --append=\"\$(cat /proc/cmdline)\" >&2 &&
  awk -v s=\$s '{ printf \"%.2f\", \$1 - s }' /proc/uptime")
[ "$("${GX[@]}" -- 'cat /sys/kernel/kexec_loaded')" = 1 ] || die "kexec -l did not load $NEW_KERNEL"
sleep 1

# The host's 2 cores are shared: QEMU's share of a core during the stop says how far contention
# inflated the numbers (TCG runs the vCPU in one thread: ~1.0 means it was not starved).
qemu_pid=$(cat "$RUN/qemu.pid")
qemu_cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$qemu_pid/stat"; }
boot_cpu_share=$(awk -v c="$(qemu_cpu_s)" -v a="$(sed -n 's/^QEMU_START=//p' "$RUN/run.env")" -v b="$(now)" 'BEGIN { printf "%.2f", c / (b - a) }')
load_before=$(cut -d' ' -f1 /proc/loadavg)
from_line=$(wc -l < "$RUN/console.log")
log "stop: criu dump, kexec -e (server pid $root_pid)"
cpu0=$(qemu_cpu_s) t0=$(now)
"${GX[@]}" -- "setsid -f $BASE/stop.sh $root_pid $DATA/images $RESTORE_CRIU </dev/null >/var/log/molt-baseline/stop.log 2>&1"
result=$(wait_event "$RUN" "$from_line" 'restore-done|restore-failed|dump-failed|kexec-failed|stop-refused' 180)
[ "$result" = restore-done ] || die "the stop ended in $result: see $RUN/console.log"
stop_cpu_share=$(awk -v c0="$cpu0" -v c1="$(qemu_cpu_s)" -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", (c1 - c0) / (b - a) }')
wait_agent "$RUN" 120 "$from_line"
log "restored on the new kernel; waiting for the client's answers from it"
wait_answers "$NEW_KERNEL" 20 60
touch "$stopfile"
wait "$client_pid" || true
client_pid=""

uname_after=$("${GX[@]}" -- 'uname -r')
pids_alive_after=$("${GX[@]}" -- "for p in $pids_before; do [ -d /proc/\$p ] && printf '%s ' \$p; done")
"${GX[@]}" -- "cat $DATA/counter.log" > "$RUN/counter.log"
images_kb=$("${GX[@]}" -- "du -sk $DATA/images | cut -f1")

extra=$(printf '{"build_s": %s, "boot_s": %s, "kexec_load_s": %s, "images_kb": %s, "whole_run_s": %s, "host_load_before_stop": %s, "qemu_cpu_share_before_stop": %s, "qemu_cpu_share_stop": %s, "run_dir": "%s"}' \
  "$build_s" "$boot_s" "$kexec_load_s" "$images_kb" "$(elapsed "$t_all")" "$load_before" "$boot_cpu_share" "$stop_cpu_share" "$RUN")
set +e
python3 "$GUEST_DIR/lib/baseline_report.py" --console "$RUN/console.log" --from-line "$from_line" \
  --samples "$samples" --counter "$RUN/counter.log" --old "$OLD_KERNEL" --new "$NEW_KERNEL" \
  --uname-after "$uname_after" --pids-before "$pids_before" --pids-alive-after "$pids_alive_after" \
  --qemu-start "$(sed -n 's/^QEMU_START=//p' "$RUN/run.env")" --extra "$extra" > "$RUN/report.json"
verdict=$?
set -e
cat "$RUN/report.json"
[ "$verdict" = 0 ] && log "baseline OK" || log "baseline FAILED: see the checks above and $RUN/console.log"
exit "$verdict"
