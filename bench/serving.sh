#!/usr/bin/env bash
# The serving-path benchmark of issue 2: builds release binaries, starts one node, loads
# synthetic data, and runs fsbench for each target shape. Results go to bench/results/.
#
#   bench/serving.sh                 # the full set (about 3 minutes after the build)
#   DURATION=5 bench/serving.sh      # shorter runs
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${DURATION:-10}"
entities="${ENTITIES:-100000}"
port="${PORT:-7491}"
out=bench/results
mkdir -p "$out"

. bench/node.sh

echo "== load: $entities entities x 50 floats (bench_float50)"
"$bin/fsbench" load --node "$node" --view bench_float50 --entities "$entities" --node-pid "$node_pid" | tee "$out/load-float50.txt"

run() {
    local name=$1; shift
    echo "== $name"
    "$bin/fsbench" run --node "$node" --duration "$duration" --warmup 2 --key-space "$entities" --label "$name" --json "$out/$name.json" "$@" | tee "$out/$name.txt"
}
echo "== calibration: redis-server on this machine, MGET of 20 keys, one connection (the issue's reference: p50 31 us)"
redis_port=$((port + 1))
redis-server --port "$redis_port" --save "" --appendonly no --daemonize yes >/dev/null
sleep 0.5
redis-cli -p "$redis_port" mset $(for i in $(seq 1 20); do echo "k$i v$i"; done) >/dev/null
redis-benchmark -p "$redis_port" -c 1 -n 50000 --precision 3 MGET $(for i in $(seq 1 20); do echo -n "k$i "; done) 2>/dev/null | grep -A2 "latency summary" | tee "$out/redis-mget20-calibration.txt"
redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true

run 1x50-c1-f1 --service bench_1x50 --batch 1 --connections 1 --in-flight 1
SKEWLESS_CONCURRENCY_ON_NIO=0 run 1x50-c1-f1-default-executor --service bench_1x50 --batch 1 --connections 1 --in-flight 1
run 100x50-c1-f1 --service bench_1x50 --batch 100 --connections 1 --in-flight 1
run 1x50-c4-f8 --service bench_1x50 --batch 1 --connections 4 --in-flight 8
run 1x50-c8-f8 --service bench_1x50 --batch 1 --connections 8 --in-flight 8
run 1x50-c2-f32 --service bench_1x50 --batch 1 --connections 2 --in-flight 32
