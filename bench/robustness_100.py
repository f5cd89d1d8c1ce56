"""Benchmark: rank acceptability for 100 bids under 10,000 Dirichlet weight draws ("well under a second"),
and the whole robustness analysis, against the bare totals matrix product measured in the same run.
Run: python3 bench/robustness_100.py [--bids 100] [--draws 10000]
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from evaluate_10k import sample_request, write_bids  # noqa: E402

from evaluator.pipeline import run_evaluation  # noqa: E402
from evaluator.scoring.robustness import linear_totals, rank_acceptability, robustness  # noqa: E402


def median_time(action, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=100)
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bids.csv"
        write_bids(path, args.bids, "realistic")
        evaluation = run_evaluation(sample_request(path)).evaluation
    linear = linear_totals(evaluation)
    weights = np.random.default_rng(1).dirichlet(np.ones(8), size=args.draws) * 100
    product = median_time(lambda: linear.totals(weights))
    acceptability = median_time(lambda: rank_acceptability(evaluation, args.draws))
    whole = median_time(lambda: robustness(evaluation, args.draws), repeat=3)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(linear.rows)} ranked of {args.bids} bids, {args.draws:,} draws; median of 7")
    print(f"  the totals matrix product alone: {1000 * product:.1f} ms")
    print(f"  rank acceptability (draws, product, ranks, shares): {1000 * acceptability:.1f} ms "
          f"({acceptability / product:.0f}× the product)")
    print(f"  whole analysis (stability, acceptability, what-ifs, reversal): {1000 * whole:.1f} ms")


if __name__ == "__main__":
    main()
