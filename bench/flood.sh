#!/usr/bin/env bash
# The flood benchmark (issue 19): a good client reads 1 x 50 floats at a steady rate (open
# loop, latency from each intended send time) from one node, first idle, then while 50
# connections send malformed frames as fast as they can (each frame earns an error; the node
# closes a connection after 100 in a row and the flooder reconnects at once) and 10 more open
# and close connections in a loop. The goal: the good client's P99 under the flood at most 3x
# its idle P99, and no errors.
#
# Builds fsnode and fsbench in release mode in their own scratch folder, starts one node on
# 127.0.0.1 (stopped on exit), loads the 50-float view, runs `fsbench flood`, and writes
# bench/results/<date>-flood/flood.json. Extra arguments go to `fsbench flood`.
#
# The measured processes (the node, and fsbench's good client) run at nice -15 (NICE) so that
# other work on a shared machine delays them less; the flood's own thread sets itself back to
# nice 0 (FLOOD_NICE): on this 2-core VM the attacker shares the node's CPUs, where in
# production it would be another machine. NICE=0 FLOOD_NICE= runs everything alike.
# `nice` alone is not enough on Linux: the nice value is per thread, and the threads that
# libdispatch starts (Swift's cooperative pool, and the node's event loops, started from it)
# take the nice value of their QoS instead. So every second the script renices every thread
# of both processes but the flood's own (fsbench's NIO-ELT-* threads).
#
# On this 2-core VM the attacker's own CPU (writing garbage into 50 sockets, reconnecting) is
# taken from the node's cores, where in production it would run on another machine. CPUS
# separates them: CPUS=0:1 pins the node and the good client to CPU 0 and the flood's threads
# to CPU 1 (taskset, each second like the nice values), so the node pays only for what reaches
# it over the sockets. The idle phase runs with the same pinning, so the ratio compares like
# with like. Unset (the default), every thread may run on every CPU.
#
#   bench/flood.sh
#   CPUS=0:1 bench/flood.sh
#   DURATION=10 bench/flood.sh --flooders 20
#   NODE_ARGS="--slow-down-after-invalid-requests 0 --turn-budget-us 1000000" bench/flood.sh   # the defences off
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-20}"
warmup="${WARMUP:-2}"
rate="${RATE:-1000}"
entities="${ENTITIES:-100000}"
port="${PORT:-7494}"
nice_value="${NICE:--15}"
flood_nice="${FLOOD_NICE-0}"
cpus="${CPUS:-}"
measured_cpus="" flood_cpus=""
if [ -n "$cpus" ]; then
    if [[ "$cpus" != *:* ]]; then
        echo "CPUS must be MEASURED:FLOOD, CPU lists as taskset takes them (for example 0:1)" >&2
        exit 2
    fi
    measured_cpus="${cpus%%:*}" flood_cpus="${cpus#*:}"
fi
scratch="${SCRATCH:-.build-release-security}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-flood}"

. bench/lib.sh
bench_build "$scratch" fsnode fsbench
mkdir -p "$out"

segments="$(mktemp -d)"
bench_remove_at_exit "$segments"
# shellcheck disable=SC2086  # NODE_ARGS is a list of flags
bench_start "$port" nice -n "$nice_value" "$bin/fsnode" --repo examples/feature_repo --segments "$segments" --port "$port" --log-level warning ${NODE_ARGS:-}
node_pid=$bench_started_pid
node="127.0.0.1:$port"

# Sets every thread of process $1 (but those whose name starts with $2, when given) to
# nice_value, and with CPUS to the measured CPUs; the skipped ones (the flood's) to the
# flood's CPUs.
renice_threads() {
    local pid="$1" skip="${2:-}" task name
    for task in /proc/"$pid"/task/*; do
        name="$(cat "$task/comm" 2>/dev/null || true)"
        if [ -n "$skip" ] && [[ "$name" == "$skip"* ]]; then
            [ -n "$flood_cpus" ] && taskset -p -c "$flood_cpus" "${task##*/}" >/dev/null 2>&1
            continue
        fi
        renice -n "$nice_value" -p "${task##*/}" >/dev/null 2>&1 || true
        [ -n "$measured_cpus" ] && taskset -p -c "$measured_cpus" "${task##*/}" >/dev/null 2>&1
    done
    return 0
}

echo "== loading $entities entities x 50 floats"
"$bin/fsbench" load --node "$node" --view bench_float50 --entities "$entities" >/dev/null
echo "== the good client idle, then under the flood ($duration s each); CPUs (measured:flood): ${cpus:-all}; load: $(uptime)" | tee "$out/flood.txt"
flood_args=()
[ -n "$flood_nice" ] && flood_args+=(--flood-nice "$flood_nice")
nice -n "$nice_value" "$bin/fsbench" flood --node "$node" --service bench_1x50 --key-space "$entities" --rate "$rate" \
    --duration "$duration" --warmup "$warmup" --output "$out" "${flood_args[@]}" "$@" > >(tee -a "$out/flood.txt") &
bench_pid=$!
bench_track "$bench_pid"
while kill -0 "$bench_pid" 2>/dev/null; do
    renice_threads "$node_pid"
    renice_threads "$bench_pid" NIO-ELT-
    sleep 1
done
bench_wait "$bench_pid"
