#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy (helm.sh/helm/v3/cmd/helm at HELM_VERSION) into
# ${TOPICMESH_CACHE:-~/.cache/topicmesh}/helm/<version>/helm, so the e2e suite installs the chart the
# way users do. Idempotent: exits at once when that binary reports the pinned version. About 3
# minutes cold on two cores. Prints the binary's path on stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../control-plane/versions.env
source "$here/../control-plane/versions.env"
: "${HELM_VERSION:?versions.env must set HELM_VERSION}"
out="${TOPICMESH_CACHE:-$HOME/.cache/topicmesh}/helm/$HELM_VERSION"

if [ -x "$out/helm" ] && "$out/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "v$HELM_VERSION"; then
  echo "$out/helm"
  exit 0
fi
command -v go >/dev/null || { echo "helm build: Go is required on PATH" >&2; exit 1; }
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
echo "helm build: building helm v$HELM_VERSION from the Go module proxy" >&2
started=$SECONDS
GOBIN="$out" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" >&2 \
  || { echo "helm build: go install helm.sh/helm/v3/cmd/helm@v$HELM_VERSION failed" >&2; exit 1; }
"$out/helm" version --template '{{.Version}}' | grep -qx "v$HELM_VERSION" \
  || { echo "helm build: built helm reports $("$out/helm" version --short), expected v$HELM_VERSION" >&2; exit 1; }
echo "helm build: done in $((SECONDS - started))s" >&2
echo "$out/helm"
