#!/usr/bin/env bash
# The floors under a Skewless read on this machine, for the sizes of 1 x 50 floats (a
# 40-byte request, a 1,959-byte answer) on one connection, one request in flight:
#   - a C ping-pong of those frames (bench/floor/pingpong.c): the kernel alone;
#   - `fsbench floor`: the same through two bare NIO handlers, in two processes;
#   - Skewless itself, one float (bench_float50:f00) and 1 x 50 (bench_1x50), through the SDK;
# each with the processes free to move, then all on one core (taskset -c 0), which shows
# what waking a process on the other vCPU costs here.
#
#   bench/floor.sh                # about 2 minutes after the build
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-7491}"
duration="${DURATION:-4}"
scratch="${SCRATCH:-.build-release-bench}"
. bench/lib.sh
bench_build "$scratch" fsnode fsbench
bench_start_sample_node "$port"
cc -O2 -Wall -o "$bin/pingpong" bench/floor/pingpong.c

"$bin/fsbench" load --node "$node" --view bench_float50 --entities 20000 >/dev/null

skewless() {  # label, pin prefix, fsbench selection...
    local label="$1" pin="$2"; shift 2
    printf '%-34s ' "$label"
    $pin "$bin/fsbench" run --node "$node" "$@" --duration "$duration" --warmup 1 --rounds 1 |
        awk '/p50 us/ { getline; printf "p50 %s us, p99 %s us\n", $3, $5 }'
}

for placement in free one-core; do
    if [ "$placement" = one-core ]; then
        pin="taskset -c 0"
        taskset -a -cp 0 "$node_pid" >/dev/null
    else
        pin=""
        taskset -a -cp 0-"$(( $(nproc) - 1 ))" "$node_pid" >/dev/null
    fi
    echo "== processes $placement"
    printf '%-34s ' "C ping-pong"
    $pin "$bin/pingpong" 40 1959 $((port + 1)) | sed 's/.*: p50/p50/'
    # shellcheck disable=SC2086  # pin is a command prefix, or nothing
    bench_start $((port + 2)) $pin "$bin/fsbench" floor --serve $((port + 2)) >/dev/null
    floor_pid=$bench_started_pid
    printf '%-34s ' "NIO ping-pong (fsbench floor)"
    $pin "$bin/fsbench" floor --connect 127.0.0.1:$((port + 2)) | sed 's/.*: p50/p50/'
    bench_stop "$floor_pid"
    skewless "Skewless, one float" "$pin" --features bench_float50:f00
    skewless "Skewless, 1 x 50 (bench_1x50)" "$pin" --service bench_1x50
done
