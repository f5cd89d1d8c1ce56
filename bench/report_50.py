"""Benchmark: the PDF report for 50 bids × 48 criteria (target ≤ 15 s, peak memory ≤ 600 MB), the
one-page summary (target < 1.5 s including imports), and every default output with a letter to each bidder
(target < 8 s), each as a whole `python -m evaluator evaluate` process; and the report in Chinese (issue 18: within
25 % of the English one in time and size). Baseline, measured in the same run: raw WeasyPrint on a naive
table-dense document, per page.
Run: python3 bench/report_50.py [--bids 50]
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from evaluate_10k import bench_env, write_bids  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
NAIVE = """
import time
from weasyprint import HTML
rows = "".join(f"<tr>{''.join(f'<td>cell {r}.{c} with some words</td>' for c in range(8))}</tr>" for r in range(1000))
start = time.perf_counter()
pdf = HTML(string=f"<table>{rows}</table>").render()
pdf.write_pdf()
print(time.perf_counter() - start, len(pdf.pages))
"""


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of a command and every process it starts."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=env).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_bids(folder / "bids.csv", args.bids, "realistic")

        def evaluate(formats: str, *options: str, out: str = "") -> list[str]:
            return [sys.executable, "-m", "evaluator", "evaluate", "--framework", "frameworks/eu-csf-2026.yaml",
                    "--tender", "samples/tender.yaml", "--formats", formats, "--evaluated-at",
                    "2026-11-26T09:00:00Z", "--out", str(folder / (out or formats)), *options, str(folder / "bids.csv")]
        env = bench_env(folder)
        measure(evaluate("summary"), env)  # warm the font cache and the bytecode
        summary_s, summary_mib = measure(evaluate("summary"), env)
        report_s, report_mib = measure(evaluate("pdf"), env)
        measure(evaluate("pdf", "--language", "zh-CN", out="zh"), env)  # the CJK font's cache
        chinese_s, chinese_mib = measure(evaluate("pdf", "--language", "zh-CN", out="zh"), env)
        sizes = [(folder / name / "report.pdf").stat().st_size for name in ("pdf", "zh")]
        everything = ",".join(("json", "xlsx", "robustness", "pdf", "summary"))
        letters_s, letters_mib = measure(evaluate(everything, "--letters"), env)
        pages = subprocess.run(["pdfinfo", str(folder / "pdf" / "report.pdf")], capture_output=True,
                               text=True).stdout.split("Pages:")[1].split()[0]
        naive = subprocess.run([sys.executable, "-c", NAIVE], capture_output=True, text=True, check=True).stdout
        naive_s, naive_pages = float(naive.split()[0]), int(naive.split()[1])
    per_page, naive_per_page = report_s / int(pages), naive_s / naive_pages
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"report, {args.bids} bids × 48 criteria: {report_s:.2f} s whole process, {pages} pages, "
          f"peak RSS {report_mib:.0f} MiB (targets ≤ 15 s, ≤ 600 MB)")
    print(f"report in Chinese (--language zh-CN): {chinese_s:.2f} s, {chinese_s / report_s:.2f}× the English "
          f"time; {sizes[1] / 1024:.0f} KiB, {sizes[1] / sizes[0]:.2f}× the English size ({sizes[0] / 1024:.0f} KiB); "
          f"peak RSS {chinese_mib:.0f} MiB (targets ≤ 1.25× in time and size)")
    print(f"one-page summary: {summary_s:.2f} s whole process, peak RSS {summary_mib:.0f} MiB (target < 1.5 s)")
    print(f"default outputs with a letter to every bidder ({args.bids} letters): {letters_s:.2f} s whole process, "
          f"peak RSS {letters_mib:.0f} MiB of the largest process (target < 8 s)")
    print(f"baseline, raw WeasyPrint on a naive 8-column table: {naive_per_page:.3f} s a page ({naive_pages} pages)")
    print(f"report per page (evaluation and process start included): {per_page:.3f} s, "
          f"{per_page / naive_per_page:.2f}× the baseline's")


if __name__ == "__main__":
    main()
