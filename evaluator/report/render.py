"""WeasyPrint in a child process, with a time limit and an address-space limit.

A pathological document (or a bug in a layout engine) can then neither hang the app nor exhaust the
machine: the child is killed and the caller gets a ReportError. The child fetches nothing but the bundled
stylesheet; any other URL in a document is refused. Run as `python -m evaluator.report.render`: it reads a
JSON list of HTML documents on stdin and writes each PDF, preceded by its length, on stdout.
"""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
BUNDLED = {"asset:report.css": ("report.css", "text/css")}
TIME_LIMIT_S = 300
MEMORY_LIMIT_BYTES = 3 * 2**30  # address space: fonts are memory-mapped, so this is far above the peak RSS


class ReportError(Exception):
    """The report could not be rendered; the message says why."""


def bundled_asset(url: str) -> tuple[bytes, str]:
    """The bytes and type of a bundled asset; any other URL (file://, http, data:, …) is refused."""
    if url in BUNDLED:
        name, mime = BUNDLED[url]
        return (TEMPLATES / name).read_bytes(), mime
    raise ValueError(f"the report may only use bundled assets, not {url[:80]!r}")


class RenderWorker:
    """The child process, started early so that it imports WeasyPrint while the parent reads and scores
    the bids; `render` then hands it the documents and waits at most `time_limit` seconds."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT_BYTES):
        def limit_memory():
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen([sys.executable, "-m", "evaluator.report.render"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_memory,
                                        env={**os.environ, "PYTHONPATH": path})

    def render(self, documents: list[str], time_limit: float = TIME_LIMIT_S) -> list[bytes]:
        try:
            output, errors = self.process.communicate(json.dumps(documents).encode(), timeout=time_limit)
        except subprocess.TimeoutExpired:
            self.close()
            raise ReportError(f"rendering took longer than {time_limit:g} s and was stopped") from None
        if self.process.returncode != 0:
            last = (errors.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise ReportError(f"rendering failed ({last[:300]})")
        return _split(output, len(documents))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def render_pdfs(documents: list[str], time_limit: float = TIME_LIMIT_S,
                memory_limit: int = MEMORY_LIMIT_BYTES) -> list[bytes]:
    worker = RenderWorker(memory_limit)
    try:
        return worker.render(documents, time_limit)
    finally:
        worker.close()


def _split(output: bytes, count: int) -> list[bytes]:
    pdfs, offset = [], 0
    for _ in range(count):
        size = int.from_bytes(output[offset:offset + 8], "big")
        pdfs.append(output[offset + 8:offset + 8 + size])
        offset += 8 + size
    return pdfs


def _main() -> None:
    from weasyprint import HTML  # imported in the child only: the parent never loads the layout engine
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    documents = json.loads(sys.stdin.buffer.read())  # arrives once the parent has evaluated the bids

    class BundledOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime = bundled_asset(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    out = sys.stdout.buffer
    for document in documents:
        pdf = HTML(string=document, base_url="asset:", url_fetcher=BundledOnly()).write_pdf(
            pdf_identifier=b"sovereignty-report", uncompressed_pdf=False)
        out.write(len(pdf).to_bytes(8, "big") + pdf)
    out.flush()


if __name__ == "__main__":
    _main()
