#!/usr/bin/env bash
# The whole test suite: prepares what the tests need (interop peers, control-plane binaries; cached
# under ~/.cache/topicmesh, so a repeated run is fast), then runs every Maven test tier.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/prepare.sh ]; then
  scripts/prepare.sh
fi

exec mvn -B -ntp verify "$@"
