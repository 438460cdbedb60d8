#!/bin/bash
# The baseline's restorer, run by the new kernel's /etc/molt/rc when the restore marker exists:
#   restore.sh guard   MARKER  before eth0 is up: drop the peers' TCP traffic (their
#                              retransmissions would get RST before the sockets exist) and turn
#                              TCP window scaling off (QEMU's user network did not negotiate it)
#   restore.sh restore MARKER  after eth0 is up: criu restore, then lift the guard
# The guard is the table CRIU's own unlock removes after a restore (CRIU 3.17.1: inet
# CRIU-<root pid>), so traffic flows again exactly when the sockets are back (FIELD-NOTES).
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
phase=$1 marker=$2
event() { read -r up _ </proc/uptime; echo "MOLT-EVENT $1 uptime=$up${2:+ $2}" >/dev/console; }
# shellcheck disable=SC1090
. "$marker"
table="CRIU-$ROOT_PID"

case $phase in
  guard)
    nft -f - <<NFT
table inet $table {
  chain input { type filter hook input priority 0; policy accept; iifname != "lo" meta l4proto tcp drop; }
  chain output { type filter hook output priority 0; policy accept; oifname != "lo" meta l4proto tcp drop; }
}
NFT
    echo 0 > /proc/sys/net/ipv4/tcp_window_scaling
    event guard-up "table=inet-$table"
    ;;
  restore)
    event restore-start
    if "${RESTORE_CRIU:-criu}" restore -D "$IMAGES" --tcp-established -d -o restore.log -v4; then
      event restore-done
      result=restored
    else
      event restore-failed
      tail -20 "$IMAGES/restore.log" >/dev/console
      result=failed
    fi
    if nft list table inet "$table" >/dev/null 2>&1; then
      nft delete table inet "$table"
      event guard-removed "by=restorer"
    else
      event guard-removed "by=criu"
    fi
    echo 1 > /proc/sys/net/ipv4/tcp_window_scaling
    mv "$marker" "${marker%/*}/$result-$(date +%s)"
    ;;
  *) echo "restore.sh: unknown phase $phase (guard|restore)" >&2; exit 2 ;;
esac
