#!/usr/bin/env bash
# The main job on a fresh machine: installs system packages, builds (release), ingests the
# sample data into a segment store shared by the nodes, starts NODES nodes on 127.0.0.1 (ports
# PORT, PORT+1, ...), creates a cluster of them (fsctl cluster init: each node loads its
# partitions from the segments), shows fsctl status and fetches features through the cluster.
# Stop it with cluster/stop-local.sh.
#
#   cluster/start-local.sh                                 # 3 nodes, 2 replicas per partition
#   NODES=1 cluster/start-local.sh                         # one node
#   NODES=4 REPLICATION=3 PARTITIONS=256 PORT=7521 cluster/start-local.sh
#   BIN=.build/debug cluster/start-local.sh                # use binaries built already
#   ETCD=1 cluster/start-local.sh                          # with a local etcd as the control plane:
#                                                          # the map lives in etcd, an elected controller
#                                                          # marks failed nodes down and re-replicates
#   METRICS_PORT=0 cluster/start-local.sh                  # without the nodes' Prometheus metrics
#
# Each node serves Prometheus metrics on METRICS_PORT+K-1 (default 9421, 9422, ...; GET
# /metrics, docs/monitoring.md); monitoring/prometheus-local.yml scrapes the default three.
#
# Everything lives under .skewless/local: segments/ (the offline store), node-K/ (each node's
# cluster map file and log), node-K.pid, and with ETCD=1 etcd/ (its data and log) and etcd.pid.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="${NODES:-3}"
port="${PORT:-7421}"
metrics_port="${METRICS_PORT:-9421}"
partitions="${PARTITIONS:-1024}"
replication="${REPLICATION:-$(( nodes >= 2 ? 2 : 1 ))}"
state=.skewless/local
segments="$state/segments"

if ! [ "$nodes" -ge 1 ] 2>/dev/null; then echo "NODES must be a positive number"; exit 64; fi
for pidfile in "$state"/node-*.pid "$state"/etcd.pid; do
    [ -f "$pidfile" ] || continue
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "a local cluster is already running ($pidfile); stop it with cluster/stop-local.sh"
        exit 1
    fi
done

if [ -n "${BIN:-}" ]; then
    bin="$BIN"   # already built fsnode and fsctl (for example a debug build)
else
    scripts/setup.sh
    echo "building fsnode and fsctl (release; the first build takes several minutes)..."
    swift build -c release --product fsnode >/dev/null
    swift build -c release --product fsctl >/dev/null
    bin="$(swift build -c release --show-bin-path)"
fi

# A fresh cluster every time: the maps and segments of an earlier run are removed.
rm -rf "$state"
mkdir -p "$segments"

echo "ingesting examples/data into the segment store $segments..."
for view in user_transactions merchant_risk user_profile@1 item_embedding user_merchant_stats; do
    name="${view%@*}"
    file=$(ls examples/data/"$name".* 2>/dev/null | head -1)
    [ -n "$file" ] && "$bin/fsctl" ingest "$view" "$file" --repo examples/feature_repo --store "$segments" | tail -1
done

control=()
if [ -n "${ETCD:-}" ]; then
    etcd_port="${ETCD_PORT:-2379}"
    mkdir -p "$state/etcd"
    etcd --name skewless-local --data-dir "$state/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$(( etcd_port + 1 ))" --initial-advertise-peer-urls "http://127.0.0.1:$(( etcd_port + 1 ))" \
        --initial-cluster "skewless-local=http://127.0.0.1:$(( etcd_port + 1 ))" --log-level warn >"$state/etcd/etcd.log" 2>&1 &
    echo $! >"$state/etcd.pid"
    for _ in $(seq 1 100); do
        curl -sf -X POST "http://127.0.0.1:$etcd_port/v3/maintenance/status" -d '{}' >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -sf -X POST "http://127.0.0.1:$etcd_port/v3/maintenance/status" -d '{}' >/dev/null || { cat "$state/etcd/etcd.log"; echo "etcd did not start"; exit 1; }
    echo "etcd serving on http://127.0.0.1:$etcd_port (log in $state/etcd/etcd.log)"
    control=(--etcd "http://127.0.0.1:$etcd_port")
fi

addresses=()
for k in $(seq 1 "$nodes"); do
    dir="$state/node-$k"
    mkdir -p "$dir"
    node_port=$(( port + k - 1 ))
    metrics=()
    [ "$metrics_port" -gt 0 ] && metrics=(--metrics-port $(( metrics_port + k - 1 )))
    "$bin/fsnode" --repo examples/feature_repo --node-id "node-$k" --port "$node_port" \
        --cluster-map "$dir/cluster-map.json" --segments "$segments" --port-file "$dir/port" \
        --log-level warning ${control[@]+"${control[@]}"} ${metrics[@]+"${metrics[@]}"} >"$dir/fsnode.log" 2>&1 &
    echo $! >"$state/node-$k.pid"
    addresses+=("127.0.0.1:$node_port")
done
for k in $(seq 1 "$nodes"); do
    dir="$state/node-$k"
    for _ in $(seq 1 100); do
        [ -s "$dir/port" ] && break
        kill -0 "$(cat "$state/node-$k.pid")" 2>/dev/null || { cat "$dir/fsnode.log"; echo "node-$k exited"; exit 1; }
        sleep 0.1
    done
    [ -s "$dir/port" ] || { echo "node-$k did not start listening; see $dir/fsnode.log"; exit 1; }
done
seed="${addresses[0]}"
echo "$nodes nodes serving on ${addresses[*]} (logs in $state/node-K/fsnode.log)"
if [ "$metrics_port" -gt 0 ]; then
    echo "their Prometheus metrics: http://127.0.0.1:$metrics_port/metrics ... http://127.0.0.1:$(( metrics_port + nodes - 1 ))/metrics"
fi

list=$(IFS=,; echo "${addresses[*]}")
echo
echo "\$ fsctl cluster init --nodes $list --partitions $partitions --replication $replication ${control[*]:-}"
"$bin/fsctl" cluster init --nodes "$list" --partitions "$partitions" --replication "$replication" ${control[@]+"${control[@]}"} >/dev/null
"$bin/fsctl" status --node "$list" ${control[@]+"${control[@]}"}

echo
echo "\$ fsctl get --node $seed --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1 --entity user_id=2,merchant_id=m-2"
"$bin/fsctl" get --node "$seed" --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1 --entity user_id=2,merchant_id=m-2

# A fresh value through the durable write path: logged in the offline store, applied on
# user 1's replicas, and in training sets at once (docs/write-log.md).
echo
echo "\$ echo '{\"user_id\": 1, \"event_time\": \"now\", \"txn_count_1h\": 7, \"txn_count_24h\": 11}' | fsctl push user_transactions --format jsonl --node $seed"
echo '{"user_id": 1, "event_time": "now", "txn_count_1h": 7, "txn_count_24h": 11}' | "$bin/fsctl" push user_transactions --format jsonl --node "$seed"
echo "\$ fsctl get --node $seed --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1"
"$bin/fsctl" get --node "$seed" --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1
echo
echo "the cluster keeps running; try:  $bin/fsctl status --node $list ${control[*]:-}"
echo "                                 $bin/fsctl rebalance --node $seed --remove node-$nodes --plan"
if [ -n "${ETCD:-}" ]; then
    echo "                                 kill -9 \$(cat $state/node-$nodes.pid)   # marked down within 5 s, re-replicated after 60 s"
fi
echo "stop it with:                    cluster/stop-local.sh"
