#!/usr/bin/env bash
# The cost of TLS, side by side in one run (issue 19): GetOnlineFeatures of 1 x 50 floats from a
# node over plain TCP, from a second node over TLS, and from Redis over plain TCP and over its
# TLS port (Debian's redis-server is built with TLS), the four targets alternating round by
# round (fsbench run --tls-node ... --baseline redis --redis-tls-cert ...). Two cells: one
# request at a time (P50, P99), and 32 in flight (throughput).
#
# Makes a test CA and a certificate for 127.0.0.1 with openssl, builds fsnode and fsbench in
# release mode in their own scratch folder, starts both nodes on 127.0.0.1 (stopped on exit),
# loads the same entities into each, and writes bench/results/<date>-tls/.
#
#   bench/tls.sh
#   DURATION=4 ROUNDS=2 bench/tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-8}"
warmup="${WARMUP:-2}"
rounds="${ROUNDS:-4}"
entities="${ENTITIES:-100000}"
plain_port="${PORT:-7495}"
tls_port="$((plain_port + 1))"
scratch="${SCRATCH:-.build-release-security}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-tls}"

. bench/lib.sh
bench_build "$scratch" fsnode fsbench
mkdir -p "$out"

work="$(mktemp -d)"
bench_remove_at_exit "$work"

echo "== a test CA and a certificate for 127.0.0.1 (openssl, P-256)"
(
    cd "$work"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout ca-key.pem -out ca.pem -subj "/CN=bench CA" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server-key.pem -out server.csr -subj "/CN=bench" 2>/dev/null
    printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" > ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 -out server.pem -extfile ext.cnf 2>/dev/null
)

start() { # port, extra flags...
    local port="$1"; shift
    mkdir -p "$work/store-$port"
    bench_start_node "$port" --repo examples/feature_repo --segments "$work/store-$port" --log-level warning "$@"
}
start "$plain_port"
start "$tls_port" --tls-cert "$work/server.pem" --tls-key "$work/server-key.pem"

echo "== loading $entities entities x 50 floats into both nodes"
"$bin/fsbench" load --node "127.0.0.1:$plain_port" --view bench_float50 --entities "$entities" >/dev/null
"$bin/fsbench" load --node "127.0.0.1:$tls_port" --view bench_float50 --entities "$entities" --tls-ca "$work/ca.pem" >/dev/null

tls=(--tls-node "127.0.0.1:$tls_port" --tls-ca "$work/ca.pem" --baseline redis
     --redis-tls-cert "$work/server.pem" --redis-tls-key "$work/server-key.pem")
echo "== 1 x 50, one request at a time"
"$bin/fsbench" run --node "127.0.0.1:$plain_port" --service bench_1x50 --key-space "$entities" "${tls[@]}" \
    --duration "$duration" --warmup "$warmup" --rounds "$rounds" --output "$out" --label tls-1x50-c1-f1 | tee "$out/tls-1x50-c1-f1.txt"
echo "== 1 x 50, 32 in flight"
"$bin/fsbench" run --node "127.0.0.1:$plain_port" --service bench_1x50 --key-space "$entities" "${tls[@]}" \
    --in-flight 32 --duration "$duration" --warmup "$warmup" --rounds "$rounds" --output "$out" --label tls-1x50-c1-f32 | tee "$out/tls-1x50-c1-f32.txt"
