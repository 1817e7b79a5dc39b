#!/usr/bin/env bash
# Runs a local Kubernetes control plane on loopback from the binaries build.sh made: etcd and
# kube-apiserver, plus kube-controller-manager and kube-scheduler with --with-controllers. There is
# no kubelet, so pods are scheduled (with the scheduler) but never run.
#
# Usage:
#   run-local.sh start [--with-controllers] [--dir DIR]   start in DIR (default: a new temp dir),
#                                                         print the kubeconfig path, return
#   run-local.sh stop DIR [--keep]                        stop everything started in DIR, delete DIR
#                                                         (unless --keep)
#   run-local.sh status DIR                               show which components are running
#   run-local.sh exec [--with-controllers] -- CMD [ARG]...
#                                                         start, run CMD with KUBECONFIG set, stop;
#                                                         exits with CMD's status
#
# DIR then holds admin.kubeconfig (client certificate of group system:masters), the CA, serving
# certificates, logs/<component>.log and env (KUBECONFIG=..., KUBE_APISERVER_URL=...).
#
# Environment:
#   TOPICMESH_CACHE        cache root used by build.sh (default ~/.cache/topicmesh)
#   CONTROL_PLANE_BIN      directory with the binaries (default: build.sh's output directory)
#   CONTROL_PLANE_ADDRESS  loopback address to bind (default 127.0.0.1)
#   CONTROL_PLANE_TIMEOUT  seconds to wait for each component to become ready (default 120)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=pki.sh
source "$here/pki.sh"

cache="${TOPICMESH_CACHE:-$HOME/.cache/topicmesh}"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
bin="${CONTROL_PLANE_BIN:-$cache/kubeapitest/k8s/${KUBE_VERSION}-linux-$arch}"
addr="${CONTROL_PLANE_ADDRESS:-127.0.0.1}"
timeout="${CONTROL_PLANE_TIMEOUT:-120}"
service_cidr="10.0.0.0/24"
service_ip="10.0.0.1"
components_all=(kube-scheduler kube-controller-manager kube-apiserver etcd)

die() { echo "run-local: $*" >&2; exit 1; }
log() { echo "run-local: $*" >&2; }

usage() {
  sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
  exit 2
}

require_binaries() {
  local b
  for b in "$@"; do
    [ -x "$bin/$b" ] || die "missing $bin/$b: run e2e/control-plane/build.sh first (or set CONTROL_PLANE_BIN)"
  done
  command -v openssl >/dev/null 2>&1 || die "openssl is required to generate the cluster certificates"
  command -v curl >/dev/null 2>&1 || die "curl is required to probe component health"
}

# A port nobody listens on right now. The component binds it a moment later; if another process
# wins that race the component fails to start and its readiness wait reports it with its log.
free_port() {
  local p tries=0
  while [ $tries -lt 200 ]; do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/$addr/$p") 2>/dev/null && ! grep -qx "$p" "$dir/ports" 2>/dev/null; then
      echo "$p" >>"$dir/ports"
      echo "$p"
      return 0
    fi
    tries=$((tries + 1))
  done
  die "no free port found on $addr"
}

# --- certificates --------------------------------------------------------------------------------
sign_cert() { pki_sign "$dir/pki" "$1" "$2" 30 "${@:3}"; } # name subject [extensions...]

make_pki() {
  pki_ca "$dir/pki" topicmesh-local-ca 30
  sign_cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:$addr,IP:$service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign_cert admin "/O=system:masters/CN=topicmesh-admin" "extendedKeyUsage=clientAuth"
  sign_cert controller-manager "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  sign_cert scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
  pki_service_accounts "$dir/pki"
  chmod 600 "$dir"/pki/*.key
}

write_kubeconfig() { pki_kubeconfig "$1" "$dir/pki" "$2" "https://$addr:$api_port"; } # file user

# --- processes -----------------------------------------------------------------------------------
launch() { # component args...
  local name=$1; shift
  mkdir -p "$dir/logs"
  nohup "$bin/$name" "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

alive() { local pid; pid=$(cat "$dir/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }

# Polls probe until it succeeds; fails early when the component has exited.
wait_ready() { # component probe...
  local name=$1; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 30 "$dir/logs/$name.log" >&2 || true
      die "$name exited during startup (log: $dir/logs/$name.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 30 "$dir/logs/$name.log" >&2 || true
      die "$name not ready after ${timeout}s (log: $dir/logs/$name.log)"
    fi
    sleep 0.2
  done
}

probe_https() { curl -sfk --max-time 2 "https://$addr:$1/$2"; }
probe_etcd() { curl -sf --max-time 2 "http://$addr:$etcd_port/health" | grep -q '"health":"true"'; }
probe_api() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" --request-timeout=2s get --raw /readyz; }
probe_default_ns() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" --request-timeout=2s get ns default; }

start() {
  local with_controllers=0
  dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --with-controllers) with_controllers=1 ;;
      --dir) [ $# -ge 2 ] || usage; dir=$2; shift ;;
      *) usage ;;
    esac
    shift
  done
  if [ $with_controllers = 1 ]; then
    require_binaries etcd kube-apiserver kubectl kube-controller-manager kube-scheduler
  else
    require_binaries etcd kube-apiserver kubectl
  fi
  if [ -z "$dir" ]; then
    dir="$(mktemp -d "${TMPDIR:-/tmp}/topicmesh-control-plane.XXXXXX")"
  else
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  fi
  dir="$(cd "$dir" && pwd)"
  # If anything below fails, leave nothing running (the directory stays, with the logs).
  trap 'stop_dir; log "startup failed; logs kept in $dir/logs"' EXIT
  trap 'exit 130' INT TERM

  make_pki
  etcd_port=$(free_port); etcd_peer_port=$(free_port); api_port=$(free_port)

  launch etcd --name local --data-dir "$dir/etcd" \
    --listen-client-urls "http://$addr:$etcd_port" --advertise-client-urls "http://$addr:$etcd_port" \
    --listen-peer-urls "http://$addr:$etcd_peer_port" --initial-advertise-peer-urls "http://$addr:$etcd_peer_port" \
    --initial-cluster "local=http://$addr:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn
  wait_ready etcd probe_etcd

  # Without a controller-manager nobody creates the "default" ServiceAccount, so the admission
  # plugin that requires it would reject every pod.
  local admission=()
  [ $with_controllers = 1 ] || admission=(--disable-admission-plugins ServiceAccount)
  write_kubeconfig "$dir/admin.kubeconfig" admin
  launch kube-apiserver \
    --etcd-servers "http://$addr:$etcd_port" \
    --bind-address "$addr" --advertise-address "$addr" --secure-port "$api_port" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range "$service_cidr" \
    --allow-privileged=true \
    --cert-dir "$dir/pki" \
    "${admission[@]}"
  wait_ready kube-apiserver probe_api
  wait_ready kube-apiserver probe_default_ns

  if [ $with_controllers = 1 ]; then
    local kcm_port sched_port
    kcm_port=$(free_port); sched_port=$(free_port)
    write_kubeconfig "$dir/controller-manager.kubeconfig" controller-manager
    write_kubeconfig "$dir/scheduler.kubeconfig" scheduler
    launch kube-controller-manager \
      --kubeconfig "$dir/controller-manager.kubeconfig" \
      --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
      --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
      --bind-address "$addr" --secure-port "$kcm_port" --cert-dir "$dir/pki/controller-manager" \
      --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$dir/pki/ca.crt" \
      --cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key" \
      --use-service-account-credentials=true --service-cluster-ip-range "$service_cidr" \
      --cluster-name topicmesh-local --leader-elect=false
    launch kube-scheduler \
      --kubeconfig "$dir/scheduler.kubeconfig" \
      --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
      --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
      --bind-address "$addr" --secure-port "$sched_port" --cert-dir "$dir/pki/scheduler" \
      --leader-elect=false
    wait_ready kube-controller-manager probe_https "$kcm_port" healthz
    wait_ready kube-scheduler probe_https "$sched_port" healthz
    # The service-account controller is running once the default namespace has its account.
    wait_ready kube-controller-manager "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" \
      --request-timeout=2s -n default get serviceaccount default
  fi
  trap - EXIT INT TERM

  cat >"$dir/env" <<EOF
KUBECONFIG=$dir/admin.kubeconfig
KUBE_APISERVER_URL=https://$addr:$api_port
KUBECTL=$bin/kubectl
EOF
  log "control plane $KUBE_VERSION running in $dir (api server https://$addr:$api_port)"
  echo "export KUBECONFIG=$dir/admin.kubeconfig"
  echo "# stop with: $here/run-local.sh stop $dir"
}

# Stops components in reverse dependency order: SIGTERM, then SIGKILL after a grace period.
stop_dir() {
  local name pid deadline
  for name in "${components_all[@]}"; do
    pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 15))
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) ignored SIGTERM for 15s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$dir/$name.pid"
  done
}

stop() {
  [ $# -ge 1 ] || usage
  dir=$1
  local keep=0
  [ "${2:-}" = "--keep" ] && keep=1
  [ -d "$dir" ] || die "$dir does not exist"
  [ -f "$dir/pki/ca.crt" ] || die "$dir is not a directory made by run-local.sh start"
  stop_dir
  if [ $keep = 1 ]; then
    log "stopped; kept $dir"
  else
    rm -rf "$dir"
    log "stopped; removed $dir"
  fi
}

status() {
  [ $# -ge 1 ] || usage
  dir=$1
  local name pid any=1
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler; do
    pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
    if kill -0 "$pid" 2>/dev/null; then echo "$name running (pid $pid)"; any=0; else echo "$name stopped"; fi
  done
  [ $any = 0 ] || echo "no component running in $dir"
  return $any
}

exec_cmd() {
  local start_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do start_args+=("$1"); shift; done
  if [ "${1:-}" != "--" ] || [ $# -lt 2 ]; then usage; fi
  shift
  start "${start_args[@]}" >/dev/null
  local rc=0
  trap 'stop_dir; rm -rf "$dir"' EXIT
  KUBECONFIG="$dir/admin.kubeconfig" PATH="$bin:$PATH" "$@" || rc=$?
  return $rc
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  exec) exec_cmd "$@" ;;
  *) usage ;;
esac
