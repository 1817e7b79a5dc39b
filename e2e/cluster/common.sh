# Settings and helpers shared by up.sh and down.sh (sourced, not run).
#
# The cluster lives in its own network namespace ($TM_NETNS): the CNI bridge, the pod range, the
# service range, kube-proxy's rules and every component's ports exist only there. The machine sees
# the API server on one loopback port, through netns_forward.py. Everything else it writes goes
# under one run directory ($TM_DIR): certificates, kubeconfigs, logs, pids, etcd's data, the
# kubelet's root, containerd's root, state, socket and CNI configuration. Nothing goes into /etc.

# shellcheck disable=SC2034  # used by the scripts that source this file
TM_DIR="${TOPICMESH_CLUSTER_DIR:-/var/tmp/topicmesh-cluster}"
TM_NETNS="${TOPICMESH_CLUSTER_NETNS:-topicmesh-k8s}"
TM_API_PORT="${TOPICMESH_CLUSTER_API_PORT:-16443}"   # on 127.0.0.1 of the machine
TM_BRIDGE=tm0
TM_POD_CIDR=10.244.0.0/24
TM_NODE_IP=10.244.0.1                                # the bridge's address: node IP and gateway
TM_SERVICE_CIDR=10.96.0.0/16
TM_SERVICE_IP=10.96.0.1
TM_NODE_NAME=topicmesh-node
TM_CACHE="${TOPICMESH_CACHE:-$HOME/.cache/topicmesh}"
TM_NETNS_PATH="/var/run/netns/$TM_NETNS"
# Stopped in this order (reverse of start).
TM_COMPONENTS=(netns-forward kube-proxy kubelet kube-scheduler kube-controller-manager containerd kube-apiserver etcd)

tm_die() { echo "cluster: $*" >&2; exit 1; }
tm_log() { echo "cluster: $(date -u +%T) $*" >&2; }

tm_pid_alive() { local pid; pid=$(cat "$TM_DIR/pids/$1" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }

# Stops one component by its pid file: SIGTERM, then SIGKILL after a grace period.
tm_stop() { # name [grace-seconds]
  local name=$1 grace=${2:-20} pid deadline
  pid=$(cat "$TM_DIR/pids/$name" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      tm_log "$name (pid $pid) ignored SIGTERM for ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$TM_DIR/pids/$name"
}
