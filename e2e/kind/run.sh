#!/usr/bin/env bash
# The e2e suite on a throw-away kind cluster, for machines with Docker (the same suite that
# scripts/test.sh runs against e2e/cluster/up.sh):
#   1. builds topicmesh/node:0.1.0 and topicmesh/operator:0.1.0 with their Dockerfiles, plus the
#      suite's extra node tags (…-r2: same image, new reference; …-broken: crash-loops);
#   2. creates a kind cluster (e2e/kind/cluster.yaml) and loads the images into it (nothing is pulled
#      from a registry for them);
#   3. runs the suite, which installs charts/topicmesh itself with helm;
#   4. on failure exports the cluster's logs (kind export logs) to target/kind-logs;
#   5. deletes the cluster (also on failure or Ctrl-C).
#
# Usage: e2e/kind/run.sh [--up] [extra mvn arguments...]
#   --up   instead of running the suite: install the chart, keep the cluster and print how to use it
#          (the "On Kubernetes" quick start in docs/kubernetes.md); delete it with
#          kind delete cluster --name topicmesh-e2e
# Environment: KIND_CLUSTER (topicmesh-e2e), KIND_NODE_IMAGE (kind's default node image),
#              TOPICMESH_IMAGE_TAG (0.1.0), LOG_DIR (target/kind-logs).
# Needs: docker (with a running daemon), kind, helm, kubectl, and Maven with JDK 17+ for the suite.
set -euo pipefail

cd "$(dirname "$0")/../.."
repo="$(pwd)"
cluster="${KIND_CLUSTER:-topicmesh-e2e}"
tag="${TOPICMESH_IMAGE_TAG:-0.1.0}"
log_dir="${LOG_DIR:-$repo/target/kind-logs}"
node_image="topicmesh/node:$tag"
operator_image="topicmesh/operator:$tag"
up_only=0
if [ "${1:-}" = --up ]; then
  up_only=1
  shift
fi

say() { echo "== kind-e2e: $*" >&2; }
die() { echo "kind-e2e: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH; install it: $2"; }

need docker "https://docs.docker.com/engine/install/"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need helm "https://helm.sh/docs/intro/install/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
[ $up_only = 1 ] || need mvn "https://maven.apache.org/install.html (3.8+, with JDK 17 or newer)"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable (docker info failed)"
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  die "a kind cluster named '$cluster' exists already; delete it (kind delete cluster --name $cluster) or set KIND_CLUSTER"
fi

kubeconfig="$repo/target/kind-$cluster.kubeconfig"
created=0
finish() {
  local rc=$?
  if [ $rc -ne 0 ] && [ $created = 1 ]; then
    say "failed (exit $rc): exporting the cluster's logs to $log_dir"
    mkdir -p "$log_dir"
    kind export logs "$log_dir" --name "$cluster" >/dev/null 2>&1 || say "kind export logs failed"
    kubectl --kubeconfig "$kubeconfig" get all,events -A -o wide >"$log_dir/objects.txt" 2>&1 || true
  fi
  if [ $created = 1 ] && { [ $up_only = 0 ] || [ $rc -ne 0 ]; }; then
    say "deleting kind cluster $cluster"
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || say "kind delete cluster --name $cluster failed"
  fi
  exit $rc
}
trap finish EXIT

say "building $node_image and $operator_image"
export DOCKER_BUILDKIT=1
docker build -f node/Dockerfile -t "$node_image" .
docker build -f operator/Dockerfile -t "$operator_image" .
docker tag "$node_image" "topicmesh/node:$tag-r2"
printf 'FROM %s\nUSER 0\nRUN echo "not a jar" > /app/topicmesh-node.jar\nUSER 10001:10001\n' "$node_image" \
  | docker build -t "topicmesh/node:$tag-broken" -

say "creating kind cluster $cluster"
mkdir -p "$(dirname "$kubeconfig")"
created=1
kind create cluster --name "$cluster" --config e2e/kind/cluster.yaml --kubeconfig "$kubeconfig" --wait 180s \
  ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"}
say "loading the images into the cluster's nodes"
kind load docker-image --name "$cluster" "$node_image" "topicmesh/node:$tag-r2" "topicmesh/node:$tag-broken" \
  "$operator_image"

if [ $up_only = 1 ]; then
  say "installing charts/topicmesh (release topicmesh, namespace topicmesh-system)"
  helm --kubeconfig "$kubeconfig" install topicmesh charts/topicmesh --namespace topicmesh-system \
    --create-namespace --wait --timeout 5m
  say "ready. Try:"
  echo "export KUBECONFIG=$kubeconfig"
  echo "kubectl apply -f operator/examples/topiccluster.yaml && kubectl get tc -w"
  exit 0
fi

say "running the e2e suite"
# -am builds the node and operator modules the suite depends on; -DskipTests skips their tests (the
# operator's *IT need kube-api-test binaries a kind machine does not have) but not the suite, which
# e2e/pom.xml runs whenever e2e.kubeconfig is set (as scripts/test.sh does).
mvn -B -ntp -pl e2e -am verify -DskipTests \
  "-De2e.kubeconfig=$kubeconfig" "-De2e.helm=$(command -v helm)" -De2e.target=kind \
  "-De2e.chart=$repo/charts/topicmesh" "-De2e.nodeImage=$node_image" "-De2e.nodeImageAlt=topicmesh/node:$tag-r2" \
  "-De2e.nodeImageBroken=topicmesh/node:$tag-broken" "-De2e.operatorImage=$operator_image" "$@"
say "passed"
