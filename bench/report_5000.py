"""Benchmark: `evaluate` with the default outputs (results.json, results.xlsx, robustness.json, report.pdf,
summary.pdf) on 5,000 bids × 48 criteria, the sample tender (full report sections for the first 25 bids,
one line each for the others). Targets: under 240 s and under 2 GiB for the whole process tree.

Each run is one `python -m evaluator evaluate` in a process of its own (storing included, into a throwaway
store); that process reports its own peak RSS and its render child's (getrusage), and a thread samples the
RSS of the process and its children together every 0.1 s. A second run without the PDFs shows what the
report adds. Run: python3 bench/report_5000.py [--bids 5000]
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

from evaluate_10k import write_bids  # noqa: E402

MEASURE = """
import os, resource, sys, threading, time
from pathlib import Path

def rss(pid):
    try:
        return int(Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()[0])
    except (OSError, IndexError):
        return 0

def children():
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(os.getpid()):
                found.append(int(entry.name))
        except (OSError, IndexError):
            pass
    return found

peak, done = [0], threading.Event()
def sample():
    while not done.wait(0.1):
        peak[0] = max(peak[0], rss(os.getpid()) + sum(rss(child) for child in children()))
threading.Thread(target=sample, daemon=True).start()
sys.argv = ["python -m evaluator", *sys.argv[1:]]
start = time.perf_counter()
from evaluator.__main__ import main
code = main(sys.argv[1:])
wall = time.perf_counter() - start
done.set()
own, child = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, own.ru_maxrss, child.ru_maxrss, child.ru_utime + child.ru_stime, peak[0], file=sys.stderr)
"""


def measure(arguments: list[str], store: Path) -> dict:
    process = subprocess.run([sys.executable, "-c", MEASURE, *arguments], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "EVALUATOR_DATA": str(store), "PYTHONPATH": str(ROOT)})
    figures = process.stderr.strip().splitlines()[-1].split()
    code, wall, parent, child, child_cpu, tree = figures
    if int(code) != 0:
        sys.exit(f"evaluate failed (exit {code}):\n{process.stderr}")
    return {"wall": float(wall), "parent": int(parent) / 1024, "child": int(child) / 1024,
            "child_cpu": float(child_cpu), "tree": int(tree) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_bids(folder / "bids.csv", args.bids, "realistic")

        def evaluate(out: str, *formats: str) -> list[str]:
            return ["evaluate", "--framework", "frameworks/eu-csf-2026.yaml", "--tender", "samples/tender.yaml",
                    *formats, "--evaluated-at", "2026-11-26T09:00:00Z", "--out", str(folder / out),
                    str(folder / "bids.csv")]
        full = measure(evaluate("full"), folder / "store-full")
        data = measure(evaluate("data", "--formats", "json,xlsx,robustness"), folder / "store-data")
        info = subprocess.run(["pdfinfo", str(folder / "full" / "report.pdf")], capture_output=True, text=True).stdout
        pages = info.split("Pages:")[1].split()[0] if "Pages:" in info else "?"
        size = (folder / "full" / "report.pdf").stat().st_size / 2**20
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"evaluate, {args.bids:,} bids × 48 criteria, default outputs: {full['wall']:.1f} s whole process "
          f"(target < 240 s)")
    print(f"  peak RSS: parent {full['parent']:.0f} MiB, render child {full['child']:.0f} MiB, sum "
          f"{full['parent'] + full['child']:.0f} MiB; process tree sampled every 0.1 s {full['tree']:.0f} MiB "
          f"(target < 2 GiB)")
    print(f"  report.pdf: {pages} pages, {size:.1f} MiB; render child CPU {full['child_cpu']:.1f} s")
    print(f"without the PDFs (json,xlsx,robustness): {data['wall']:.1f} s, parent peak RSS {data['parent']:.0f} MiB; "
          f"the PDFs add {full['wall'] - data['wall']:.1f} s")


if __name__ == "__main__":
    main()
