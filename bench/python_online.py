"""Online reads from Python, side by side in one run: Feast's get_online_features with the
Skewless plugin, Feast with its Redis online store, and the skewless client direct, for 1 x 10
and 100 x 10 (entities x float features). bench/python-online.sh runs it (it starts an fsnode
and a redis-server on 127.0.0.1 and stops them).

    python bench/python_online.py --skewless 127.0.0.1:PORT --redis 127.0.0.1:PORT [--seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import skewless

ENTITIES = 10_000
FIELDS = [f"f{i:02d}" for i in range(10)]

DEFINITIONS = """
from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource, ValueType
from feast.types import Float32, Int64

user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)
source = FileSource(path="data/rows.parquet", timestamp_field="event_timestamp")
bench_float10 = FeatureView(
    name="bench_float10", entities=[user], ttl=timedelta(days=30), source=source, online=True,
    schema=[Field(name="user_id", dtype=Int64)] + [Field(name=f"f{i:02d}", dtype=Float32) for i in range(10)],
)
"""


def feast_store(folder: Path, online_store: str, rows: pd.DataFrame) -> object:
    from feast import FeatureStore
    from feast.repo_operations import apply_total
    from feast.repo_config import load_repo_config

    (folder / "data").mkdir(parents=True)
    rows.to_parquet(folder / "data" / "rows.parquet")
    (folder / f"definitions_{folder.name}.py").write_text(DEFINITIONS)  # one module name per repo: Feast imports them
    (folder / "feature_store.yaml").write_text(
        f"project: bench\nregistry: data/registry.db\nprovider: local\nonline_store:\n{online_store}\n"
        "offline_store:\n    type: dask\nentity_key_serialization_version: 3\n"
    )
    sys.path.insert(0, str(folder))
    config = load_repo_config(folder, folder / "feature_store.yaml")
    apply_total(config, folder, skip_source_validation=True)
    store = FeatureStore(repo_path=str(folder))
    store.materialize(start_date=pd.Timestamp("2000-01-01", tz="UTC").to_pydatetime(), end_date=pd.Timestamp.now(tz="UTC").to_pydatetime())
    return store


def measure(call: Callable[[], object], seconds: float) -> list[float]:
    for _ in range(50):
        call()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1e6
    p99 = ordered[int(len(ordered) * 0.99)] * 1e6
    return f"P50 {p50:9.0f} us  P99 {p99:9.0f} us  mean {statistics.fmean(samples) * 1e6:9.0f} us  ({len(samples)} calls)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skewless", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    rng = np.random.default_rng(1)
    now = pd.Timestamp.now(tz="UTC").floor("s") - pd.Timedelta(minutes=1)
    rows = pd.DataFrame({"user_id": np.arange(ENTITIES, dtype=np.int64), "event_timestamp": now})
    for name in FIELDS:
        rows[name] = rng.random(ENTITIES).astype(np.float32)
    work = Path(tempfile.mkdtemp(prefix="skewless-bench-"))
    host, port = arguments.redis.rsplit(":", 1)
    on_skewless = feast_store(work / "skewless", f'    type: skewless.feast.SkewlessOnlineStore\n    seeds: ["{arguments.skewless}"]', rows)
    on_redis = feast_store(work / "redis", f'    type: redis\n    connection_string: "{host}:{port}"', rows)
    client = skewless.Client(arguments.skewless)
    refs = [f"bench_float10:{f}" for f in FIELDS]
    print(f"{ENTITIES} entities x 10 float features; {arguments.seconds:.0f} s per cell, one thread, after 50 warm-up calls")
    for count in (1, 100):
        ids = [int(i) for i in rng.choice(ENTITIES, size=count, replace=False)]
        rows_in = [{"user_id": i} for i in ids]
        expected = rows.set_index("user_id").loc[ids, FIELDS[0]].tolist()
        got_skewless = on_skewless.get_online_features(features=refs, entity_rows=rows_in).to_dict()  # type: ignore[attr-defined]
        got_redis = on_redis.get_online_features(features=refs, entity_rows=rows_in).to_dict()  # type: ignore[attr-defined]
        assert got_skewless[FIELDS[0]] == got_redis[FIELDS[0]] == expected
        assert client.get_online_features(refs, {"user_id": ids}).values(refs[0]) == expected
        cells = {
            "Feast + Skewless plugin": lambda: on_skewless.get_online_features(features=refs, entity_rows=rows_in).to_dict(),  # type: ignore[attr-defined]
            "Feast + Redis": lambda: on_redis.get_online_features(features=refs, entity_rows=rows_in).to_dict(),  # type: ignore[attr-defined]
            "skewless.Client direct": lambda: client.get_online_features(refs, {"user_id": ids}).to_dict(),
        }
        results = {name: measure(call, arguments.seconds) for name, call in cells.items()}
        redis_p50 = sorted(results["Feast + Redis"])[len(results["Feast + Redis"]) // 2]
        for name, samples in results.items():
            p50 = sorted(samples)[len(samples) // 2]
            print(f"{count:>3} x 10  {name:<24} {summary(samples)}  P50 {p50 / redis_p50:5.2f}x Feast+Redis")
    client.close()


if __name__ == "__main__":
    main()
