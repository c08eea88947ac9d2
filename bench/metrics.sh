#!/usr/bin/env bash
# The cost of the node's Prometheus metrics: 1 x 50 reads (closed loop, one connection, one
# request in flight) against two nodes side by side in one run, one with --metrics-port (and
# a scraper GETting its /metrics every second all along) and one without, in alternating
# rounds, so that both see the same machine. Goal (issue 17): P50 with metrics within 5% of
# P50 without.
#
# Builds fsnode and fsbench in release mode, starts the two nodes on 127.0.0.1 with the sample
# repo, loads the same synthetic entities into both, then runs ROUNDS rounds; in each, fsbench
# run measures one node then the other (which goes first alternates). Writes every round's
# fsbench JSON and a summary (summary.txt: per-round P50s and P99s, their medians, the ratio;
# scrapes.txt: each scrape's status, size and time) into bench/results/<date>-metrics/. Everything it starts is stopped on exit, Ctrl-C or failure.
#
#   bench/metrics.sh                        # 10 rounds of 6 s per node, about 4 minutes after the build
#   ROUNDS=4 DURATION=3 bench/metrics.sh    # a quicker pass
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-6}"           # measured seconds per node and round
warmup="${WARMUP:-1}"               # unmeasured seconds per node and round
rounds="${ROUNDS:-10}"
entities="${ENTITIES:-100000}"      # entities of bench_float50 in each node
port_off="${PORT_OFF:-7495}"
port_on="${PORT_ON:-7496}"
metrics_port="${METRICS_PORT:-9496}"
scratch="${SCRATCH:-.build-release-bench}"
out="${RESULTS:-bench/results/$(date -u +%Y-%m-%d)-metrics}"

. bench/lib.sh
bench_build "$scratch" fsnode fsbench
mkdir -p "$out"

segments_off="$(mktemp -d)"
segments_on="$(mktemp -d)"
bench_remove_at_exit "$segments_off" "$segments_on"

bench_start_node "$port_off" --repo examples/feature_repo --segments "$segments_off" --log-level warning
bench_start_node "$port_on" --repo examples/feature_repo --segments "$segments_on" --metrics-port "$metrics_port" --log-level warning
bench_wait_for_port "$metrics_port" 10 "$bench_started_pid"

echo "== load: $entities entities x 50 floats into each node"
"$bin/fsbench" load --node "127.0.0.1:$port_off" --view bench_float50 --entities "$entities" --label load-off --output "$out" >/dev/null
"$bin/fsbench" load --node "127.0.0.1:$port_on" --view bench_float50 --entities "$entities" --label load-on --output "$out" >/dev/null

# The scraper: what Prometheus does, every second, all along the measurement.
scrapes="$out/scrapes.txt"
: >"$scrapes"
(
    while true; do
        if curl -sf -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' "http://127.0.0.1:$metrics_port/metrics" >>"$scrapes"; then :; else echo "failed" >>"$scrapes"; fi
        sleep 1
    done
) &
bench_track $!

measure() {
    local name=$1 port=$2 round=$3
    "$bin/fsbench" run --node "127.0.0.1:$port" --service bench_1x50 --key-space "$entities" \
        --duration "$duration" --warmup "$warmup" --rounds 1 --label "1x50-c1-$name-$round" --output "$out" >/dev/null
}

for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        measure off "$port_off" "$round"
        measure on "$port_on" "$round"
    else
        measure on "$port_on" "$round"
        measure off "$port_off" "$round"
    fi
    echo "round $round of $rounds done"
done

echo "== summary"
python3 - "$out" "$rounds" "$scrapes" <<'PY' | tee "$out/summary.txt"
import json, statistics, sys
folder, rounds, scrapes = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def run(name, r):
    data = json.load(open(f"{folder}/1x50-c1-{name}-{r}.json"))
    return data["runs"][0]["latencyMicros"], data["runs"][0]["requests"], data["date"]
rows = []
for r in range(1, rounds + 1):
    (off, n_off, d), (on, n_on, _) = run("off", r), run("on", r)
    rows.append((r, off["p50"], on["p50"], off["p99"], on["p99"], n_off, n_on, d))
print(f"1 x 50 floats, closed loop, 1 connection x 1 in flight, {rounds} alternating rounds")
print(f"{'round':>5} {'P50 off':>9} {'P50 on':>9} {'on/off':>7} {'P99 off':>9} {'P99 on':>9} {'req off':>8} {'req on':>8}")
for r, p50_off, p50_on, p99_off, p99_on, n_off, n_on, _ in rows:
    print(f"{r:>5} {p50_off:>9.1f} {p50_on:>9.1f} {p50_on / p50_off:>7.3f} {p99_off:>9.1f} {p99_on:>9.1f} {n_off:>8} {n_on:>8}")
med = lambda i: statistics.median(row[i] for row in rows)
ratio = med(2) / med(1)
print(f"median P50: off {med(1):.1f} us, on {med(2):.1f} us: on/off {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)")
print(f"median P99: off {med(3):.1f} us, on {med(4):.1f} us: on/off {med(4) / med(3):.3f}")
ratios = sorted(row[2] / row[1] for row in rows)
print(f"per-round P50 on/off: min {ratios[0]:.3f}, median {statistics.median(ratios):.3f}, max {ratios[-1]:.3f}")
lines = [l.split() for l in open(scrapes) if l.strip()]
ok = [l for l in lines if l[0] == "200"]
failed = len(lines) - len(ok)
if ok:
    sizes = [int(l[1]) for l in ok]; times = sorted(float(l[2]) * 1000 for l in ok)
    print(f"scrapes: {len(ok)} answered 200 ({failed} failed), {statistics.median(sizes)} bytes, median {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms")
print(f"goal: P50 with metrics within 5% of without: {'met' if ratio <= 1.05 else 'MISSED'}")
PY
# Each round's JSON and table stay; its plot and .hgrm files would only repeat them.
rm -f "$out"/1x50-c1-*.svg "$out"/1x50-c1-*.hgrm
