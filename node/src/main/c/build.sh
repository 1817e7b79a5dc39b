#!/bin/sh
# Builds the JNI shim for OpenSSL's ChaCha20-Poly1305 (openssl_aead.c) into the node's classes,
# so that it ships in the jar: <classes>/native/linux-x86_64/libtopicmesh-aead.so. node/pom.xml runs
# it in the compile phase (exec-maven-plugin):  build.sh <classes dir> <java.home> [<other JDK home>]
#
# Needs gcc and the C library's headers (Debian: gcc libc6-dev; scripts/prepare.sh installs them),
# and jni.h from a JDK (the JVM Maven runs on, else the other JDK given). libcrypto is not needed to
# build: the shim dlopens it at run time. On a platform other than Linux x86-64 nothing is built and
# the node falls back to its pure-Java AEAD, saying why (JniAeads).
set -eu
classes=$1
java_home=$2
other_home=${3:-}
here=$(cd "$(dirname "$0")" && pwd)

os=$(uname -s)
arch=$(uname -m)
if [ "$os" != Linux ] || [ "$arch" != x86_64 ]; then
  echo "topicmesh-aead: no JNI library for $os/$arch (built for Linux x86-64 only); the node will use its pure-Java AEAD there" >&2
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
  echo "ERROR: building the node needs gcc for its JNI AEAD (src/main/c/openssl_aead.c): install gcc and libc6-dev (Debian/Ubuntu: apt-get install gcc libc6-dev; scripts/prepare.sh does it)" >&2
  exit 1
fi
include=
for home in "$java_home" "$other_home"; do
  if [ -n "$home" ] && [ -f "$home/include/jni.h" ]; then
    include=$home/include
    break
  fi
done
if [ -z "$include" ]; then
  echo "ERROR: building the node's JNI AEAD needs jni.h, found in neither $java_home/include nor ${other_home:-(no other JDK)}/include: run Maven on a JDK (not a JRE)" >&2
  exit 1
fi
out=$classes/native/linux-x86_64
mkdir -p "$out"
# -ldl: dlopen lives in libdl before glibc 2.34 (in libc since, where -ldl is an empty stub).
if ! gcc -std=c11 -D_GNU_SOURCE -O2 -fPIC -shared -fvisibility=hidden -fstack-protector-strong \
    -Wall -Wextra -Werror -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now -Wl,--as-needed -s \
    -I"$include" -I"$include/linux" \
    -o "$out/libtopicmesh-aead.so.tmp" "$here/openssl_aead.c" -ldl; then
  if [ ! -f /usr/include/stdio.h ]; then
    echo "ERROR: gcc failed and /usr/include/stdio.h is missing: install libc6-dev" >&2
  fi
  echo "ERROR: compiling the node's JNI AEAD (src/main/c/openssl_aead.c) failed" >&2
  exit 1
fi
mv "$out/libtopicmesh-aead.so.tmp" "$out/libtopicmesh-aead.so"
