#!/usr/bin/env bash
# Stops the nodes cluster/start-local.sh started (SIGTERM: each drains in-flight requests
# first), then its etcd if it started one. The segment store and map files stay in
# .skewless/local until the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.skewless/local
stopped=0
for pidfile in "$state"/node-*.pid "$state"/fsnode.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        stopped=$((stopped + 1))
    fi
done
for pidfile in "$state"/node-*.pid "$state"/fsnode.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "node $pid did not stop in 10s; killing"; kill -KILL "$pid"; fi
    rm -f "$pidfile"
done
if [ -f "$state/etcd.pid" ]; then
    pid=$(cat "$state/etcd.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        echo "stopped etcd"
    fi
    rm -f "$state/etcd.pid"
fi
echo "stopped $stopped node(s)"
