#!/usr/bin/env bash
# The main job on a fresh machine: installs system packages, builds (release), starts one
# node serving the sample feature repo on 127.0.0.1:7421, loads the sample data and fetches
# features from it. Stop it with cluster/stop-local.sh.
#
#   PORT=7421 cluster/start-local.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-7421}"
state=.skewless/local
mkdir -p "$state"

scripts/setup.sh
echo "building fsnode and fsctl (release; the first build takes several minutes)..."
swift build -c release --product fsnode >/dev/null
swift build -c release --product fsctl >/dev/null
bin="$(swift build -c release --show-bin-path)"

if [ -f "$state/fsnode.pid" ] && kill -0 "$(cat "$state/fsnode.pid")" 2>/dev/null; then
    echo "a node is already running (pid $(cat "$state/fsnode.pid")); stop it with cluster/stop-local.sh"
    exit 1
fi
rm -f "$state/port"
"$bin/fsnode" --repo examples/feature_repo --port "$port" --port-file "$state/port" >"$state/fsnode.log" 2>&1 &
echo $! >"$state/fsnode.pid"
for _ in $(seq 1 100); do
    [ -s "$state/port" ] && break
    kill -0 "$(cat "$state/fsnode.pid")" 2>/dev/null || { cat "$state/fsnode.log"; echo "fsnode exited"; exit 1; }
    sleep 0.1
done
[ -s "$state/port" ] || { echo "fsnode did not start listening; see $state/fsnode.log"; exit 1; }
node="127.0.0.1:$(cat "$state/port")"
echo "fsnode is serving on $node (pid $(cat "$state/fsnode.pid"), log $state/fsnode.log)"

for view in user_transactions merchant_risk user_profile@1 item_embedding user_merchant_stats; do
    name="${view%@*}"
    file=$(ls examples/data/"$name".* 2>/dev/null | head -1)
    [ -n "$file" ] && "$bin/fsctl" put --node "$node" --view "$view" --file "$file"
done

echo
echo "\$ fsctl get --node $node --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1 --entity user_id=2,merchant_id=m-2"
"$bin/fsctl" get --node "$node" --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1 --entity user_id=2,merchant_id=m-2
echo
echo "the node keeps running; try:  $bin/fsctl describe --node $node"
echo "stop it with:                  cluster/stop-local.sh"
