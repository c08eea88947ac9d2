"""Training sets and ingestion over the protocol (GET_HISTORICAL_FEATURES, INGEST), against a
real node: random data with ties and TTL boundaries, compared cell by cell with
`fsctl historical` on the same store; Parquet and CSV in, Parquet out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skewless
from skewless import SkewlessError, StatusCode

from conftest import Nodes

REPO = """
project: history_test
entities:
  - name: user
    join_keys: [{name: user_id, type: int64}]
  - name: merchant
    join_keys: [{name: merchant_id, type: string}]
feature_views:
  - name: activity
    entities: [user]
    ttl: 1h
    fields:
      - {name: clicks, type: int64, default: 0}
      - {name: score, type: double}
      - {name: label, type: string}
  - name: risk
    entities: [merchant]
    ttl: 30m
    staleness: serve_default
    fields:
      - {name: rate, type: float, default: 0}
      - {name: flagged, type: bool, default: false}
  - name: extra
    entities: [user]
    ttl: 1d
    fields:
      - {name: note, type: string}
feature_services:
  - name: training
    features:
      - view: activity
        fields: [clicks, score, label]
      - view: risk
        fields: [rate, flagged]
"""

SEED = int(os.environ.get("SKEWLESS_TEST_SEED", "20261207"))
BASE = 1_760_000_000_000_000  # µs
HOUR = 3_600_000_000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Nodes, skewless.Client, Path]]:
    folder = tmp_path_factory.mktemp("history")
    repo = folder / "repo.yaml"
    repo.write_text(REPO)
    nodes = Nodes(repo=repo)
    try:
        address = nodes.start("node-1")
        with skewless.Client(address, timeout=60) as client:
            # Nothing ingested yet: a clear NOT_FOUND, never a training set of NOT_FOUND rows.
            with pytest.raises(SkewlessError) as empty:
                client.get_historical_features(pd.DataFrame({"user_id": [1], "timestamp": [BASE]}), ["activity:clicks"])
            if empty.value.code == StatusCode.UNIMPLEMENTED:
                pytest.skip(f"this fsnode does not serve GET_HISTORICAL_FEATURES yet: {empty.value.message}")
            assert empty.value.code == StatusCode.NOT_FOUND and "has no rows in the offline store" in empty.value.message
            yield nodes, client, folder
    finally:
        nodes.shutdown()


def random_rows(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with ties in event time (and in created time), nulls, and times around the TTLs."""
    users = rng.integers(1, 60, size=600)
    events = BASE + rng.integers(0, 8, size=600) * (HOUR // 2)  # few distinct times: many ties
    created = events + rng.integers(0, 3, size=600) * 1000  # ties in created time too
    activity = pd.DataFrame({
        "user_id": users,
        "event_time": events,
        "created_time": created,
        "clicks": pd.array(np.where(rng.random(600) < 0.1, None, rng.integers(-5, 1000, size=600)), dtype="Int64"),
        "score": np.where(rng.random(600) < 0.1, np.nan, rng.standard_normal(600)),
        "label": [None if r < 0.1 else f"l{int(r * 1000)}" for r in rng.random(600)],
    })
    merchants = [f"m-{i}" for i in rng.integers(0, 20, size=300)]
    risk = pd.DataFrame({
        "merchant_id": merchants,
        "event_timestamp": pd.to_datetime(BASE + (events := rng.integers(0, 8, size=300)) * (HOUR // 4), unit="us", utc=True),
        "created_timestamp": pd.to_datetime(BASE + events * (HOUR // 4) + rng.integers(0, 2, size=300) * HOUR // 8, unit="us", utc=True),
        "rate": rng.random(300).astype(np.float32),
        "flagged": rng.random(300) < 0.5,
    })
    return activity, risk


def labels_around(rng: np.random.Generator, activity: pd.DataFrame, risk: pd.DataFrame) -> pd.DataFrame:
    """Label times at event times, exactly a TTL after, one µs past it, and random."""
    picks = rng.integers(0, len(activity), size=1500)
    offsets = rng.choice([0, 1, -1, HOUR, HOUR + 1, HOUR // 2, 5 * HOUR], size=1500)
    users = activity["user_id"].to_numpy()[picks]
    users[::50] = 10_000  # keys with no rows
    return pd.DataFrame({
        "user_id": users,
        "merchant_id": [risk["merchant_id"].iloc[int(i)] for i in rng.integers(0, len(risk), size=1500)],
        "timestamp": activity["event_time"].to_numpy()[picks] + offsets,
        "passthrough": np.arange(1500),
    })


def test_training_sets_equal_fsctl_historical_on_random_data(store: tuple[Nodes, skewless.Client, Path]) -> None:
    nodes, client, folder = store
    rng = np.random.default_rng(SEED)
    activity, risk = random_rows(rng)
    ingested = client.ingest("activity", activity)
    assert ingested.rows == len(activity) and ingested.feature_view == "activity@1" and ingested.segments_written >= 1
    risk_file = folder / "risk.parquet"
    risk.to_parquet(risk_file)
    assert client.ingest("risk", risk_file).rows == len(risk)  # Feast's event_timestamp and created_timestamp are taken

    with pytest.warns(skewless.SkewlessWarning, match="none of the 1 label rows has a key of activity@1"):
        client.get_historical_features(pd.DataFrame({"user_id": [99_999], "timestamp": [BASE]}), ["activity:clicks"])

    labels = labels_around(rng, activity, risk)
    for as_of_known_time in (False, True):
        got = client.get_historical_features(labels, "training", as_of_known_time=as_of_known_time)
        labels_file = folder / "labels.csv"
        labels.to_csv(labels_file, index=False)
        out = folder / "expected.csv"
        nodes.fsctl(
            "historical", "--labels", str(labels_file), "--service", "training", "--out", str(out), "--status",
            "--repo", str(nodes.repo), "--store", str(nodes.segments), *(["--as-of-known-time"] if as_of_known_time else []),
        )
        expected = pd.read_csv(out, keep_default_na=False, dtype=str)
        assert list(got.columns) == list(expected.columns), f"seed {SEED}"
        assert list(got["passthrough"]) == list(range(1500))
        for column in expected.columns:
            if column in labels.columns:
                continue
            for row, (mine, theirs) in enumerate(zip(got[column], expected[column])):
                assert _same(mine, theirs), f"{column} row {row}: {mine!r} != fsctl's {theirs!r} (seed {SEED}, as_of_known_time={as_of_known_time})"
        statuses = set(got["clicks__status"])
        assert {"PRESENT", "NOT_FOUND", "OUTSIDE_TTL"} <= statuses, statuses
        assert "DEFAULTED" not in set(got["rate__status"])


def _same(mine: object, theirs: str) -> bool:
    if theirs == "":
        return mine is None or bool(pd.isna(mine))  # type: ignore[arg-type]
    if isinstance(mine, pd.Timestamp):
        return int(mine.value // 1000) == int(theirs)
    if isinstance(mine, (bool, np.bool_)):
        return str(bool(mine)).lower() == theirs
    if isinstance(mine, (float, np.floating)):
        return float(np.float32(mine)) == float(np.float32(float(theirs))) if abs(float(mine)) < 3.5e38 else float(mine) == float(theirs)
    if isinstance(mine, (int, np.integer)):
        return int(mine) == int(theirs)
    return str(mine) == theirs


def test_a_training_set_round_trips_through_parquet_with_its_types(store: tuple[Nodes, skewless.Client, Path]) -> None:
    _, client, folder = store
    labels = pd.DataFrame({"user_id": [1, 2, 3, 10_000], "merchant_id": ["m-1", "m-2", "m-3", "m-4"], "timestamp": [BASE + 9 * HOUR] * 4})
    frame = client.get_historical_features(labels, ["activity:clicks", "activity:score", "risk:flagged", "activity:label"])
    assert str(frame["clicks"].dtype) == "Int64" and str(frame["score"].dtype) == "Float64" and str(frame["flagged"].dtype) == "boolean"
    assert str(frame["activity__event_time"].dtype) == "datetime64[us, UTC]"
    path = folder / "training.parquet"
    frame.to_parquet(path)
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_categorical=False)
    assert back["clicks__status"].iloc[3] == "NOT_FOUND" and pd.isna(back["activity__event_time"].iloc[3])


def test_ingesting_a_csv_and_asking_in_seconds_are_handled(store: tuple[Nodes, skewless.Client, Path]) -> None:
    _, client, folder = store
    csv = folder / "extra.csv"
    csv.write_text("user_id,event_time,note\n1,2025-10-09T09:00:00Z,first\n2,2025-10-09T09:00:00Z,\n")
    assert client.ingest("extra", csv).rows == 2
    labels = pd.DataFrame({"user_id": [1, 2], "timestamp": pd.to_datetime(["2025-10-09T10:00:00Z"] * 2)})
    got = client.get_historical_features(labels, ["extra:note"])
    assert list(got["note"].astype(object).where(got["note"].notna(), None)) == ["first", None]
    assert list(got["note__status"]) == ["PRESENT", "NULL_VALUE"]
    with pytest.raises(SkewlessError, match="seconds"):
        client.get_historical_features(pd.DataFrame({"user_id": [1], "timestamp": [1_760_000_000]}), ["extra:note"])
    with pytest.raises(SkewlessError) as refused:
        client.ingest("extra", pd.DataFrame({"user_id": [1], "event_time": [1_760_000_000], "note": ["x"]}))
    assert refused.value.code == StatusCode.INVALID_ARGUMENT and "seconds" in refused.value.message
