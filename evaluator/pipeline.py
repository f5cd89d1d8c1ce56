"""One evaluation from files to output bytes: the path the CLI (and later the app) shares."""

import dataclasses
import datetime as dt
import gc
import hashlib
import json
import re
import shlex
import stat
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from evaluator import __version__, i18n
from evaluator.errors import ConfigurationError, Problem
from evaluator.i18n import _
from evaluator.ingest.assessments import (
    ASSESSMENTS_LIMIT,
    read_assessments,
    refuse_idle_consensus,
    refuse_repeats,
    too_large,
)
from evaluator.ingest.files import StoredInputs, located, read_bids_for
from evaluator.ingest.responses import ReadOptions
from evaluator.loading import SCHEMES_FILE, load_framework, load_schemes, load_tender
from evaluator.model.bid import Bid, BidSet, SourceFile
from evaluator.model.certification import SCHEMES_NAME, Schemes
from evaluator.model.documents import parse_document
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides, Panel, Settings, Tender, resolve_settings
from evaluator.output_files import write_files
from evaluator.report import OUTPUT_FORMATS, PDF_FORMATS
from evaluator.report.render import RenderWorker, ReportError
from evaluator.report.results_json import render_results_json, results_document
from evaluator.scoring import CapabilityPart, capability_part, evaluate_combined
from evaluator.scoring.combined import CombinedEvaluation
from evaluator.scoring.review import Review, reviewed
from evaluator.scoring.robustness import DEFAULT_CONCENTRATION, DEFAULT_DRAWS, DEFAULT_SEED, robustness

if TYPE_CHECKING:
    from evaluator.report.pdf_report import ReportInfo

# The renderers of results.xlsx (XlsxWriter), the PDFs (Jinja) and the bid template are imported when first
# used: an evaluation that writes results.json alone starts about 40 ms sooner without them.
DATA_OUTPUTS = {"json": "results.json", "xlsx": "results.xlsx"}
# "robustness" (robustness.json) is computed in _run, from the evaluation itself
PDF_OUTPUTS = {"pdf": "report.pdf", "summary": "summary.pdf"}
SUPPORTED_FORMATS = OUTPUT_FORMATS
SUBMISSIONS = "submissions"
REGISTRY = "registry"  # registry entries read as bids are named registry/<provider>@<version>.json
LETTERS = "letters"
LETTER_TEMPLATE_LIMIT = 256 * 1024  # bytes: a letter template is a page of HTML, not a data file
TENDER_CHANGE_KEYS = ("reason", "by", "at")


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
    # tender cases: the tender changes made after the case was opened ({"reason", "by", "at"}), flagged in the report
    tender_changes: tuple[dict, ...] = ()
    # the evaluation panel's assessment CSV files (read and kept as inputs, like the tender)
    assessments: tuple[str, ...] = ()
    # registered assessments as bids: "provider@version" (read as registry_file_name gives, from the store or,
    # reproducing, from the stored inputs), or a provider alone (none was registered: an invalid bid)
    registry: tuple[str, ...] = ()
    as_of: str = ""  # YYYY-MM-DD: the date registry entries must be valid on
    # the language of the messages, the data outputs' human texts and the PDFs (en, zh-CN); "": the tender's
    # `language`, else English
    language: str = ""

    def __post_init__(self) -> None:
        for name in ("assessments", "registry"):  # a stored request gives lists
            object.__setattr__(self, name, tuple(getattr(self, name)))

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
        for change in self.tender_changes:
            words += ["--tender-change", json.dumps({key: change.get(key) for key in TENDER_CHANGE_KEYS},
                                                    ensure_ascii=False)]
        words += ["--assessments", *self.assessments] if self.assessments else []
        words += ["--from-registry", ",".join(self.registry)] if self.registry else []
        words += ["--as-of", self.as_of] if self.as_of else []
        words += ["--language", self.language] if self.language else []
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
    refused: tuple[str, ...] = ()  # entries that are not regular files (links, devices), refused unread
    capability: Evaluation | None = None  # a combined tender's capability side (framework, settings, bids)
    analysis: dict | None = None  # the robustness analysis, when asked for (robustness.json and the report)
    results_sha256: str = ""  # of results.json, named in the PDFs even when results.json is not written
    recorded: bool = True  # False when the store already held this evaluation (same settings and inputs)
    report_error: str | None = None  # why the PDFs could not be rendered; the data outputs stand without them
    letter_template: str | None = None  # the tender's own letter template (its source), when it has one
    language: str = i18n.SOURCE_LANGUAGE  # the language it was made in (the request's, else the tender's)


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


def registry_file_name(reference: str) -> str:
    """The input name of a registry entry version ("provider@3" -> registry/provider@3.json)."""
    return f"{REGISTRY}/{reference}.json"


def run_evaluation(request: Request, worker: RenderWorker | None = None,
                   base: StoredInputs | None = None) -> Outcome:
    """Load, read, evaluate and render, all at once (reproduction, analyses); raises ConfigurationError before
    reading any bid. A caller may pass a render worker it started earlier (the CLI does, before importing
    pandas). With `base`, the request's files are a stored evaluation's inputs, by the names they were
    recorded under (reproduction)."""
    worker = worker or (RenderWorker() if request.wants_pdf else None)
    try:
        outcome = evaluate_request(request, base)
        return render_pdfs(outcome, request, worker) if worker is not None else outcome
    finally:
        if worker is not None:
            worker.close()


def evaluate_request(request: Request, base: StoredInputs | None = None,
                     entries: Mapping[str, bytes] | None = None) -> Outcome:
    """Read and evaluate, with the data outputs (results.json, results.xlsx, robustness.json); no PDFs yet,
    so that the caller can record the evaluation before the report that names its audit entry is made.
    `entries` holds the bytes of the registry entries the request names (by registry_file_name), read from
    the store by the caller; reproducing (`base`), they are among the stored inputs."""
    with cyclic_gc_paused(), i18n.using(request.language or i18n.SOURCE_LANGUAGE):
        return _run(request, base, entries or {})  # which sets the tender's language when the request has none


def render_pdfs(outcome: Outcome, request: Request, worker: RenderWorker) -> Outcome:
    """The outcome with the request's PDFs added (the report prints `request.audit_head`). When rendering
    fails (its time limit, its memory limit, a crash), the outcome keeps its data outputs and says why in
    `report_error`: results.json and the rest are written and stored whatever happens to the PDFs."""
    try:
        with i18n.using(outcome.language):
            pdfs = _pdfs(request, worker, outcome.evaluation, outcome.document, outcome.results_sha256,
                         outcome.analysis, outcome.letter_template)
    except ReportError as error:
        return dataclasses.replace(outcome, report_error=str(error))
    return dataclasses.replace(outcome, files={**outcome.files, **pdfs})


def _run(request: Request, base: StoredInputs | None, entries: Mapping[str, bytes]) -> Outcome:
    unknown = [name for name in request.formats if name not in SUPPORTED_FORMATS]
    if unknown:
        raise ConfigurationError("--formats", _("unknown format {formats} (supported: {supported})").format(
            formats=", ".join(unknown), supported=", ".join(SUPPORTED_FORMATS)))
    submissions: dict[str, bytes] = {}
    inputs: dict[str, str] = {}
    refused: list[str] = []

    def keep(name: str, sha256: str | None, content: bytes) -> None:
        if sha256 is None:  # not a regular file: refused unread
            refused.append(name)
            return
        submissions.setdefault(sha256, content)
        inputs[name] = sha256
    framework, framework_sha = load_framework(located(request.framework, base))
    tender, tender_sha = load_tender(located(request.tender, base)) if request.tender else (None, None)
    language = request.language or (tender.language if tender else None) or i18n.SOURCE_LANGUAGE
    i18n.use(language)  # for the rest of the evaluation (evaluate_request restores the caller's language)
    framework = framework.translated(language)  # names in reasons and results.json: same ids and numbers
    for name, sha256 in ((request.framework, framework_sha), (request.tender, tender_sha)):
        if name:
            keep(name, sha256, located(name, base).read_bytes())
    letter_template = _letter_template(tender, str(request.tender), base, keep) if request.letters else None
    schemes, schemes_sha, schemes_bytes = _certification_schemes(base)
    settings = resolve_settings(framework, tender, request.overrides, tender_where=str(request.tender),
                                schemes=schemes, framework_sha256=framework_sha)
    options = ReadOptions(formulas=settings.tender.formulas, schemes=schemes, as_of=as_of_date(request.as_of))
    capability = load_capability(tender, str(request.tender), base, keep)
    frameworks = [framework] + ([capability.framework] if capability else [])
    assessment_files = [_assessment_file(name, base, keep) for name in request.assessments]
    bid_sets = read_bids_for(list(request.inputs), frameworks, options, keep=keep, base=base,
                             contents=_registry_entries(request.registry, base, entries))
    bid_sets[0] = unregistered(bid_sets[0], request.registry, request.as_of, framework)
    if schemes and (settings.schemes or any(bid.certificates for bid in bid_sets[0].bids)):
        keep(SCHEMES_NAME, schemes_sha, schemes_bytes)  # an input like the framework, when it decided anything
    combined, review = _evaluated(framework, settings, bid_sets, capability, tender.panel if tender else None,
                                  assessment_files)
    evaluation = combined.evaluation
    document = results_document(evaluation, framework_sha, tender_sha, combined.summary, review)
    results_json = render_results_json(document)
    files = {DATA_OUTPUTS[name]: results_json if name == "json" else _results_xlsx(document)
             for name in request.formats if name in DATA_OUTPUTS}
    analysis = robustness(evaluation, request.draws, request.concentration, request.seed) \
        if request.wants_robustness else None
    if "robustness" in request.formats:
        files["robustness.json"] = orjson.dumps(analysis, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    return Outcome(evaluation, document, files, submissions, inputs, tuple(refused), capability=combined.capability,
                   analysis=analysis, results_sha256=hashlib.sha256(results_json).hexdigest(),
                   letter_template=letter_template, language=language)


def as_of_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ConfigurationError("--as-of", _("{text} is not a date (YYYY-MM-DD)").format(text=repr(text))) from None


def _registry_entries(references: tuple[str, ...], base: StoredInputs | None,
                      entries: Mapping[str, bytes]) -> list[tuple[str, bytes]]:
    """(input name, bytes) of each registry entry version the request names."""
    names = [registry_file_name(reference) for reference in references if "@" in reference]
    if base is not None:
        return [(name, located(name, base).read_bytes()) for name in names]
    missing = [name for name in names if name not in entries]
    if missing:
        raise ConfigurationError("--from-registry", _("the registry holds no entry {entries}").format(
            entries=", ".join(missing)))
    return [(name, entries[name]) for name in names]


def unregistered(bids: BidSet, references: tuple[str, ...], as_of: str, framework: Framework) -> BidSet:
    """An invalid bid for each provider asked for that had no registered assessment, unless a bid with its
    bid_id was submitted: the buyer sees that the provider was asked for, and why it is not evaluated."""
    given = {bid.bid_id for bid in bids.bids}
    missing = tuple(Bid(provider, None, SourceFile(registry_file_name(provider), ""), (Problem(
        "registry", _("the registry holds no assessment of {provider} made on or before {as_of}").format(
            provider=provider, as_of=as_of)),))
        for provider in references if "@" not in provider and provider not in given)
    return BidSet.concatenate([bids, BidSet.of_rows(missing, len(framework.criteria))], len(framework.criteria)) \
        if missing else bids


def _evaluated(framework: Framework, settings: Settings, bid_sets: list[BidSet], capability: CapabilityPart | None,
               panel: Panel | None, assessment_files: list[tuple[str, str, bytes]]
               ) -> tuple[CombinedEvaluation, Review | None]:
    """The evaluation, as the panel assessed the bids when assessment files were given (read, checked against
    the panel, the framework and the bids: a ConfigurationError locates any error), else on the claims."""
    capability_bids = bid_sets[1] if capability else None
    if not assessment_files:
        return evaluate_combined(framework, settings, bid_sets[0], capability, capability_bids), \
            None if panel is None else Review(panel, ())
    assessments = tuple(a for name, _sha, content in assessment_files
                        for a in read_assessments(name, content, framework, panel, bid_sets[0]))
    refuse_repeats(assessments)
    refuse_idle_consensus(assessments, framework, bid_sets[0])
    return reviewed(framework, settings, bid_sets[0], capability, capability_bids, panel, assessments,
                    tuple((name, sha) for name, sha, _content in assessment_files))


def _assessment_file(name: str, base: StoredInputs | None, keep) -> tuple[str, str, bytes]:
    """An assessments file (name, SHA-256, bytes), kept as an input of the evaluation like the tender; one
    larger than ASSESSMENTS_LIMIT is refused unread."""
    path = located(name, base)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise ConfigurationError(name, _("the assessments file is not a regular file"))
        if status.st_size > ASSESSMENTS_LIMIT:
            raise too_large(name)
        content = path.read_bytes()
    except OSError as error:
        raise ConfigurationError(name, _("cannot read the assessments file ({reason})").format(
            reason=error.strerror or error)) from None
    sha256 = hashlib.sha256(content).hexdigest()
    keep(name, sha256, content)
    return name, sha256, content


def letter_template_name(tender_name: str, template: str) -> str:
    """The name a tender's letter template is read and recorded under: its path beside the tender file."""
    return str(Path(tender_name).parent / template)


def _letter_template(tender: Tender | None, tender_name: str, base: StoredInputs | None, keep) -> str | None:
    """The tender's own letter template, read, checked (it must compile in the sandbox) and kept as an input
    of the evaluation like the tender itself; None for the bundled letter."""
    if tender is None or tender.letter_template is None:
        return None
    name = letter_template_name(tender_name, tender.letter_template)
    content = _read_letter_template(located(name, base), name)
    source = checked_letter_template(name, content)
    keep(name, hashlib.sha256(content).hexdigest(), content)
    return source


def letter_template_beside(tender_path: str) -> bytes | None:
    """The bytes of the letter template a tender file names, read beside it; None when the tender names
    none (or cannot be read: whoever stores the tender refuses it, saying why)."""
    try:
        tender, _sha = load_tender(tender_path)
    except ConfigurationError:
        return None
    if tender.letter_template is None:
        return None
    name = letter_template_name(tender_path, tender.letter_template)
    return _read_letter_template(Path(name), name)


def _read_letter_template(path: Path, name: str) -> bytes:
    try:
        if not path.is_file():
            raise ConfigurationError(name, _("the tender's letter_template is not a file"))
        if path.stat().st_size > LETTER_TEMPLATE_LIMIT:
            raise _too_large(name)
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(name, _("cannot read the tender's letter_template ({reason})").format(
            reason=error.strerror or error)) from None


def _too_large(name: str) -> ConfigurationError:
    return ConfigurationError(name, _("the tender's letter_template is larger than {size} KiB").format(
        size=LETTER_TEMPLATE_LIMIT // 1024))


def checked_letter_template(name: str, content: bytes) -> str:
    """A letter template's source: at most LETTER_TEMPLATE_LIMIT bytes of UTF-8 that compile in the sandbox."""
    if len(content) > LETTER_TEMPLATE_LIMIT:
        raise _too_large(name)
    try:
        source = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(name, _("the tender's letter_template is not UTF-8 text")) from None
    from evaluator.report.pdf_report import check_letter_template

    problem = check_letter_template(source)
    if problem:
        raise ConfigurationError(name, problem)
    return source


def _certification_schemes(base: StoredInputs | None) -> tuple[Schemes | None, str, bytes]:
    """The certification schemes: the bundled file, or (reproducing) the stored copy when it was recorded."""
    path = SCHEMES_FILE if base is None else base.get(SCHEMES_NAME)
    if path is None:
        return None, "", b""
    content = path.read_bytes()
    return parse_document(content, Schemes, SCHEMES_NAME), hashlib.sha256(content).hexdigest(), content


def load_capability(tender: Tender | None, tender_where: str, base: StoredInputs | None = None,
                    keep=None) -> CapabilityPart | None:
    """A combined tender's capability framework, loaded (and kept, with `keep`), with its settings; the
    rule that combines it is the scoring core's (scoring.combined)."""
    if tender is None or tender.capability is None:
        return None
    framework, sha = load_framework(located(tender.capability.framework, base))
    if keep is not None:
        keep(tender.capability.framework, sha, located(tender.capability.framework, base).read_bytes())
    return capability_part(tender, framework, sha, tender_where)


def _pdfs(request: Request, worker: RenderWorker, evaluation: Evaluation, document: dict,
          results_sha256: str, analysis: dict | None, letter_template: str | None = None) -> dict[str, bytes]:
    """Every PDF of the run, rendered in bounded child processes (RenderWorker.render); letters made here are
    drafts."""
    from evaluator.report.pdf_report import letter_htmls, report_html, summary_html

    info = _report_info(request, evaluation, results_sha256, analysis, letter_template)
    page = {"pdf": report_html, "summary": summary_html}
    htmls = {PDF_OUTPUTS[name]: page[name](document, evaluation, info) for name in request.formats if name in page}
    if request.letters:
        htmls.update(_letter_names(letter_htmls(document, evaluation, info, letter_template)))
    return dict(zip(htmls, worker.render(list(htmls.values())), strict=True))  # a ReportError: see render_pdfs


def issued_letters(outcome: Outcome, request: Request, worker: RenderWorker, issued_at: str) -> dict[str, bytes]:
    """The letters of an evaluation (`outcome`, read again from its stored inputs with the tender's own
    template, `request` as stored) as issued at `issued_at`: dated then, the standstill end counted from
    that date; the same inputs and time give the same bytes. Raises ReportError when they cannot be rendered."""
    from evaluator.report.pdf_report import letter_htmls

    info = dataclasses.replace(_report_info(request, outcome.evaluation, outcome.results_sha256, outcome.analysis,
                                            outcome.letter_template), issued_at=issued_at)
    with i18n.using(outcome.language):
        htmls = _letter_names(letter_htmls(outcome.document, outcome.evaluation, info, outcome.letter_template))
    return dict(zip(htmls, worker.render(list(htmls.values())), strict=True))


def _report_info(request: Request, evaluation: Evaluation, results_sha256: str, analysis: dict | None,
                 letter_template: str | None) -> "ReportInfo":
    from evaluator.report.pdf_report import ReportInfo

    tender = evaluation.settings.tender
    return ReportInfo(evaluated_at=request.evaluated_at, command=request.command(), results_sha256=results_sha256,
                      audit_head=request.audit_head, robustness=analysis,
                      software_version=__version__, inputs=_inputs(evaluation), framework_file=request.framework,
                      tender_file=request.tender, tender_changes=request.tender_changes,
                      letter_template=(letter_template_name(request.tender, tender.letter_template),
                                       hashlib.sha256(letter_template.encode()).hexdigest())
                      if request.tender and tender.letter_template and letter_template is not None else None)


def _inputs(evaluation: Evaluation) -> tuple[tuple[str, str, int], ...]:
    counts: dict[tuple[str, str], int] = {}
    for bid in evaluation.bids.bids:
        key = (bid.source.file, bid.source.sha256)
        counts[key] = counts.get(key, 0) + 1
    return tuple((file, sha, count) for (file, sha), count in sorted(counts.items()))


def _letter_names(letters: list[tuple[dict, str]]) -> dict[str, str]:
    """One letter for every bid: letters/<bid_id>.pdf when the bid_id is a safe file name that one bid alone
    gives; otherwise (a bid_id several bids give, one that had to be changed to be a file name, or none) the
    name also carries the SHA-256 of the bid's file (or of its name, for an entry that was never read), so
    no letter ever replaces or poses as another."""
    counts: dict[str, int] = {}
    for bid, _html in letters:
        counts[bid["bid_id"] or ""] = counts.get(bid["bid_id"] or "", 0) + 1
    named = {}
    for bid, html in letters:
        bid_id = bid["bid_id"] or ""
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", bid_id).strip("._")[:80]
        if not stem or stem != bid_id or counts[bid_id] > 1:
            source = bid["source"]
            digest = source["sha256"] or hashlib.sha256(source["file"].encode()).hexdigest()
            stem = f"{stem or 'bid'}--file-{digest[:12]}"
        name, n = f"{LETTERS}/{stem}.pdf", 1
        while name in named:  # the same file holding several unnamed bids
            n += 1
            name = f"{LETTERS}/{stem}-{n}.pdf"
        named[name] = html
    return named


def make_template(framework_path: str, tender_path: str | None, language: str = "") -> bytes:
    """The vendor bid template in `language` ("": the tender's language, else English)."""
    with i18n.using(language or i18n.SOURCE_LANGUAGE):
        framework, framework_sha = load_framework(framework_path)
        tender, tender_sha = load_tender(tender_path) if tender_path else (None, None)
        i18n.use(language or (tender.language if tender else None) or i18n.SOURCE_LANGUAGE)
        schemes = load_schemes() if tender and tender.certifications else None
        settings = resolve_settings(framework, tender, tender_where=str(tender_path), schemes=schemes)
        from evaluator.ingest.template import render_template

        return render_template(framework, framework_sha, settings, tender_sha)


def evaluation_key(request: Request, outcome: Outcome) -> str:
    """The stored evaluation's id: its settings (not where the outputs go, nor the audit head its report
    prints) and the contents of every input, so the same command on changed files is a new evaluation."""
    key = {"request": request_fields(dataclasses.replace(request, out="", audit_head="")),
           "inputs": outcome.inputs, "refused": sorted(outcome.refused)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def request_fields(request: Request) -> dict:
    """The request as a dict, without `language` when it is "" (the tender's, else English): an evaluation
    stored before requests had a language keeps its id."""
    fields = dataclasses.asdict(request)
    if not fields["language"]:
        del fields["language"]
    return fields


def _results_xlsx(document: dict) -> bytes:
    from evaluator.report.results_xlsx import render_results_xlsx

    return render_results_xlsx(document)


def write_outputs(outcome: Outcome, out: str) -> None:
    """Every submitted file as `submissions/<sha256>` (content-addressed, never overwritten), and every output;
    all or none (see output_files)."""
    folder = Path(out)
    write_files(folder, {f"{SUBMISSIONS}/{sha256}": content for sha256, content in outcome.submissions.items()},
                keep_existing=True)
    write_files(folder, outcome.files)
