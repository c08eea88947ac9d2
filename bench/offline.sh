#!/usr/bin/env bash
# Offline store benchmark: ingestion rate, compaction, and a point-in-time join of ROWS
# feature rows x LABELS label rows from our segments, against DuckDB's ASOF JOIN on the same
# data in the same run. Data is generated deterministically (DuckDB's range(), arithmetic
# only). Writes bench/results/offline-<date>.txt.
#
#   bench/offline.sh                          # 10M rows x 1M labels (the issue's shape)
#   ROWS=1000000 LABELS=100000 bench/offline.sh   # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-10000000}
ENTITIES=${ENTITIES:-1000000}
LABELS=${LABELS:-1000000}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/skewless-offline-bench}
SCRATCH=${SCRATCH:-.build-release-offline}
RESULT=bench/results/offline-$(date -u +%Y-%m-%d).txt

swift build -c release --scratch-path "$SCRATCH" --product fsctl >&2
FSCTL=$SCRATCH/release/fsctl
python3 -c 'import duckdb' 2>/dev/null || pip install duckdb >&2

rm -rf "$WORK"
mkdir -p "$WORK/repo"
cat > "$WORK/repo/bench.yaml" <<YAML
project: offline_bench
entities:
  - {name: entity, join_keys: [{name: entity_id, type: int64}]}
feature_views:
  - name: pit_bench
    entities: [entity]
    ttl: 3650d            # longer than the data: DuckDB's ASOF JOIN has no TTL
    fields:
      - {name: f_double, type: double}
      - {name: f_int, type: int64}
      - {name: f_float, type: float}
      - {name: f_double2, type: double}
feature_services:
  - name: pit_bench
    features: [{view: pit_bench, fields: [f_double, f_int, f_float, f_double2]}]
YAML

exec > >(tee "$RESULT") 2>&1
echo "# bench/offline.sh $(date -u +%Y-%m-%dT%H:%M:%SZ): $ROWS feature rows over $ENTITIES entities, $LABELS labels, DuckDB threads=$THREADS"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; swift $(swift --version 2>&1 | grep -o 'Swift version [0-9.]*' | head -1); duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)')"

# Features: entity e has ROWS/ENTITIES rows, on distinct days, created when they happened.
# Labels: 10% of their entities have no rows; times span 12 days, so some come before any row.
python3 - "$WORK" "$ROWS" "$ENTITIES" "$LABELS" <<'PY'
import sys, time, duckdb
work, rows, entities, labels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base = 1_763_000_000_000_000
day = 86_400_000_000
start = time.time()
con = duckdb.connect()
con.execute(f"""COPY (SELECT i % {entities} + 1 AS entity_id,
    {base} + (i // {entities}) * {day} + ((i * 7919) % 86400) * 1000000 AS event_time,
    ((i * 37) % 100000) / 100.0 AS f_double, (i * 31) % 1000003 AS f_int,
    ((i * 13) % 1000) / 8.0 AS f_float, i / 3.0 AS f_double2
  FROM range({rows}) t(i)) TO '{work}/features.csv' (HEADER, DELIMITER ',')""")
con.execute(f"""COPY (SELECT j AS label_id, (j * 7919) % {entities * 11 // 10} + 1 AS entity_id,
    {base} + ((j * 104729) % (12 * 86400)) * 1000000 AS ts, j % 2 AS label
  FROM range({labels}) t(j)) TO '{work}/labels.csv' (HEADER, DELIMITER ',')""")
print(f"generated features.csv and labels.csv in {time.time() - start:.1f} s")
PY
ls -l "$WORK"/*.csv | awk '{print "#", $5, $9}'

echo
echo "## Ingestion (fsctl ingest, CSV, bounded memory: runs of 1M rows) and compaction"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" "$FSCTL" ingest pit_bench "$WORK/features.csv" --repo "$WORK/repo" --store "$WORK/store" --compact
du -sh "$WORK/store" | awk '{print "# store on disk:", $1}'

echo
echo "## Point-in-time join, ours: fsctl historical ($RUNS runs; 'join' = open segments, check CRCs, sort labels, merge join, gather)"
for run in $(seq 1 "$RUNS"); do
  /usr/bin/time -f "  total %e s wall, peak RSS %M KiB" "$FSCTL" historical --labels "$WORK/labels.csv" --service pit_bench --out "$WORK/ours.csv" \
    --repo "$WORK/repo" --store "$WORK/store" --timestamp-column ts --status
done

echo
echo "## Point-in-time join, DuckDB ASOF JOIN on the same data ($RUNS runs, threads=$THREADS)"
python3 - "$WORK" "$THREADS" "$RUNS" <<'PY'
import sys, time, duckdb
work, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
start = time.time()
con.execute(f"CREATE TABLE features AS SELECT * FROM read_csv('{work}/features.csv')")
con.execute(f"CREATE TABLE labels AS SELECT * FROM read_csv('{work}/labels.csv')")
print(f"  load both CSVs into tables: {time.time() - start:.2f} s")
query = """SELECT l.*, f.f_double, f.f_int, f.f_float, f.f_double2 FROM labels l
  ASOF LEFT JOIN features f ON l.entity_id = f.entity_id AND l.ts >= f.event_time"""
for run in range(runs):
    con.execute("DROP TABLE IF EXISTS result")
    start = time.time()
    con.execute("CREATE TABLE result AS " + query)
    print(f"  run {run + 1}: ASOF JOIN into a table (in memory) {time.time() - start:.2f} s")
start = time.time()
con.execute(f"COPY (SELECT * FROM read_csv('{work}/labels.csv') l ASOF LEFT JOIN read_csv('{work}/features.csv') f ON l.entity_id = f.entity_id AND l.ts >= f.event_time) TO '{work}/duckdb.csv' (HEADER)")
print(f"  end to end (read both CSVs, join, write CSV): {time.time() - start:.2f} s")
# Same answers? Compare our output with DuckDB's, label by label.
ours = con.execute(f"SELECT label_id, f_double, f_int FROM read_csv('{work}/ours.csv')").fetchall()
theirs = dict((row[0], (row[1], row[2])) for row in con.execute("SELECT label_id, f_double, f_int FROM result").fetchall())
mismatches = sum(1 for label_id, f_double, f_int in ours if theirs.get(label_id) != (f_double, f_int))
found = sum(1 for _, f_double, _ in ours if f_double is not None)
print(f"  check: {len(ours)} label rows, {found} with values, {mismatches} differing from DuckDB")
PY
echo "# written to $RESULT"
