"""Key hashing and partitions: the worked examples of docs/cluster.md, section 3."""

import pytest

from skewless import canonical_key_bytes, key_hash, partition_of
from skewless.cluster_map import ClusterMap, Endpoint

EXAMPLES = [
    ([1001], "01 e9 03 00 00 00 00 00 00", 0xE026CFD5C90EA342, 834, 66),
    ([0], "01 00 00 00 00 00 00 00 00", 0xA2443C71157CB676, 630, 118),
    ([-1], "01 ff ff ff ff ff ff ff ff", 0xE4A42358FE73E0B6, 182, 182),
    (["u-42"], "02 04 00 00 00 75 2d 34 32", 0x32AE4F0BCB8B05AA, 426, 170),
    ([""], "02 00 00 00 00", 0x7CD3239EA57D282C, 44, 44),
    (["café"], "02 05 00 00 00 63 61 66 c3 a9", 0x68326BDE65A2508C, 140, 140),
    ([1001, "m-7"], "01 e9 03 00 00 00 00 00 00 02 03 00 00 00 6d 2d 37", 0xFAE1598BFCACC164, 356, 100),
    (["m-7", 1001], "02 03 00 00 00 6d 2d 37 01 e9 03 00 00 00 00 00 00", 0xD2782C00F364ECD5, 213, 213),
    ([1, 2], "01 01 00 00 00 00 00 00 00 01 02 00 00 00 00 00 00 00", 0xE308AF1BCADCA046, 70, 70),
]


@pytest.mark.parametrize(("parts", "hex_bytes", "hash_value", "p1024", "p256"), EXAMPLES)
def test_worked_examples_match_the_docs(parts: list[int | str], hex_bytes: str, hash_value: int, p1024: int, p256: int) -> None:
    assert canonical_key_bytes(parts) == bytes.fromhex(hex_bytes.replace(" ", ""))
    assert key_hash(parts) == hash_value
    assert partition_of(parts, 1024) == p1024
    assert partition_of(parts, 256) == p256


def test_a_key_longer_than_one_stripe() -> None:
    parts = ["user-0000000001", "merchant-0000000002", 7]
    assert len(canonical_key_bytes(parts)) == 53
    assert key_hash(parts) == 0x66E5AAB3A1E0DDA4
    assert partition_of(parts, 1024) == 420


def test_a_key_part_is_an_int_or_a_str() -> None:
    with pytest.raises(TypeError):
        canonical_key_bytes([1.5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        canonical_key_bytes([True])


def test_the_map_routes_reads_over_replicas_and_writes_to_movers() -> None:
    document = {
        "epoch": 4, "format_version": 1, "partition_count": 4, "replication_factor": 2,
        "moves": [
            {"drain_deadline_micros": 0, "from": "node-1", "partition": 0, "phase": "loading", "slot": 0, "to": "node-4"},
            {"drain_deadline_micros": 17, "from": "node-3", "partition": 3, "phase": "draining", "slot": 1, "to": "node-4"},
        ],
        "nodes": [
            {"address": "10.0.0.1:7421", "id": "node-1", "state": "up"},
            {"address": "10.0.0.2:7421", "id": "node-2", "state": "down"},
            {"address": "10.0.0.3:7421", "id": "node-3", "state": "up"},
            {"address": "[fd00::4]:7421", "id": "node-4", "state": "joining"},
        ],
        "replicas": [["node-1", "node-2"], ["node-2", "node-3"], ["node-1", "node-3"], ["node-2", "node-4"]],
    }
    cluster_map = ClusterMap(document, "a test")
    assert cluster_map.endpoints["node-4"] == Endpoint("fd00::4", 7421)
    assert cluster_map.write_targets(0) == ["node-1", "node-2", "node-4"]
    assert cluster_map.write_targets(3) == ["node-2", "node-4", "node-3"]
    # Rotation spreads reads; a node marked down goes last; the draining node is the last resort.
    assert cluster_map.read_order(2, 0) == ["node-1", "node-3"]
    assert cluster_map.read_order(2, 1) == ["node-3", "node-1"]
    assert cluster_map.read_order(1, 0) == ["node-3", "node-2"]
    assert cluster_map.read_order(3, 1) == ["node-4", "node-2", "node-3"]
