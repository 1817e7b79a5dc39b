#!/usr/bin/env bash
# Builds or installs everything the tests need besides Maven artifacts. Idempotent; every step caches
# its output under ${TOPICMESH_CACHE:-~/.cache/topicmesh} and takes seconds when the cache is warm.
set -euo pipefail
cd "$(dirname "$0")/.."

for step in e2e/interop/build.sh e2e/control-plane/build.sh e2e/cluster/build-helm.sh e2e/observability/install-prometheus.sh e2e/observability/install-chromium.sh; do
  if [ -x "$step" ]; then
    echo "== $step"
    "$step"
  fi
done
