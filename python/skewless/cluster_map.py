"""The cluster map a node sends (GET_CLUSTER_MAP): the JSON document of docs/cluster.md,
section 8, prepared for routing."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import SkewlessError, StatusCode


@dataclass(frozen=True)
class Endpoint:
    """A node's address."""

    host: str
    port: int

    @staticmethod
    def parse(address: str) -> Endpoint:
        """`host:port` or `[v6]:port`."""
        text = address.strip()
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise SkewlessError(StatusCode.INVALID_ARGUMENT, f"'{address}' is not an address: give host:port, for example 127.0.0.1:7421")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        return Endpoint(host, int(port))

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Move:
    partition: int
    slot: int
    source: str
    target: str
    phase: str
    drain_deadline_micros: int


class ClusterMap:
    """One epoch of a cluster's map: its nodes, each partition's replicas in preferred order,
    and the partitions in motion."""

    def __init__(self, document: dict[str, object], source: str) -> None:
        try:
            version = int(document.get("format_version", 1))  # type: ignore[call-overload]
            if version > 1:
                raise SkewlessError(
                    StatusCode.FAILED_PRECONDITION,
                    f"the cluster map from {source} has format_version {version}, newer than this client reads (1): upgrade the skewless package",
                )
            self.epoch: int = int(document["epoch"])  # type: ignore[call-overload]
            self.partition_count: int = int(document["partition_count"])  # type: ignore[call-overload]
            self.replication_factor: int = int(document["replication_factor"])  # type: ignore[call-overload]
            nodes = document["nodes"]
            assert isinstance(nodes, list)
            self.node_ids: list[str] = [str(node["id"]) for node in nodes]
            self.endpoints: dict[str, Endpoint] = {str(node["id"]): Endpoint.parse(str(node["address"])) for node in nodes}
            self.down: frozenset[str] = frozenset(str(node["id"]) for node in nodes if node.get("state") == "down")
            replicas = document["replicas"]
            assert isinstance(replicas, list)
            self.replicas: list[list[str]] = [[str(node) for node in replica] for replica in replicas]
            moves = document.get("moves") or []
            assert isinstance(moves, list)
            self.moves: dict[int, Move] = {}
            for move in moves:
                self.moves[int(move["partition"])] = Move(
                    int(move["partition"]), int(move["slot"]), str(move["from"]), str(move["to"]), str(move["phase"]),
                    int(move.get("drain_deadline_micros", 0)),
                )
        except SkewlessError:
            raise
        except (KeyError, TypeError, ValueError, AssertionError) as error:
            raise SkewlessError(StatusCode.DATA_LOSS, f"the cluster map from {source} is not a map as docs/cluster.md describes: {error!r}") from error
        if len(self.replicas) != self.partition_count or self.partition_count < 1:
            raise SkewlessError(StatusCode.DATA_LOSS, f"the cluster map from {source} lists {len(self.replicas)} replica lists for {self.partition_count} partitions")
        for replica in self.replicas:
            for node in replica:
                if node not in self.endpoints:
                    raise SkewlessError(StatusCode.DATA_LOSS, f"the cluster map from {source} places a replica on node '{node}', which it does not list")

    @staticmethod
    def from_json(data: bytes, source: str) -> ClusterMap:
        try:
            document = json.loads(data)
        except ValueError as error:
            raise SkewlessError(StatusCode.DATA_LOSS, f"the cluster map from {source} is not JSON: {error}") from error
        if not isinstance(document, dict):
            raise SkewlessError(StatusCode.DATA_LOSS, f"the cluster map from {source} is not a JSON object")
        return ClusterMap(document, source)

    def write_targets(self, partition: int) -> list[str]:
        """The nodes a write of `partition` goes to: its replicas, plus the node it moves to
        (loading, catching up) or drains from."""
        targets = list(self.replicas[partition])
        move = self.moves.get(partition)
        if move is not None:
            targets.append(move.source if move.phase == "draining" else move.target)
        return targets

    def read_order(self, partition: int, rotation: int) -> list[str]:
        """The nodes to read `partition` from, in order: the replicas rotated by
        `rotation + partition` (so reads spread over them), nodes marked down last, then the
        node draining the partition (it still answers until its deadline)."""
        replicas = self.replicas[partition]
        count = len(replicas)
        order: list[str] = []
        if count:
            start = (rotation + partition) % count
            rotated = replicas[start:] + replicas[:start]
            order = [node for node in rotated if node not in self.down] + [node for node in rotated if node in self.down]
        move = self.moves.get(partition)
        if move is not None and move.phase == "draining" and move.source not in order:
            order.append(move.source)
        return order
