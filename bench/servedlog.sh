#!/usr/bin/env bash
# The cost of the served-feature log (issue 17, item 5): 1 x 50 float reads from one
# connection, closed loop, against one node, side by side in one run: the feature service
# bench_1x50_logged, which logs 10% of its reads (log_sample_rate: 0.1), and bench_1x50,
# the same 50 features, which logs none. The two alternate within each run (fsbench run
# --baseline service:bench_1x50), on the same node, keys and values, so both see the same
# machine. Goal: P99 with logging within 10% of P99 without.
#
# After each run, a control run measures the same way two services that both log nothing
# (bench_1x50_control against bench_1x50): what the machine's noise alone makes of the ratio,
# so that a difference can be told from it.
#
# Builds fsnode, fsctl and fsbench in release mode (--scratch-path $SCRATCH, its own), copies
# examples/feature_repo with the logged service added, starts the node with --segments in a
# fresh work directory (where the log goes), loads $ENTITIES entities, runs $RUNS runs, then
# prints the node's HEALTH counters (reads logged, dropped) and how many rows fsctl
# served-log reads back. Writes $RESULTS/<label>.{txt,json,hgrm,svg} and
# $RESULTS/summary.md. Stops the node and removes the work directory on exit, Ctrl-C or
# failure.
#
#   bench/servedlog.sh                      # about 4 minutes after the build
#   RUNS=1 DURATION=6 bench/servedlog.sh    # quicker
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-20}"         # measured seconds per target and run
warmup="${WARMUP:-3}"              # unmeasured seconds per target and run
rounds="${ROUNDS:-10}"             # the targets alternate this many times within a run
runs="${RUNS:-3}"
entities="${ENTITIES:-100000}"
port="${PORT:-7587}"
scratch="${SCRATCH:-.build-release-servedlog}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-servedlog}"

. bench/lib.sh
bench_build "$scratch" fsnode fsctl fsbench
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/skewless-servedlog-bench.XXXXXX")"
bench_remove_at_exit "$work"

# The sample repo, and the same 50 features as a service that logs a tenth of its reads.
cp -r examples/feature_repo "$work/repo"
{
    echo "feature_services:"
    echo "  - name: bench_1x50_logged"
    echo "    description: \"Every field of bench_float50, 10% of reads logged.\""
    echo "    log_sample_rate: 0.1"
    echo "    features:"
    echo "      - view: bench_float50"
    echo "        fields: [$(seq -f 'f%02g' 0 49 | paste -sd, | sed 's/,/, /g')]"
    echo "  - name: bench_1x50_control"
    echo "    description: \"Every field of bench_float50, logging nothing: the control.\""
    echo "    features:"
    echo "      - view: bench_float50"
    echo "        fields: [$(seq -f 'f%02g' 0 49 | paste -sd, | sed 's/,/, /g')]"
} >"$work/repo/zz_served_log_bench.yaml"
"$bin/fsctl" validate --repo "$work/repo" >/dev/null

bench_start_node --log "$work/node.log" "$port" --repo "$work/repo" --segments "$work/segments" --log-level warning
node_pid=$bench_started_pid
node="127.0.0.1:$port"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$runs"); do
    label="servedlog-1x50-run$run"
    load=()
    [ "$run" = 1 ] && load=(--load)
    echo "== $label: bench_1x50_logged (10% logged) against bench_1x50 (none), alternating"
    "$bin/fsbench" run --node "$node" --service bench_1x50_logged --baseline service:bench_1x50 "${load[@]}" \
        --key-space "$entities" --duration "$duration" --warmup "$warmup" --rounds "$rounds" --label "$label" --output "$out"
    echo "== servedlog-control-run$run: bench_1x50_control (none logged) against bench_1x50 (none), alternating"
    "$bin/fsbench" run --node "$node" --service bench_1x50_control --baseline service:bench_1x50 \
        --key-space "$entities" --duration "$duration" --warmup "$warmup" --rounds "$rounds" --label "servedlog-control-run$run" --output "$out"
done

sleep 1  # the writer flushes twice a second
echo "== the node's served log"
"$bin/fsctl" health --node "$node" | grep -E "served log" | tee "$out/servedlog-health.txt"
rows=$("$bin/fsctl" served-log --store "$work/segments" --service bench_1x50_logged --format csv | tail -n +2 | wc -l)
echo "fsctl served-log reads back $rows served rows of bench_1x50_logged" | tee -a "$out/servedlog-health.txt"
# CPU of the log's writer thread (decoding frames, encoding and writing records) against the
# whole node's, from /proc (utime + stime, in clock ticks).
ticks=$(getconf CLK_TCK)
writer=0
for task in /proc/"$node_pid"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = "sk-served-log" ] || continue
    writer=$(awk '{print $14 + $15}' "$task/stat")
done
node_cpu=$(awk '{print $14 + $15}' "/proc/$node_pid/stat")
awk -v w="$writer" -v n="$node_cpu" -v t="$ticks" -v r="$rows" 'BEGIN {
    printf "CPU: the writer thread %.2f s (%.1f us per logged read), the whole node %.2f s\n", w / t, (r > 0 ? w / t / r * 1e6 : 0), n / t
}' | tee -a "$out/servedlog-health.txt"

{
    echo "Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) by bench/servedlog.sh at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo ' (with local changes)'), $(nproc) CPUs."
    echo "Load average before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
    for run in $(seq 1 "$runs"); do
        echo
        echo '```'
        cat "$out/servedlog-1x50-run$run.txt"
        echo
        cat "$out/servedlog-control-run$run.txt"
        echo '```'
    done
    echo
    echo '```'
    cat "$out/servedlog-health.txt"
    echo '```'
} >"$out/summary.md"
echo "== results in $out (summary.md has every table)"
