"""Real Skewless nodes for the tests: `fsnode` and `fsctl` built by `swift build` (or
`swift test`), started on 127.0.0.1 with free ports and killed at the end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import skewless

ROOT = Path(__file__).resolve().parents[2]
REPO = ROOT / "examples" / "feature_repo"
DATA = ROOT / "examples" / "data"


def binaries() -> Path:
    """The folder with fsnode and fsctl: $SKEWLESS_BIN_DIR, else the package's debug build
    (what `swift test` builds), else its release build."""
    candidates = [os.environ.get("SKEWLESS_BIN_DIR", "")]
    candidates += [str(ROOT / ".build" / "debug"), str(ROOT / ".build" / "release")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "fsnode").exists() and (Path(candidate) / "fsctl").exists():
            return Path(candidate)
    pytest.fail(f"no fsnode and fsctl in {candidates}: build them first (swift build), or set SKEWLESS_BIN_DIR")


class Nodes:
    """Real fsnode processes sharing one offline store (segments) in a temporary directory."""

    def __init__(self, repo: Path = REPO) -> None:
        self.bin = binaries()
        self.repo = repo
        self.directory = Path(tempfile.mkdtemp(prefix="skewless-py-"))
        self.segments = self.directory / "segments"
        self.segments.mkdir()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}

    def fsctl(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(self.bin / "fsctl"), *arguments], capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"fsctl {' '.join(arguments)} exited {result.returncode}: {result.stdout}{result.stderr}")
        return result

    def ingest(self, view: str, file: Path) -> None:
        self.fsctl("ingest", view, str(file), "--repo", str(self.repo), "--store", str(self.segments))

    def ingest_samples(self) -> None:
        for view, name in [
            ("user_transactions", "user_transactions.csv"),
            ("merchant_risk", "merchant_risk.jsonl"),
            ("user_merchant_stats", "user_merchant_stats.csv"),
            ("user_profile@1", "user_profile.jsonl"),
            ("item_embedding", "item_embedding.jsonl"),
        ]:
            self.ingest(view, DATA / name)

    def start(self, node_id: str, *, cluster: bool = False, extra: Sequence[str] = ()) -> str:
        port_file = self.directory / f"{node_id}.port"
        port_file.unlink(missing_ok=True)
        arguments = [
            str(self.bin / "fsnode"), "--repo", str(self.repo), "--node-id", node_id, "--port", str(self.ports.get(node_id, 0)),
            "--port-file", str(port_file), "--segments", str(self.segments), "--event-loop-threads", "1",
            "--drain-timeout-seconds", "1", "--log-level", "warning", "--parent-pid", str(os.getpid()),
        ]
        if cluster:
            arguments += ["--cluster-map", str(self.directory / f"{node_id}.map.json")]
        log = open(self.directory / f"{node_id}.log", "wb")
        self.processes[node_id] = subprocess.Popen([*arguments, *extra], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = port_file.read_text().strip() if port_file.exists() else ""
            if text.isdigit():
                self.ports[node_id] = int(text)
                return self.address(node_id)
            if self.processes[node_id].poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"{node_id} did not start: {(self.directory / f'{node_id}.log').read_text()}")

    def address(self, node_id: str) -> str:
        return f"127.0.0.1:{self.ports[node_id]}"

    def kill9(self, node_id: str) -> None:
        process = self.processes.get(node_id)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def shutdown(self) -> None:
        for node_id in list(self.processes):
            self.kill9(node_id)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def node() -> Iterator[Nodes]:
    """One standalone node with the sample data, materialized."""
    nodes = Nodes()
    try:
        nodes.ingest_samples()
        address = nodes.start("node-1")
        with skewless.Client(address) as client:
            client.materialize(full=True)
        yield nodes
    finally:
        nodes.shutdown()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Nodes]:
    """Three nodes, one cluster of 64 partitions with 2 replicas each, the sample data loaded."""
    nodes = Nodes()
    try:
        nodes.ingest_samples()
        addresses = [nodes.start(n, cluster=True) for n in ("node-1", "node-2", "node-3")]
        nodes.fsctl("cluster", "init", "--nodes", ",".join(addresses), "--partitions", "64", "--replication", "2")
        yield nodes
    finally:
        nodes.shutdown()
