#!/usr/bin/env bash
# The durable write benchmarks (the durable write path's issue), Skewless and Redis side by
# side where the issue compares them:
#
#   push-10k      push throughput on one node: 10,000-row batches of 10 floats, 4 in flight,
#                 through the SDK's write; Redis (appendonly yes, appendfsync always) takes
#                 the same rows as pipelined HSET. Goals: >= 300,000 rows/s, >= Redis's.
#   freshness-1n  event-to-servable latency on one node: 200 one-row writes/s, each read back
#                 until served. Goal: P99 <= 5 ms.
#   mixed-1x50    1 x 50 reads (closed loop, 1 x 1) idle and while 50,000 rows/s (500-row
#                 batches every 10 ms) go into bench_float10 of the same node; Redis alike.
#                 Goal: P99 under the stream <= 2 x idle.
#   freshness-3n  the same freshness probe against 3 nodes, 2 replicas per partition, every
#                 replica read directly. Goal: P99 <= 10 ms.
#
# Builds fsnode, fsctl and fsbench in release mode (--scratch-path $SCRATCH), starts the nodes
# with --segments in a fresh work directory (a write is durable once in the view's write log
# there) and gives fsbench the same directory for Redis's append-only file, so both fsync to
# the same disk. Writes $RESULTS/<cell>.{txt,json,hgrm,svg} and $RESULTS/summary.md (the
# tables). Stops every node and redis-server and removes the work directory on exit, Ctrl-C
# or failure.
#
#   bench/write.sh                         # about 3 minutes after the build
#   SECONDS_PER_CELL=4 bench/write.sh      # quicker
#   WORK_PARENT=/mnt/data bench/write.sh   # segments and AOF on another disk
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_PER_CELL:-10}"   # push: measured seconds per target; freshness: measured seconds
mixed_seconds="${MIXED_SECONDS:-8}" # mixed: measured seconds per target and phase
warmup="${WARMUP:-2}"
entities="${ENTITIES:-100000}"      # entities of bench_float50 the mixed reads read
port="${PORT:-7561}"                # one node on port; the cluster on port+1 ... port+3
scratch="${SCRATCH:-.build-release-bench}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-write}"
work_parent="${WORK_PARENT:-${TMPDIR:-/tmp}}"

. bench/lib.sh
bench_build "$scratch" fsnode fsctl fsbench
mkdir -p "$out"
work="$(mktemp -d "$work_parent/skewless-write-bench.XXXXXX")"
bench_remove_at_exit "$work"

# start_node NAME PORT [fsnode options...]: one node logging to $work/NAME.log, waited for.
start_node() {
    local name=$1 node_port=$2
    shift 2
    bench_start_node --log "$work/$name.log" "$node_port" --repo examples/feature_repo --log-level warning "$@"
}

echo "== work directory (node segments and Redis's append-only file): $work"
df -h "$work" | tail -1

echo "== one node, segments in $work/segments-1n"
mkdir -p "$work/segments-1n"
start_node node "$port" --segments "$work/segments-1n"
node="127.0.0.1:$port"

echo "== push-10k"
"$bin/fsbench" push --node "$node" --baseline redis --redis-dir "$work" --seconds "$seconds" --warmup "$warmup" \
    --label push-10k --output "$out"
# The push leaves gigabytes of log for the sealer; freshness is measured once it is sealed
# (while it is being sealed, a write's fdatasync queues behind the segment writes: the
# backlog's size and the time it took are printed, and freshness-1n-sealing measures that).
echo "== freshness-1n-sealing (while the push's backlog is sealed)"
"$bin/fsctl" health --node "$node" | grep -E "bench_float10|VIEW" || true
"$bin/fsbench" freshness --node "$node" --seconds "$seconds" --label freshness-1n-sealing --output "$out"
sealing_started=$(date +%s)
for _ in $(seq 1 600); do
    "$bin/fsctl" health --node "$node" --json |
        python3 -c 'import json, sys; sys.exit(0 if all(v["log_unsealed_records"] == 0 for v in json.load(sys.stdin)["freshness"]) else 1)' && break
    sleep 1
done
echo "the push's log was sealed $(( $(date +%s) - sealing_started )) s after freshness-1n-sealing ended"
echo "== freshness-1n"
"$bin/fsbench" freshness --node "$node" --seconds "$seconds" --label freshness-1n --output "$out"
echo "== mixed-1x50 (loads $entities entities x 50 floats into the node and into redis first)"
"$bin/fsbench" mixed --node "$node" --service bench_1x50 --key-space "$entities" --load --baseline redis --redis-dir "$work" \
    --duration "$mixed_seconds" --warmup "$warmup" --label mixed-1x50 --output "$out"
bench_stop_all

echo "== 3 nodes, 2 replicas per partition, segments in $work/segments-3n"
mkdir -p "$work/segments-3n"
addresses=()
for k in 1 2 3; do
    start_node "node-$k" $((port + k)) --node-id "node-$k" --cluster-map "$work/node-$k-map.json" --segments "$work/segments-3n"
    addresses+=("127.0.0.1:$((port + k))")
done
nodes="$(IFS=,; echo "${addresses[*]}")"
"$bin/fsctl" cluster init --nodes "$nodes" --partitions 1024 --replication 2 >/dev/null
echo "== freshness-3n"
"$bin/fsbench" freshness --nodes "$nodes" --seconds "$seconds" --label freshness-3n --output "$out"
bench_stop_all

{
    echo "Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) by bench/write.sh at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo ' (with local changes)'),"
    echo "$(nproc) CPUs, work directory on $(df --output=source "$work_parent" | tail -1)."
    for cell in push-10k freshness-1n-sealing freshness-1n mixed-1x50 freshness-3n; do
        echo
        echo '```'
        cat "$out/$cell.txt"
        echo '```'
    done
} >"$out/summary.md"
echo "== results in $out (summary.md has every table)"
