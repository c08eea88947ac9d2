"""Online reads and writes of every type through the Python client, against a real node."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import skewless
from skewless import SkewlessError, StatusCode

from conftest import Nodes

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=123456)
PROFILE = [
    "user_profile@1:is_premium", "user_profile@1:age", "user_profile@1:lifetime_orders", "user_profile@1:avg_order_value",
    "user_profile@1:credit_score", "user_profile@1:country", "user_profile@1:avatar_hash", "user_profile@1:last_login",
    "user_profile@1:recent_item_ids", "user_profile@1:segments",
]


@pytest.fixture(scope="module")
def client(node: Nodes) -> skewless.Client:
    with skewless.Client(node.address("node-1")) as client:
        yield client


def test_every_type_written_is_read_back_with_its_status_and_event_time(client: skewless.Client) -> None:
    rows = [
        {
            "user_id": 9001, "event_time": NOW - dt.timedelta(minutes=1), "is_premium": True, "age": -7, "lifetime_orders": 2**40,
            "avg_order_value": 12.5, "credit_score": 701.25, "country": "Zürich ✓", "avatar_hash": b"\x00\xffbytes",
            "last_login": NOW - dt.timedelta(days=2), "recent_item_ids": [3, -1, 2**62], "segments": ["a", "", "é"],
        },
        # Nulls: None for fields without a default reads NULL_VALUE; with one, DEFAULTED.
        {"user_id": 9002, "event_time": NOW - dt.timedelta(minutes=2), "is_premium": None, "age": None, "country": None, "segments": []},
    ]
    result = client.write("user_profile@1", rows)
    assert result.rows == 2 and result.batches == 1 and result.rows_written == 2
    assert result.min_replicas_applied == 1 and result.replicas_missed == []
    assert abs((result.accepted_times[0] - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60

    got = client.get_online_features([f.replace("@1", "@1") for f in PROFILE], {"user_id": [9001, 9002, 9999]})
    assert len(got) == 3
    first = {f.split(":")[1]: got.values(f)[0] for f in PROFILE}
    assert first["is_premium"] is True and first["age"] == -7 and first["lifetime_orders"] == 2**40
    assert first["avg_order_value"] == 12.5 and first["credit_score"] == 701.25
    assert first["country"] == "Zürich ✓" and first["avatar_hash"] == b"\x00\xffbytes"
    assert first["last_login"] == NOW - dt.timedelta(days=2)
    assert first["recent_item_ids"] == [3, -1, 2**62] and first["segments"] == ["a", "", "é"]
    for feature in PROFILE:
        assert got.statuses(feature)[0] == "PRESENT", feature
        assert got.event_times(feature)[0] == NOW - dt.timedelta(minutes=1)
    # Row 2: declared defaults for null fields, NULL_VALUE for the others, the row's event time.
    assert got["user_profile:is_premium"].statuses[1] == "DEFAULTED" and got.values("user_profile:is_premium")[1] is False
    assert got["user_profile:country"].statuses[1] == "DEFAULTED" and got.values("user_profile:country")[1] == "unknown"
    assert got["user_profile:age"].statuses[1] == "NULL_VALUE" and got.values("user_profile:age")[1] is None
    assert got["user_profile:segments"].statuses[1] == "PRESENT" and got.values("user_profile:segments")[1] == []
    assert got.event_times("user_profile:age")[1] == NOW - dt.timedelta(minutes=2)
    # Row 3: no row at all.
    assert got.statuses("user_profile@1:age")[2] == "NOT_FOUND" and got.event_times("user_profile@1:age")[2] is None
    assert got.statuses("user_profile@1:lifetime_orders")[2] == "DEFAULTED" and got.values("user_profile@1:lifetime_orders")[2] == 0

    frame = got.to_pandas()
    assert list(frame["user_id"]) == [9001, 9002, 9999]
    assert str(frame["user_profile@1:age"].dtype) == "Int32" and pd.isna(frame["user_profile@1:age"][1])
    assert str(frame["user_profile@1:lifetime_orders"].dtype) == "Int64"
    assert str(frame["user_profile@1:avg_order_value"].dtype) == "Float32"
    assert str(frame["user_profile@1:is_premium"].dtype) == "boolean"
    assert list(frame["user_profile@1:age__status"]) == ["PRESENT", "NULL_VALUE", "NOT_FOUND"]
    assert frame["user_profile@1:age__event_time"][0] == pd.Timestamp(NOW - dt.timedelta(minutes=1))
    assert pd.isna(frame["user_profile@1:age__event_time"][2])
    assert frame["user_profile@1:last_login"][0] == pd.Timestamp(NOW - dt.timedelta(days=2))


def test_embeddings_come_back_as_float32_arrays_whichever_way_they_travel(client: skewless.Client) -> None:
    dense = np.random.default_rng(7).standard_normal(64).astype(np.float32)
    sparse = np.zeros(64, dtype=np.float32)
    sparse[[3, 40]] = [0.5, -2.0]
    client.write("item_embedding", pd.DataFrame({
        "item_id": [501, 502, 503], "event_time": [NOW] * 3, "embedding": [dense, sparse, None], "category": ["a", "b", "c"],
    }))
    got = client.get_online_features(["item_embedding:embedding", "item_embedding:category"], [{"item_id": 501}, {"item_id": 502}, {"item_id": 503}])
    vectors = got.values("item_embedding:embedding")
    assert vectors[0].dtype == np.float32 and np.array_equal(vectors[0], dense)
    assert np.array_equal(vectors[1], sparse)
    assert vectors[2] is None and got.statuses("item_embedding:embedding")[2] == "NULL_VALUE"
    # A sparse vector is stored and sent LZ4-compressed: the raw wire answer says so.
    from skewless._proto import features_pb2
    from skewless.connection import Method

    request = features_pb2.GetOnlineFeaturesRequest()
    request.features.features.append("item_embedding:embedding")
    request.entities.add(join_key="item_id", int64_values=[502])
    answer = features_pb2.GetOnlineFeaturesResponse.FromString(
        client._pool.call(client.seeds[0], Method.GET_ONLINE_FEATURES, request.SerializeToString(), client._deadline(None))
    )
    assert answer.features[0].values.embedding_values[0].lz4
    with pytest.raises(SkewlessError, match="embedding.*64 values, not 3"):
        client.write("item_embedding", [{"item_id": 504, "event_time": NOW, "embedding": [1.0, 2.0, 3.0]}])


def test_a_feature_service_reads_composite_keys_and_defaults(client: skewless.Client) -> None:
    got = client.get_online_features("fraud_detection_v1", {"user_id": [1, 2, 77777], "merchant_id": ["m-1", "m-3", "m-1"]})
    assert got.names[0] == "user_transactions@1:txn_count_1h"
    assert got.values("user_transactions:txn_count_1h") == [1, 4, 0]
    assert got.statuses("user_transactions:txn_count_1h") == ["PRESENT", "PRESENT", "DEFAULTED"]
    assert got.values("user_merchant_stats:txn_count_30d")[:2] == [27, 0]
    assert got.statuses("user_merchant_stats:txn_count_30d")[:2] == ["PRESENT", "DEFAULTED"]  # no row for (2, m-3)
    assert got.values("merchant_risk:risk_score")[0] == pytest.approx(0.268)


def test_identical_retries_are_stored_once_and_older_rows_ignored(client: skewless.Client) -> None:
    rows = {"user_id": [9101, 9102], "event_time": [NOW, NOW], "txn_count_1h": [5, 6]}
    key = b"python-test-batch-1"
    first = client.write("user_transactions", rows, idempotency_keys=[key])
    again = client.write("user_transactions", rows, idempotency_keys=[key])
    assert first.duplicate_batches == 0 and again.duplicate_batches == 1
    assert again.accepted_times == first.accepted_times
    older = client.write("user_transactions", {"user_id": [9101], "event_time": [NOW - dt.timedelta(hours=1)], "txn_count_1h": [1]})
    assert older.rows_ignored_older == 1
    assert client.get_online_features(["user_transactions:txn_count_1h"], {"user_id": [9101]}).values("user_transactions:txn_count_1h") == [5]
    with pytest.raises(SkewlessError) as reused:
        client.write("user_transactions", {"user_id": [9103], "event_time": [NOW], "txn_count_1h": [1]}, idempotency_keys=[key])
    assert reused.value.code == StatusCode.INVALID_ARGUMENT


def test_large_reads_and_writes_are_split_into_requests_the_node_accepts(client: skewless.Client) -> None:
    ids = list(range(100_000, 112_500))
    frame = pd.DataFrame({"user_id": ids, "event_time": pd.Timestamp(NOW), "txn_count_24h": ids})
    written = client.write("user_transactions", frame)
    assert written.rows == len(ids) and written.batches == 4
    got = client.get_online_features(["user_transactions:txn_count_24h"], {"user_id": np.array(ids)})
    assert got.values("user_transactions:txn_count_24h") == ids


def test_mistakes_are_refused_with_the_protocol_status_and_what_to_do(client: skewless.Client) -> None:
    with pytest.raises(SkewlessError) as unknown:
        client.get_online_features(["user_transactions:nope"], {"user_id": [1]})
    assert unknown.value.code == StatusCode.NOT_FOUND and "txn_count_1h" in unknown.value.message
    with pytest.raises(SkewlessError) as wrong_type:
        client.get_online_features(["user_transactions:txn_count_1h"], {"user_id": ["1"]})
    assert wrong_type.value.code == StatusCode.INVALID_ARGUMENT
    with pytest.raises(SkewlessError, match="could be seconds, milliseconds or microseconds"):
        client.write("user_transactions", {"user_id": [1], "event_time": [1_700_000_000], "txn_count_1h": [1]})
    with pytest.raises(SkewlessError, match="event_timestamp"):
        client.write("user_transactions", {"user_id": [1], "event_timestamp": [NOW]})
    with pytest.raises(SkewlessError) as field:
        client.write("user_transactions", {"user_id": [1], "event_time": [NOW], "txn_count": [1]})
    assert field.value.code == StatusCode.NOT_FOUND and "txn_count_1h" in field.value.message
    with pytest.raises(SkewlessError, match="row 1.*not an integer"):
        client.write("user_transactions", {"user_id": [1, 2], "event_time": [NOW, NOW], "txn_count_1h": [1, "x"]})
    with pytest.raises(SkewlessError) as unreachable:
        skewless.Client("127.0.0.1:1", timeout=2).describe()
    assert unreachable.value.code == StatusCode.UNAVAILABLE


def test_describe_gives_the_repo(client: skewless.Client) -> None:
    description = client.describe()
    assert description.project == "skewless_demo"
    profile = description.view("user_profile")
    assert profile.version == 2 and description.view("user_profile@1").field("age").type == "int32"
    assert description.view("item_embedding").field("embedding").type == "embedding[64]"
    transactions = description.view("user_transactions")
    assert transactions.ttl == dt.timedelta(hours=24) and transactions.staleness == "serve_default"
    assert transactions.field("txn_count_1h").has_default and transactions.field("txn_count_1h").default == 0
    assert [k.name for k in description.view("user_merchant_stats").join_keys] == ["user_id", "merchant_id"]
    assert "fraud_detection_v1" in [s.name for s in description.feature_services]
