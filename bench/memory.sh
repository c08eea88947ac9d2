#!/usr/bin/env bash
# Memory per feature value: loads N entities x 50 float features into a fresh node and
# reads the node's resident memory before and after (fsbench load --node-pid).
#
#   ENTITIES=1000000 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
entities="${ENTITIES:-1000000}"
port="${PORT:-7492}"
mkdir -p bench/results
. bench/node.sh
"$bin/fsbench" load --node "$node" --view bench_float50 --entities "$entities" --batch-size 2000 --node-pid "$node_pid" | tee bench/results/memory-float50.txt
