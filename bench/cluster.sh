#!/usr/bin/env bash
# The cluster benchmark (issue 5): 100 entities x 50 float features per request, through the
# SDK's cluster routing, against a 3-node cluster (1 replica per partition, so every request
# splits into about 3 sub-requests sent in parallel) and against a 1-node cluster under the
# same load. fsbench is given one node's address; its SDK clients read the cluster map from
# that node on the first wrong-shard answer and route from then on (warm-up covers it).
#
# Builds fsnode, fsctl and fsbench in release mode (--scratch-path $SCRATCH), writes
# $RESULTS/<run>.{txt,json,hgrm,svg} and prints a summary. Stops every node on exit.
#
#   bench/cluster.sh                        # about 2 minutes after the build
#   DURATION=4 WARMUP=1 bench/cluster.sh    # quicker
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-8}"
warmup="${WARMUP:-2}"
entities="${ENTITIES:-100000}"
port="${PORT:-7531}"
threads="${THREADS:-1}"            # event loop threads per node
scratch="${SCRATCH:-.build-release-cluster}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-cluster}"

. bench/lib.sh
bench_build "$scratch" fsnode fsctl fsbench
mkdir -p "$out"
work="$(mktemp -d)"
bench_remove_at_exit "$work"

# start_cluster N: N nodes on ports port..port+N-1, one cluster of 1024 partitions x 1 replica.
start_cluster() {
    local count=$1 addresses=()
    rm -rf "${work:?}"/*
    mkdir -p "$work/segments"
    for k in $(seq 1 "$count"); do
        local node_port=$((port + k - 1))
        bench_start_node "$node_port" --repo examples/feature_repo --node-id "node-$k" \
            --cluster-map "$work/node-$k.json" --segments "$work/segments" --event-loop-threads "$threads" --log-level warning
        addresses+=("127.0.0.1:$node_port")
    done
    "$bin/fsctl" cluster init --nodes "$(IFS=,; echo "${addresses[*]}")" --replication 1 --wait-seconds 0 >/dev/null
    seed="${addresses[0]}"
}

measure() {
    local nodes=$1
    echo "== $nodes node(s): loading $entities entities x 50 floats through the routing client"
    start_cluster "$nodes"
    "$bin/fsbench" load --node "$seed" --view bench_float50 --entities "$entities" >/dev/null
    echo "== $nodes node(s): 100 x 50, 1 connection, 1 in flight (latency)"
    "$bin/fsbench" run --node "$seed" --service bench_1x50 --entities 100 --key-space "$entities" \
        --duration "$duration" --warmup "$warmup" --label "cluster-${nodes}n-100x50-c1" --output "$out"
    echo "== $nodes node(s): 100 x 50, 4 connections x 4 in flight (throughput)"
    "$bin/fsbench" run --node "$seed" --service bench_1x50 --entities 100 --key-space "$entities" \
        --connections 4 --in-flight 4 --duration "$duration" --warmup "$warmup" --label "cluster-${nodes}n-100x50-c4x4" --output "$out"
    bench_stop_all
}

measure 3
measure 1
echo "== results in $out"
