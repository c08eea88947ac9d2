#!/usr/bin/env bash
# Stops the node cluster/start-local.sh started (SIGTERM: it drains in-flight requests first).
set -euo pipefail
cd "$(dirname "$0")/.."
pidfile=.skewless/local/fsnode.pid
if [ ! -f "$pidfile" ]; then echo "no local node recorded in $pidfile"; exit 0; fi
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "node $pid did not stop in 10s; killing"; kill -KILL "$pid"; fi
    echo "stopped node $pid"
else
    echo "node $pid was not running"
fi
rm -f "$pidfile" .skewless/local/port
