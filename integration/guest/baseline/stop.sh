#!/bin/bash
# The baseline's stop, run detached in the guest (its agent dies with the old kernel):
# dump the workload tree with CRIU to the persistent root disk, leave the restore marker that the
# new kernel's /etc/molt/rc acts on, sync, and kexec into the kernel loaded before (kexec -l).
#   stop.sh ROOT_PID IMAGES_DIR [RESTORE_CRIU]   (the CRIU the new kernel restores with; default criu)
# Each step prints "MOLT-EVENT <name> uptime=..." on the console; the host time-stamps them.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
root_pid=$1 images=$2 restore_criu=${3:-criu}
here=$(cd "$(dirname "$0")" && pwd)
event() { read -r up _ </proc/uptime; echo "MOLT-EVENT $1 uptime=$up${2:+ $2}" >/dev/console; }

[ "$(cat /sys/kernel/kexec_loaded)" = 1 ] || { event stop-refused "reason=no-kernel-loaded"; exit 1; }
rm -rf "$images" && mkdir -p "$images"
event dump-start
if ! criu dump -t "$root_pid" -D "$images" --tcp-established --network-lock nftables \
     -o dump.log -v4; then
  event dump-failed
  tail -20 "$images/dump.log" >/dev/console
  exit 1
fi
event dump-done "images_kb=$(du -sk "$images" | cut -f1)"
mkdir -p /var/lib/molt/restore
cat > /var/lib/molt/restore/pending.tmp <<MARKER
# Written by the baseline's stop.sh: /etc/molt/rc runs RESTORER guard|restore with this file.
RESTORER=$here/restore.sh
ROOT_PID=$root_pid
IMAGES=$images
RESTORE_CRIU=$restore_criu
MARKER
mv /var/lib/molt/restore/pending.tmp /var/lib/molt/restore/pending
sync
event kexec-exec
kexec -e
event kexec-failed
