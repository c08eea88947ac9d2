"""The Feast plugin end to end: a Feast repo converted to a Skewless repo, a real node serving
it, and the real `feast` CLI (`apply`, `materialize`) and `FeatureStore.get_online_features`,
compared value for value with the same repo on Feast's own SQLite online store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("feast")

from conftest import Nodes  # noqa: E402

FEAST = str(Path(sys.executable).parent / "feast")
NOW = pd.Timestamp.now(tz="UTC").floor("s")
DRIVERS = [1001, 1002, 1003, 1004]

DEFINITIONS = '''
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Array, Bool, Float32, Float64, Int64, String

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64, description="A driver.")

source = FileSource(path="data/driver_stats.parquet", timestamp_field="event_timestamp", created_timestamp_column="created")

driver_hourly_stats = FeatureView(
    name="driver_hourly_stats",
    entities=[driver],
    ttl=timedelta(days=1),
    schema=[
        Field(name="driver_id", dtype=Int64),
        Field(name="conv_rate", dtype=Float32),
        Field(name="acc_rate", dtype=Float64),
        Field(name="avg_daily_trips", dtype=Int64),
        Field(name="city", dtype=String),
        Field(name="active", dtype=Bool),
        Field(name="embedding", dtype=Array(Float32), vector_length=4),
        Field(name="tags", dtype=Array(String)),
    ],
    online=True,
    source=source,
    owner="ops@example.com",
    tags={"team": "drivers"},
)

driver_activity = FeatureService(name="driver_activity", features=[driver_hourly_stats[["conv_rate", "avg_daily_trips"]]])
'''

FEATURES = [
    "driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips",
    "driver_hourly_stats:city", "driver_hourly_stats:active", "driver_hourly_stats:embedding", "driver_hourly_stats:tags",
]


def write_feast_repo(folder: Path, online_store: str) -> None:
    (folder / "data").mkdir(parents=True)
    rows = []
    rng = np.random.default_rng(3)
    for driver in DRIVERS[:3]:  # 1004 has no rows
        for hours_ago in (5, 2, 1):  # materialize keeps the latest: 1 hour ago
            rows.append({
                "driver_id": driver, "event_timestamp": NOW - pd.Timedelta(hours=hours_ago), "created": NOW - pd.Timedelta(hours=hours_ago),
                "conv_rate": np.float32(rng.random()), "acc_rate": float(rng.random()), "avg_daily_trips": int(rng.integers(0, 1000)),
                "city": f"city-{driver}-{hours_ago}", "active": bool(driver % 2),
                "embedding": rng.standard_normal(4).astype(np.float32).tolist(), "tags": [f"t{hours_ago}", "x"],
            })
    frame = pd.DataFrame(rows)
    frame["conv_rate"] = frame["conv_rate"].astype("float32")
    frame.loc[frame["driver_id"] == 1003, "city"] = None  # a null value
    frame.to_parquet(folder / "data" / "driver_stats.parquet")
    (folder / "definitions.py").write_text(DEFINITIONS)
    online = textwrap.indent(online_store, "    ")
    (folder / "feature_store.yaml").write_text(
        "project: drivers\nregistry: data/registry.db\nprovider: local\n"
        f"online_store:\n{online}\n"
        "offline_store:\n    type: dask\nentity_key_serialization_version: 3\n"
    )


def feast(folder: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([FEAST, *arguments], cwd=folder, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"feast {' '.join(arguments)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def online(folder: Path, features: list[str] | str, entity_rows: list[dict[str, int]]) -> dict[str, list[object]]:
    from feast import FeatureStore

    store = FeatureStore(repo_path=str(folder))
    selection = store.get_feature_service(features) if isinstance(features, str) else features
    return store.get_online_features(features=selection, entity_rows=entity_rows).to_dict()


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Nodes]]:
    """The Feast repo on Skewless (a node serving the converted definitions) and on SQLite."""
    base = tmp_path_factory.mktemp("feast")
    sqlite_repo = base / "on_sqlite"
    write_feast_repo(sqlite_repo, "type: sqlite\npath: data/online.db")
    skewless_definitions = base / "skewless_repo.yaml"
    converted = subprocess.run(
        [sys.executable, "-m", "skewless.feast.convert", str(sqlite_repo), "--out", str(skewless_definitions)],
        capture_output=True, text=True, timeout=300,
    )
    assert converted.returncode == 0, converted.stderr
    nodes = Nodes(repo=skewless_definitions)
    try:
        address = nodes.start("node-1")
        skewless_repo = base / "on_skewless"
        write_feast_repo(skewless_repo, f"type: skewless.feast.SkewlessOnlineStore\nseeds: [\"{address}\"]")
        shutil.copy(sqlite_repo / "data" / "driver_stats.parquet", skewless_repo / "data" / "driver_stats.parquet")
        yield skewless_repo, sqlite_repo, nodes
    finally:
        nodes.shutdown()


def test_the_converter_writes_the_views_fields_and_services(repos: tuple[Path, Path, Nodes]) -> None:
    import yaml

    document = yaml.safe_load(Path(repos[2].repo).read_text())
    assert document["project"] == "drivers"
    assert document["entities"] == [{"name": "driver", "join_keys": [{"name": "driver_id", "type": "int64"}], "description": "A driver."}]
    view = document["feature_views"][0]
    assert view["name"] == "driver_hourly_stats" and view["ttl"] == "1d" and view["staleness"] == "serve_flagged"
    assert {f["name"]: f["type"] for f in view["fields"]} == {
        "conv_rate": "float", "acc_rate": "double", "avg_daily_trips": "int64", "city": "string", "active": "bool",
        "embedding": "embedding[4]", "tags": "string_list",
    }
    assert document["feature_services"] == [{"name": "driver_activity", "features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"]}]


def test_apply_materialize_and_reads_give_what_feast_gets_from_sqlite(repos: tuple[Path, Path, Nodes]) -> None:
    skewless_repo, sqlite_repo, _ = repos
    start = (NOW - pd.Timedelta(days=1)).isoformat()
    end = (NOW + pd.Timedelta(minutes=1)).isoformat()
    for folder in (skewless_repo, sqlite_repo):
        feast(folder, "apply")
        feast(folder, "materialize", start, end)
    entity_rows = [{"driver_id": d} for d in DRIVERS]
    on_skewless = online(skewless_repo, FEATURES, entity_rows)
    on_sqlite = online(sqlite_repo, FEATURES, entity_rows)
    assert on_skewless.keys() == on_sqlite.keys()
    for name in on_sqlite:
        assert on_skewless[name] == on_sqlite[name], name
    assert on_skewless["city"][2] is None and on_skewless["conv_rate"][3] is None  # a null value; a driver without rows
    assert on_skewless["avg_daily_trips"][0] is not None
    # A feature service, through Feast.
    assert online(skewless_repo, "driver_activity", entity_rows) == online(sqlite_repo, "driver_activity", entity_rows)


def test_materialized_rows_are_in_skewless_with_their_event_times(repos: tuple[Path, Path, Nodes]) -> None:
    import skewless

    nodes = repos[2]
    with skewless.Client(nodes.address("node-1")) as client:
        got = client.get_online_features(["driver_hourly_stats:city"], {"driver_id": DRIVERS})
    assert got.statuses("driver_hourly_stats:city") == ["PRESENT", "PRESENT", "NULL_VALUE", "NOT_FOUND"]
    assert got.event_times("driver_hourly_stats:city")[0] == (NOW - pd.Timedelta(hours=1)).to_pydatetime()
    assert got.values("driver_hourly_stats:city")[0] == "city-1001-1"


def test_apply_refuses_a_repo_skewless_does_not_serve_and_says_how_to_fix_it(repos: tuple[Path, Path, Nodes]) -> None:
    skewless_repo = repos[0]
    definitions = skewless_repo / "definitions.py"
    original = definitions.read_text()
    try:
        definitions.write_text(original.replace('Field(name="tags", dtype=Array(String)),', 'Field(name="tags", dtype=Array(String)),\n        Field(name="rating", dtype=Float64),'))
        result = feast(skewless_repo, "apply", check=False)
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert "has no field 'rating'" in output and "python -m skewless.feast.convert" in output
    finally:
        definitions.write_text(original)

