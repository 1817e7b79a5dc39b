#!/usr/bin/env bash
# Transport benchmark of the host (noise, yamux 1/N streams, handshakes/s) next to go-libp2p's
# figures measured the same way in the same run; prints a table with ratios. Flags are passed to
# io.topicmesh.node.bench.HostBench: [--mb 512] [--streams 64] [--handshakes 300] [--rounds 3] [--warmup 1] [--no-go]
# [--only handshakes]
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
# native access: the FFM AEAD (JDK 22+) and netty's JNI; with -cp the jar's Enable-Native-Access does
# not apply, and on JDK 25 the warning path cut every throughput row about 3.5x (117 vs 423 MB/s noise)
exec "${JAVA:-java}" --enable-native-access=ALL-UNNAMED -Xms512m -Xmx512m -cp "$jar" io.topicmesh.node.bench.HostBench "$@"
