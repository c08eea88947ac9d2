#!/usr/bin/env bash
# Memory per feature value: loads N entities x 50 float features into a fresh node and
# reads the node's resident memory before and after (fsbench load --node-pid).
#
#   ENTITIES=1000000 bench/memory.sh
set -euo pipefail
# SWIFT_BUILD_FLAGS="--scratch-path .build-release" reuses another build folder.
cd "$(dirname "$0")/.."
entities="${ENTITIES:-1000000}"
port="${PORT:-7492}"
mkdir -p bench/results
scripts/setup.sh
swift build -c release ${SWIFT_BUILD_FLAGS:-} --product fsnode >/dev/null
swift build -c release ${SWIFT_BUILD_FLAGS:-} --product fsbench >/dev/null
bin="$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)"
"$bin/fsnode" --repo examples/feature_repo --port "$port" --log-level warning &
node_pid=$!
trap 'kill -TERM $node_pid 2>/dev/null; wait $node_pid 2>/dev/null' EXIT
sleep 1
"$bin/fsbench" load --node "127.0.0.1:$port" --view bench_float50 --entities "$entities" --batch-size 2000 --node-pid "$node_pid" | tee bench/results/memory-float50.txt
