"""Routing through a real 3-node cluster: reads and writes spread by partition, a wrong-shard
answer followed by a map refresh, and replica failover after kill -9."""

from __future__ import annotations

import datetime as dt

import pytest

import skewless
from skewless import StatusCode, partition_of

from conftest import Nodes

NOW = dt.datetime.now(dt.timezone.utc)
USERS = list(range(1000, 1300))
FEATURE = "user_transactions:txn_count_24h"


@pytest.fixture(scope="module")
def client(cluster: Nodes) -> skewless.Client:
    # Given one seed, the client reads the map and routes by it.
    with skewless.Client(seeds=[cluster.address("node-2")], timeout=10) as client:
        written = client.write("user_transactions", {"user_id": USERS, "event_time": [NOW] * len(USERS), "txn_count_24h": USERS})
        assert written.rows == len(USERS) and written.replicas_missed == [] and written.min_replicas_applied == 2
        yield client


def test_reads_and_writes_are_routed_to_every_partitions_owners(cluster: Nodes, client: skewless.Client) -> None:
    got = client.get_online_features([FEATURE], {"user_id": USERS})
    assert got.values(FEATURE) == USERS
    assert got.statuses(FEATURE) == ["PRESENT"] * len(USERS)
    cluster_map = client.cluster_map
    assert cluster_map is not None and cluster_map.partition_count == 64 and cluster_map.replication_factor == 2
    # The keys fall on every node: the read was split across the three.
    owners = {node for user in USERS for node in cluster_map.replicas[partition_of([user], 64)]}
    assert owners == {"node-1", "node-2", "node-3"}
    # Each node holds only its partitions: asked directly, node-1 refuses a key it does not own.
    foreign = next(u for u in USERS if "node-1" not in cluster_map.replicas[partition_of([u], 64)])
    with skewless.Client(cluster.address("node-1")) as direct:
        direct._discovered = True  # talk to node-1 alone, as a client without routing would
        with pytest.raises(skewless.SkewlessError) as refused:
            direct.get_online_features([FEATURE], {"user_id": [foreign]})
    assert refused.value.code == StatusCode.ABORTED and refused.value.wrong_shard is not None


def test_a_service_whose_views_route_by_three_keys_reads_as_one_node_would(client: skewless.Client) -> None:
    pairs = {"user_id": [1, 2, 3, 4, 2], "merchant_id": ["m-1", "m-2", "m-3", "m-9", "m-7"]}
    got = client.get_online_features("fraud_detection_v1", pairs)
    assert got.values("user_transactions:txn_count_1h") == [1, 4, 1, 3, 4]
    assert got.values("user_merchant_stats:txn_count_30d") == [27, 24, 0, 0, 3]
    assert got.statuses("user_merchant_stats:txn_count_30d")[:2] == ["PRESENT", "PRESENT"]
    assert got.values("merchant_risk:risk_score")[0] == pytest.approx(0.268)
    assert got.names == [c.feature for c in got.columns]


def test_a_stale_map_is_refreshed_on_wrong_shard_and_the_read_retried(cluster: Nodes, client: skewless.Client) -> None:
    before = client.cluster_map
    assert before is not None
    cluster.fsctl("rebalance", "--node", cluster.address("node-1"), "--remove", "node-3", "--grace-seconds", "0")
    got = client.get_online_features([FEATURE], {"user_id": USERS})
    assert got.values(FEATURE) == USERS
    after = client.cluster_map
    assert after is not None and after.epoch > before.epoch
    assert all("node-3" not in replicas for replicas in after.replicas)
    # Writes follow the new map too.
    client.write("user_transactions", {"user_id": [1000], "event_time": [NOW + dt.timedelta(seconds=1)], "txn_count_24h": [-1]})
    assert client.get_online_features([FEATURE], {"user_id": [1000]}).values(FEATURE) == [-1]


def test_reads_and_writes_fail_over_to_the_other_replica_after_kill_9(cluster: Nodes, client: skewless.Client) -> None:
    cluster.kill9("node-1")
    got = client.get_online_features([FEATURE], {"user_id": USERS[1:]})
    assert got.values(FEATURE) == USERS[1:]
    written = client.write("user_transactions", {"user_id": [1001, 1002], "event_time": [NOW + dt.timedelta(seconds=2)] * 2, "txn_count_24h": [7, 8]})
    assert written.rows == 2 and written.replicas_missed == ["node-1"] and written.min_replicas_applied == 1
    assert client.get_online_features([FEATURE], {"user_id": [1001, 1002]}).values(FEATURE) == [7, 8]
