#!/usr/bin/env bash
# Installs Debian's chromium package when no chromium binary is on the PATH. Idempotent. Used by the
# mesh view's screenshot test (node MeshViewIT: headless Chromium opens /ui/); scripts/prepare.sh calls it.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "installing Debian's chromium package (headless screenshots of the mesh view)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is still missing after apt-get install chromium" >&2
  exit 1
fi
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
