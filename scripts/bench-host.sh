#!/usr/bin/env bash
# Transport benchmark of the host (noise, yamux 1/N streams, handshakes/s) next to go-libp2p's
# figures measured the same way in the same run; prints a table with ratios. Flags are passed to
# io.topicmesh.node.bench.HostBench: [--mb 256] [--streams 64] [--handshakes 300] [--rounds 3] [--no-go]
# JAVA=/path/to/bin/java selects another JVM (e.g. a newer JDK with ChaCha20 intrinsics).
set -euo pipefail
cd "$(dirname "$0")/.."

jar=node/target/topicmesh-node.jar
if [ ! -f "$jar" ]; then
  mvn -B -ntp -q -pl node -am -DskipTests package
fi
if [[ " $* " != *" --no-go "* ]]; then
  e2e/interop/build.sh >&2
fi
exec "${JAVA:-java}" -Xms512m -Xmx512m -cp "$jar" io.topicmesh.node.bench.HostBench "$@"
