"""Benchmark: the analyst workspace's live re-rank, i.e. evaluating 100 bids × 48 criteria twice (current
and edited weights) from answers already read, as the page does on every change. Target < 200 ms.
Baseline in the same run: reading the same bids from their CSV once.
Run: python3 bench/rerank_100.py [--bids 100] [--repeat 50]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from evaluate_10k import write_bids  # noqa: E402

from evaluator.ingest.files import read_bids  # noqa: E402
from evaluator.loading import load_framework, load_tender  # noqa: E402
from evaluator.model.tender import resolve_settings  # noqa: E402
from evaluator.scoring import evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    framework, _ = load_framework(ROOT / "frameworks" / "eu-csf-2026.yaml")
    tender, _ = load_tender(ROOT / "samples" / "tender.yaml")
    edited = tender.model_copy(update={"weight_profile": "guidance-2026"})
    current, changed = resolve_settings(framework, tender), resolve_settings(framework, edited)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bids.csv"
        write_bids(path, args.bids, "realistic")
        reads, reranks = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            bids = read_bids([str(path)], framework)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            evaluate(framework, current, bids)
            evaluate(framework, changed, bids)
            reranks.append(time.perf_counter() - start)
    read_ms, rerank_ms = 1000 * statistics.median(reads), 1000 * statistics.median(reranks)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"median of {args.repeat}")
    print(f"{args.bids} bids: re-rank (two evaluations) {rerank_ms:.1f} ms (target < 200 ms); reading the CSV "
          f"once {read_ms:.1f} ms; ratio {rerank_ms / read_ms:.2f}×")


if __name__ == "__main__":
    main()
