#!/usr/bin/env bash
# Stops everything e2e/cluster/up.sh started and removes what it left: the pods' containers and
# sandboxes (their processes, mounts and network namespaces), the veths and the bridge (with the
# cluster's network namespace), and the run directory. Safe to run when nothing is up.
#
# Usage: down.sh [--keep-logs DIR]   copy the components' logs to DIR before removing the run dir
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

keep_logs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-logs) [ $# -ge 2 ] || tm_die "--keep-logs needs a directory"; keep_logs=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) tm_die "unknown option $1" ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || tm_die "must run as root"

sock="$TM_DIR/containerd/containerd.sock"

# 1. The kubelet first, so it restarts nothing; then every pod through containerd's CRI while
# containerd still runs (that tears down their CNI attachments: veths and IPAM leases).
tm_stop kubelet 20
if tm_pid_alive containerd && [ -S "$sock" ]; then
  crictl_like() { ctr --address "$sock" -n k8s.io "$@"; }
  # Kill every task (container and sandbox processes), then delete containers.
  for id in $(crictl_like tasks ls -q 2>/dev/null); do
    crictl_like tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  deadline=$((SECONDS + 20))
  while [ -n "$(crictl_like tasks ls -q 2>/dev/null | head -n1)" ] && [ $SECONDS -lt $deadline ]; do
    for id in $(crictl_like tasks ls -q 2>/dev/null); do crictl_like tasks delete -f "$id" >/dev/null 2>&1 || true; done
    sleep 0.5
  done
  for id in $(crictl_like containers ls -q 2>/dev/null); do
    crictl_like containers delete "$id" >/dev/null 2>&1 || true
  done
fi

# 2. The other components, newest first.
for c in "${TM_COMPONENTS[@]}"; do
  tm_stop "$c" 20
done
# Shims outlive containerd by design: end those that belong to this run directory.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $TM_DIR/containerd/containerd.sock" 2>/dev/null || true); do
  kill -KILL "$pid" 2>/dev/null || true
done
# Container processes whose shim is gone (their cgroups are under kubepods).
for f in /sys/fs/cgroup/pids/kubepods/cgroup.procs $(find /sys/fs/cgroup/pids/kubepods -name cgroup.procs 2>/dev/null); do
  [ -f "$f" ] || continue
  while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$f"
done

# 3. Mounts under the run directory (volumes, rootfs, shm, network namespaces), deepest first.
if [ -d "$TM_DIR" ]; then
  for _ in 1 2 3; do
    mounts="$(awk -v d="$TM_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)"
    [ -n "$mounts" ] || break
    while read -r m; do umount -l "$m" 2>/dev/null || true; done <<<"$mounts"
  done
fi

# 4. Network: the cluster's namespace holds the bridge, the host ends of the veths and the
# iptables rules; deleting it removes them all. The pods' namespaces went with their mounts.
if [ -e "$TM_NETNS_PATH" ]; then
  ip -n "$TM_NETNS" link del "$TM_BRIDGE" 2>/dev/null || true
  ip netns del "$TM_NETNS" || tm_log "could not delete network namespace $TM_NETNS"
fi

# 5. Empty kubepods cgroups the kubelet created (cgroup v1: one tree per controller).
for ctl in /sys/fs/cgroup/*/; do
  [ -d "$ctl/kubepods" ] || continue
  find "$ctl/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done

if [ -n "$keep_logs" ] && [ -d "$TM_DIR/logs" ]; then
  mkdir -p "$keep_logs"
  cp -r "$TM_DIR/logs/." "$keep_logs/"
  tm_log "logs copied to $keep_logs"
fi
if [ -d "$TM_DIR" ]; then
  rm -rf "$TM_DIR" 2>/dev/null || { sleep 1; rm -rf "$TM_DIR"; } || tm_die "could not remove $TM_DIR (something still mounted? see /proc/self/mountinfo)"
fi
tm_log "cluster down"
