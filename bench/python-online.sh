#!/usr/bin/env bash
# Online reads from Python, side by side in one run (bench/python_online.py): Feast's
# get_online_features with the Skewless plugin and with its Redis online store, and the
# skewless client direct, 1 x 10 and 100 x 10. Starts one fsnode (the examples repo, no
# offline store needed: Feast's materialize writes through it) and one redis-server on
# 127.0.0.1, and stops both at the end.
#   bench/python-online.sh [--seconds 10]
# Uses the release fsnode (swift build -c release --product fsnode) unless SKEWLESS_BIN_DIR names another.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SKEWLESS_BIN_DIR:-.build/release}
venv=${VENV:-.venv-test}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check './python[test]' 'feast[redis]==0.67.0'
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/segments"
"$bin/fsnode" --repo examples/feature_repo --segments "$work/segments" --port 0 --port-file "$work/node.port" \
    --log-level warning --parent-pid $$ > "$work/node.log" 2>&1 &
pids+=($!)
redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/node.port" ] && redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
"$venv/bin/python" bench/python_online.py --skewless "127.0.0.1:$(cat "$work/node.port")" --redis "127.0.0.1:$redis_port" "$@"
