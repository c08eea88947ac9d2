"""Online reads from Python, side by side in one run: Feast's get_online_features with the
Skewless plugin, Feast with its Redis online store, and the skewless client direct, for 1 x 10
and 100 x 10 (entities x float features); and the floor no Python client can beat: one
request, encoded once before timing, sent on a raw socket and its answer received (not
parsed), back to back and again paced like the client (as long apart as the client's own
Python takes). The cells are measured in turns of 0.25 s, so that a change of load falls on
all of them alike. bench/python-online.sh runs it (it starts an fsnode and a redis-server on 127.0.0.1
and stops them).

    python bench/python_online.py --skewless 127.0.0.1:PORT --redis 127.0.0.1:PORT [--seconds 10]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import skewless
from skewless._proto import features_pb2, frame_pb2

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


class RawRoundTrip:
    """The floor: a GET_ONLINE_FEATURES frame encoded once, then per call one sendall and
    recv_into a reused buffer until the whole answer frame is in (docs/protocol.md, section 1)."""

    def __init__(self, address: str, features: list[str], ids: list[int]) -> None:
        host, port = address.rsplit(":", 1)
        self.socket = socket.create_connection((host, int(port)))
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray(1 << 20)
        self.view = memoryview(self.buffer)
        handshake = features_pb2.HandshakeRequest(protocol_version=1, client_name="bench-floor").SerializeToString()
        self.call(self.frame(frame_pb2.METHOD_HANDSHAKE, handshake))
        request = features_pb2.GetOnlineFeaturesRequest()
        request.features.features.extend(features)
        request.entities.add(join_key="user_id").int64_values.extend(ids)
        self.message = self.frame(frame_pb2.METHOD_GET_ONLINE_FEATURES, request.SerializeToString())
        answer = frame_pb2.ResponseFrame.FromString(self.view[4 : self.call(self.message)])
        assert answer.status.code == 0 and len(features_pb2.GetOnlineFeaturesResponse.FromString(answer.payload).features) == len(features)

    @staticmethod
    def frame(method: int, payload: bytes) -> bytes:
        body = frame_pb2.RequestFrame(request_id=1, method=method, timeout_micros=10_000_000, payload=payload).SerializeToString()  # type: ignore[arg-type]
        return struct.pack(">I", len(body)) + body

    def call(self, message: bytes) -> int:
        self.socket.sendall(message)
        received = self.socket.recv_into(self.buffer)
        while received < 4:
            received += self.socket.recv_into(self.view[received:])
        size = 4 + struct.unpack_from(">I", self.buffer)[0]
        while received < size:
            received += self.socket.recv_into(self.view[received:])
        return size

    def __call__(self) -> int:
        return self.call(self.message)


def measure(call: Callable[[], object], seconds: float, pause: float = 0.0, warm_up: int = 50) -> list[float]:
    """Times `call` back to back for `seconds`, or with `pause` seconds of busy work (not
    timed) between calls, as a client's own Python would leave the node idle."""
    for _ in range(warm_up):
        call()
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if pause:
            resume = time.perf_counter() + pause
            while time.perf_counter() < resume:
                pass
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(cells: dict[str, Callable[[], object]], seconds: float, pauses: dict[str, float], turn: float = 0.25) -> dict[str, list[float]]:
    """`seconds` of samples per cell, taken in turns of `turn` seconds, cell after cell, so
    that a change of load on the machine falls on every cell alike."""
    results: dict[str, list[float]] = {name: [] for name in cells}
    for _ in range(max(1, round(seconds / turn))):
        for name, call in cells.items():
            results[name] += measure(call, turn, pauses.get(name, 0.0), warm_up=0 if results[name] else 50)
    return results


def p50(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


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
    try:
        client = skewless.Client(arguments.skewless)
        refs = [f"bench_float10:{f}" for f in FIELDS]
        print(f"{ENTITIES} entities x 10 float features; {arguments.seconds:.0f} s per cell in turns of 0.25 s, one thread, after 50 warm-up calls")
        for count in (1, 100):
            ids = [int(i) for i in rng.choice(ENTITIES, size=count, replace=False)]
            rows_in = [{"user_id": i} for i in ids]
            expected = rows.set_index("user_id").loc[ids, FIELDS[0]].tolist()
            got_skewless = on_skewless.get_online_features(features=refs, entity_rows=rows_in).to_dict()  # type: ignore[attr-defined]
            got_redis = on_redis.get_online_features(features=refs, entity_rows=rows_in).to_dict()  # type: ignore[attr-defined]
            assert got_skewless[FIELDS[0]] == got_redis[FIELDS[0]] == expected
            assert client.get_online_features(refs, {"user_id": ids}).values(refs[0]) == expected
            cells: dict[str, Callable[[], object]] = {
                "Feast + Skewless plugin": lambda: on_skewless.get_online_features(features=refs, entity_rows=rows_in).to_dict(),  # type: ignore[attr-defined]
                "Feast + Redis": lambda: on_redis.get_online_features(features=refs, entity_rows=rows_in).to_dict(),  # type: ignore[attr-defined]
                "skewless.Client direct": lambda: client.get_online_features(refs, {"user_id": ids}).to_dict(),
                "raw socket (the floor)": RawRoundTrip(arguments.skewless, refs, ids),
            }
            # The floor again, paced like the client: its own Python keeps the node idle between
            # calls, and a node woken from idle answers later than one kept busy.
            pause = max(0.0, p50(measure(cells["skewless.Client direct"], 1.0)) - p50(measure(cells["raw socket (the floor)"], 1.0)))
            paced = f"raw socket, {pause * 1e6:.0f} us apart"
            cells[paced] = cells["raw socket (the floor)"]
            results = interleaved(cells, arguments.seconds, {paced: pause})
            redis_p50 = p50(results["Feast + Redis"])
            for name, samples in results.items():
                print(f"{count:>3} x 10  {name:<24} {summary(samples)}  P50 {p50(samples) / redis_p50:5.2f}x Feast+Redis")
        client.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the two Feast repos


if __name__ == "__main__":
    main()
