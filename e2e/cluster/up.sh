#!/usr/bin/env bash
# Brings up a real single-node Kubernetes on this machine, built from source, with no registry and
# no Docker: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd (Debian's,
# with runc and the CNI plugins), the kubelet and kube-proxy (iptables mode), then imports the
# topicmesh images and installs the chart. Ends by printing `export KUBECONFIG=<path>`.
#
# Usage: up.sh [--no-chart] [--no-images]
#   --no-chart    do not install the Helm chart (the e2e suite installs it itself)
#   --no-images   do not build or import the node/operator images (the sandbox image is always there)
#
# Idempotent: builds only what is missing (cached under ${TOPICMESH_CACHE:-~/.cache/topicmesh}),
# and when the cluster is already up it re-imports changed images, upgrades the chart, and prints
# the export line. Stop and remove everything with down.sh.
#
# Network: everything runs in the network namespace $TOPICMESH_CLUSTER_NETNS (topicmesh-k8s). Pods get
# 10.244.0.0/24 on the bridge tm0 (10.244.0.1 is the node's address), Services 10.96.0.0/16; both
# exist only inside that namespace, which has no route anywhere else, so no traffic leaves the
# machine. The API server is forwarded to 127.0.0.1:$TOPICMESH_CLUSTER_API_PORT (16443).
#
# Environment: TOPICMESH_CLUSTER_DIR (run directory, default /var/tmp/topicmesh-cluster),
# TOPICMESH_CLUSTER_NETNS, TOPICMESH_CLUSTER_API_PORT, TOPICMESH_CACHE, TOPICMESH_CLUSTER_TIMEOUT
# (seconds each wait may take, default 180).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"
# shellcheck source=../control-plane/versions.env
source "$repo/e2e/control-plane/versions.env"
# shellcheck source=../control-plane/pki.sh
source "$repo/e2e/control-plane/pki.sh"

with_chart=1
with_images=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-chart) with_chart=0 ;;
    --no-images) with_images=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) tm_die "unknown option $1 (see --help)" ;;
  esac
  shift
done

timeout="${TOPICMESH_CLUSTER_TIMEOUT:-180}"
[ "$(id -u)" = 0 ] || tm_die "must run as root (network namespaces, containerd, the kubelet)"
bin="$TM_CACHE/kubeapitest/k8s/${KUBE_VERSION}-linux-amd64"
kubectl="$bin/kubectl"
ns_exec=(nsenter "--net=$TM_NETNS_PATH")
mkdir -p "$TM_DIR"/{pids,logs,pki}

# --- 1. what this needs, built or installed when missing --------------------------------------------
install_packages() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v nsenter >/dev/null || missing+=(util-linux)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  [ ${#missing[@]} = 0 ] && return
  tm_log "installing Debian packages: ${missing[*]}"
  command -v apt-get >/dev/null || tm_die "missing ${missing[*]} and no apt-get to install them"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || tm_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || tm_die "apt-get install ${missing[*]} failed"
}

build_all() {
  "$repo/e2e/control-plane/build.sh" >&2 || tm_die "control-plane build failed"
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    [ -x "$bin/$b" ] || tm_die "missing $bin/$b after the control-plane build"
  done
  helm="$("$here/build-helm.sh")" || tm_die "helm build failed"
  if [ $with_images = 1 ]; then
    if [ ! -f "$repo/node/target/topicmesh-node.jar" ] || [ ! -f "$repo/operator/target/topicmesh-operator.jar" ]; then
      tm_log "building the node and operator jars (mvn -DskipTests package)"
      (cd "$repo" && mvn -B -ntp -q -DskipTests package -pl node,operator -am >&2) || tm_die "mvn package failed"
    fi
    "$repo/e2e/images/build.sh" pause node operator || tm_die "image build failed"
  else
    "$repo/e2e/images/build.sh" pause || tm_die "pause image build failed"
  fi
}

# --- 2. the network namespace and its bridge ----------------------------------------------------------
setup_netns() {
  if [ ! -e "$TM_NETNS_PATH" ]; then
    ip netns add "$TM_NETNS" || tm_die "ip netns add $TM_NETNS failed"
  fi
  ip -n "$TM_NETNS" link set lo up
  if ! ip -n "$TM_NETNS" link show "$TM_BRIDGE" >/dev/null 2>&1; then
    ip -n "$TM_NETNS" link add "$TM_BRIDGE" type bridge
  fi
  ip -n "$TM_NETNS" addr replace "$TM_NODE_IP/24" dev "$TM_BRIDGE"
  ip -n "$TM_NETNS" link set "$TM_BRIDGE" up
  # Per-namespace switches: routing between pods and to Services, and bridged traffic through
  # iptables so that kube-proxy's rules see pod-to-pod Service traffic on the same bridge.
  "${ns_exec[@]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=1 >&2
  "${ns_exec[@]}" sysctl -qw net.bridge.bridge-nf-call-iptables=1 >&2 2>/dev/null \
    || tm_log "net.bridge.bridge-nf-call-iptables unavailable (br_netfilter not loaded); kube-proxy masquerades all Service traffic instead"
}

# --- 3. certificates and kubeconfigs ------------------------------------------------------------------
sign_cert() { pki_sign "$TM_DIR/pki" "$1" "$2" 365 "${@:3}"; }

make_pki() {
  local pki="$TM_DIR/pki"
  pki_ca "$pki" topicmesh-cluster-ca 365
  sign_cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,IP:$TM_NODE_IP,IP:$TM_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign_cert admin "/O=system:masters/CN=topicmesh-admin" "extendedKeyUsage=clientAuth"
  sign_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  sign_cert controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  sign_cert scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
  sign_cert kube-proxy "/CN=system:kube-proxy" "extendedKeyUsage=clientAuth"
  sign_cert kubelet "/O=system:nodes/CN=system:node:$TM_NODE_NAME" "extendedKeyUsage=clientAuth"
  sign_cert kubelet-serving "/CN=$TM_NODE_NAME" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:$TM_NODE_IP,DNS:$TM_NODE_NAME"
  pki_service_accounts "$pki"
  chmod 600 "$pki"/*.key
}

write_kubeconfig() { pki_kubeconfig "$1" "$TM_DIR/pki" "$2" "$3"; } # file user server

# --- 4. processes -------------------------------------------------------------------------------------
# Runs a component inside the cluster's network namespace (only that namespace: it shares the
# machine's mount namespace, so the kubelet's volume mounts are what containerd and runc see).
launch() { # name command...
  local name=$1; shift
  if tm_pid_alive "$name"; then return; fi
  nohup "${ns_exec[@]}" "$@" >>"$TM_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$TM_DIR/pids/$name"
}

# Polls a probe until it succeeds; says what it waits for, and fails with the log's tail when the
# component exits or the deadline passes.
wait_for() { # name what probe...
  local name=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout)) next_note=$((SECONDS + 15))
  until "$@" >/dev/null 2>&1; do
    if ! tm_pid_alive "$name"; then
      tail -n 40 "$TM_DIR/logs/$name.log" >&2 || true
      tm_die "$name exited while waiting for $what (log: $TM_DIR/logs/$name.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 40 "$TM_DIR/logs/$name.log" >&2 || true
      tm_die "$name: no $what after ${timeout}s (log: $TM_DIR/logs/$name.log)"
    fi
    if [ $SECONDS -ge $next_note ]; then
      tm_log "still waiting for $what"
      next_note=$((SECONDS + 15))
    fi
    sleep 0.5
  done
}

kc() { "$kubectl" --kubeconfig "$TM_DIR/admin.kubeconfig" --request-timeout=5s "$@"; }
in_ns() { "${ns_exec[@]}" "$@"; }

start_etcd() {
  if tm_pid_alive etcd; then return; fi
  launch etcd "$bin/etcd" --name local --data-dir "$TM_DIR/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster local=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn
  wait_for etcd "etcd health" in_ns curl -sf --max-time 2 http://127.0.0.1:2379/health
}

start_apiserver() {
  # Already running: its configuration files stay as they are (kube-proxy exits when they change).
  if tm_pid_alive kube-apiserver; then return; fi
  launch kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --advertise-address "$TM_NODE_IP" --secure-port 6443 \
    --tls-cert-file "$TM_DIR/pki/apiserver.crt" --tls-private-key-file "$TM_DIR/pki/apiserver.key" \
    --client-ca-file "$TM_DIR/pki/ca.crt" \
    --kubelet-client-certificate "$TM_DIR/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$TM_DIR/pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$TM_DIR/pki/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$TM_DIR/pki/sa.pub" --service-account-signing-key-file "$TM_DIR/pki/sa.key" \
    --service-cluster-ip-range "$TM_SERVICE_CIDR" \
    --allow-privileged=true --cert-dir "$TM_DIR/pki/apiserver-certs"
  write_kubeconfig "$TM_DIR/internal-admin.kubeconfig" admin https://127.0.0.1:6443
  wait_for kube-apiserver "the API server's /readyz" in_ns "$kubectl" --kubeconfig "$TM_DIR/internal-admin.kubeconfig" \
    --request-timeout=2s get --raw /readyz
}

start_forwarder() {
  # Started from the machine's namespace: it binds there, then enters the cluster's namespace.
  if ! tm_pid_alive netns-forward; then
    nohup python3 "$here/netns_forward.py" --listen "127.0.0.1:$TM_API_PORT" --netns "$TM_NETNS_PATH" \
      --to 127.0.0.1:6443 >>"$TM_DIR/logs/netns-forward.log" 2>&1 </dev/null &
    echo $! >"$TM_DIR/pids/netns-forward"
  fi
  wait_for netns-forward "the API server on 127.0.0.1:$TM_API_PORT" kc get --raw /readyz
}

start_controllers() {
  # Already running: its configuration files stay as they are (kube-proxy exits when they change).
  if tm_pid_alive kube-controller-manager; then return; fi
  write_kubeconfig "$TM_DIR/controller-manager.kubeconfig" controller-manager https://127.0.0.1:6443
  write_kubeconfig "$TM_DIR/scheduler.kubeconfig" scheduler https://127.0.0.1:6443
  launch kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$TM_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$TM_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$TM_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --cert-dir "$TM_DIR/pki/controller-manager" \
    --service-account-private-key-file "$TM_DIR/pki/sa.key" --root-ca-file "$TM_DIR/pki/ca.crt" \
    --cluster-signing-cert-file "$TM_DIR/pki/ca.crt" --cluster-signing-key-file "$TM_DIR/pki/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range "$TM_SERVICE_CIDR" \
    --cluster-name topicmesh-local --leader-elect=false
  launch kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$TM_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$TM_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$TM_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --cert-dir "$TM_DIR/pki/scheduler" --leader-elect=false
  wait_for kube-controller-manager "the controller manager's /healthz" in_ns curl -sfk --max-time 2 https://127.0.0.1:10257/healthz
  wait_for kube-scheduler "the scheduler's /healthz" in_ns curl -sfk --max-time 2 https://127.0.0.1:10259/healthz
}

start_containerd() {
  # Already running: its configuration files stay as they are (kube-proxy exits when they change).
  if tm_pid_alive containerd; then return; fi
  local c="$TM_DIR/containerd"
  mkdir -p "$c"/{root,state,runc,opt} "$TM_DIR/cni/net.d" "$TM_DIR/cni/ipam"
  cat >"$TM_DIR/cni/net.d/10-topicmesh.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "topicmesh",
  "plugins": [
    {
      "type": "bridge", "bridge": "$TM_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$TM_DIR/cni/ipam",
        "ranges": [[{"subnet": "$TM_POD_CIDR", "gateway": "$TM_NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$c/config.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$c/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/topicmesh/pause:1.0"
  # This machine's processes lack CAP_SYS_RESOURCE: they may not lower oom_score_adj.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$c/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$TM_DIR/cni/net.d"
EOF
  launch containerd containerd --config "$c/config.toml"
  wait_for containerd "containerd's socket" ctr --address "$c/containerd.sock" version
}

import_images() {
  local sock="$TM_DIR/containerd/containerd.sock" img tar stamp
  for img in pause node node-broken operator; do
    tar="$TM_CACHE/images/$img.tar"
    [ -f "$tar" ] || continue
    stamp="$(cat "$TM_CACHE/images/$img.stamp")"
    if [ "$(cat "$TM_DIR/containerd/imported-$img" 2>/dev/null)" = "$stamp" ]; then continue; fi
    tm_log "importing $(tr '\n' ' ' <"$TM_CACHE/images/$img.ref")"
    ctr --address "$sock" -n k8s.io images import "$tar" >&2 || tm_die "ctr images import $tar failed"
    local have; have="$(ctr --address "$sock" -n k8s.io images ls -q)"
    while read -r ref; do
      grep -qx "$ref" <<<"$have" || tm_die "image $ref missing from containerd after importing $tar"
    done <"$TM_CACHE/images/$img.ref"
    echo "$stamp" >"$TM_DIR/containerd/imported-$img"
  done
}

start_kubelet() {
  # Already running: its configuration files stay as they are (kube-proxy exits when they change).
  if tm_pid_alive kubelet; then return; fi
  local k="$TM_DIR/kubelet"
  mkdir -p "$k/root"
  write_kubeconfig "$k/kubeconfig" kubelet https://127.0.0.1:6443
  # Pods get a resolver that answers nothing (no cluster DNS here; nodes find each other through
  # the API server), so no lookup leaves the namespace.
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$k/resolv.conf"
  cat >"$k/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 on these machines.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$TM_DIR/containerd/containerd.sock
imageServiceEndpoint: unix://$TM_DIR/containerd/containerd.sock
address: $TM_NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $TM_DIR/pki/kubelet-serving.crt
tlsPrivateKeyFile: $TM_DIR/pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $TM_DIR/pki/ca.crt}
authorization: {mode: AlwaysAllow}
resolvConf: $k/resolv.conf
# No cluster DNS: ClusterFirst pods get a resolver that answers nothing, inside their own namespace.
clusterDNS: [127.0.0.1]
clusterDomain: cluster.local
failSwapOn: false
# Images are imported, never pulled: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
maxPods: 64
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
registerNode: true
EOF
  launch kubelet "$bin/kubelet" --config "$k/config.yaml" --kubeconfig "$k/kubeconfig" \
    --root-dir "$k/root" --cert-dir "$k/pki" --node-ip "$TM_NODE_IP" --hostname-override "$TM_NODE_NAME" --v=1
  wait_for kubelet "node $TM_NODE_NAME to be Ready" sh -c \
    "'$kubectl' --kubeconfig '$TM_DIR/admin.kubeconfig' --request-timeout=5s get node '$TM_NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
}

start_kube_proxy() {
  # Already running: its configuration files stay as they are (kube-proxy exits when they change).
  if tm_pid_alive kube-proxy; then return; fi
  local p="$TM_DIR/kube-proxy"
  mkdir -p "$p"
  write_kubeconfig "$p/kubeconfig" kube-proxy https://127.0.0.1:6443
  cat >"$p/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $p/kubeconfig}
mode: iptables
hostnameOverride: $TM_NODE_NAME
clusterCIDR: $TM_POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
iptables: {masqueradeAll: true}
# conntrack limits are not per namespace: leave the machine's as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  launch kube-proxy "$bin/kube-proxy" --config "$p/config.yaml" --v=1
  wait_for kube-proxy "kube-proxy's /healthz" in_ns curl -sf --max-time 2 http://127.0.0.1:10256/healthz
}

wait_cluster_ready() {
  wait_for kube-controller-manager "the default ServiceAccount" kc -n default get serviceaccount default
  wait_for kube-proxy "the kubernetes Service rules" in_ns sh -c "iptables -t nat -S KUBE-SERVICES | grep -q '$TM_SERVICE_IP/32'"
}

install_chart() {
  tm_log "installing the chart (helm upgrade --install topicmesh charts/topicmesh -n topicmesh-system)"
  "$helm" --kubeconfig "$TM_DIR/admin.kubeconfig" upgrade --install topicmesh "$repo/charts/topicmesh" \
    --namespace topicmesh-system --create-namespace --wait --timeout "${timeout}s" >&2 \
    || { kc -n topicmesh-system get pods -o wide >&2 || true; kc -n topicmesh-system get events >&2 || true
         tm_die "helm install failed"; }
}

# --- main ---------------------------------------------------------------------------------------------
started=$SECONDS
install_packages
build_all
setup_netns
make_pki
write_kubeconfig "$TM_DIR/admin.kubeconfig" admin "https://127.0.0.1:$TM_API_PORT"
start_etcd
start_apiserver
start_forwarder
start_controllers
start_containerd
import_images
start_kubelet
start_kube_proxy
wait_cluster_ready
[ $with_chart = 1 ] && install_chart
cat >"$TM_DIR/env" <<EOF
KUBECONFIG=$TM_DIR/admin.kubeconfig
KUBECTL=$kubectl
HELM=$helm
TOPICMESH_NODE_IMAGE=$(head -n1 "$TM_CACHE/images/node.ref" 2>/dev/null || true)
TOPICMESH_OPERATOR_IMAGE=$(head -n1 "$TM_CACHE/images/operator.ref" 2>/dev/null || true)
EOF
tm_log "single-node Kubernetes $KUBE_VERSION up in $((SECONDS - started))s (run dir $TM_DIR; stop with e2e/cluster/down.sh)"
echo "export KUBECONFIG=$TM_DIR/admin.kubeconfig"
