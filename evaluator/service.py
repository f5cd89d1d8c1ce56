"""One evaluation from files to output bytes: the path the CLI (and later the app) shares."""

import gc
import hashlib
import re
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from evaluator import __version__
from evaluator.errors import ConfigurationError
from evaluator.ingest.files import located, read_bids_for
from evaluator.ingest.responses import ReadOptions
from evaluator.ingest.template import render_template
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework, load_framework
from evaluator.model.tender import Overrides, Settings, Tender, load_tender, resolve_settings
from evaluator.report import OUTPUT_FORMATS, PDF_FORMATS
from evaluator.report.pdf_report import ReportInfo, letter_htmls, report_html, summary_html
from evaluator.report.render import RenderWorker
from evaluator.report.results_json import render_results_json, results_document
from evaluator.report.results_xlsx import render_results_xlsx
from evaluator.scoring import evaluate
from evaluator.scoring.robustness import DEFAULT_CONCENTRATION, DEFAULT_DRAWS, DEFAULT_SEED, robustness

DATA_RENDERERS = {"json": ("results.json", render_results_json), "xlsx": ("results.xlsx", render_results_xlsx)}
# "robustness" (robustness.json) is computed in _run, from the evaluation itself
PDF_OUTPUTS = {"pdf": ("report.pdf", report_html), "summary": ("summary.pdf", summary_html)}
SUPPORTED_FORMATS = OUTPUT_FORMATS
SUBMISSIONS = "submissions"
LETTERS = "letters"


@dataclass(frozen=True)
class Request:
    """One evaluation as asked for: every input and setting, so it can be repeated exactly."""

    framework: str
    inputs: tuple[str, ...]
    tender: str | None = None
    overrides: Overrides = Overrides()
    formats: tuple[str, ...] = SUPPORTED_FORMATS
    letters: bool = False
    evaluated_at: str = "1970-01-01T00:00:00Z"  # shown in the PDFs; passed in, never read from a clock here
    out: str = "results"
    audit_head: str = ""  # the audit chain head when the evaluation was made, printed in the report
    draws: int = DEFAULT_DRAWS  # robustness: Monte Carlo weight draws, their concentration and seed
    concentration: float = DEFAULT_CONCENTRATION
    seed: int = DEFAULT_SEED

    @property
    def wants_robustness(self) -> bool:
        return "robustness" in self.formats or "pdf" in self.formats

    @property
    def wants_pdf(self) -> bool:
        return self.letters or any(name in PDF_FORMATS for name in self.formats)

    def command(self) -> str:
        """The command line that repeats this evaluation and reproduces its outputs byte for byte."""
        words = ["python", "-m", "evaluator", "evaluate", "--framework", self.framework]
        words += ["--tender", self.tender] if self.tender else []
        words += ["--weights", self.overrides.weight_profile] if self.overrides.weight_profile else []
        words += ["--min-level", self.overrides.minimum_level] if self.overrides.minimum_level is not None else []
        for objective, level in sorted(self.overrides.minimum_levels.items()):
            words += ["--min-level", f"{objective}={level}"]
        words += ["--unknown", self.overrides.unknown] if self.overrides.unknown else []
        words += ["--formats", ",".join(self.formats)] + (["--letters"] if self.letters else [])
        for flag, value, default in (("--draws", self.draws, DEFAULT_DRAWS), ("--seed", self.seed, DEFAULT_SEED),
                                     ("--concentration", self.concentration, DEFAULT_CONCENTRATION)):
            words += [flag, f"{value:g}"] if value != default else []
        words += ["--evaluated-at", self.evaluated_at] + (["--audit-head", self.audit_head] if self.audit_head else [])
        words += ["--out", self.out, *self.inputs]
        return shlex.join(words)


@dataclass(frozen=True)
class Outcome:
    evaluation: Evaluation
    document: dict
    files: dict[str, bytes]  # output path relative to the output folder -> bytes
    submissions: dict[str, bytes]  # SHA-256 -> the bytes of every input file: bids (rejected ones included),
    #                                framework and tender
    inputs: dict[str, str]  # input file name as given -> SHA-256


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


def run_evaluation(request: Request, worker: RenderWorker | None = None, base: Path | None = None) -> Outcome:
    """Load, read, evaluate and render; raises ConfigurationError before reading any bid. A caller may
    pass a render worker it started earlier (the CLI does, before importing pandas). With `base`, the
    request's files are read below that folder but named as in the request (reproduction)."""
    worker = worker or (RenderWorker() if request.wants_pdf else None)
    try:
        with cyclic_gc_paused():
            return _run(request, worker, base)
    finally:
        if worker is not None:
            worker.close()


def _run(request: Request, worker: RenderWorker | None, base: Path | None) -> Outcome:
    unknown = [name for name in request.formats if name not in SUPPORTED_FORMATS]
    if unknown:
        raise ConfigurationError("--formats", f"unknown format {', '.join(unknown)} "
                                              f"(supported: {', '.join(SUPPORTED_FORMATS)})")
    submissions: dict[str, bytes] = {}
    inputs: dict[str, str] = {}

    def keep(name: str, sha256: str, content: bytes) -> None:
        submissions.setdefault(sha256, content)
        inputs[name] = sha256
    framework, framework_sha = load_framework(located(request.framework, base))
    tender, tender_sha = load_tender(located(request.tender, base)) if request.tender else (None, None)
    for name, sha256 in ((request.framework, framework_sha), (request.tender, tender_sha)):
        if name:
            keep(name, sha256, located(name, base).read_bytes())
    settings = resolve_settings(framework, tender, request.overrides, tender_where=str(request.tender))
    options = ReadOptions(formulas=settings.tender.formulas)
    capability = _capability(tender, request, base, keep)
    frameworks = [framework] + ([capability.framework] if capability else [])
    bid_sets = read_bids_for(list(request.inputs), frameworks, options, keep=keep, base=base)
    side = evaluate(capability.framework, capability.settings, bid_sets[1]) if capability else None
    evaluation = evaluate(framework, settings, bid_sets[0], capability_scores(bid_sets[0], side) if side else None)
    document = results_document(evaluation, framework_sha, tender_sha,
                                capability_summary(capability, side) if capability else None)
    results_json = render_results_json(document)
    files = {DATA_RENDERERS[name][0]: results_json if name == "json" else DATA_RENDERERS[name][1](document)
             for name in request.formats if name in DATA_RENDERERS}
    analysis = robustness(evaluation, request.draws, request.concentration, request.seed) \
        if request.wants_robustness else None
    if "robustness" in request.formats:
        files["robustness.json"] = orjson.dumps(analysis, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if worker is not None:
        files.update(_pdfs(request, worker, evaluation, document, hashlib.sha256(results_json).hexdigest(), analysis))
    return Outcome(evaluation, document, files, submissions, inputs)


@dataclass(frozen=True)
class CapabilityPart:
    """In a combined tender: the capability framework and its settings."""

    framework: Framework
    sha256: str
    file: str
    settings: Settings


def capability_scores(bids, capability: Evaluation) -> np.ndarray:
    """Each main bid's capability score, matched by bid_id (NaN when it gave no valid answers)."""
    by_id = {bid.bid_id: float(capability.score[row]) for row, bid in enumerate(capability.bids.bids)
             if bid.bid_id and not bid.invalid}
    return np.array([by_id.get(bid.bid_id, np.nan) for bid in bids.bids])


def capability_summary(part: CapabilityPart, capability: Evaluation) -> dict:
    """The capability side of results.json: framework, weights, each bid's score and weighted dimensions."""
    objectives = part.framework.objective_ids
    per_bid = {bid.bid_id: {"score": float(capability.score[row]),
                            "objectives": dict(zip(objectives, capability.weighted[row].round(6).tolist()))}
               for row, bid in enumerate(capability.bids.bids) if bid.bid_id and not bid.invalid}
    invalid = [{"bid_id": bid.bid_id, "file": bid.source.file, "errors": [p.as_dict() for p in bid.errors]}
               for bid in capability.bids.bids if bid.invalid]
    return {"framework": {"id": part.framework.id, "version": part.framework.version, "sha256": part.sha256,
                          "file": part.file, "objectives": {o.id: o.name for o in part.framework.objectives}},
            "weights": part.settings.weights, "bids": per_bid, "invalid": invalid}


def _capability(tender, request: Request, base: Path | None, keep) -> CapabilityPart | None:
    if tender is None or tender.capability is None:
        return None
    framework, sha = load_framework(located(tender.capability.framework, base))
    keep(tender.capability.framework, sha, located(tender.capability.framework, base).read_bytes())
    settings = resolve_settings(framework, Tender(weight_profile=tender.capability.weight_profile),
                                tender_where=f"{request.tender} (capability)")
    return CapabilityPart(framework, sha, tender.capability.framework, settings)


def _pdfs(request: Request, worker: RenderWorker, evaluation: Evaluation, document: dict,
          results_sha256: str, analysis: dict | None) -> dict[str, bytes]:
    """Every PDF of the run, rendered together in one bounded child process."""
    info = ReportInfo(evaluated_at=request.evaluated_at, command=request.command(), results_sha256=results_sha256,
                      audit_head=request.audit_head, robustness=analysis,
                      software_version=__version__, inputs=_inputs(evaluation), framework_file=request.framework,
                      tender_file=request.tender)
    htmls = {PDF_OUTPUTS[name][0]: PDF_OUTPUTS[name][1](document, evaluation, info)
             for name in request.formats if name in PDF_OUTPUTS}
    if request.letters:
        htmls.update(_letter_names(letter_htmls(document, evaluation, info)))
    return dict(zip(htmls, worker.render(list(htmls.values()))))  # a ReportError is an internal error: exit 1


def _inputs(evaluation: Evaluation) -> tuple[tuple[str, str, int], ...]:
    counts: dict[tuple[str, str], int] = {}
    for bid in evaluation.bids.bids:
        key = (bid.source.file, bid.source.sha256)
        counts[key] = counts.get(key, 0) + 1
    return tuple((file, sha, count) for (file, sha), count in sorted(counts.items()))


def _letter_names(letters: dict[str, str]) -> dict[str, str]:
    """letters/<bid_id>.pdf with the bid_id made safe as a file name (and made unique if that collides)."""
    named = {}
    for bid_id, html in letters.items():
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", bid_id).strip("._")[:80] or "bid"
        name, n = f"{LETTERS}/{stem}.pdf", 1
        while name in named:
            n += 1
            name = f"{LETTERS}/{stem}-{n}.pdf"
        named[name] = html
    return named


def make_template(framework_path: str, tender_path: str | None) -> bytes:
    framework, framework_sha = load_framework(framework_path)
    tender, tender_sha = load_tender(tender_path) if tender_path else (None, None)
    settings = resolve_settings(framework, tender, tender_where=str(tender_path))
    return render_template(framework, framework_sha, settings, tender_sha)


def write_file(path: Path, content: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content, replace=True)
    except OSError as error:
        raise ConfigurationError(str(path), f"cannot write the file ({error.strerror or error})") from None


def write_outputs(outcome: Outcome, out: str) -> None:
    """Keep every submitted file as `submissions/<sha256>` (content-addressed, never overwritten), then
    write each output to a temporary name and rename it: a reader never sees half a file."""
    folder = Path(out)
    try:
        (folder / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
        for sha256, content in sorted(outcome.submissions.items()):
            write_atomically(folder / SUBMISSIONS / sha256, content, replace=False)
        for name, content in sorted(outcome.files.items()):
            write_atomically(folder / name, content, replace=True)
    except OSError as error:
        raise ConfigurationError(out, f"cannot write the results ({error.strerror or error})") from None


def write_atomically(path: Path, content: bytes, replace: bool) -> None:
    """Write to a temporary name, then rename; with replace=False an existing file is left as it is."""
    if path.exists() and not replace:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
