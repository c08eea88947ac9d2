#!/usr/bin/env bash
# Memory per entity at a larger scale than bench/run.sh: loads N entities x 50 floats into a
# fresh node and into a fresh redis-server, and compares the node's RSS growth with Redis's
# used_memory growth (fsbench load --node-pid --baseline redis).
#
#   ENTITIES=1000000 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
entities="${ENTITIES:-1000000}"
port="${PORT:-7492}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)}"
mkdir -p "$out"
scratch="${SCRATCH:-.build-release-bench}"
. bench/lib.sh
bench_build "$scratch" fsnode fsbench
bench_start_sample_node "$port"
"$bin/fsbench" load --node "$node" --view bench_float50 --entities "$entities" --node-pid "$node_pid" --baseline redis \
    --label "memory-1x50-$entities" --output "$out"
