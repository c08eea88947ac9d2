#!/usr/bin/env bash
# Installs the system packages Skewless needs (Debian), once. Safe to run again.
#   liblz4-dev                          LZ4 for embeddings (the CLZ4 system-library target)
#   protobuf-compiler protobuf-c-compiler libprotobuf-c-dev
#                                       protoc-c and libprotobuf-c for the C conformance client the tests build
#   redis-server                        the baseline fsbench compares against
#   etcd-server                         the control plane's store (etcd 3.4); tests start their own
#   prometheus                          promtool checks monitoring/'s rules; tests start a real
#                                       Prometheus (/usr/bin/prometheus) that scrapes a node
set -euo pipefail
packages=(liblz4-dev protobuf-compiler protobuf-c-compiler libprotobuf-c-dev redis-server etcd-server pkg-config prometheus)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
