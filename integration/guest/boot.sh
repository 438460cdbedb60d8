#!/usr/bin/env bash
# Boots the guest under QEMU (TCG, 1 vCPU, 2 GiB) from a copy of the root disk image, by direct
# kernel boot of the OLD kernel, and waits until its agent answers. Prints the run directory.
# Builds whatever is missing first (kernels, base, initramfs, image: all cached).
#
#   integration/guest/boot.sh [--name NAME] [--kernel RELEASE] [--fwd GUEST_PORT]... [--append ARGS]
#
#   --name     run directory $MOLT_CACHE/guest/runs/NAME (default "default"); one guest per name
#   --kernel   release to boot (default OLD_KERNEL of versions.env)
#   --fwd      also forward this guest TCP port to a free host port (DEMO_PORT and MOLT_API_PORT always are)
#   --append   extra kernel command line arguments
# Env: MOLT_GUEST_RNG=0  no virtio-rng device (the kernels' random generators seed late)
#
# Then: integration/guest/gx [--name NAME] -- CMD   runs CMD in the guest;
#       integration/guest/stop.sh [--name NAME]     powers it off and removes its disk copy.
# run.env in the run directory holds HOST_PORT_<guest port>=<host port> for every forward,
# QEMU_PID, the kernel, and BOOT_S (QEMU start -> the agent-ready event on the console, host clock).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$GUEST_DIR/rootfs/etc/molt/guest.env"

name=default kernel=$OLD_KERNEL append="" fwds=("$DEMO_PORT" "$MOLT_API_PORT")
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --fwd) fwds+=("$2"); shift 2 ;;
    --append) append=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

RUN=$(run_dir_of "$name")
if run_alive "$RUN"; then
  die "guest '$name' is already running (QEMU pid $(cat "$RUN/qemu.pid")): stop it with integration/guest/stop.sh --name $name"
fi
image=$("$GUEST_DIR/build-rootfs.sh")
# shellcheck disable=SC1091
. "$image/manifest.env"
kvar=$(echo "$kernel" | tr -c 'a-zA-Z0-9\n' _)
kernel_path=$(eval echo "\${KERNEL_$kvar:-}")
initrd_path=$(eval echo "\${INITRD_$kvar:-}")
[ -n "$kernel_path" ] || die "image $image has no kernel $kernel (it has $OLD_KERNEL $NEW_KERNEL ${EXTRA_KERNELS:-})"

safe_rm_tree "$RUN"
mkdir -p "$RUN"
t_copy=$(now)
cp --sparse=always "$image/root.ext4" "$RUN/root.ext4"
log "disk copied in $(elapsed "$t_copy") s"

# Free host ports: the agent's, then one per forwarded guest port.
guest_ports=("$AGENT_PORT" "${fwds[@]}")
mapfile -t host_ports < <(python3 - "${#guest_ports[@]}" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
PY
)
hostfwd="" i=0
{
  echo "# Written by boot.sh. HOST_PORT_<guest port>=<host port on 127.0.0.1>."
  echo "NAME=$name"
  echo "IMAGE=$image"
  echo "KERNEL=$kernel"
  for gp in "${guest_ports[@]}"; do
    hostfwd+=",hostfwd=tcp:127.0.0.1:${host_ports[$i]}-:$gp"
    echo "HOST_PORT_$gp=${host_ports[$i]}"
    i=$((i + 1))
  done
  echo "AGENT_HOST_PORT=${host_ports[0]}"
} > "$RUN/run.env"

cmdline="console=ttyS0,115200 root=/dev/vda rootfstype=ext4 rw quiet panic=-1${append:+ $append}"
echo "$cmdline" > "$RUN/cmdline"
setsid python3 "$GUEST_DIR/lib/console_logger.py" "$RUN/console.sock" "$RUN/console.log" \
  </dev/null >>"$RUN/console_logger.log" 2>&1 &
echo $! > "$RUN/console_logger.pid"

# A hardware RNG (virtio-rng) seeds each kernel's random generator early, a freshly kexec'd one
# too: CRIU 4.x waits for a seeded generator at every start (FIELD-NOTES). MOLT_GUEST_RNG=0 leaves
# it out, as on a host without one: the boot hook's seed-wait then shows what that costs.
rng=(-object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-pci,rng=rng0)
[ "${MOLT_GUEST_RNG:-1}" != 0 ] || rng=()
t0=$(now)
qemu-system-x86_64 -name "molt-guest-$name" -accel tcg -m 2048 -smp 1 \
  -display none -vga none -no-reboot \
  -kernel "$kernel_path" -initrd "$initrd_path" -append "$cmdline" \
  -drive "file=$RUN/root.ext4,format=raw,if=virtio" \
  -netdev "user,id=n0$hostfwd" -device virtio-net-pci,netdev=n0,romfile= \
  "${rng[@]}" \
  -chardev "socket,id=ser0,path=$RUN/console.sock,server=on,wait=on" -serial chardev:ser0 \
  -monitor "unix:$RUN/monitor.sock,server=on,wait=off" \
  -daemonize -pidfile "$RUN/qemu.pid" >"$RUN/qemu.log" 2>&1 \
  || { cat "$RUN/qemu.log" >&2; kill "$(cat "$RUN/console_logger.pid")" 2>/dev/null || true; die "QEMU did not start"; }
echo "QEMU_PID=$(cat "$RUN/qemu.pid")" >> "$RUN/run.env"
echo "QEMU_START=$t0" >> "$RUN/run.env"

# Ready when the agent answers (rc's last step).
wait_agent "$RUN" "${MOLT_BOOT_TIMEOUT:-180}" 0
ready=$(awk '/MOLT-EVENT agent-ready / { print $1; exit }' "$RUN/console.log")
boot_s=$(awk -v a="$t0" -v b="$ready" 'BEGIN { printf "%.1f", b - a }')
echo "BOOT_S=$boot_s" >> "$RUN/run.env"
log "guest '$name' up on $kernel in $boot_s s (QEMU start -> agent ready); agent on 127.0.0.1:${host_ports[0]}"
echo "$RUN"
