#!/usr/bin/env bash
# The self-healing benchmark (issue 15): a 3-node cluster on a local etcd, 1024 partitions x 2
# replicas, 1M entities x 50 floats written through the durable write path. Measured in one run:
#   1. 100 x 50 reads on the idle cluster (closed loop, 1 connection);
#   2. kill -9 of node-3: the time until the controller marks it down in etcd, and until its
#      partitions are re-replicated on the other two (moves done), the grace included;
#   3. the same 100 x 50 reads during the re-replication (from the moment its moves begin),
#      failures counted.
# The times come from polling the map in etcd every 100 ms (curl on etcd's JSON gateway).
#
# Builds fsnode, fsctl and fsbench in release mode (--scratch-path $SCRATCH), writes
# $RESULTS/<run>.{txt,json,hgrm,svg} and healing.txt, prints a summary. Stops everything on exit.
#
#   bench/healing.sh                          # about 3 minutes after the build
#   ENTITIES=200000 GRACE=5 bench/healing.sh  # quicker
set -euo pipefail
cd "$(dirname "$0")/.."

entities="${ENTITIES:-1000000}"
grace="${GRACE:-10}"              # --re-replication-grace-seconds (the default is 60)
timeout="${FAILURE_TIMEOUT:-3}"   # --failure-timeout-seconds (the default)
duration="${DURATION:-8}"
port="${PORT:-7541}"
etcd_port="${ETCD_PORT:-2479}"
scratch="${SCRATCH:-.build-release-cluster}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-healing}"

. bench/lib.sh
bench_build "$scratch" fsnode fsctl fsbench
mkdir -p "$out"
work="$(mktemp -d)"
bench_remove_at_exit "$work"
etcd="http://127.0.0.1:$etcd_port"
bench_stop_signal=KILL

now() { date +%s.%N; }
# The map in etcd, as one line: "<epoch> <state of node-3> <partitions on node-3> <moves>".
map_line() {
    curl -s -X POST "$etcd/v3/kv/range" -d "{\"key\":\"$(printf '/skewless/default/map' | base64 -w0)\"}" | python3 -c '
import base64, json, sys
kvs = json.load(sys.stdin).get("kvs")
if not kvs:
    print("0 none 0 0"); sys.exit()
m = json.loads(base64.b64decode(kvs[0]["value"]))
state = next((n["state"] for n in m["nodes"] if n["id"] == "node-3"), "gone")
held = sum(1 for r in m["replicas"] if "node-3" in r)
print(m["epoch"], state, held, len(m["moves"]))'
}
wait_for() {  # wait_for DESCRIPTION PYTHON-CONDITION-ON(epoch,state,held,moves) LIMIT-SECONDS
    local start; start=$(now)
    while true; do
        read -r epoch state held moves < <(map_line)
        if python3 -c "import sys; epoch,state,held,moves=$epoch,'$state',$held,$moves; sys.exit(0 if ($2) else 1)"; then
            return 0
        fi
        if python3 -c "import sys; sys.exit(0 if $(now) - $start > $3 else 1)"; then
            echo "$1: not within $3 s (epoch $epoch, node-3 $state holding $held, $moves moves)"; exit 1
        fi
        sleep 0.1
    done
}

echo "== etcd on $etcd"
bench_spawn etcd --name bench --data-dir "$work/etcd" --listen-client-urls "$etcd" --advertise-client-urls "$etcd" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    --initial-cluster "bench=http://127.0.0.1:$((etcd_port + 1))" --log-level warn >"$work/etcd.log" 2>&1
for _ in $(seq 1 100); do curl -sf -X POST "$etcd/v3/maintenance/status" -d '{}' >/dev/null 2>&1 && break; sleep 0.1; done

echo "== 3 nodes following etcd (failure timeout $timeout s, re-replication grace $grace s)"
mkdir -p "$work/segments"
addresses=()
for k in 1 2 3; do
    node_port=$((port + k - 1))
    bench_start_node --log "$work/node-$k.log" "$node_port" --repo examples/feature_repo --node-id "node-$k" \
        --cluster-map "$work/node-$k.json" --segments "$work/segments" --etcd "$etcd" --failure-timeout-seconds "$timeout" \
        --re-replication-grace-seconds "$grace" --log-level notice
    addresses+=("127.0.0.1:$node_port")
done
node3_pid=$bench_started_pid
"$bin/fsctl" cluster init --etcd "$etcd" --nodes "$(IFS=,; echo "${addresses[*]}")" --partitions 1024 --replication 2 --wait-seconds 60 >/dev/null
seeds="${addresses[0]},${addresses[1]}"

echo "== loading $entities entities x 50 floats through the durable write path"
load_start=$(now)
"$bin/fsbench" load --node "${addresses[0]}" --view bench_float50 --entities "$entities" >/dev/null
echo "   loaded in $(python3 -c "print(round($(now) - $load_start, 1))") s"

echo "== idle: 100 x 50, 1 connection, 1 in flight"
"$bin/fsbench" run --node "$seeds" --service bench_1x50 --entities 100 --key-space "$entities" \
    --duration "$duration" --warmup 2 --label "healing-idle-100x50" --output "$out" >/dev/null

echo "== kill -9 node-3"
kill -KILL "$node3_pid"
killed=$(now)
wait_for "node-3 marked down" "state == 'down'" 30
down=$(now)
wait_for "re-replication begun" "moves > 0" $((grace + 30))
begun=$(now)
"$bin/fsbench" run --node "$seeds" --service bench_1x50 --entities 100 --key-space "$entities" \
    --duration "$duration" --warmup 0 --label "healing-rereplicating-100x50" --output "$out" >/dev/null &
bench_pid=$!
bench_track "$bench_pid"
wait_for "node-3's partitions re-replicated" "held == 0 and moves == 0" 600
done_at=$(now)
bench_wait "$bench_pid"

summary="$out/healing.txt"
{
    echo "entities: $entities x 50 floats, 3 nodes, 1024 partitions x 2 replicas, failure timeout ${timeout} s, grace ${grace} s"
    python3 -c "
k, d, b, e = $killed, $down, $begun, $done_at
print(f'kill -9 to marked down:           {d - k:6.2f} s')
print(f'kill -9 to re-replication begun:  {b - k:6.2f} s (the grace counts from its last answer)')
print(f're-replication (begun to done):   {e - b:6.2f} s')
print(f'kill -9 to fully replicated:      {e - k:6.2f} s')"
    if (( $(python3 -c "print(int($done_at - $begun < $duration))") )); then
        echo "note: re-replication took less than the $duration s read run; part of that run is after it"
    fi
} | tee "$summary"
"$bin/fsbench" report "$out" | tee -a "$summary"
echo "== results in $out"
