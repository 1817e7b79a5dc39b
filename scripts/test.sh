#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run):
#   1. scripts/prepare.sh: interop peers, Kubernetes binaries (control plane, kubelet, kube-proxy)
#      and helm, built from source and cached under ~/.cache/topicmesh;
#   2. the jars (mvn package), then the images built from them (e2e/images/build.sh);
#   3. a real single-node Kubernetes (e2e/cluster/up.sh; torn down by e2e/cluster/down.sh at the
#      end, with its logs kept in target/e2e-cluster-logs);
#   4. every Maven test tier (unit, *IT, and the Kubernetes e2e suite against that cluster).
# Extra arguments go to the final `mvn verify`.
#
# TOPICMESH_E2E=0 skips steps 2-3 and the Kubernetes suite (for a machine that cannot run a
# kubelet); CI never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
started=$SECONDS
phase() { echo "== $(date -u +%T) [$((SECONDS - started))s] $*"; }

if [ -x scripts/prepare.sh ]; then
  phase "prepare (interop peers, Kubernetes binaries, helm)"
  scripts/prepare.sh
fi

e2e_args=()
if [ "${TOPICMESH_E2E:-1}" != 0 ]; then
  phase "jars for the images"
  mvn -B -ntp -q -DskipTests package -pl node,operator -am
  phase "images and the single-node Kubernetes (e2e/cluster/up.sh)"
  # A cluster left by an interrupted run would carry its old state: start from nothing.
  e2e/cluster/down.sh
  trap 'phase "cluster down"; e2e/cluster/down.sh --keep-logs "$repo/target/e2e-cluster-logs" || true' EXIT
  e2e/cluster/up.sh --no-chart
  # shellcheck disable=SC1091
  source "${TOPICMESH_CLUSTER_DIR:-/var/tmp/topicmesh-cluster}/env"
  tag="${TOPICMESH_IMAGE_TAG:-0.1.0}"
  e2e_args=(
    "-De2e.kubeconfig=$KUBECONFIG" "-De2e.helm=$HELM" "-De2e.target=local" "-De2e.chart=$repo/charts/topicmesh"
    "-De2e.nodeImage=topicmesh/node:$tag" "-De2e.nodeImageAlt=topicmesh/node:$tag-r2"
    "-De2e.nodeImageBroken=topicmesh/node:$tag-broken" "-De2e.operatorImage=topicmesh/operator:$tag"
  )
fi

phase "mvn verify"
mvn -B -ntp verify "${e2e_args[@]}" "$@"
phase "done"
