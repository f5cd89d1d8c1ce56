"""Benchmark: the marginal cost of a bid workbook (the time for 1,000 minus the time for 200, divided by 800),
as a ratio to that of a bare python-calamine read of all sheets of the same files in the same run (target
≤ 2×), and the time to generate the vendor template.

The evaluator's read includes what the bare read skips: SHA-256 of every file, the zip-directory and XML
safety checks, formula detection, and validating every answer. Both run in this process, after a warm-up.
Run: python3 bench/ingest_workbooks.py [--files 1000] [--repeat 5]
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
import openpyxl
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluator.ingest.files import read_bids  # noqa: E402
from evaluator.ingest.template import answer_options  # noqa: E402
from evaluator.loading import load_framework  # noqa: E402
from evaluator.pipeline import make_template  # noqa: E402

FRAMEWORK = ROOT / "frameworks" / "eu-csf-2026.yaml"
TENDER = ROOT / "samples" / "tender.yaml"


def write_workbooks(folder: Path, count: int, seed: int = 20261126) -> None:
    """Templates filled in by a script (openpyxl), as vendors' spreadsheet programs would save them."""
    framework, _ = load_framework(FRAMEWORK)
    template = folder / "template.xlsx"
    template.write_bytes(make_template(str(FRAMEWORK), str(TENDER)))
    rng = np.random.default_rng(seed)
    book = openpyxl.load_workbook(template)
    for n in range(count):
        bid = book["Bid"]
        bid["B1"], bid["B2"], bid["B4"] = f"B-{n:04d}", f"Vendor {n}", float(rng.integers(10**6, 9 * 10**6))
        for row, criterion in enumerate(framework.criteria_in_objective_order, start=2):
            options = answer_options(framework, criterion)
            book["Responses"][f"E{row}"] = options[rng.integers(len(options))]
            book["Responses"][f"F{row}"] = f"Technical offer, annex {criterion.id}"
            book["Responses"][f"G{row}"] = "contractual"
        book.save(folder / "bids" / f"b-{n:04d}.xlsx")


def bare_calamine(paths: list[Path]) -> None:
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    framework, _ = load_framework(FRAMEWORK)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "bids").mkdir()
        write_workbooks(folder, args.files)
        paths = sorted((folder / "bids").iterdir())
        few = [str(path) for path in paths[:args.files // 5]]
        bids = read_bids([str(folder / "bids")], framework)
        assert not any(bid.invalid for bid in bids.bids), "the generated workbooks must be valid"
        bare_calamine(paths)
        times: dict[str, list[float]] = {key: [] for key in ("bare", "bare_few", "ours", "ours_few", "template")}
        for _ in range(args.repeat):
            times["bare"].append(timed(lambda: bare_calamine(paths)))
            times["bare_few"].append(timed(lambda: bare_calamine(paths[:len(few)])))
            times["ours"].append(timed(lambda: read_bids([str(folder / "bids")], framework)))
            times["ours_few"].append(timed(lambda: read_bids(few, framework)))
            times["template"].append(timed(lambda: make_template(str(FRAMEWORK), str(TENDER))))
        size = sum(p.stat().st_size for p in paths)
    median = {key: statistics.median(values) for key, values in times.items()}
    extra = args.files - len(few)
    bare_ms, ours_ms = (1000 * (median[key] - median[f"{key}_few"]) / extra for key in ("bare", "ours"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"median of {args.repeat} runs")
    print(f"{args.files:,} bid workbooks (48 answers each, {size / 2**20:.1f} MiB in all); the marginal cost is "
          f"(time for {args.files:,} - time for {len(few):,}) / {extra:,}")
    print(f"  bare python-calamine read of all sheets: {median['bare']:.3f} s for {args.files:,}, "
          f"{median['bare_few']:.3f} s for {len(few):,}: {bare_ms:.3f} ms a further file")
    print(f"  evaluator read_bids (checks + validation): {median['ours']:.3f} s for {args.files:,}, "
          f"{median['ours_few']:.3f} s for {len(few):,}: {ours_ms:.3f} ms a further file")
    print(f"  ratio of the marginal costs: {ours_ms / bare_ms:.2f}×  (target ≤ 2×)")
    print(f"template generation (eu-csf-2026, sample tender): {1000 * median['template']:.1f} ms")


if __name__ == "__main__":
    main()
