"""Benchmark: `evaluate --formats json` on 10,000 bids × 48 criteria (a 480,000-row long CSV).

Reported as a ratio to a bare `pandas.read_csv` of the same file, measured in the same run, both as whole
processes (interpreter start and imports included) and as the in-process read alone.
Run: python3 bench/evaluate_10k.py [--bids 10000] [--repeat 5]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = ROOT / "frameworks" / "eu-csf-2026.yaml"
sys.path.insert(0, str(ROOT))

from evaluator.loading import load_framework  # noqa: E402


def write_bids(path: Path, bids: int, profile: str, seed: int = 20261126) -> None:
    """Seeded answers. `realistic`: each vendor aims at a level and answers at or above it, with a few
    slips (about one bid in five falls below SEAL-2 somewhere); `uniform`: every answer equally likely,
    so nearly every bid is excluded with several reasons (the costliest case for the outputs).
    Every fifth bid leaves one criterion blank."""
    framework, _ = load_framework(FRAMEWORK)
    criteria = framework.criteria_in_objective_order
    rng = np.random.default_rng(seed)
    if profile == "uniform":
        ranks = np.column_stack([rng.integers(1, len(c.answers) + 1, bids) for c in criteria])
    else:
        target = rng.choice([2, 3, 4], bids, p=[0.5, 0.35, 0.15])
        ranks = np.column_stack([_at_or_above(c, target, rng) for c in criteria])
        slips = rng.random(ranks.shape) < 0.005
        ranks[slips] = 1
    answers = ranks.astype(object)
    answers[::5, 3] = ""
    ids = np.array([f"B-{i:05d}" for i in range(bids)], dtype=object)
    frame = pd.DataFrame({
        "bid_id": np.repeat(ids, len(criteria)),
        "vendor": np.repeat(np.array([f"Vendor {i % 997}" for i in range(bids)], dtype=object), len(criteria)),
        "criterion_id": np.tile(np.array([c.id for c in criteria], dtype=object), bids),
        "answer": answers.ravel(),
        "price": np.repeat(rng.integers(1_000_000, 9_000_000, bids), len(criteria)),
    })
    frame.to_csv(path, index=False)


def _at_or_above(criterion, target: np.ndarray, rng) -> np.ndarray:
    """For each bid, a random answer whose level reaches its target (the best answer if none does)."""
    levels = np.array([a.level for a in criterion.answers])
    first_ok = np.array([np.argmax(levels >= t) if (levels >= t).any() else len(levels) - 1 for t in range(5)])
    low = first_ok[target] + 1
    return rng.integers(low, len(levels) + 1)


def sample_request(bids_csv: Path, **fields):
    """The sample tender's evaluation of a generated bids file, results.json only (for in-process benchmarks)."""
    from evaluator.pipeline import Request

    return Request(framework=str(FRAMEWORK), tender=str(ROOT / "samples" / "tender.yaml"), inputs=(str(bids_csv),),
                   formats=("json",), **fields)


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def bench_env(folder: Path) -> dict[str, str]:
    """Both processes run with their bytecode cached (in `folder`), as an installed program's is, even where
    PYTHONDONTWRITEBYTECODE is set (it is on the project's machine): otherwise the evaluator's own modules
    would be compiled anew in every run while pandas' were compiled at installation. The evaluator stores
    into its default SQLite store, in `folder`."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(folder / "bytecode"), "EVALUATOR_DATA": str(folder / "data")}


def measure(bids: int, profile: str, repeat: int, folder: Path) -> dict:
    bids_csv = folder / f"bids-{profile}.csv"
    write_bids(bids_csv, bids, profile)
    read_process = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(bids_csv)!r})"]
    evaluate = [sys.executable, "-m", "evaluator", "evaluate", "--framework", str(FRAMEWORK), "--tender",
                str(ROOT / "samples" / "tender.yaml"), "--formats", "json", "--out", str(folder / "out"),
                str(bids_csv)]
    env = bench_env(folder)
    timed(read_process, env), timed(evaluate, env)  # warm the file cache and the bytecode
    in_process, whole_read, whole_evaluate = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        pd.read_csv(bids_csv)
        in_process.append(time.perf_counter() - start)
        whole_read.append(timed(read_process, env))
        whole_evaluate.append(timed(evaluate, env))
    summary = json.loads((folder / "out" / "results.json").read_bytes())["summary"]
    return {"size": bids_csv.stat().st_size, "summary": summary,
            **{name: statistics.median(times) for name, times in
               (("read_in_process", in_process), ("read_process", whole_read), ("evaluate", whole_evaluate))}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pandas {pd.__version__}; median of {args.repeat} runs, sample tender (minimum SEAL-2, price scored)")
    with tempfile.TemporaryDirectory() as folder:
        for profile in ("realistic", "uniform"):
            m = measure(args.bids, profile, args.repeat, Path(folder))
            s = m["summary"]
            print(f"\n{profile}: {args.bids:,} bids × 48 criteria = {args.bids * 48:,} rows, "
                  f"{m['size'] / 2**20:.1f} MiB; {s['ranked']:,} ranked, {s['excluded']:,} excluded")
            print(f"  pandas.read_csv in process:           {m['read_in_process']:.3f} s")
            print(f"  python -c 'pandas.read_csv(…)':       {m['read_process']:.3f} s")
            print(f"  python -m evaluator evaluate (json):  {m['evaluate']:.3f} s")
            print(f"  ratio to the read_csv process:        {m['evaluate'] / m['read_process']:.2f}×  (target ≤ 2.5×)")
            print(f"  ratio to the in-process read alone:   {m['evaluate'] / m['read_in_process']:.1f}×")


if __name__ == "__main__":
    main()
