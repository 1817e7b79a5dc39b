#!/usr/bin/env bash
# Installs Debian's prometheus package (prometheus + promtool) when either binary is missing.
# Idempotent; never starts the service. Used by the observability checks in e2e
# (PrometheusRulesTest, PrometheusDashboardsIT); scripts/prepare.sh calls it.
set -euo pipefail
if [[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]]; then
  echo "prometheus: $(/usr/bin/prometheus --version 2>&1 | head -1)"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "installing Debian's prometheus package (prometheus, promtool)"
$sudo apt-get update -qq
# policy-rc.d 101: the package's postinst must not start the service (there may be no init at all).
policy=/usr/sbin/policy-rc.d
created_policy=""
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
  $sudo chmod +x $policy
  created_policy=1
fi
trap 'if [[ -n $created_policy ]]; then $sudo rm -f $policy; fi' EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
for b in prometheus promtool; do
  if [[ ! -x /usr/bin/$b ]]; then
    echo "/usr/bin/$b is still missing after apt-get install prometheus" >&2
    exit 1
  fi
done
echo "prometheus: $(/usr/bin/prometheus --version 2>&1 | head -1)"
