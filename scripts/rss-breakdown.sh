#!/usr/bin/env bash
# Where an idle node's resident memory goes, next to go-libp2p-pubsub's process and an empty JVM,
# in one run. For each JDK and each flag set it starts the real daemon (no peers, one topic),
# waits for /healthz and then --settle seconds, and prints one row: VmRSS, RssAnon, RssFile,
# threads, loaded classes and the JVM's own accounting (Native Memory Tracking, committed KiB).
# Then the classes it loaded, by library. Rounds interleave the configurations.
#   scripts/rss-breakdown.sh [--rounds 3] [--settle 10] [--jar node/target/topicmesh-node.jar]
#                            [--go-peer ~/.cache/topicmesh/interop/go-peer]
# Needs: curl, a built jar (mvn -pl node -am -DskipTests package), go-peer (e2e/interop/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 settle=10 jar=node/target/topicmesh-node.jar
goPeer="$HOME/.cache/topicmesh/interop/go-peer"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --go-peer) goPeer="$2"; shift 2 ;;
    *) echo "rss-breakdown: unknown flag $1" >&2; exit 2 ;;
  esac
done
[ -f "$jar" ] || { echo "rss-breakdown: no jar at $jar: build it with mvn -pl node -am -DskipTests package" >&2; exit 2; }
[ -x "$goPeer" ] || { echo "rss-breakdown: no go-peer at $goPeer: run e2e/interop/build.sh" >&2; exit 2; }
jdk17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
jdk25="$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)/bin/java"
work="$(mktemp -d /tmp/rss-breakdown.XXXXXX)"
trap 'pkill -f "127.0.9.9:9090" 2>/dev/null || true; pkill -f "$work/Idle" 2>/dev/null || true; rm -rf "$work"' EXIT
# the node image's JAVA_TOOL_OPTIONS (node/Dockerfile) and the example pod's 512 MiB limit
image="-XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp -Dio.netty.native.workdir=/tmp -XX:MaxRAM=512m"
c1="-XX:TieredStopAtLevel=1"
CONFIGS="image-17|$jdk17|$image|
image-c1-arena2-17|$jdk17|$image $c1|MALLOC_ARENA_MAX=2
image-25|$jdk25|$image|
image-c1-arena2-25|$jdk25|$image $c1|MALLOC_ARENA_MAX=2"

cat >"$work/Idle.java" <<'EOF'
public class Idle { public static void main(String[] a) throws Exception { Thread.sleep(Long.parseLong(a[0]) * 1000); } }
EOF
"${jdk17%/java}/javac" --release 17 -d "$work" "$work/Idle.java"

row() { # name pid extra
  local pid="$2"
  awk -v n="$1" -v t="$(ls "/proc/$pid/task" | wc -l)" -v x="$3" '
    $1=="VmRSS:" {r=$2} $1=="RssAnon:" {a=$2} $1=="RssFile:" {f=$2}
    END { printf "%-20s %7.1f %7.1f %7.1f %4d  %s\n", n, r/1024, a/1024, f/1024, t, x }' "/proc/$pid/status"
}
nmt() { # pid -> "heap=.. meta=.. class=.. code=.. cds=.. symbol=.. thread=.. other=.." (committed MiB)
  local jcmd="${3%/java}/jcmd"
  "$jcmd" "$1" VM.native_memory summary 2>/dev/null | awk '
    /^-/ { name=$2; for (i=3;i<=NF;i++) if ($i ~ /^\(reserved=/) break; else name=name"_"$i
           match($0, /committed=[0-9]+KB/); v=substr($0, RSTART+10, RLENGTH-12)/1024
           if (v >= 0.5) printf "%s=%.1f ", name, v }'
}
classes() { "${2%/java}/jcmd" "$1" PerfCounter.print 2>/dev/null | awk -F= '/java.cls.(loadedClasses|sharedLoadedClasses)=/ {n+=$2} END {print n}'; }

echo "# $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg), jar $jar"
echo "# columns: config, VmRSS MiB, RssAnon MiB, RssFile MiB, threads, then loaded classes and NMT committed MiB"
for r in $(seq 1 "$rounds"); do
  echo "## round $r"
  while IFS='|' read -r name java flags env; do
    [ -n "$name" ] || continue
    log="$work/$name.classes"
    env $env nice -n 10 "$java" $flags -XX:NativeMemoryTracking=summary -Xlog:class+load=info:file="$log" \
      -jar "$jar" run --listen /ip4/127.0.9.9/tcp/4001 --admin-listen 127.0.9.9:9090 --topic t --no-probes \
      >"$work/$name.out" 2>&1 </dev/null &
    pid=$!
    ok=
    for i in $(seq 1 180); do curl -sf http://127.0.9.9:9090/healthz >/dev/null && { ok=1; break; }; sleep 1; done
    [ -n "$ok" ] || { echo "rss-breakdown: $name did not answer /healthz within 180 s:" >&2; tail -5 "$work/$name.out" >&2; kill "$pid"; exit 1; }
    curl -sf http://127.0.9.9:9090/v1/status >/dev/null
    sleep "$settle"
    row "$name" "$pid" "classes=$(classes "$pid" "$java") $(nmt "$pid" x "$java")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done <<<"$CONFIGS"
  for java in "$jdk17" "$jdk25"; do
    v=$("$java" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
    nice -n 10 "$java" -XX:+UseSerialGC -XX:MaxRAM=512m -cp "$work" Idle 60 </dev/null & pid=$!
    sleep "$settle"
    row "empty-jvm-$v" "$pid" "classes=$(classes "$pid" "$java")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  # go-peer runs until its stdin closes: hold it open with a FIFO
  mkfifo "$work/go.in"; exec 7<>"$work/go.in"
  nice -n 10 "$goPeer" --listen /ip4/127.0.9.9/tcp/0 --topic t >"$work/go.out" 2>&1 <"$work/go.in" & pid=$!
  sleep "$settle"
  row "go-peer" "$pid" ""
  kill "$pid"; wait "$pid" 2>/dev/null || true
  exec 7>&-; rm -f "$work/go.in"
done
echo "## classes loaded by an idle node (image-25, last round), by library"
awk '{print $2}' "$work/image-25.classes" | awk -F. '{ n=$1"."$2; if ($1=="io"||$1=="com"||$1=="ch"||$1=="org") n=n"."$3; print n }' |
  sort | uniq -c | sort -rn | head -15
