"""Benchmark: 1,000 evaluations of 50 bids stored (SQLite by default, or EVALUATOR_DATABASE_URL), then
the audit log verified. Reports the audit verification rate and the overhead of storing relative to
the same evaluations without a store, measured in the same run, each evaluation once without and once with
the store in turn (targets: under 25 % on PostgreSQL, under 15 % on SQLite).
Run: python3 bench/store_1000.py [--evaluations 1000] [--bids 50]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from evaluate_10k import sample_request, write_bids  # noqa: E402

from evaluator.application import Desk, Store, User  # noqa: E402
from evaluator.pipeline import run_evaluation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=1000)
    parser.add_argument("--bids", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bids = Path(folder) / "bids.csv"
        write_bids(bids, args.bids, "realistic")
        requests = [sample_request(bids, evaluated_at=f"2027-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z")
                   for n in range(args.evaluations)]
        url = os.environ.get("EVALUATOR_DATABASE_URL") or f"sqlite:///{folder}/evaluator.db"
        desk = Desk(Store(url), User.local())
        bare = stored = 0.0
        for request in requests:  # interleaved, so both see the same machine (and the database's background work)
            start = time.perf_counter()
            run_evaluation(request)
            middle = time.perf_counter()
            desk.evaluate(request)
            bare, stored = bare + middle - start, stored + time.perf_counter() - middle
        start = time.perf_counter()
        checked, broken, _ = desk.verify_audit()
        verify = time.perf_counter() - start
    assert broken is None
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"store {url.split(':', 1)[0]}")
    target = 15 if url.startswith("sqlite") else 25
    print(f"{args.evaluations:,} evaluations of {args.bids} bids (results.json each): {bare:.1f} s without a "
          f"store, {stored:.1f} s stored; overhead {100 * (stored - bare) / bare:.1f} % (target < {target} %)")
    print(f"audit verification: {checked:,} entries in {verify:.2f} s = {checked / verify:,.0f} entries/s")


if __name__ == "__main__":
    main()
