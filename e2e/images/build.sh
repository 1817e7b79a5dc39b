#!/usr/bin/env bash
# Builds the cluster's container images without a container engine or a registry, as OCI archives
# that `ctr images import` (and `docker load`) read:
#
#   pause     the pod sandbox: a static C binary that waits for a signal (pause.c)
#   node      a jlink'ed Java runtime at /opt/java + /app/topicmesh-node.jar     (node/Dockerfile)
#             + this machine's libcrypto.so.3 (OpenSSL 3; the noise AEAD through FFM, NativeAeads)
#   operator  a jlink'ed Java runtime at /opt/java + /app/topicmesh-operator.jar (operator/Dockerfile)
#
# The Java images have the layout the Dockerfiles produce: runtime under /opt/java (on PATH), the
# jar under /app, uid/gid 10001, a writable /tmp expected as an emptyDir. The runtime's shared
# libraries (glibc and the few others the JVM links) come from this machine, found with ldd.
#
# Usage: build.sh [pause|node|operator]...   (default: all three)
# Output: ${TOPICMESH_CACHE:-~/.cache/topicmesh}/images/<image>.tar, and <image>.ref (the names).
# The jars must exist (mvn -DskipTests package). Rebuilds only when an input changed.
#
# Environment:
#   TOPICMESH_IMAGE_TAG   tag of node and operator (default 0.1.0)
#   TOPICMESH_IMAGE_JDK   JDK whose runtime is jlink'ed into the images (default: Temurin 25, see
#                         docs/e2e.md for why; 17 is /usr/lib/jvm/java-17-openjdk-amd64)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TOPICMESH_CACHE:-$HOME/.cache/topicmesh}"
out="$cache/images"
tag="${TOPICMESH_IMAGE_TAG:-0.1.0}"
jdk="${TOPICMESH_IMAGE_JDK:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)}"
readonly RECIPE=2
# A second tag of the node image, for the e2e rolling-update scenario (same content, new reference).
extra_node_tag="${tag}-r2"

die() { echo "images: $*" >&2; exit 1; }
log() { echo "images: $*" >&2; }

command -v python3 >/dev/null || die "python3 is required (writes the OCI archives)"
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# Writes the archive only when the stamp (a hash of every input) changed.
fresh() { # image stamp
  [ -f "$out/$1.tar" ] && [ "$(cat "$out/$1.stamp" 2>/dev/null)" = "$2" ]
}

build_pause() {
  local stamp
  stamp="$(hash_of "$here/pause.c" "$here/oci_archive.py" "$0")"
  if fresh pause "$stamp"; then log "pause: up to date"; return; fi
  command -v gcc >/dev/null || die "gcc is required to build the pause image"
  local rootfs; rootfs="$(mktemp -d)"
  gcc -static -Os -s -o "$rootfs/pause" "$here/pause.c" \
    || die "gcc -static failed (is libc6-dev installed?)"
  python3 "$here/oci_archive.py" --rootfs "$rootfs" --out "$out/pause.tar" \
    --name topicmesh/pause:1.0 --entrypoint '["/pause"]' --user 65535:65535 >&2
  rm -rf "$rootfs"
  echo "docker.io/topicmesh/pause:1.0" >"$out/pause.ref"
  echo "$stamp" >"$out/pause.stamp"
}

# Copies a shared library and the symlink chain that names it, keeping paths.
copy_lib() { # lib rootfs
  local lib=$1 rootfs=$2 target
  while :; do
    mkdir -p "$rootfs$(dirname "$lib")"
    if [ -L "$lib" ]; then
      target="$(readlink "$lib")"
      cp -P "$lib" "$rootfs$lib"
      case "$target" in /*) lib=$target ;; *) lib="$(dirname "$lib")/$target" ;; esac
    else
      cp "$lib" "$rootfs$lib"
      return
    fi
  done
}

build_java() { # image jar extra-env...
  local image=$1 jar=$2; shift 2
  [ -f "$jar" ] || die "$jar is missing: build it first (mvn -B -ntp -DskipTests package)"
  [ -x "$jdk/bin/jlink" ] || die "no jlink in '$jdk' (set TOPICMESH_IMAGE_JDK to a JDK)"
  local modules_file="$root/$image/jlink-modules.txt" modules
  [ -f "$modules_file" ] || die "$modules_file is missing (the module list the Dockerfile uses too)"
  modules="$(grep -v '^#' "$modules_file" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')"
  local jdk_version; jdk_version="$("$jdk/bin/java" -version 2>&1 | head -n1)"
  # The node's noise AEAD is OpenSSL's ChaCha20-Poly1305 through FFM (NativeAeads; JDK 22+). The JVM
  # dlopens libcrypto, so ldd below cannot see it: it is copied by name, with what it links.
  local crypto=""
  if [ "$image" = node ]; then
    crypto="$(ldconfig -p | awk '$1 == "libcrypto.so.3" && /x86-64/ && !found {print $NF; found = 1}')"
    [ -n "$crypto" ] || die "node: libcrypto.so.3 is missing on this machine (apt-get install libssl3); the node image needs it for its noise AEAD"
  fi
  local stamp
  stamp="$( (hash_of "$jar" "$here/oci_archive.py" "$0" ${crypto:+"$crypto"}; echo "$modules $jdk_version $tag $RECIPE $*") | sha256sum | cut -c1-16)"
  if fresh "$image" "$stamp" && { [ "$image" != node ] || [ -f "$out/node-broken.tar" ]; }; then
    log "$image: up to date"; return
  fi

  log "$image: jlink ($jdk_version; modules $modules)"
  local rootfs; rootfs="$(mktemp -d)"
  # --generate-cds-archive: the runtime's default class-data sharing archive, which a jlink'ed
  # runtime otherwise lacks (start-up; see docs/benchmarks.md, "One JVM per node").
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive --compress=zip-6 --output "$rootfs/opt/java" 2>/dev/null \
    || { rm -rf "$rootfs/opt/java"; "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
      --generate-cds-archive --compress=2 --output "$rootfs/opt/java"; } \
    || die "jlink failed"
  mkdir -p "$rootfs/app" "$rootfs/tmp" "$rootfs/etc"
  chmod 1777 "$rootfs/tmp"
  cp "$jar" "$rootfs/app/"
  # The shared libraries the runtime links, plus those glibc loads at run time.
  local libs
  libs="$(find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
    | xargs -0 ldd 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u)"
  if [ -n "$crypto" ]; then
    libs="$libs $crypto $(ldd "$crypto" | awk '/=> \//{print $3}')"
  fi
  for l in $libs /lib64/ld-linux-x86-64.so.2 $(ls /lib/x86_64-linux-gnu/libgcc_s.so.1 2>/dev/null); do
    [ -e "$l" ] && copy_lib "$l" "$rootfs"
  done
  # usrmerge: /lib and /lib64 are symlinks into /usr on Debian 12; keep both spellings working.
  if [ -d "$rootfs/usr/lib" ] && [ ! -e "$rootfs/lib" ]; then ln -s usr/lib "$rootfs/lib"; fi
  printf 'root:x:0:0:root:/root:/sbin/nologin\ntopicmesh:x:10001:10001:topicmesh:/nonexistent:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\ntopicmesh:x:10001:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  # Smoke test: the runtime starts on this rootfs's libraries alone.
  # (The launcher finds libjli.so through $ORIGIN, which needs /proc, as in a container.)
  if command -v unshare >/dev/null && [ "$(id -u)" = 0 ]; then
    local smoke
    mkdir "$rootfs/proc"
    smoke="$(unshare -m sh -c 'mount -t proc proc "$1/proc" && chroot "$1" /opt/java/bin/java -version' _ "$rootfs" 2>&1)" \
      || die "$image: the jlink'ed runtime does not start inside its rootfs: $smoke"
    if [ -n "$crypto" ] && [ "$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print int($2)}')" -ge 22 ]; then
      # The native AEAD loads and passes its RFC 8439 self-test inside the image (exit 1 otherwise).
      smoke="$(unshare -m sh -c 'mount -t proc proc "$1/proc" && chroot "$1" /opt/java/bin/java --enable-native-access=ALL-UNNAMED -cp /app/topicmesh-node.jar io.topicmesh.node.security.noise.NativeAeads' _ "$rootfs" 2>&1)" \
        || die "$image: the native noise AEAD does not work inside its rootfs: $smoke"
      log "$image: $smoke"
    fi
    rmdir "$rootfs/proc"
  fi
  local names=(--name "topicmesh/$image:$tag")
  [ "$image" = node ] && names+=(--name "topicmesh/$image:$extra_node_tag")
  local envs=(--env "PATH=/opt/java/bin:/usr/bin:/bin" --env "JAVA_HOME=/opt/java")
  local e
  for e in "$@"; do envs+=(--env "$e"); done
  python3 "$here/oci_archive.py" --rootfs "$rootfs" --out "$out/$image.tar" "${names[@]}" \
    --entrypoint "[\"java\", \"-jar\", \"/app/$(basename "$jar")\"]" --user 10001:10001 --workdir / \
    "${envs[@]}" --label "org.opencontainers.image.title=topicmesh-$image" >&2
  if [ "$image" = node ]; then
    # A node image that crash-loops (its jar is not a jar), for the e2e bad-image scenario.
    echo "not a jar" >"$rootfs/app/$(basename "$jar")"
    python3 "$here/oci_archive.py" --rootfs "$rootfs" --out "$out/node-broken.tar" \
      --name "topicmesh/node:${tag}-broken" \
      --entrypoint "[\"java\", \"-jar\", \"/app/$(basename "$jar")\"]" --user 10001:10001 --workdir / \
      "${envs[@]}" --label "org.opencontainers.image.title=topicmesh-node-broken" >&2
    echo "docker.io/topicmesh/node:${tag}-broken" >"$out/node-broken.ref"
    echo "$stamp" >"$out/node-broken.stamp"
  fi
  rm -rf "$rootfs"
  {
    echo "docker.io/topicmesh/$image:$tag"
    [ "$image" = node ] && echo "docker.io/topicmesh/$image:$extra_node_tag"
  } >"$out/$image.ref"
  echo "$stamp" >"$out/$image.stamp"
}

# The node's flags mirror node/Dockerfile's JAVA_TOOL_OPTIONS (chosen in docs/benchmarks.md, "One JVM per node").
java_opts="-XX:+ExitOnOutOfMemoryError -XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pause node operator)
for t in "${targets[@]}"; do
  case "$t" in
    pause) build_pause ;;
    node) build_java node "$root/node/target/topicmesh-node.jar" \
      "JAVA_TOOL_OPTIONS=$java_opts -XX:+UseSerialGC -Dio.netty.native.workdir=/tmp" "LOG_FORMAT=json" ;;
    operator) build_java operator "$root/operator/target/topicmesh-operator.jar" \
      "JAVA_TOOL_OPTIONS=$java_opts" ;;
    *) die "unknown image '$t' (pause, node, operator)" ;;
  esac
done
ls -la "$out"/*.tar >&2
