"""WeasyPrint in a child process, with a time limit and an address-space limit.

A pathological document (or a bug in a layout engine) can then neither hang the app nor exhaust the
machine: the child is killed and the caller gets a ReportError. The child fetches nothing but the bundled
stylesheet; any other URL in a document is refused. Run as `python -m evaluator.report.render`: it reads a
JSON list of HTML documents on stdin and writes each PDF, preceded by its length, on stdout.

The child never outlives its parent: on Linux the kernel kills it when the parent dies (PR_SET_PDEATHSIG),
and anywhere it exits within 20 ms of being handed to another parent; before the documents arrive, a closed
stdin (the parent gone, or the worker closed unused) ends it quietly. Short of memory, it stops a little
before its address-space limit and says so (exit status OUT_OF_MEMORY), instead of failing inside whichever
native library asked first ("lost sys.stderr", a segmentation fault, a trap).
"""

import contextlib
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, cast

from evaluator.errors import ReportError
from evaluator.report.fonts import FACES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
BUNDLED = {"asset:report.css": ("report.css", "text/css"),  # and the cut-down CJK faces (report/fonts.py)
           **{f"asset:fonts/{name}": (f"fonts/{name}", "font/otf") for name in FACES}}
TIME_LIMIT_S = 300
BEAT_S = 2  # with a progress callback: told at least this often while a long document renders
MEMORY_LIMIT_BYTES = 3 * 2**30  # address space: fonts are memory-mapped, so this is far above the peak RSS
SHARE_FLOOR = 0.2  # of the documents' HTML: the least a second rendering process takes on (RenderWorker.render)
# A document's rendering time, in bytes of HTML (about 20 µs each): its length plus PER_DOCUMENT for what every
# document costs (the stylesheets' cascade, the fonts, the PDF's structure); a second child starts SIBLING_START
# behind, the time it takes to import WeasyPrint (0.7 s)
PER_DOCUMENT = 1_500
SIBLING_START = 40_000
OUT_OF_MEMORY = 75  # the child's exit status when it ran out of memory (and said so on stderr)
PR_SET_PDEATHSIG = 1


def bundled_asset(url: str) -> tuple[bytes, str]:
    """The bytes and type of a bundled asset; any other URL (file://, http, data:, …) is refused."""
    if url in BUNDLED:
        name, mime = BUNDLED[url]
        return (TEMPLATES / name).read_bytes(), mime
    raise ValueError(f"the report may only use bundled assets, not {url[:80]!r}")


def _prctl():
    """libc's prctl, looked up in the parent: the forked child must not load libraries before exec."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return function


PRCTL = _prctl()


def _size(limit: int) -> str:
    return f"{limit / 2**30:g} GiB" if limit >= 2**30 else f"{limit / 2**20:g} MiB"


class RenderWorker:
    """The child process, started early so that it imports WeasyPrint while the parent reads and scores
    the bids; `render` then hands it the documents and waits at most `time_limit` seconds. Limits left out
    are this module's TIME_LIMIT_S and MEMORY_LIMIT_BYTES. Start and use a worker in the same thread: on
    Linux the child is killed when the thread that started it ends."""

    def __init__(self, memory_limit: int | None = None, progress: Callable[[int, int], None] | None = None):
        self.memory_limit = memory_limit or MEMORY_LIMIT_BYTES
        self.progress = progress  # told (done, total) as each PDF arrives, and every BEAT_S seconds meanwhile
        parent = os.getpid()

        def in_child():  # after fork, before exec: plain system calls only
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_limit, self.memory_limit))
            if PRCTL is not None:
                PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # sent when the forking thread ends
                if os.getppid() != parent:  # the parent died before the request took effect
                    os._exit(1)

        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen([sys.executable, "-m", "evaluator.report.render"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=in_child,
                                        env={**os.environ, "PYTHONPATH": path})

    def render(self, documents: list[str], time_limit: float | None = None) -> list[bytes]:
        """The PDFs, in the documents' order. When there are two cores, no progress to tell, and the documents
        split into two shares of at least SHARE_FLOOR of the work each (letters beside the report), a second
        child renders one share meanwhile; otherwise this worker renders them all."""
        shares = _shares(documents) if self.progress is None else None  # progress is told by one worker
        if shares is None:
            return self._render_alone(documents, time_limit)
        mine, theirs = shares
        sibling = RenderWorker(self.memory_limit)  # started in this thread, which outlives it (see the class)
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            second = pool.submit(sibling._render_alone, [documents[i] for i in theirs], time_limit)
            pdfs = dict(zip(mine, self._render_alone([documents[i] for i in mine], time_limit), strict=True))
            pdfs.update(zip(theirs, second.result(), strict=True))
        finally:
            sibling.close()  # at once when this worker failed: the sibling's work is then lost anyway
            pool.shutdown()
        return [pdfs[i] for i in range(len(documents))]

    def _render_alone(self, documents: list[str], time_limit: float | None = None) -> list[bytes]:
        """Send every document, then read the PDFs as the child writes them (each preceded by its length)."""
        time_limit, total = time_limit or TIME_LIMIT_S, len(documents)
        process, pdfs, errors = self.process, list[bytes](), list[bytes]()
        stdin, stdout, stderr = cast("tuple[IO[bytes], IO[bytes], IO[bytes]]",
                                     (process.stdin, process.stdout, process.stderr))  # all three are pipes

        def send() -> None:
            with contextlib.suppress(BrokenPipeError, ValueError):
                stdin.write(json.dumps(documents).encode())
                stdin.close()

        def receive() -> None:
            while len(pdfs) < total:
                head = stdout.read(8)
                size = int.from_bytes(head, "big") if len(head) == 8 else -1
                pdf = stdout.read(size) if size >= 0 else b""
                if size < 0 or len(pdf) < size:
                    return
                pdfs.append(pdf)

        threads = [threading.Thread(target=send, daemon=True), threading.Thread(target=receive, daemon=True),
                   threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)]
        for thread in threads:
            thread.start()
        self._tell(0, total)
        deadline = time.monotonic() + time_limit
        told, beat = 0, time.monotonic()
        while True:
            try:
                process.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    self.close()
                    raise ReportError(f"rendering took longer than {time_limit:g} s and was stopped") from None
                if len(pdfs) != told or time.monotonic() - beat >= BEAT_S:  # a document, or a heartbeat
                    told, beat = len(pdfs), time.monotonic()
                    self._tell(told, total)
        for thread in threads:
            thread.join()
        if process.returncode != 0:
            raise ReportError(self._failure(process.returncode, b"".join(errors).decode(errors="replace")))
        if len(pdfs) != total:
            raise ReportError(f"rendering failed (the rendering process gave {len(pdfs)} of {total} documents)")
        self._tell(total, total)
        return pdfs

    def _tell(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _failure(self, status: int, errors: str) -> str:
        last = (errors.strip().splitlines() or ["no message"])[-1][:300]
        if status == OUT_OF_MEMORY or "MemoryError" in last or last == "lost sys.stderr":
            return (f"rendering failed: it needed more memory than its limit of {_size(self.memory_limit)} "
                    f"and was stopped")
        if status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            return f"rendering failed: the rendering process was killed by {name}"
        return f"rendering failed ({last})"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()


def render_pdfs(documents: list[str], time_limit: float | None = None,
                memory_limit: int | None = None) -> list[bytes]:
    worker = RenderWorker(memory_limit)
    try:
        return worker.render(documents, time_limit)
    finally:
        worker.close()


def _shares(documents: list[str]) -> tuple[list[int], list[int]] | None:
    """Two lists of document positions, this worker's and a second child's, whose rendering times (see
    PER_DOCUMENT) are as even as the largest-first greedy split makes them, the second child starting
    SIBLING_START behind; None when there is one core, or when the second share would be under SHARE_FLOOR of
    the whole (a second process would cost more than it saves)."""
    if len(os.sched_getaffinity(0)) < 2 or len(documents) < 2:
        return None
    work = [len(document) + PER_DOCUMENT for document in documents]
    shares: tuple[list[int], list[int]] = ([], [])
    sizes = [0, SIBLING_START]
    for position in sorted(range(len(documents)), key=lambda i: -work[i]):
        lighter = sizes.index(min(sizes))
        shares[lighter].append(position)
        sizes[lighter] += work[position]
    if sizes[1] - SIBLING_START < SHARE_FLOOR * sum(work):
        return None
    return sorted(shares[0]), sorted(shares[1])


def _watch(parent: int) -> None:
    """Every 20 ms: exit once the child has been handed to another parent (where the kernel cannot kill it
    with its parent), and stop with a clear message shortly before the address-space limit, where the
    native libraries would fail each in its own way (a crash, a trap, an error without an exception)."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    threshold = limit - max(32 * 2**20, limit // 32) if limit != resource.RLIM_INFINITY else None
    page, statm, tick = os.sysconf("SC_PAGE_SIZE"), Path("/proc/self/statm"), threading.Event()
    while os.getppid() == parent:
        try:
            if threshold is not None and int(statm.read_bytes().split()[0]) * page > threshold:
                _out_of_memory()
        except (OSError, ValueError, IndexError):
            threshold = None  # no /proc: the limit itself still holds
        tick.wait(0.02)
    os._exit(1)


def _out_of_memory() -> None:
    os.write(2, b"MemoryError: the renderer ran out of memory\n")
    os._exit(OUT_OF_MEMORY)


def _main() -> None:
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True).start()
    reserve = bytearray(8 * 2**20)  # given back on MemoryError, so that saying so cannot fail as well
    try:
        _render_documents()
    except MemoryError:
        del reserve
        _out_of_memory()


def _render_documents() -> None:
    from weasyprint import HTML  # imported in the child only: the parent never loads the layout engine
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    received = sys.stdin.buffer.read()  # arrives once the parent has evaluated the bids
    if not received:
        return  # stdin closed without documents: the parent is gone or did not need the worker
    documents = json.loads(received)
    del received

    class BundledOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime = bundled_asset(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    out = sys.stdout.buffer
    for index, document in enumerate(documents):
        documents[index] = None  # the HTML of a rendered document is not needed any more
        pdf = HTML(string=document, base_url="asset:", url_fetcher=BundledOnly()).write_pdf(
            pdf_identifier=b"sovereignty-report", uncompressed_pdf=False)
        del document
        out.write(len(pdf).to_bytes(8, "big") + pdf)
    out.flush()


if __name__ == "__main__":
    _main()
