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

# FaultsIT (node) builds its partition from network namespaces with ip, and reaches the admin APIs
# inside them through socat relays on Unix sockets.
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v socat >/dev/null || missing+=(socat)
# The node's native noise AEAD (OpenSSL through FFM): its tests (node/pom.xml, native-aead) and the
# node image (e2e/images/build.sh copies this machine's libcrypto.so.3 into it).
ldconfig -p | grep 'libcrypto\.so\.3 ' >/dev/null || missing+=(libssl3)
# The node's JNI AEAD (OpenSSL through JNI for JDK 17-21): node/src/main/c, compiled by gcc during
# the node's Maven build (node/pom.xml, exec-maven-plugin), which fails without it.
command -v gcc >/dev/null || missing+=(gcc)
[ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
