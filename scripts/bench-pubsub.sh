#!/usr/bin/env bash
# Pubsub benchmark: the same loopback topology (20 nodes, D=6, 4 publishers, 1 KiB signed messages,
# fixed rate then saturation) with our nodes and with go-libp2p-pubsub nodes in the same run; prints
# a side-by-side table with ratios. Flags are passed to io.topicmesh.node.bench.PubsubBench:
# [--nodes 20] [--links 4] [--publishers 4] [--rate 10] [--size 1024] [--fixed-seconds 10]
# [--saturation-seconds 10] [--warmup-seconds 3] [--warmup-saturation-seconds 5] [--max-inbox n] [--go-peer <path>] [--no-go]
# [--ours-processes [--jvm-flags "..."] [--java <path>] [--jar <path>]] [--no-ours]
# --ours-processes: each of our nodes is the daemon in its own JVM (as in a pod); --jvm-flags defaults to
# node/Dockerfile's JAVA_TOOL_OPTIONS plus -XX:MaxRAM=512m (a 512 MiB pod limit). See docs/benchmarks.md.
# With our nodes in one JVM (the default) the table ends with the router-mutex holds during saturation:
# longest and p99 hold in wall time and in the holder's CPU time, then the task kinds that held longest
# in CPU time; --no-hold-cpu measures wall time only (reading the thread CPU clock costs a system call).
set -euo pipefail
cd "$(dirname "$0")/.."

jar=node/target/topicmesh-node.jar
if [ ! -f "$jar" ]; then
  mvn -B -ntp -q -pl node -am -DskipTests package
fi
if [[ " $* " != *" --no-go "* ]]; then
  e2e/interop/build.sh >&2
fi
exec java --enable-native-access=ALL-UNNAMED -Xms512m -Xmx1g -cp "$jar" io.topicmesh.node.bench.PubsubBench "$@"
