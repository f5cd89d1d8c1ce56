"""One evaluation from files to output bytes: the path the CLI (and later the app) shares."""

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import ConfigurationError
from evaluator.ingest.files import read_bids
from evaluator.ingest.responses import ReadOptions
from evaluator.ingest.template import render_template
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import load_framework
from evaluator.model.tender import Overrides, load_tender, resolve_settings
from evaluator.report.results_json import render_results_json, results_document
from evaluator.report.results_xlsx import render_results_xlsx
from evaluator.scoring import evaluate

RENDERERS = {"json": ("results.json", render_results_json), "xlsx": ("results.xlsx", render_results_xlsx)}
SUPPORTED_FORMATS = tuple(RENDERERS)
SUBMISSIONS = "submissions"


@dataclass(frozen=True)
class Outcome:
    evaluation: Evaluation
    document: dict
    files: dict[str, bytes]  # output file name -> bytes
    submissions: dict[str, bytes]  # SHA-256 -> the bytes of every submitted file, rejected ones included


@contextmanager
def cyclic_gc_paused():
    """An evaluation allocates hundreds of thousands of small containers and frees them by reference
    counting; the cyclic collector would rescan them again and again (half the time at 10,000 bids)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_evaluation(framework_path: str, tender_path: str | None, overrides: Overrides, inputs: list[str],
                   formats: tuple[str, ...] = SUPPORTED_FORMATS) -> Outcome:
    """Load, read, evaluate and render; raises ConfigurationError before reading any bid."""
    with cyclic_gc_paused():
        return _run(framework_path, tender_path, overrides, inputs, formats)


def _run(framework_path, tender_path, overrides, inputs, formats) -> Outcome:
    unknown = [name for name in formats if name not in RENDERERS]
    if unknown:
        raise ConfigurationError("--formats", f"unknown format {', '.join(unknown)} "
                                              f"(supported: {', '.join(SUPPORTED_FORMATS)})")
    framework, framework_sha = load_framework(framework_path)
    tender, tender_sha = load_tender(tender_path) if tender_path else (None, None)
    settings = resolve_settings(framework, tender, overrides, tender_where=str(tender_path))
    submissions: dict[str, bytes] = {}
    options = ReadOptions(formulas=settings.tender.formulas)
    bids = read_bids(inputs, framework, options, keep=submissions.setdefault)
    evaluation = evaluate(framework, settings, bids)
    document = results_document(evaluation, framework_sha, tender_sha)
    files = {RENDERERS[name][0]: RENDERERS[name][1](document) for name in formats}
    return Outcome(evaluation, document, files, submissions)


def make_template(framework_path: str, tender_path: str | None) -> bytes:
    framework, framework_sha = load_framework(framework_path)
    tender, tender_sha = load_tender(tender_path) if tender_path else (None, None)
    settings = resolve_settings(framework, tender, tender_where=str(tender_path))
    return render_template(framework, framework_sha, settings, tender_sha)


def write_file(path: Path, content: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, content, replace=True)
    except OSError as error:
        raise ConfigurationError(str(path), f"cannot write the file ({error.strerror or error})") from None


def write_outputs(outcome: Outcome, out: str) -> None:
    """Keep every submitted file as `submissions/<sha256>` (content-addressed, never overwritten), then
    write each output to a temporary name and rename it: a reader never sees half a file."""
    folder = Path(out)
    try:
        (folder / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
        for sha256, content in sorted(outcome.submissions.items()):
            _write_atomically(folder / SUBMISSIONS / sha256, content, replace=False)
        for name, content in sorted(outcome.files.items()):
            _write_atomically(folder / name, content, replace=True)
    except OSError as error:
        raise ConfigurationError(out, f"cannot write the results ({error.strerror or error})") from None


def _write_atomically(path: Path, content: bytes, replace: bool) -> None:
    if path.exists() and not replace:
        return
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
