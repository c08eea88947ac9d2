"""A training set of many label rows into pandas through the Python client
(GET_HISTORICAL_FEATURES on a node), against `fsctl historical` on the same store and labels,
in one run. bench/python-historical.sh runs it.

    python bench/python_historical.py --bin .build/release [--rows 10000000] [--labels 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import skewless

REPO = """
project: bench_history
entities:
  - name: user
    join_keys: [{name: user_id, type: int64}]
feature_views:
  - name: stats
    entities: [user]
    ttl: 30d
    fields:
      - {name: f0, type: float}
      - {name: f1, type: float}
      - {name: f2, type: double}
      - {name: f3, type: int64}
feature_services:
  - name: training
    features: [stats:f0, stats:f1, stats:f2, stats:f3]
"""

BASE = 1_760_000_000_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="the folder with fsnode and fsctl")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skewless-bench-history-"))
    (work / "repo.yaml").write_text(REPO)
    rng = np.random.default_rng(5)
    entities = max(1, arguments.rows // 10)
    rows = pd.DataFrame({
        "user_id": rng.integers(0, entities, size=arguments.rows),
        "event_time": BASE + rng.integers(0, 30 * 86_400, size=arguments.rows) * 1_000_000,
        "f0": rng.random(arguments.rows).astype(np.float32),
        "f1": rng.random(arguments.rows).astype(np.float32),
        "f2": rng.random(arguments.rows),
        "f3": rng.integers(0, 1000, size=arguments.rows),
    })
    rows.to_csv(work / "rows.csv", index=False)
    fsctl = str(Path(arguments.bin) / "fsctl")
    start = time.perf_counter()
    subprocess.run([fsctl, "ingest", "stats", str(work / "rows.csv"), "--repo", str(work / "repo.yaml"), "--store", str(work / "segments")], check=True, capture_output=True)
    print(f"fsctl ingest of {arguments.rows:,} rows: {time.perf_counter() - start:.1f} s")
    labels = pd.DataFrame({
        "user_id": rng.integers(0, entities, size=arguments.labels),
        "timestamp": BASE + rng.integers(0, 31 * 86_400, size=arguments.labels) * 1_000_000,
    })
    labels.to_csv(work / "labels.csv", index=False)

    node_log = open(work / "node.log", "wb")
    node = subprocess.Popen(
        [str(Path(arguments.bin) / "fsnode"), "--repo", str(work / "repo.yaml"), "--segments", str(work / "segments"), "--port", "0",
         "--port-file", str(work / "port"), "--log-level", "warning", "--parent-pid", str(os.getpid())],
        stdout=node_log, stderr=node_log,
    )
    try:
        while not (work / "port").exists() or not (work / "port").read_text().strip():
            time.sleep(0.05)
        address = f"127.0.0.1:{(work / 'port').read_text().strip()}"
        for run in range(arguments.runs):
            start = time.perf_counter()
            subprocess.run(
                [fsctl, "historical", "--labels", str(work / "labels.csv"), "--service", "training", "--out", str(work / "out.csv"),
                 "--status", "--repo", str(work / "repo.yaml"), "--store", str(work / "segments")],
                check=True, capture_output=True,
            )
            cli = time.perf_counter() - start
            with skewless.Client(address, timeout=600) as client:
                start = time.perf_counter()
                frame = client.get_historical_features(labels, "training")
                python = time.perf_counter() - start
            assert len(frame) == arguments.labels
            print(
                f"run {run + 1}: {arguments.labels:,} labels x 4 features over {arguments.rows:,} rows: "
                f"fsctl historical (labels CSV in, CSV out) {cli:.2f} s; Python client into pandas {python:.2f} s ({python / cli:.2f}x)"
            )
    finally:
        node.kill()
        node.wait()


if __name__ == "__main__":
    main()
