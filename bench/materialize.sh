#!/usr/bin/env bash
# Materialization benchmark and the rebuild drill: ENTITIES entities x 10 float features are
# ingested into an offline store, then an empty node rebuilds its online state from the
# segments with one command (fsctl materialize --full), timed end to end. A sample read
# checks the values. Writes bench/results/materialize-<date>.txt.
#
#   bench/materialize.sh                      # 10M entities x 10 features (the issue's shape)
#   ENTITIES=1000000 bench/materialize.sh     # a quick run
#   KEEP_WORK=1 ENTITIES=3000000 bench/materialize.sh   # keeps WORK; a later run with the same
#                                             # ENTITIES reuses its store and skips the ingest
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-10000000}
PORT=${PORT:-7495}
WORK=${WORK:-/tmp/skewless-materialize-bench}
SCRATCH=${SCRATCH:-.build-release-lead}
KEEP_WORK=${KEEP_WORK:-0}
RESULT=bench/results/materialize-$(date -u +%Y-%m-%d).txt

. bench/lib.sh
bench_build "$SCRATCH" fsctl fsnode >&2
python3 -c 'import duckdb' 2>/dev/null || pip install duckdb >&2

# With KEEP_WORK=1 a store ingested earlier for the same ENTITIES is reused (iterating on
# the materialization path); otherwise WORK starts empty and is removed at exit.
reuse=0
if [ "$KEEP_WORK" = 1 ] && [ -d "$WORK/store" ] && [ "$(cat "$WORK/entities" 2>/dev/null)" = "$ENTITIES" ]; then
  reuse=1
else
  rm -rf "$WORK"
fi
mkdir -p "$WORK/repo"
cat > "$WORK/repo/bench.yaml" <<YAML
project: materialize_bench
entities:
  - {name: entity, join_keys: [{name: entity_id, type: int64}]}
feature_views:
  - name: wide10
    entities: [entity]
    ttl: 3650d
    fields:
$(for i in $(seq 0 9); do echo "      - {name: f$i, type: float}"; done)
feature_services:
  - name: wide10
    features: [{view: wide10, fields: [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9]}]
YAML

[ "$KEEP_WORK" = 1 ] || bench_remove_at_exit "$WORK"

exec > >(tee "$RESULT") 2>&1
echo "# bench/materialize.sh $(date -u +%Y-%m-%dT%H:%M:%SZ): $ENTITIES entities x 10 float features"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; $(swift --version 2>&1 | grep -o 'Swift version [0-9.]*' | head -1)"

if [ "$reuse" = 1 ]; then
echo "# reusing the store ingested earlier in $WORK (KEEP_WORK=1)"
else
# One row per entity, event times within the last day, values derived from the id.
python3 - "$WORK" "$ENTITIES" <<'PY'
import sys, time, duckdb
work, entities = sys.argv[1], int(sys.argv[2])
now = int(time.time() * 1_000_000)
columns = ", ".join(f"((i * {7 + k}) % 1000) / 8.0 AS f{k}" for k in range(10))
duckdb.connect().execute(f"""COPY (SELECT i + 1 AS entity_id, {now} - (i % 86400) * 1000000 AS event_time, {columns}
  FROM range({entities}) t(i)) TO '{work}/features.csv' (HEADER, DELIMITER ',')""")
PY
stat -c '# %s bytes of CSV' "$WORK/features.csv"

echo
echo "## Ingest into the offline store"
/usr/bin/time -f "  %e s wall, peak RSS %M KiB" "$bin/fsctl" ingest wide10 "$WORK/features.csv" --repo "$WORK/repo" --store "$WORK/store" --compact
rm -f "$WORK/features.csv"
echo "$ENTITIES" > "$WORK/entities"
fi

echo
echo "## Rebuild drill: an empty node loads every entity from the segments"
bench_start_node --timeout 60 "$PORT" --repo "$WORK/repo" --segments "$WORK/store" --log-level warning
node_pid=$bench_started_pid
rss() { awk '/VmRSS/ {print $2}' "/proc/$node_pid/status"; }
echo "  node RSS before: $(rss) KiB"
# Other work on the machine slows the drill: say how loaded it was.
load() { sed 's/^\([^ ]* [^ ]* [^ ]*\).*/\1/' /proc/loadavg; }
echo "  load average (1, 5, 15 min) before: $(load)"
/usr/bin/time -f "  fsctl materialize --full: %e s wall" "$bin/fsctl" materialize --full --node "127.0.0.1:$PORT"
echo "  node RSS after: $(rss) KiB"
echo "  load average (1, 5, 15 min) after: $(load)"
"$bin/fsctl" health --node "127.0.0.1:$PORT" | sed 's/^/  /'

echo
echo "## Incremental run with nothing new (reads the segments, writes nothing)"
/usr/bin/time -f "  fsctl materialize: %e s wall" "$bin/fsctl" materialize --node "127.0.0.1:$PORT" | tail -1

echo
echo "## Check: entity $ENTITIES"
"$bin/fsctl" get --service wide10 --entity "entity_id=$ENTITIES" --node "127.0.0.1:$PORT" | sed 's/^/  /'
echo "# written to $RESULT"
