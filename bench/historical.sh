#!/usr/bin/env bash
# Historical retrieval beside online serving (issue 18): what a large training-set query
# (GET_HISTORICAL_FEATURES, built by the node from its offline store) costs the online reads
# of the same node, and what the query holds in memory.
#
#   idle      1 x 50 reads of bench_1x50 (closed loop, one connection), nothing else running.
#   busy      the same reads while `fsctl historical --node` asks the node, again and again,
#             for a training set of $LABELS label rows x 10 float features of bench_float10,
#             joined against $ROWS rows of history of $USERS users (every query from the
#             upload of its labels to its last page; fsctl reads the labels and formats the
#             answer on the same 2 cores).
#
# Builds fsnode, fsctl and fsbench in release mode (--scratch-path $SCRATCH), generates the
# history and labels with python3, ingests the history with fsctl ingest, starts one node with
# --segments and loads $ENTITIES entities x 50 floats into it for the reads. Prints the node's
# peak RSS (VmHWM) before and after the queries, and how long each query took. Writes
# $RESULTS/<cell>.{txt,json,hgrm,svg} and $RESULTS/summary.md. Stops the node and removes the
# work directory on exit, Ctrl-C or failure.
#
#   bench/historical.sh                         # about 4 minutes after the build
#   ROWS=1000000 LABELS=200000 bench/historical.sh   # quicker
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${ROWS:-2000000}"             # history rows of bench_float10
users="${USERS:-1000000}"           # users those rows belong to
labels="${LABELS:-1000000}"         # label rows per query
entities="${ENTITIES:-100000}"      # entities of bench_float50 the reads read
seconds="${SECONDS_PER_CELL:-20}"   # measured seconds per cell
port="${PORT:-7571}"
scratch="${SCRATCH:-.build-release-bench}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-historical}"
work_parent="${WORK_PARENT:-${TMPDIR:-/tmp}}"

. bench/lib.sh
bench_build "$scratch" fsnode fsctl fsbench
mkdir -p "$out"
work="$(mktemp -d "$work_parent/skewless-historical-bench.XXXXXX")"
bench_remove_at_exit "$work"

echo "== generating $rows rows of history for $users users and $labels labels"
python3 - "$work" "$rows" "$users" "$labels" <<'PY'
import random, sys
work, rows, users, labels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(18)
start = 1_790_000_000_000_000           # 2026-09-20
span = 30 * 86_400_000_000               # 30 days of history
with open(f"{work}/history.csv", "w") as f:
    f.write("user_id,event_time,created_time," + ",".join(f"f{i:02d}" for i in range(10)) + "\n")
    for _ in range(rows):
        event = start + random.randrange(span)
        values = ",".join(f"{random.random():.4f}" for _ in range(10))
        f.write(f"{random.randrange(1, users + 1)},{event},{event + 1_000_000},{values}\n")
with open(f"{work}/labels.csv", "w") as f:
    f.write("user_id,timestamp,label\n")
    for _ in range(labels):
        f.write(f"{random.randrange(1, users + 1)},{start + random.randrange(span)},{random.randrange(2)}\n")
PY
ls -la "$work"/*.csv
echo "== ingesting the history"
"$bin/fsctl" ingest bench_float10 "$work/history.csv" --repo examples/feature_repo --store "$work/segments" --compact
rm "$work/history.csv"

# The node reads the ingested store before it listens: up to 30 s.
bench_start_node --log "$work/node.log" --timeout 30 "$port" --repo examples/feature_repo --segments "$work/segments" \
    --log-level warning
node_pid=$bench_started_pid
node="127.0.0.1:$port"
rss() { grep -E "^(VmRSS|VmHWM)" "/proc/$node_pid/status" | tr -s ' ' | tr '\n' ' '; }

features=$(printf 'bench_float10:f%02d,' $(seq 0 9))
features=${features%,}
query() {
    "$bin/fsctl" historical --node "$node" --labels "$work/labels.csv" --features "$features" \
        --repo examples/feature_repo --out /dev/null --status 2>>"$work/queries.log"
}

echo "== one query alone (node before: $(rss))"
query
tail -1 "$work/queries.log"
echo "node after one query: $(rss)"

echo "== loading $entities entities x 50 floats for the reads"
"$bin/fsbench" load --node "$node" --view bench_float50 --entities "$entities" >/dev/null

echo "== idle"
"$bin/fsbench" run --node "$node" --service bench_1x50 --key-space "$entities" --duration "$seconds" --warmup 2 \
    --rounds 1 --label idle --output "$out"

echo "== busy (queries back to back meanwhile)"
( while true; do query; done ) &
query_pid=$!
bench_track "$query_pid"
sleep 2
"$bin/fsbench" run --node "$node" --service bench_1x50 --key-space "$entities" --duration "$seconds" --warmup 2 \
    --rounds 1 --label busy --output "$out"
bench_stop "$query_pid"
echo "node after the busy cell: $(rss)"

{
    echo "Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) by bench/historical.sh at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo ' (with local changes)'),"
    echo "$(nproc) CPUs: $rows history rows of $users users, queries of $labels label rows x 10 floats."
    echo
    echo "Queries (fsctl's own timing: read labels, join = the whole conversation with the node, write):"
    echo '```'
    cat "$work/queries.log"
    echo '```'
    echo "Node memory after the busy cell: $(rss)"
    for cell in idle busy; do
        echo
        echo '```'
        cat "$out/$cell.txt"
        echo '```'
    done
} >"$out/summary.md"
cat "$out/summary.md"
