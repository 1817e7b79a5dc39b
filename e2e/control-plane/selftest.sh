#!/usr/bin/env bash
# Checks the built control plane end to end: the binaries report the pinned versions, run-local.sh
# brings up an API server that serves namespaces and stores objects, and with --with-controllers the
# controllers act (a Deployment gets a ReplicaSet and a Pod; the scheduler reports no nodes).
# Exits non-zero with a message naming the first check that failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

fail() { echo "selftest FAILED: $*" >&2; exit 1; }
pass() { echo "selftest ok: $*"; }

out="$("$here/build.sh")" || fail "build.sh failed"
bin="$(sed -n 's/^control plane binaries: //p' <<<"$out")"
[ -d "$bin" ] || fail "build.sh did not name its output directory (got: $out)"

v="$("$bin/kube-apiserver" --version)"
[ "$v" = "Kubernetes v$KUBE_VERSION" ] || fail "kube-apiserver --version: expected 'Kubernetes v$KUBE_VERSION', got '$v'"
v="$("$bin/etcd" --version | head -n1)"
[ "$v" = "etcd Version: $ETCD_VERSION" ] || fail "etcd --version: expected 'etcd Version: $ETCD_VERSION', got '$v'"
pass "binaries report Kubernetes v$KUBE_VERSION and etcd $ETCD_VERSION"

# Runs inside run-local.sh exec: KUBECONFIG is set and kubectl is on PATH.
# shellcheck disable=SC2016 # expanded by the inner bash
api_checks='
set -euo pipefail
server="$(kubectl version -o json | sed -n "s/.*\"gitVersion\": \"\(v[^\"]*\)\".*/\1/p" | tail -n1)"
[ "$server" = "$KUBE_TAG" ] || { echo "server version: expected $KUBE_TAG, got $server" >&2; exit 1; }
kubectl get ns default -o name | grep -qx namespace/default || { echo "namespace default missing" >&2; exit 1; }
kubectl create namespace selftest >/dev/null
kubectl -n selftest create configmap probe --from-literal=answer=42 >/dev/null
got="$(kubectl -n selftest get configmap probe -o jsonpath="{.data.answer}")"
[ "$got" = 42 ] || { echo "configmap round trip: expected 42, got $got" >&2; exit 1; }
'
KUBE_TAG="v$KUBE_VERSION" "$here/run-local.sh" exec -- bash -c "$api_checks" \
  || fail "API server checks (version, namespace, configmap round trip)"
pass "etcd + kube-apiserver: version, namespaces, configmap round trip"

# shellcheck disable=SC2016 # expanded by the inner bash
controller_checks='
set -euo pipefail
kubectl create deployment selftest --image=selftest.invalid/none:1 >/dev/null
deadline=$((SECONDS + 60))
until [ "$(kubectl get pods -l app=selftest -o name | wc -l)" -ge 1 ]; do
  [ $SECONDS -lt $deadline ] || { echo "no pod for the deployment after 60s" >&2; exit 1; }
  sleep 0.2
done
until kubectl get pods -l app=selftest -o jsonpath="{.items[0].status.conditions[?(@.type==\"PodScheduled\")].reason}" | grep -qx Unschedulable; do
  [ $SECONDS -lt $deadline ] || { echo "scheduler never looked at the pod" >&2; exit 1; }
  sleep 0.2
done
'
"$here/run-local.sh" exec --with-controllers -- bash -c "$controller_checks" \
  || fail "controller checks (deployment -> replicaset -> pod, scheduler marks it Unschedulable)"
pass "controller-manager + scheduler: deployment got a pod, scheduler reported it unschedulable"
