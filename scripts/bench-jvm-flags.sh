#!/usr/bin/env bash
# JVM flag matrix for the node image: runs scripts/bench-pubsub.sh --ours-processes once per
# configuration per round (rounds interleave the configurations, so that the machine's load drifts
# over all of them alike), then go-libp2p-pubsub alone once per round. Each run's table goes to
# $OUT/<round>-<name>.txt; read them with the summary this script prints at the end (medians).
#   scripts/bench-jvm-flags.sh [rounds (3)] [bench flags...]
# Configurations are "name|java|flags" lines in $CONFIGS (default: the list below). A "@CDS17@" or
# "@CDS25@" in the flags is replaced by an AppCDS archive made here for that JDK from the jar.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"; shift || true
OUT="${OUT:-/tmp/topicmesh-bench-jvm}"
mkdir -p "$OUT"
jdk17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
jdk25="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)/bin/java"
# the jar is copied: a build replacing node/target's mid-run would break running JVMs, and a CDS
# archive is bound to the jar's path and time stamp
jar="$OUT/topicmesh-node.jar"
cp -p node/target/topicmesh-node.jar "$jar"
# the node image's flags before this matrix chose -XX:+UseSerialGC (the baseline every configuration extends)
image="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp -Dio.netty.native.workdir=/tmp"
lean="-XX:+UseSerialGC -Xss256k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1"
CONFIGS="${CONFIGS:-
default-g1-17|$jdk17|$image -XX:MaxRAM=512m
serial-64m-17|$jdk17|$image -XX:+UseSerialGC -Xmx64m
lean-64m-17|$jdk17|$image $lean -Xmx64m
lean-64m-cds-17|$jdk17|$image $lean -Xmx64m -XX:SharedArchiveFile=@CDS17@
lean-64m-c1-17|$jdk17|$image $lean -Xmx64m -XX:TieredStopAtLevel=1
lean-64m-cds-25|$jdk25|$image $lean -Xmx64m -XX:SharedArchiveFile=@CDS25@
}"

# An AppCDS archive: the classes one daemon loads from start to a publish and a status call.
cds() {
  local java="$1" archive="$2"
  [ -f "$archive" ] && return 0
  nice -n 10 "$java" -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=off -jar "$jar" run --listen /ip4/127.0.4.250/tcp/4001 \
    --admin-listen 127.0.4.250:9090 --topic bench --no-probes >"$archive.log" 2>&1 &
  local pid=$! i
  for i in $(seq 1 300); do curl -sf http://127.0.4.250:9090/healthz >/dev/null && break; sleep 1; done
  curl -sf -XPOST --data-binary hello http://127.0.4.250:9090/v1/topics/bench/publish >/dev/null
  curl -sf http://127.0.4.250:9090/v1/status >/dev/null
  kill -TERM "$pid"; wait "$pid"
  [ -f "$archive" ] || { echo "no CDS archive made: $archive.log" >&2; exit 1; }
}
cds "$jdk17" "$OUT/cds-17.jsa"
[ -x "$jdk25" ] && cds "$jdk25" "$OUT/cds-25.jsa"

for r in $(seq 1 "$rounds"); do
  while IFS='|' read -r name java flags; do
    [ -n "$name" ] || continue
    flags="${flags//@CDS17@/$OUT/cds-17.jsa}"; flags="${flags//@CDS25@/$OUT/cds-25.jsa}"
    echo "[matrix] round $r: $name" >&2
    nice -n 10 java -Xmx512m -cp "$jar" io.topicmesh.node.bench.PubsubBench --ours-processes --no-go --jar "$jar" \
      --java "$java" --jvm-flags "$flags" "$@" >"$OUT/$r-$name.txt" 2>&1 || echo "[matrix] $name failed: $OUT/$r-$name.txt" >&2
  done <<<"$CONFIGS"
  echo "[matrix] round $r: go" >&2
  nice -n 10 java -Xmx512m -cp "$jar" io.topicmesh.node.bench.PubsubBench --no-ours "$@" >"$OUT/$r-go.txt" 2>&1 \
    || echo "[matrix] go failed: $OUT/$r-go.txt" >&2
done

# Summary: per configuration, the median over the rounds of each figure.
row() { grep -h "^$2" "$OUT"/*-"$1".txt | awk '{print $(NF)}' | sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
printf '%-18s %9s %9s %11s %11s %10s %8s\n' config idleMiB loadMiB deliv/s cpu/1000 startupMs load1
for name in $(cut -d'|' -f1 <<<"$CONFIGS") go; do
  [ -n "$name" ] || continue
  printf '%-18s %9s %9s %11s %11s %10s %8s\n' "$name" "$(row "$name" 'resident memory per node, idle')" \
    "$(row "$name" 'resident memory per node, peak')" "$(row "$name" 'delivered msgs/s')" \
    "$(row "$name" 'CPU seconds per 1,000')" "$(row "$name" 'start-up to admin')" "$(row "$name" 'load average')"
done
