"""The application layer, the only way the CLI and the app act: every action checks the user's
permission here (not in the UI), goes through the store in one transaction, and leaves an entry in the
audit log. A `Desk` is what one user may do against one store.

Roles: officer (tenders, uploads, evaluations, reports), analyst (frameworks and weights; bid identities
and prices only with the `bid_identities` grant), auditor (reads everything, verifies, reproduces;
changes nothing but the audit log), admin (users and roles), evaluator (a tender case's panel members and its
chair: declare conflicts, assess the bids' claims, record consensus).
"""

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import re
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator import i18n, logs
from evaluator.errors import ConfigurationError, EvaluatorError, PermissionDenied, ReportError, UnknownEvaluation
from evaluator.i18n import N_, _
from evaluator.ingest.assessments import ASSESSMENTS_LIMIT, read_assessments, refuse_repeats, too_large
from evaluator.ingest.files import StoredInputs, read_bids_for
from evaluator.ingest.registry_bid import read_entry
from evaluator.ingest.responses import ReadOptions
from evaluator.loading import SCHEMES_FILE, load_framework, load_schemes, load_tender
from evaluator.model.assessment import CONSENSUS, INDIVIDUAL, Assessment
from evaluator.model.bid import BidSet
from evaluator.model.certification import SCHEMES_NAME, Schemes
from evaluator.model.derivation import Edit, check_derivation, derive, differences
from evaluator.model.documents import parse_document
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.registry import PROVIDER_ID, RegistryEntry
from evaluator.model.tender import Overrides, Settings, Tender, resolve_settings
from evaluator.model.times import utc_text
from evaluator.output_files import write_files
from evaluator.panel import (
    ASSESSMENTS_NAME,
    Batch,
    PanelCase,
    agreement_of,
    check_assessors,
    check_declaration,
    claims,
    progress,
    refuse_stored,
    refuse_undisputed,
    shown,
    stored_csv,
    stored_values,
    submission,
    to_do,
)
from evaluator.pipeline import (
    LETTERS,
    SUPPORTED_FORMATS,
    Outcome,
    Request,
    checked_letter_template,
    evaluate_request,
    evaluation_key,
    issued_letters,
    letter_template_name,
    registry_file_name,
    render_pdfs,
    request_fields,
    run_evaluation,
    write_outputs,
)
from evaluator.registry import canonical, entry_from_file, expiring, history, version_as_of
from evaluator.report import charts
from evaluator.report.render import RenderWorker
from evaluator.scoring import CapabilityPart, capability_part, evaluate_combined
from evaluator.scoring.effect import framework_effect
from evaluator.scoring.robustness import DEFAULT_CONCENTRATION, DEFAULT_DRAWS, DEFAULT_SEED
from evaluator.scoring.robustness import robustness as award_robustness
from evaluator.store import Store, audit, data_root, records, signing
from evaluator.store import registry as registry_store
from evaluator.store.database import database_url, reading, writing
from evaluator.survey import market_survey

ROLES = ("officer", "analyst", "auditor", "admin", "evaluator")
USER_NAME_LIMIT = 200  # the users table's name column
GRANTS = ("bid_identities",)  # an analyst with it sees bidders and prices unredacted
PERMISSIONS = {
    "upload bids": {"officer"},
    "make the vendor template": {"officer"},
    "evaluate": {"officer"},
    "save a tender version": {"officer", "analyst"},
    "read evaluations": {"officer", "auditor", "analyst"},
    "see bid identities": {"officer", "auditor"},  # others see bidders redacted (see `redacted`) unless granted
    "download outputs": {"officer", "auditor"},
    "reproduce an evaluation": {"auditor"},
    "analyse the award": {"officer", "analyst", "auditor"},
    "verify the audit log": {"auditor", "admin"},
    "manage users": {"admin"},
    "manage tender cases": {"officer"},  # create, set the tender, add and withdraw bids, open
    "approve an award": {"officer"},  # and never the officer who ran the evaluation approved (four-eyes)
    "issue letters": {"officer"},
    "read tender cases": {"officer", "auditor"},
    "export a case dossier": {"officer", "auditor"},
    "assess bids": {"evaluator"},  # panel members and the chair, named in the case's tender (`panel`)
    "manage the registry": {"officer"},  # register providers' assessments
    "read the registry": {"officer", "analyst", "auditor", "evaluator"},
    "publish a framework version": {"analyst"},  # a version derived from a base (evaluator.model.derivation)
    "read framework versions": {"officer", "analyst", "auditor"},
}
CASE_STATES = ("draft", "bids received", "opened", "evaluated", "award decided", "letters issued")
REPOSITORY = Path(__file__).resolve().parents[1]  # where the bundled frameworks are
LOCAL_USER = "local"
IDENTITY_PROVIDER = "identity provider"  # the actor of a user's first roles, seeded from the provider's claims


@dataclass(frozen=True)
class User:
    name: str
    roles: frozenset[str]
    grants: frozenset[str] = frozenset()

    @classmethod
    def local(cls) -> "User":
        """Single-user local mode (no sign-in configured): one person holds every role."""
        return cls(LOCAL_USER, frozenset(ROLES))


def signed_in_user(store: "Store", claimed: User, seed: bool = False) -> User:
    """The signed-in user as the users table holds them; `claimed` for a user it does not hold. With `seed`
    (sign-in through the identity provider), the provider's claims are stored for such a user, audited as
    "user changed" by the identity provider, so the administrator sees them and changes only what they
    change; after that the table decides."""
    with reading(store.engine) as connection:
        row = records.user_row(connection, claimed.name)
    if row is None and not seed:
        return claimed
    if row is None:
        with writing(store.engine) as connection:
            row = records.user_row(connection, claimed.name)  # another instance may have seeded them meanwhile
            if row is None:
                roles, grants = sorted(claimed.roles), sorted(claimed.grants)
                records.put_user(connection, claimed.name, roles, grants)
                audit.append(connection, utc_now(), IDENTITY_PROVIDER, "user changed",
                             {"user": claimed.name, "roles": roles, "grants": grants, "seeded": True})
                return claimed
    return User(claimed.name, frozenset(role for role in records.listed(row.roles) if role in ROLES),
                frozenset(records.listed(row.grants)))


configure_logs = logs.configure


def default_store_url() -> str:
    """The store the app and the CLI use: EVALUATOR_DATABASE_URL, else evaluator.db in the data folder."""
    return database_url(data_root())


def utc_now() -> str:
    return utc_text(dt.datetime.now(dt.UTC))


class Desk:
    """What one user may do, against one store."""

    def __init__(self, store: Store, user: User, clock=utc_now):
        self.store, self.user, self.clock = store, user, clock

    # -- access -------------------------------------------------------------------------------------
    def allowed(self, action: str) -> bool:
        return bool(self.user.roles & PERMISSIONS[action])

    def _require(self, action: str) -> None:
        if not self.allowed(action):
            self._log("permission denied", {"action": action, "roles": sorted(self.user.roles)})
            needed = " or ".join(sorted(PERMISSIONS[action]))
            raise _error(PermissionDenied, N_("{user} ({roles}) may not {action}: that needs the role {needed}"),
                         user=self.user.name, roles=", ".join(sorted(self.user.roles)) or _("no role"),
                         action=action, needed=needed)

    def _log(self, event: str, detail: dict) -> None:
        with writing(self.store.engine) as connection:
            audit.append(connection, self.clock(), self.user.name, event, detail)

    def log_request(self, page: str, milliseconds: float, outcome: str) -> None:
        """A page run in the structured logs (evaluator.logs); not audited: every rerun is one."""
        logs.request(self.user.name, page, milliseconds, outcome)

    def sign_in(self) -> None:
        self._log("sign-in", {"roles": sorted(self.user.roles), "grants": sorted(self.user.grants)})

    def language(self) -> str | None:
        """The language the user chose for the app (remembered across sessions), or None if never chosen."""
        with reading(self.store.engine) as connection:
            return records.user_language(connection, self.user.name)

    def choose_language(self, language: str) -> None:
        """Remember the user's language; a personal setting, not a procurement action: not audited."""
        with writing(self.store.engine) as connection:
            records.put_user_language(connection, self.user.name, i18n.known_language(language))

    def note_denied(self, action: str) -> None:
        """Log a refusal the caller shows itself (a page the user may not use), without raising."""
        self._log("permission denied", {"action": action, "roles": sorted(self.user.roles)})

    def sees_identities(self) -> bool:
        """Whether bidders and prices are shown unredacted: a permission of the role (officers, auditors),
        or the bid_identities grant (given to an analyst by an admin)."""
        return self.allowed("see bid identities") or "bid_identities" in self.user.grants

    # -- officer and analyst ----------------------------------------------------------------------
    def record_validation(self, files: list[dict]) -> None:
        self._require("upload bids")
        self._log("validation", {"files": files})

    def evaluate(self, request: Request, worker: RenderWorker | None = None, out: str | None = None,
                 base: StoredInputs | None = None, entries: dict[str, bytes] | None = None,
                 render: bool = True) -> tuple[Outcome, str]:
        """Evaluate and store, in this order, so the store only records what exists and the report can name
        the evaluation's own audit entry: (1) read and score, with the data outputs, (2) write them to `out`
        (when given), (3) store the inputs and data outputs with an "evaluation" entry, (4) render the PDFs,
        which print that entry as the audit head, (5) write them, (6) store them with a "report generated"
        entry; a PDF that cannot be rendered or written leaves a "report failed" entry instead. An
        evaluation with the same settings and input contents as a stored one records nothing new
        (`outcome.recorded` is False), renders its PDFs as they were, and stores them if it had none. With
        `base`, the request names its files by recorded names ({name: path}), as a tender case does; `entries`
        holds the registry entries the request names (registry_bids). Without `render`, it stops after (3): the
        PDFs are left for `render_report` (the app renders them in the background, see `start_report`), which
        makes them exactly as this would have."""
        self._require("evaluate")
        try:
            outcome = evaluate_request(request, base, entries)
            evaluation_id = evaluation_key(request, outcome)
            if out is not None:
                write_outputs(outcome, out)
            if not request.wants_pdf:
                return dataclasses.replace(outcome, recorded=self._record(outcome, request, evaluation_id)), \
                    evaluation_id
            with reading(self.store.engine) as connection:
                stored = records.evaluation_row(connection, evaluation_id)
                recorded_outputs = records.evaluation_file_hashes(connection, evaluation_id, "output") if stored \
                    else {}
                own_entry = audit.entry_of(connection, evaluation_id, "evaluation") if stored else None
            if stored is None:
                own_entry = self._record_evaluation(outcome, request, evaluation_id)
            if not render:
                return dataclasses.replace(outcome, recorded=stored is None), evaluation_id
            head = (load_request(stored.request).audit_head if stored else "") or request.audit_head or \
                (f"{own_entry[0]} {own_entry[1]}" if own_entry else "")
            outcome = self._report(dataclasses.replace(request, audit_head=head), outcome, evaluation_id,
                                   worker or RenderWorker(), out, recorded_outputs)
        finally:
            if worker is not None:
                worker.close()
        return dataclasses.replace(outcome, recorded=stored is None), evaluation_id

    def _report(self, request: Request, outcome: Outcome, evaluation_id: str, worker: RenderWorker,
                out: str | None, recorded_outputs: dict[str, str]) -> Outcome:
        """Render the PDFs, write them, and store them unless they are stored already."""
        data = outcome.files
        try:
            outcome = render_pdfs(outcome, request, worker)
        finally:
            worker.close()
        pdfs = {name: content for name, content in outcome.files.items() if name not in data}
        if outcome.report_error:
            self._log("report failed", {"evaluation": evaluation_id, "reason": outcome.report_error})
            return outcome
        try:
            if out is not None:
                write_outputs(dataclasses.replace(outcome, submissions={}, files=pdfs), out)
        except ConfigurationError as error:
            self._log("report failed", {"evaluation": evaluation_id, "reason": str(error)})
            raise ConfigurationError(error.where, _("{reason}; results.json and the other data outputs were written "
                                                    "and stored as evaluation {id}").format(
                reason=error.message, id=evaluation_id)) from None
        if not set(pdfs) <= set(recorded_outputs):
            self._record_report(outcome, request, evaluation_id, data)
        return outcome

    def _record(self, outcome: Outcome, request: Request, evaluation_id: str) -> bool:
        """A data-only evaluation: stored with both entries in one transaction, unless it is stored already
        (then False)."""
        stored_request, outputs = request_json(request), _hashes(outcome.files)
        with writing(self.store.engine) as connection:
            entry = self._put_evaluation(connection, outcome, request, evaluation_id, stored_request, outputs)
            if entry is None:
                return False
            audit.append_entries(connection, self.clock(), self.user.name,
                                 [entry, _report_entry(evaluation_id, outputs, stored_request)])
            audit.checkpoint(connection, self.store.signer)
        return True

    def _record_evaluation(self, outcome: Outcome, request: Request, evaluation_id: str) -> tuple[int, str]:
        """Store the inputs and data outputs with the "evaluation" entry; returns that entry (seq, hash), the
        stored one when another session stored the same evaluation meanwhile."""
        with writing(self.store.engine) as connection:
            entry = self._put_evaluation(connection, outcome, request, evaluation_id, request_json(request),
                                         _hashes(outcome.files))
            if entry is None:
                return audit.entry_of(connection, evaluation_id, "evaluation") or audit.head_entry(connection)
            audit.append_entries(connection, self.clock(), self.user.name, [entry])
            audit.checkpoint(connection, self.store.signer)
            return audit.head_entry(connection)

    def _record_report(self, outcome: Outcome, request: Request, evaluation_id: str, data: dict) -> None:
        """Store the PDFs (written by now) with the "report generated" entry and the head they print; nothing
        when another session stored this evaluation's PDFs meanwhile (the same inputs, at the same time)."""
        pdfs = {name: content for name, content in outcome.files.items() if name not in data}
        with writing(self.store.engine) as connection:
            if set(pdfs) <= set(records.evaluation_file_hashes(connection, evaluation_id, "output")):
                return
            stored_request = request_json(request)
            records.add_outputs(connection, evaluation_id, pdfs, stored_request)
            audit.append_entries(connection, self.clock(), self.user.name, [
                _report_entry(evaluation_id, _hashes(outcome.files), stored_request, request.audit_head)])
            audit.checkpoint(connection, self.store.signer)

    def _put_evaluation(self, connection, outcome: Outcome, request: Request, evaluation_id: str,
                        stored_request: str, outputs: dict[str, str]) -> tuple[str, dict] | None:
        """Store the evaluation's files and rows; returns its "evaluation" entry (event, detail) to append, or
        None when the store holds it already."""
        records.put_files(connection, {**outcome.submissions, **{outputs[n]: c for n, c in outcome.files.items()}})
        if not records.put_evaluation(connection, evaluation_id, request.evaluated_at, self.user.name,
                                      stored_request, outputs.get("results.json", ""), outcome.inputs, outputs,
                                      outcome.refused):
            return None
        summary = outcome.document["summary"]
        return "evaluation", {
            "evaluation": evaluation_id, "request_sha256": _sha256(stored_request), "inputs": outcome.inputs,
            **({"refused": sorted(outcome.refused)} if outcome.refused else {}), "outputs": outputs,
            **{key: summary[key] for key in ("bids", "ranked", "excluded", "invalid", "rank_1")}}

    # -- the report in the background (the app) -------------------------------------------------------
    def start_report(self, evaluation_id: str, after: float = 0.0) -> bool:
        """Render a stored evaluation's PDFs (report, summary, draft letters) in a background thread of this
        process (`render_report`), its progress kept in the store (table report_jobs, read by `report_status`),
        so any page, reload or app instance shows it. Starts nothing (False) when the PDFs are stored or not
        asked for, when this process renders them already, or when another process does (its heartbeat is
        recent); a job whose heartbeat stopped (its process is gone) is started again. The job is "running" at
        once; its rendering begins `after` seconds later (the app lets the page that shows the ranking go first)."""
        self._require("evaluate")
        key = (self.store.url, evaluation_id)
        with _RENDERING_LOCK:
            running = _RENDERING.get(key)
            if running is not None and running.is_alive():
                return False
            with writing(self.store.engine) as connection:
                if self._report_status(connection, evaluation_id)["state"] in ("done", "not asked", "running"):
                    return False
                records.put_report_job(connection, evaluation_id, state="running", done=0, total=0,
                                       started_by=self.user.name, started_at=self.clock(), beat=int(time.time()),
                                       runner=RUNNER, error=None)
            thread = threading.Thread(target=self._report_job, args=(evaluation_id, key, after), daemon=True,
                                      name=f"report-{evaluation_id}")
            _RENDERING[key] = thread
            thread.start()
        return True

    def _report_job(self, evaluation_id: str, key: tuple[str, str], after: float) -> None:
        """The background thread: wait `after` seconds, render, then record how it ended (the PDFs and their
        entry are stored by `render_report`, or a "report failed" entry)."""
        def progress(done: int, total: int) -> None:
            with writing(self.store.engine) as connection:
                records.put_report_job(connection, evaluation_id, done=done, total=total, beat=int(time.time()))
        time.sleep(after)
        try:
            try:
                outcome = self.render_report(evaluation_id, progress)
                ended = {"state": "failed", "error": outcome.report_error} if outcome.report_error else \
                    {"state": "done"}
            except Exception as error:  # noqa: BLE001 - a thread has nobody to raise to: the job says why
                logs.LOGGER.exception("rendering evaluation %s failed", evaluation_id)
                ended = {"state": "failed", "error": str(error) or type(error).__name__}
            with writing(self.store.engine) as connection:
                records.put_report_job(connection, evaluation_id, beat=int(time.time()), **ended)
        except Exception:  # the store itself failed: the heartbeat stops, so the job is shown as stopped
            logs.LOGGER.exception("recording the rendering of evaluation %s failed", evaluation_id)
        finally:
            with _RENDERING_LOCK:
                _RENDERING.pop(key, None)

    def render_report(self, evaluation_id: str, progress=None) -> Outcome:
        """Render a stored evaluation's PDFs as `evaluate` renders them, and store them with the "report
        generated" entry (a "report failed" entry when they cannot be rendered): the evaluation is read again
        from its stored inputs and request, which `evaluate` recognises as stored ("renders its PDFs as they
        were, and stores them if it had none"). `progress(done, total)` is called as documents are rendered,
        and every render.BEAT_S seconds meanwhile."""
        self._require("evaluate")
        worker = RenderWorker(progress=progress)
        try:
            with self._stored_inputs(evaluation_id) as (request, stored):
                outcome, again = self.evaluate(request, worker, base=stored)
        finally:
            worker.close()
        if again != evaluation_id:  # cannot happen while the evaluation key is reproducible
            raise ReportError(f"evaluation {evaluation_id} read again is evaluation {again}: "
                              f"python -m evaluator reproduce {evaluation_id}")
        return outcome

    def report_status(self, evaluation_id: str) -> dict:
        """Where the evaluation's PDFs are, from the store: `state` "done" (stored), "running" (with `done` of
        `total` documents rendered, `started_by`, `started_at`), "stopped" (its process is gone: no heartbeat for
        REPORT_STALE_S seconds), "failed" (with `error`), "not rendered" (never started here, or a "report
        failed" of an evaluation made elsewhere), or "not asked" (a data-only evaluation)."""
        self._require("read evaluations")
        with reading(self.store.engine) as connection:
            return self._report_status(connection, evaluation_id)

    def _report_status(self, connection, evaluation_id: str) -> dict:
        row = self._row(connection, evaluation_id)
        outputs = records.evaluation_file_hashes(connection, evaluation_id, "output")
        job = records.report_job_row(connection, evaluation_id)
        if _has_pdfs(outputs):
            return {"state": "done"}
        if not load_request(row.request).wants_pdf:
            return {"state": "not asked"}
        if job is None:
            return {"state": "not rendered"}
        state = "stopped" if job.state == "running" and not _alive(job) else job.state
        if state == "done":  # the PDFs went missing (cannot be: they are stored before the job ends)
            state = "not rendered"
        return {"state": state, "done": job.done, "total": job.total, "started_by": job.started_by,
                "started_at": job.started_at, "error": job.error}

    # -- reading ------------------------------------------------------------------------------------
    def evaluations(self) -> list[dict]:
        self._require("read evaluations")
        with reading(self.store.engine) as connection:
            return [{"id": row.id, "evaluated_at": row.evaluated_at, "created_by": row.created_by,
                     "results_sha256": row.results_sha256, "request": load_request(row.request)}
                    for row in records.evaluation_rows(connection)]

    def files_of(self, evaluation_id: str) -> dict[str, dict[str, str]]:
        self._require("read evaluations")
        with reading(self.store.engine) as connection:
            return {role: records.evaluation_file_hashes(connection, evaluation_id, role)
                    for role in ("input", "output")}

    def results(self, evaluation_id: str) -> dict:
        """The results document; for an analyst without the bid_identities grant, bidders are anonymous."""
        self._require("read evaluations")
        with reading(self.store.engine) as connection:
            document = json.loads(records.file_content(connection, self._row(connection, evaluation_id).results_sha256))
        return document if self.sees_identities() else redacted(document)

    def output(self, evaluation_id: str, name: str) -> bytes:
        """An output's bytes, without logging (the app logs when the download button is pressed)."""
        self._require("download outputs")
        with reading(self.store.engine) as connection:
            sha = records.evaluation_file_hashes(connection, evaluation_id, "output")[name]
            return records.file_content(connection, sha)

    def note_download(self, evaluation_id: str, name: str, content: bytes) -> None:
        self._require("download outputs")
        self._log("download", {"evaluation": evaluation_id, "file": name,
                               "sha256": hashlib.sha256(content).hexdigest()})

    def download(self, evaluation_id: str, name: str) -> bytes:
        content = self.output(evaluation_id, name)
        self.note_download(evaluation_id, name, content)
        return content

    def analysis_bids(self, evaluation_id: str) -> "AnalysisInputs":
        """A stored evaluation's request, tender and bids, read again from its stored inputs with every
        framework it used (a combined tender's capability answers go to the capability side), for the
        analyst's what-ifs; redacted (see `redacted_bids`) without the bid_identities grant."""
        self._require("read evaluations")
        from evaluator.ingest.files import located, read_bids_for
        from evaluator.ingest.responses import ReadOptions
        from evaluator.loading import load_framework, load_tender
        from evaluator.pipeline import load_capability

        with self._stored_inputs(evaluation_id) as (request, stored):
            framework, _sha = load_framework(located(request.framework, stored))
            tender = load_tender(located(request.tender, stored))[0] if request.tender else None
            capability = load_capability(tender, str(request.tender), stored)
            frameworks = [framework] + ([capability.framework] if capability else [])
            options = ReadOptions(formulas=tender.formulas if tender else "refuse")
            bid_sets = read_bids_for(list(request.inputs), frameworks, options, base=stored)
        bids, capability_bids = bid_sets[0], (bid_sets[1] if capability else None)
        if not self.sees_identities():
            with reading(self.store.engine) as connection:
                sha = self._row(connection, evaluation_id).results_sha256
                content = records.file_content(connection, sha) if sha else None
            names = bidder_names(json.loads(content)["bids"] if content else None, bids)
            bids = redacted_bids(bids, names)
            if capability_bids is not None:
                by_id: dict[str, str] = {}
                for bid, name in zip(bid_sets[0].bids, names, strict=True):  # the holder of the bid_id: the first valid
                    if bid.bid_id and not bid.invalid:
                        by_id.setdefault(bid.bid_id, name)
                capability_bids = redacted_bids(capability_bids, [
                    by_id.get(bid.bid_id or "", f"Unmatched capability answers {i + 1}")
                    for i, bid in enumerate(capability_bids.bids)])
        return AnalysisInputs(request, tender, bids, capability, capability_bids)

    def analyse(self, request: Request, worker: RenderWorker | None = None) -> Outcome:
        """How sure is the award: the evaluation of `request` with its robustness analysis (robustness.json);
        nothing is stored but an audit entry."""
        self._require("analyse the award")
        outcome = run_evaluation(request, worker)
        analysis = json.loads(outcome.files["robustness.json"]) if "robustness.json" in outcome.files else {}
        self._log("analysis", {"inputs": outcome.inputs, "outputs": {
            name: hashlib.sha256(content).hexdigest() for name, content in sorted(outcome.files.items())},
            "draws": request.draws, "concentration": request.concentration, "seed": request.seed,
            "bids": outcome.document["summary"]["bids"], "ranked": outcome.document["summary"]["ranked"],
            "acceptability_draws": analysis.get("acceptability", {}).get("draws")})
        return outcome

    # -- the app's workspaces -----------------------------------------------------------------------
    def vendor_template(self, framework: Framework, framework_sha256: str, settings: Settings) -> bytes:
        """The bid template (.xlsx) vendors fill in, for this framework and the tender's settings."""
        self._require("make the vendor template")
        from evaluator.ingest.template import render_template  # XlsxWriter: loaded when first needed

        return render_template(framework, framework_sha256, settings)

    def bid_detail(self, outcome: Outcome, position: int) -> dict:
        """The drill-down of the results document's bid at `position`: its level profile and weighted
        contributions (SVG) and the answers that set each objective's level, as the report shows them."""
        self._require("read evaluations")
        from evaluator.report.pdf_report import report_context_for_bid  # Jinja: loaded when first needed

        return report_context_for_bid(outcome.document, outcome.evaluation, position)

    def score_distribution(self, document: dict) -> str:
        """The distribution of the bids' Sovereignty Scores (SVG); "" when no bid has a score."""
        self._require("read evaluations")
        scores = [bid["score"] for bid in document["bids"] if bid["score"] is not None]
        return charts.score_distribution(scores) if scores else ""

    def session_bids(self, outcome: Outcome, tender: Tender) -> tuple[BidSet, CapabilityPart | None, BidSet | None]:
        """The bids of an evaluation made in this session, for the analyst's what-ifs: (bids, capability
        part, capability answers), the last two only when `tender` is still a combined tender."""
        self._require("analyse the award")
        side = outcome.capability
        if side is None or tender.capability is None:
            return outcome.evaluation.bids, None, None
        return outcome.evaluation.bids, CapabilityPart(side.framework, "", tender.capability.framework,
                                                       side.settings), side.bids

    def sample_bids(self, paths: list[str], tender: Tender, framework: Framework,
                    capability: tuple[Framework, str] | None = None
                    ) -> tuple[BidSet, CapabilityPart | None, BidSet | None]:
        """Bid files (the bundled samples) read for the analyst's what-ifs, each under the framework whose
        criteria it answers: (bids, capability part, capability answers); the last two only when `tender`
        is combined, with `capability` its capability framework and that file's SHA-256."""
        self._require("analyse the award")
        if tender.capability is None or capability is None:
            return read_bids_for(list(paths), [framework])[0], None, None
        capability_framework, sha = capability
        bid_sets = read_bids_for(list(paths), [framework, capability_framework])
        return bid_sets[0], capability_part(tender, capability_framework, sha), bid_sets[1]

    def reevaluate(self, framework: Framework, settings: Settings, bids: BidSet,
                   capability: CapabilityPart | None = None, capability_bids: BidSet | None = None) -> Evaluation:
        """Bids already read, evaluated again under `settings` (the analyst's weights and minimum levels),
        in memory: nothing is stored, and nothing logged, since the workspace does it at every change."""
        self._require("analyse the award")
        return evaluate_combined(framework, settings, bids, capability, capability_bids).evaluation

    def robustness(self, evaluation: Evaluation, draws: int = DEFAULT_DRAWS,
                   concentration: float = DEFAULT_CONCENTRATION, seed: int = DEFAULT_SEED) -> dict:
        """How sure the award of `evaluation` is (stability, acceptability, what-ifs, reversal), as
        robustness.json holds it; computed live in the analyst workspace, so not logged (`analyse` is)."""
        self._require("analyse the award")
        framework = evaluation.framework.translated(i18n.current())  # the answers it names, as the page speaks
        return award_robustness(dataclasses.replace(evaluation, framework=framework), draws, concentration, seed)

    def acceptability_chart(self, acceptability: dict) -> str:
        """The rank acceptability chart (SVG) of a robustness analysis's `acceptability["bids"]`."""
        self._require("analyse the award")
        return charts.rank_acceptability(list(acceptability), [entry["ranks"] for entry in acceptability.values()])

    # -- auditor ------------------------------------------------------------------------------------
    def reproduce(self, evaluation_id: str) -> list[tuple[str, str, str]]:
        """Run a stored evaluation again from its stored inputs: (output, recorded sha, reproduced sha)."""
        self._require("reproduce an evaluation")
        with reading(self.store.engine) as connection:
            recorded = records.evaluation_file_hashes(connection, evaluation_id, "output")
        with self._stored_inputs(evaluation_id) as (request, folder):
            again = run_evaluation(request, base=folder).files
        reproduced = {name: hashlib.sha256(content).hexdigest() for name, content in again.items()}
        rows = [(name, sha, reproduced.get(name, "missing")) for name, sha in sorted(recorded.items())]
        self._log("reproduce", {"evaluation": evaluation_id, "identical": all(a == b for _name, a, b in rows)})
        return rows

    @staticmethod
    def _row(connection, evaluation_id: str):
        row = records.evaluation_row(connection, evaluation_id)
        if row is None:
            raise _error(UnknownEvaluation, N_("no evaluation {id} in the store"), id=repr(evaluation_id))
        return row

    @contextmanager
    def _stored_inputs(self, evaluation_id: str):
        """The evaluation's request, and its stored inputs by recorded name, each written to a fresh private
        temporary folder under its SHA-256: no recorded name ever becomes a path."""
        with reading(self.store.engine) as connection:
            row = self._row(connection, evaluation_id)
            hashes = records.evaluation_file_hashes(connection, evaluation_id, "input")
            refused = records.evaluation_file_hashes(connection, evaluation_id, "refused")
            contents = {sha: records.file_content(connection, sha) for sha in set(hashes.values())}
        with tempfile.TemporaryDirectory(prefix="evaluator-reproduce-") as folder:
            for sha, content in contents.items():
                (Path(folder) / sha).write_bytes(content)
            stored = {**{name: None for name in refused}, **{name: Path(folder) / sha for name, sha in hashes.items()}}
            yield load_request(row.request), stored

    def verify_audit(self, expect=()) -> tuple[int, audit.Broken | None, str]:
        """(entries checked, first broken link or None, chain head); see audit_verification."""
        result = self.audit_verification(expect)
        return result.checked, result.broken, result.head[1]

    def audit_verification(self, expect=()) -> audit.Verification:
        """The chain recomputed, checked against the expected (seq, hash) heads and the signed checkpoints
        (signatures with EVALUATOR_AUDIT_PUBLIC_KEY, else the signing key's public half), and every stored
        evaluation cross-checked against its entries."""
        self._require("verify the audit log")
        public_keys = signing.public_keys_from_environment(self.store.signer)
        with reading(self.store.engine) as connection:
            return audit.verify_all(connection, expect, public_keys)

    def audit_head(self) -> tuple[int, str]:
        """(seq, hash) of the newest audit entry, for the auditor to keep outside the system."""
        self._require("verify the audit log")
        with reading(self.store.engine) as connection:
            return audit.head_entry(connection)

    # -- framework versions ----------------------------------------------------------------------------
    # A framework is never edited in place: an analyst derives a version from a base (model.derivation),
    # sees its effect on bids, and publishes it; officers then create cases under it. The versions table
    # holds every framework a case or a publication stored, each with its base (previous).
    def framework_effect(self, base: Framework, new: Framework, bids: BidSet, tender: Tender,
                         profile: str | None = None) -> dict:
        """The bids ranked under the base and under a derived version, side by side (scoring.effect);
        computed live in the analyst's editor, so not logged."""
        self._require("analyse the award")
        if not bids.bids:
            raise _error(ConfigurationError, N_("there are no bids to compare"), "bids")
        return framework_effect(base, new, bids, tender, profile)

    def publish_framework(self, name: str, content: bytes) -> tuple[str, bool]:
        """Store a derived framework version (a YAML file naming its base) for officers to create cases under,
        after checking it against its base (a bundled or stored version, model.derivation.check_derivation);
        returns its SHA-256 and whether it was stored now (the same file again changes nothing)."""
        self._require("publish a framework version")
        derived = parse_document(content, Framework, name)
        if derived.derived_from is None:
            raise _error(ConfigurationError, N_("it names no base version (derived_from): only a version derived "
                                                "with `framework derive` or the analyst's editor is published"), name)
        sha = _sha256_bytes(content)
        with writing(self.store.engine) as connection:
            base_bytes = _framework_version(connection, derived.derived_from.sha256)
            if base_bytes is None:
                base_of = derived.derived_from
                raise _error(ConfigurationError, N_("its base {framework} {version} (sha256 {sha256}) is neither "
                                                    "bundled nor in the store"), name, framework=base_of.id,
                             version=base_of.version, sha256=base_of.sha256)
            base = _framework_file(base_bytes, derived.derived_from.id)
            check_derivation(base, derived.derived_from.sha256, derived)
            _unique_version(connection, derived, sha)
            at = self.clock()
            stored_now = not records.has_version(connection, sha)
            if stored_now:
                records.put_version(connection, "framework", base.id, base_bytes,
                                    base.derived_from.sha256 if base.derived_from else None, self.user.name, at)
                records.put_version(connection, "framework", derived.id, content, derived.derived_from.sha256,
                                    self.user.name, at)
                audit.append(connection, at, self.user.name, "framework published", {
                    "framework": derived.id, "version": derived.version, "sha256": sha, "file": Path(name).name,
                    "base": derived.derived_from.model_dump(),
                    "changes": [change.model_dump() for change in derived.changes
                                if change not in base.changes],
                    "differences": _in_english(differences, base, derived)})  # as found, not as claimed
        return sha, stored_now

    def framework_draft(self) -> dict | None:
        """The analyst's framework version in the editor, not yet published: {"base_sha256", "id", "version",
        "edits": [{"kind", "target", "value", "reason"}, …]}; None when there is none. Kept in the store, so a
        reload or another session goes on where the analyst left."""
        self._require("publish a framework version")
        with reading(self.store.engine) as connection:
            kept = records.framework_draft(connection, self.user.name)
        return None if kept is None else json.loads(kept)

    def save_framework_draft(self, draft: dict | None) -> None:
        """Keep the analyst's draft (after deriving it: a change the rules refuse is never kept), or drop it."""
        self._require("publish a framework version")
        if draft is not None:
            self.derived_version(draft)
        with writing(self.store.engine) as connection:
            records.put_framework_draft(connection, self.user.name,
                                        None if draft is None else json.dumps(draft, sort_keys=True), self.clock())

    def derived_version(self, draft: dict) -> tuple[Framework, Framework | None]:
        """A draft's base, and the version its edits derive from it (None while it has no edit)."""
        base = self.framework_version(draft["base_sha256"])[0]
        edits = [Edit(**edit) for edit in draft["edits"]]
        return base, derive(base, draft["base_sha256"], edits, draft.get("id") or None,
                            draft.get("version") or None) if edits else None

    def framework_versions(self) -> list[dict]:
        """Every framework version in the store, oldest first: its id, version, title, SHA-256, its base's
        SHA-256 (`previous`, none for an original), who stored it and when, and the changes it records."""
        self._require("read framework versions")
        with reading(self.store.engine) as connection:
            rows = records.version_rows(connection, "framework")
            bases = {row.sha256: row.previous for row in rows}

            def depth(sha: str | None) -> int:  # a base before what was derived from it in the same second
                return 0 if bases.get(sha) is None else 1 + depth(bases[sha])

            rows.sort(key=lambda row: (row.created_at, depth(row.sha256), row.sha256))
            versions = []
            for row in rows:
                framework = _framework_file(records.file_content(connection, row.sha256), row.name)
                versions.append({"sha256": row.sha256, "id": framework.id, "version": framework.version,
                                 "title": framework.title, "previous": row.previous, "stored_by": row.created_by,
                                 "stored_at": row.created_at, "derived": framework.derived_from is not None,
                                 "changes": [change.model_dump() for change in framework.changes]})
        return versions

    def framework_version(self, sha256: str) -> tuple[Framework, bytes]:
        """A stored (or bundled) framework version by its SHA-256: the framework and its file's bytes."""
        self._require("read framework versions")
        with reading(self.store.engine) as connection:
            content = _framework_version(connection, sha256)
        if content is None:
            raise _error(ConfigurationError, N_("no framework version has the SHA-256 {sha256}"), sha256=sha256)
        return _framework_file(content, sha256), content

    # -- tender cases -------------------------------------------------------------------------------
    # draft -> bids received -> opened -> evaluated -> award decided -> letters issued; each step one
    # transaction with its audit entry ("case created", "tender version", "bid added", "bid withdrawn",
    # "case opened", "case evaluated", "award approved", "letters issued", "case exported"); a refusal
    # leaves a "case refused" entry and changes nothing.
    def create_case(self, framework: tuple[str, bytes], tender: tuple[str, bytes], name: str = "",
                    letter_template: bytes | None = None) -> str:
        """A new case in the draft state, from a framework and a tender file ((original name, bytes) each),
        and the tender's own letter template when it names one; returns its id (C<year>-<number>)."""
        self._require("manage tender cases")
        framework_name, framework_bytes = Path(framework[0]).name, framework[1]
        tender_name, tender_bytes = Path(tender[0]).name, tender[1]
        parsed = parse_document(framework_bytes, Framework, framework_name)
        framework_sha, tender_sha = _sha256_bytes(framework_bytes), _sha256_bytes(tender_bytes)
        tender_model, tender_files = _case_tender(parsed, framework_sha, tender_bytes, tender_name, letter_template)
        at = self.clock()
        with writing(self.store.engine) as connection:
            case_id = f"C{at[:4]}-{records.case_count(connection) + 1:04d}"
            records.put_version(connection, "framework", parsed.id, framework_bytes,
                                parsed.derived_from.sha256 if parsed.derived_from else None, self.user.name, at)
            records.put_version(connection, "tender", tender_model.name or tender_name, tender_bytes, None,
                                self.user.name, at)
            records.put_case(connection, id=case_id, name=name or tender_model.name or case_id,
                             framework_sha256=framework_sha, framework_name=framework_name, state="draft",
                             created_by=self.user.name, created_at=at)
            stored = _put_tender_files(connection, tender_files)
            records.add_case_part(connection, "tenders", case_id, sha256=tender_sha, name=tender_name, previous=None,
                                  reason=None, after_opening=0, created_by=self.user.name, created_at=at, **stored)
            audit.append(connection, at, self.user.name, "case created", {
                "case": case_id, "name": name or tender_model.name or case_id,
                "framework": {"file": framework_name, "sha256": framework_sha},
                "tender": {"file": tender_name, "sha256": tender_sha, **stored}})
        return case_id

    def cases(self) -> list[dict]:
        self._require("read tender cases")
        with reading(self.store.engine) as connection:
            return [{"id": row.id, "name": row.name, "state": row.state, "created_by": row.created_by,
                     "created_at": row.created_at,
                     "bids": sum(bid.withdrawn_at is None for bid in records.case_parts(connection, "bids", row.id)),
                     "deadline": parse_document(records.file_content(connection, records.case_parts(
                         connection, "tenders", row.id)[-1].sha256), Tender, "tender").deadline}
                    for row in records.case_rows(connection)]

    def case_settings(self, case_id: str) -> tuple[Framework, str, Tender, str]:
        """The case's framework and its SHA-256, and its current tender and that file's name, for the app's forms."""
        self._require("read tender cases")
        return self._case_settings(case_id)

    def _case_settings(self, case_id: str) -> tuple[Framework, str, Tender, str]:
        with reading(self.store.engine) as connection:
            row = _case_row(connection, case_id)
            tender = records.case_parts(connection, "tenders", case_id)[-1]
            framework_bytes, tender_bytes = (records.file_content(connection, row.framework_sha256),
                                             records.file_content(connection, tender.sha256))
        return (parse_document(framework_bytes, Framework, row.framework_name), row.framework_sha256,
                parse_document(tender_bytes, Tender, tender.name), tender.name)

    def case_bids(self, case_id: str) -> BidSet:
        """The case's current bids read and validated from their stored bytes, named as an evaluation names them
        (bids/<name>); each bid's source keeps its file's SHA-256."""
        self._require("read tender cases")
        return self._case_bid_set(case_id)

    def _case_bid_set(self, case_id: str) -> BidSet:
        framework, _sha, tender, _tender_sha = self._case_settings(case_id)
        with reading(self.store.engine) as connection:
            named = _case_bid_names([bid for bid in records.case_parts(connection, "bids", case_id)
                                     if bid.withdrawn_at is None])
            contents = {sha: records.file_content(connection, sha) for sha in set(named.values())}
            version = records.case_parts(connection, "tenders", case_id)[-1]
            used = registry_store.case_registry_rows(connection, case_id)
            capability = None if version.capability_sha256 is None else \
                parse_document(records.file_content(connection, version.capability_sha256), Framework,
                               version.capability_name)
        with tempfile.TemporaryDirectory(prefix="evaluator-case-") as folder:
            for sha, content in contents.items():
                (Path(folder) / sha).write_bytes(content)
            base: dict[str, Path | None] = {name: Path(folder) / sha for name, sha in named.items()}
            if capability is None and tender.capability:  # a version set before migration 0004
                capability = load_framework(_capability_file(tender.capability.framework))[0]
            frameworks = [framework] + ([capability] if capability else [])  # capability answers are not CSF bids
            options = ReadOptions(formulas=tender.formulas,
                                  as_of=dt.date.fromisoformat(used[0].as_of) if used else None)
            return read_bids_for(list(named), frameworks, options, base=base)[0]

    def stored_outcome(self, evaluation_id: str) -> Outcome:
        """A stored evaluation read again from its stored inputs (data only: no PDF, nothing stored or logged),
        for the app's drill-down into the bids it evaluated; its outputs are read from the store (`output`)."""
        self._require("see bid identities")
        with self._stored_inputs(evaluation_id) as (request, stored):
            return evaluate_request(dataclasses.replace(request, formats=("json",), letters=False), stored)

    def case(self, case_id: str) -> dict:
        """The case as `case show --format json` prints it: state, tender versions, bids (withdrawn ones
        too), evaluations, award, letters, the tender changes made after opening, its panel with what is left to do
        there (`to_do`), the registry entries its bids come from (with notices of those changed or expired since,
        while the case is open), and its history."""
        self._require("read tender cases")
        with reading(self.store.engine) as connection:
            document = _case_document(connection, _case_row(connection, case_id))
            document["registry"] = [{"provider": row.provider, "version": row.version, "as_of": row.as_of}
                                    for row in registry_store.case_registry_rows(connection, case_id)]
        if document["state"] != "letters issued":  # monitoring: changed or expired entries, as of today
            document["registry_notices"] = self._registry_notices(
                case_id, dt.date.fromisoformat(self.clock()[:10]), self._case_settings(case_id)[0].id)
        return self._with_to_do(document)

    def _unassessed(self, case_id: str) -> dict[str, list[str]]:
        """A case with a panel: per valid bid, the members free of conflict with it who have not submitted their
        assessment (whoever has not declared has submitted nothing); {} without a panel."""
        with reading(self.store.engine) as connection:
            state = _case_row(connection, case_id).state
        if state != "evaluated" or self._case_settings(case_id)[2].panel is None:
            return {}
        case = self._panel_case(case_id)
        with reading(self.store.engine) as connection:
            return to_do(case, records.case_assessment_rows(connection, case_id))["not_submitted"]

    def _with_to_do(self, document: dict) -> dict:
        """The case document with its panel's `to_do` (panel.to_do: who has not declared, who has not submitted
        per bid, the open disagreements) while assessments may change (opened, evaluated); else None."""
        panel = document["panel"]
        if panel is not None:
            panel["to_do"] = None
            if document["state"] in ("opened", "evaluated"):
                case = self._panel_case(document["id"])
                with reading(self.store.engine) as connection:
                    panel["to_do"] = to_do(case, records.case_assessment_rows(connection, case.case_id))
        return document

    def set_case_tender(self, case_id: str, tender: tuple[str, bytes], reason: str | None = None,
                        letter_template: bytes | None = None) -> int:
        """A new tender version (with its own letter template when it names one; naming the previous version's,
        that stored copy is kept), linked to the previous one; after opening only with a reason (recorded, and
        listed under `changes_after_opening`), and the case must then be evaluated again. Returns the version's
        number."""
        self._require("manage tender cases")
        name, content = Path(tender[0]).name, tender[1]
        reason = (reason or "").strip() or None
        with self._case_change(case_id, "set the tender") as (connection, row):
            if row.state in ("award decided", "letters issued"):
                raise _refusal(case_id, N_("the award is decided: the tender can no longer change"))
            opened = row.state in ("opened", "evaluated")
            if opened and reason is None:
                raise _error(ConfigurationError, N_("case {case} is opened: the framework, weights, minimums, "
                                                    "policies and award rules are locked; a change needs a reason, "
                                                    "which is recorded and flagged"), "--reason", case=case_id)
            framework = parse_document(records.file_content(connection, row.framework_sha256), Framework,
                                       row.framework_name)
            previous = records.case_parts(connection, "tenders", case_id)[-1]
            if letter_template is None:
                letter_template = _kept_letter_template(connection, previous, content, name)
            tender_model, tender_files = _case_tender(framework, row.framework_sha256, content, name, letter_template)
            if opened and tender_model.panel != _version_tender(connection, previous).panel:
                raise _refusal(case_id, N_("the panel is fixed once the case is opened (declarations and assessments "
                                           "are made against it)"))
            sha = _sha256_bytes(content)
            if sha == previous.sha256:
                raise _refusal(case_id, N_("{name} is the case's current tender already (sha256 {sha256})"),
                               name=name, sha256=sha)
            at = self.clock()
            records.put_version(connection, "tender", tender_model.name or name, content, previous.sha256,
                                self.user.name, at)
            stored = _put_tender_files(connection, tender_files)
            number = records.add_case_part(connection, "tenders", case_id, sha256=sha, name=name,
                                           previous=previous.sha256, reason=reason, after_opening=int(opened),
                                           created_by=self.user.name, created_at=at, **stored)
            if row.state == "evaluated":
                records.update_case(connection, case_id, state="opened")
            audit.append(connection, at, self.user.name, "tender version", {
                "case": case_id, "version": number, "file": name, "sha256": sha, "previous": previous.sha256,
                "after_opening": opened, **stored, **({"reason": reason} if reason else {})})
        return number

    def add_case_bids(self, case_id: str, bid_files: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
        """Bid files received ((original name, bytes) each), until the case is opened: (name, sha256)."""
        self._require("manage tender cases")
        if not bid_files:
            raise _refusal(case_id, N_("no bid files given"))
        added = []
        with self._case_change(case_id, "add bids") as (connection, row):
            if row.state not in ("draft", "bids received"):
                raise _refusal(case_id, N_("the case is {state}: bids can no longer be added"), state=row.state)
            current = {bid.sha256: bid.name for bid in records.case_parts(connection, "bids", case_id)
                       if bid.withdrawn_at is None}
            at = self.clock()
            for name, content in bid_files:
                name, sha = Path(name).name, _sha256_bytes(content)
                if sha in current:
                    raise _refusal(case_id, N_("{name} has the same content as bid {bid} (sha256 {sha256}), which the "
                                               "case holds already"), name=name, bid=current[sha], sha256=sha)
                records.put_files(connection, {sha: content})
                current[sha] = name
                records.add_case_part(connection, "bids", case_id, sha256=sha, name=name, added_by=self.user.name,
                                     added_at=at)
                audit.append(connection, at, self.user.name, "bid added",
                             {"case": case_id, "file": name, "sha256": sha, "size": len(content)})
                added.append((name, sha))
            records.update_case(connection, case_id, state="bids received")
        return added

    def withdraw_case_bid(self, case_id: str, sha_prefix: str) -> tuple[str, str]:
        """Withdraw the current bid whose SHA-256 starts with `sha_prefix`, until the case is opened (its bytes
        stay in the store and in the dossier, marked withdrawn): (name, sha256)."""
        self._require("manage tender cases")
        prefix = sha_prefix.strip().lower()
        with self._case_change(case_id, "withdraw a bid") as (connection, row):
            if row.state not in ("draft", "bids received"):
                raise _refusal(case_id, N_("the case is {state}: bids can no longer be withdrawn"), state=row.state)
            if not prefix or any(c not in "0123456789abcdef" for c in prefix):
                raise _refusal(case_id, N_("{prefix} is not the start of a SHA-256 (hex digits)"),
                               prefix=repr(sha_prefix))
            matches = [bid for bid in records.case_parts(connection, "bids", case_id)
                       if bid.withdrawn_at is None and bid.sha256.startswith(prefix)]
            if not matches:
                raise _refusal(case_id, N_("no current bid has a SHA-256 starting with {prefix}"), prefix=prefix)
            if len(matches) > 1:
                raise _refusal(case_id, N_("{prefix} is ambiguous: {count} current bids' SHA-256 start with it "
                                           "({names}); give more digits"), prefix=prefix, count=len(matches),
                               names=", ".join(bid.name for bid in matches))
            bid, at = matches[0], self.clock()
            records.withdraw_case_bid(connection, case_id, bid.number, self.user.name, at)
            audit.append(connection, at, self.user.name, "bid withdrawn",
                         {"case": case_id, "file": bid.name, "sha256": bid.sha256})
        return bid.name, bid.sha256

    def open_case(self, case_id: str) -> None:
        """Open the bids: from now on the bids are fixed and the tender is locked (a change needs a reason)."""
        self._require("manage tender cases")
        with self._case_change(case_id, "open the case") as (connection, row):
            if row.state != "bids received":
                raise _refusal(case_id, N_("no bids received yet") if row.state == "draft" else
                               N_("the case is {state} already"), state=row.state)
            bids = [bid for bid in records.case_parts(connection, "bids", case_id) if bid.withdrawn_at is None]
            if not bids:
                raise _refusal(case_id, N_("every bid was withdrawn: there is nothing to open"))
            at = self.clock()
            records.update_case(connection, case_id, state="opened", opened_by=self.user.name, opened_at=at)
            audit.append(connection, at, self.user.name, "case opened", {
                "case": case_id, "framework_sha256": row.framework_sha256,
                "tender_sha256": records.case_parts(connection, "tenders", case_id)[-1].sha256,
                "bids": [bid.sha256 for bid in bids]})

    def evaluate_case(self, case_id: str, formats: tuple[str, ...] = SUPPORTED_FORMATS, out: str | None = None,
                      worker: RenderWorker | None = None, render: bool = True,
                      language: str | None = None) -> tuple[Outcome, str]:
        """Evaluate an opened case: its current bids under its framework and current tender version (with the
        files stored with it), with a draft letter for every bidder, at this desk's clock time, stored and
        reproducible like any evaluation (`evaluate`), and linked to the case. Files are named framework/<name>,
        tender/<name> and bids/<name> (bids/<sha256, 12 digits>-<name> when two bids share a name), never by a
        server path. Without `render`, the evaluation is stored and linked to the case without its PDFs (the
        "evaluation" entry, then "case evaluated"); `start_report` renders them in the background, with the
        "report generated" entry (or "report failed") after those. Its language: `language` (the CLI's flag),
        else the tender's, else the user's (i18n.current()), recorded in the request."""
        self._require("evaluate")
        try:
            with reading(self.store.engine) as connection:
                row = _case_row(connection, case_id)
                if row.state not in ("opened", "evaluated"):
                    raise _refusal(case_id, N_("the case is not opened yet: open it (case open) before evaluating")
                                   if row.state in ("draft", "bids received") else
                                   N_("the case is {state}: it can no longer be evaluated"), state=row.state)
                versions = records.case_parts(connection, "tenders", case_id)
                tender = versions[-1]
                changes = tuple({"reason": t.reason, "by": t.created_by, "at": t.created_at}
                                for t in versions if t.after_opening)  # flagged in the report
                bids = [bid for bid in records.case_parts(connection, "bids", case_id) if bid.withdrawn_at is None]
                bid_named = _case_bid_names(bids)
                named = {f"framework/{row.framework_name}": row.framework_sha256,
                         f"tender/{tender.name}": tender.sha256, **_tender_file_names(tender), **bid_named}
                bid_names = list(bid_named)
                contents = {sha: records.file_content(connection, sha) for sha in set(named.values())}
                panel_csv = _panel_csv(connection, case_id)
                used = registry_store.case_registry_rows(connection, case_id)
        except ConfigurationError as error:
            self._log("case refused", {"case": case_id, "action": "evaluate", "reason": _reason(error)})
            if worker is not None:
                worker.close()
            raise
        if panel_csv is not None:  # the panel's assessments, one canonical CSV, an input like the bids
            named[ASSESSMENTS_NAME] = _sha256_bytes(panel_csv)
            contents[named[ASSESSMENTS_NAME]] = panel_csv
        with tempfile.TemporaryDirectory(prefix="evaluator-case-") as folder:
            for sha, content in contents.items():
                (Path(folder) / sha).write_bytes(content)
            base: dict[str, Path | None] = {name: Path(folder) / sha for name, sha in named.items()}
            base[SCHEMES_NAME] = SCHEMES_FILE
            tender_document = parse_document(contents[tender.sha256], Tender, tender.name)
            capability = tender_document.capability
            if capability is not None and tender.capability_sha256 is None:  # a version set before migration 0004
                base[capability.framework] = _capability_file(capability.framework)
            request = Request(framework=f"framework/{row.framework_name}", tender=f"tender/{tender.name}",
                              inputs=tuple(bid_names), formats=formats, letters=True, evaluated_at=self.clock(),
                              out=out or "results", tender_changes=changes,
                              assessments=(ASSESSMENTS_NAME,) if panel_csv is not None else (),
                              registry=tuple(row.provider for row in used if row.version is None),
                              as_of=used[0].as_of if used else "",
                              language=language or tender_document.language or i18n.current())
            outcome, evaluation_id = self.evaluate(request, worker, out, base=base, render=render)
        with self._case_change(case_id, "evaluate") as (connection, row):
            if row.state not in ("opened", "evaluated") or \
                    records.case_parts(connection, "tenders", case_id)[-1].sha256 != tender.sha256 or \
                    _panel_csv(connection, case_id) != panel_csv:
                raise _refusal(case_id, N_("the case changed during the evaluation (now {state}): evaluation {id} is "
                                           "stored but not linked to the case; evaluate again"),
                               state=row.state, id=evaluation_id)
            at = self.clock()
            records.add_case_part(connection, "evaluations", case_id, evaluation_id=evaluation_id,
                                  tender_sha256=tender.sha256, evaluated_by=self.user.name, evaluated_at=at)
            records.update_case(connection, case_id, state="evaluated")
            audit.append(connection, at, self.user.name, "case evaluated", {
                "case": case_id, "evaluation": evaluation_id, "tender_sha256": tender.sha256,
                "bids": [bid.sha256 for bid in bids], "rank_1": outcome.document["summary"]["rank_1"],
                **({"assessments_sha256": named[ASSESSMENTS_NAME]} if panel_csv is not None else {})})
        return outcome, evaluation_id

    def approve_award(self, case_id: str) -> str:
        """Approve the award of the case's latest evaluation (made with the current tender): an officer who did
        not run that evaluation (four-eyes). Returns the evaluation's id."""
        self._require("approve an award")
        unassessed = self._unassessed(case_id)
        with self._case_change(case_id, "approve the award") as (connection, row):
            if row.state in ("award decided", "letters issued"):
                raise _refusal(case_id, N_("the award was approved already, by {user} at {time}"),
                               user=row.approved_by, time=row.approved_at)
            if row.state != "evaluated":
                raise _refusal(case_id, N_("the tender or the panel's assessments changed after the latest "
                                           "evaluation: evaluate again first")
                               if row.state == "opened" and records.case_parts(connection, "evaluations", case_id) else
                               N_("the case is {state}: there is no evaluation to approve"), state=row.state)
            latest = records.case_parts(connection, "evaluations", case_id)[-1]
            if latest.evaluated_by == self.user.name:
                raise _error(PermissionDenied, N_("{user} ran evaluation {id} of case {case}: the award must be "
                                                  "approved by another officer (four-eyes)"),
                             user=self.user.name, id=latest.evaluation_id, case=case_id)
            results = json.loads(records.file_content(connection, _case_evaluation(connection, latest).results_sha256))
            pending = [bid["bid_id"] for bid in results["bids"] if bid["status"] == "pending"]
            if pending:
                raise _refusal(case_id, N_("bid {bids} is pending: the panel's chair records a consensus (Evaluation "
                                           "panel workspace, or case assess with a consensus row), then the case is "
                                           "evaluated again"), bids=", ".join(pending))
            if unassessed:
                raise _refusal(case_id, N_("the panel has not finished: {missing} (the award rests on the panel's "
                                           "assessed answers)"), missing="; ".join(
                    _("{bid} not assessed by {people}").format(bid=bid_id, people=", ".join(members))
                    for bid_id, members in unassessed.items()))
            if not results["summary"]["rank_1"]:
                raise _refusal(case_id, N_("no bid passed the gate, so there is no award to approve: the procedure "
                                           "ends without an award (no letters with a standstill period are issued)"))
            at = self.clock()
            records.update_case(connection, case_id, state="award decided", approved_evaluation=latest.evaluation_id,
                                approved_by=self.user.name, approved_at=at)
            audit.append(connection, at, self.user.name, "award approved", {
                "case": case_id, "evaluation": latest.evaluation_id, "evaluated_by": latest.evaluated_by,
                "rank_1": results["summary"]["rank_1"]})
        return latest.evaluation_id

    def issue_letters(self, case_id: str, out: Path | None = None) -> tuple[dict[str, bytes], str]:
        """Issue the approved evaluation's letters: rendered now (`_letters_as_issued`), dated today, with the
        end of the standstill period they print (the issue date + the tender's `standstill_days`: the period
        runs from the day after they are sent) recorded; stored with the case, then written to `out` if given. Issued
        again: copies of the stored letters, with the first issue's dates. Returns (letters by name,
        standstill end YYYY-MM-DD)."""
        self._require("issue letters")
        with reading(self.store.engine) as connection:
            row = _case_row(connection, case_id)
            stored = {name: records.file_content(connection, sha)
                      for name, sha in records.case_letter_hashes(connection, case_id).items()}
        if row.state not in ("award decided", "letters issued"):
            self._log("case refused", {"case": case_id, "action": "issue letters",
                                       "reason": "the award is not approved yet"})
            raise _refusal(case_id, N_("the case is {state}: the award is not approved yet (case approve)"),
                           state=row.state)
        at = row.letters_at or self.clock()
        letters, days = (stored, row.standstill_days) if stored else \
            self._letters_as_issued(row.approved_evaluation, at)
        from evaluator.report.pdf_report import standstill_end

        end = standstill_end(at, days)
        with self._case_change(case_id, "issue letters") as (connection, row):
            again = row.state == "letters issued"
            if again != bool(stored):
                raise _refusal(case_id, N_("the letters issued at {time} are not in the store (issued meanwhile: "
                                           "issue them again for copies; or issued before the store kept them: the "
                                           "approved evaluation's outputs hold them)"), time=row.letters_at)
            if not again:
                records.put_case_letters(connection, case_id, letters)
                records.update_case(connection, case_id, state="letters issued", letters_at=at, standstill_days=days,
                                    standstill_end=end)
            audit.append(connection, self.clock(), self.user.name, "letters issued", {
                "case": case_id, "evaluation": row.approved_evaluation, "letters": _hashes(letters), "issued_at": at,
                "standstill_days": days, "standstill_end": end, **({"copy": True} if again else {})})
        if out is not None:
            write_files(Path(out), {name.removeprefix(f"{LETTERS}/"): content for name, content in letters.items()},
                        what="the letters")
        return letters, end

    def issued_letters(self, case_id: str) -> dict[str, bytes]:
        """The letters as issued (stored with the case), by name; empty before they are issued."""
        self._require("read tender cases")
        with reading(self.store.engine) as connection:
            _case_row(connection, case_id)
            return {name: records.file_content(connection, sha)
                    for name, sha in records.case_letter_hashes(connection, case_id).items()}

    def _letters_as_issued(self, evaluation_id: str, issued_at: str) -> tuple[dict[str, bytes], int]:
        """The letters of a stored evaluation as issued at `issued_at`, and the standstill days they state:
        the evaluation read again from its stored inputs (the case's tender and its own letter template among
        them), its results checked against the stored results.json, rendered with the issue date; the same
        store and time give the same bytes."""
        with self._stored_inputs(evaluation_id) as (request, stored):
            outcome = evaluate_request(dataclasses.replace(request, formats=("json",), letters=True), stored)
        with reading(self.store.engine) as connection:
            recorded = self._row(connection, evaluation_id).results_sha256
        if recorded and outcome.results_sha256 != recorded:
            raise ReportError(f"evaluation {evaluation_id} read again does not give its stored results.json: "
                              f"python -m evaluator reproduce {evaluation_id}")
        worker = RenderWorker()
        try:
            letters = issued_letters(outcome, request, worker, issued_at)
        finally:
            worker.close()
        return letters, outcome.evaluation.settings.tender.standstill_days

    def export_case(self, case_id: str) -> bytes:
        """The evaluation dossier (a zip): every submitted file (named <sha256>-<original name>), the
        framework and every tender version, every evaluation's request, input files and outputs, every imported
        assessments file (inputs/<sha256>-<name>), the case and its history (case.json, history.json),
        MANIFEST.sha256 (`sha256sum` format, every other file) and VERIFY.txt."""
        self._require("export a case dossier")
        with reading(self.store.engine) as connection:
            row = _case_row(connection, case_id)
            document = _case_document(connection, row)
            inputs = _dossier_inputs(connection, case_id, [e["id"] for e in document["evaluations"]])
            members: dict[str, bytes] = {**inputs,
                f"framework/{row.framework_sha256}-{_safe_name(row.framework_name)}":
                    records.file_content(connection, row.framework_sha256)}
            for tender in records.case_parts(connection, "tenders", case_id):
                members[f"tender/{tender.number:03d}-{tender.sha256}-{_safe_name(tender.name)}"] = \
                    records.file_content(connection, tender.sha256)
                for part, entry in _tender_files_entry(tender).items():
                    if entry is not None:
                        members[f"tender/{tender.number:03d}-{part.replace('_', '-')}-{entry['sha256']}-"
                                f"{_safe_name(entry['file'])}"] = records.file_content(connection, entry["sha256"])
            for name, sha in records.case_letter_hashes(connection, case_id).items():
                members[f"letters/{_safe_name(name.removeprefix(f'{LETTERS}/'))}"] = \
                    records.file_content(connection, sha)
            for bid in records.case_parts(connection, "bids", case_id):
                members[f"submissions/{bid.sha256}-{_safe_name(bid.name)}"] = records.file_content(connection,
                                                                                                   bid.sha256)
            for evaluation_id in dict.fromkeys(e["id"] for e in document["evaluations"]):
                members[f"evaluations/{evaluation_id}/request.json"] = \
                    (json.dumps(json.loads(records.evaluation_row(connection, evaluation_id).request), indent=2,
                                sort_keys=True) + "\n").encode()
                for role in ("input", "output"):
                    hashes = records.evaluation_file_hashes(connection, evaluation_id, role)
                    members[f"evaluations/{evaluation_id}/{role}s.json"] = \
                        (json.dumps(hashes, indent=2, sort_keys=True) + "\n").encode()
                    if role == "output":
                        members.update({f"evaluations/{evaluation_id}/outputs/{name}":
                                        records.file_content(connection, sha) for name, sha in hashes.items()})
            members["declarations.json"] = (json.dumps(_declarations(connection, case_id), indent=2,
                                                       ensure_ascii=False) + "\n").encode()
            panel_csv = _panel_csv(connection, case_id)
            if panel_csv is not None:
                members[ASSESSMENTS_NAME] = panel_csv
        document = self._with_to_do(document)
        members["case.json"] = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
        members["history.json"] = (json.dumps(document["history"], indent=2, ensure_ascii=False) + "\n").encode()
        members["VERIFY.txt"] = (
            f"Evaluation dossier of tender case {case_id}.\n\nTo check that no file was changed, unzip this "
            f"archive and run, in the folder it made:\n\n    sha256sum -c MANIFEST.sha256\n\nEvery line must end in "
            f"OK. submissions/ holds every bid file as received (<sha256>-<original name>; case.json says which "
            f"were withdrawn), framework/ and tender/ the settings (tender versions numbered in order, each with "
            f"its own letter template and capability framework when it has them), letters/ the letters as issued, "
            f"declarations.json the panel's conflict-of-interest declarations, {ASSESSMENTS_NAME} the panel's "
            f"assessments now (as the next evaluation would read them), inputs/ every input file of every "
            f"evaluation (each evaluation's own {ASSESSMENTS_NAME} among them) and every imported assessments file "
            f"as received, each as <sha256>-<name> (evaluations/<id>/inputs.json and the history name them by "
            f"sha256), evaluations/<id>/ each evaluation's request, input and output hashes and its outputs "
            f"(letters there are drafts).\n").encode()
        members["MANIFEST.sha256"] = "".join(f"{_sha256_bytes(content)}  {name}\n"
                                             for name, content in sorted(members.items())).encode()
        stamp = dt.datetime.fromisoformat(self.clock().replace("Z", "+00:00"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in sorted(members.items()):
                info = zipfile.ZipInfo(f"{case_id}/{name}", date_time=(max(stamp.year, 1980), stamp.month, stamp.day,
                                                                       stamp.hour, stamp.minute, stamp.second))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        dossier = buffer.getvalue()
        self._log("case exported", {"case": case_id, "sha256": _sha256_bytes(dossier), "files": len(members)})
        return dossier

    @contextmanager
    def _case_change(self, case_id: str, action: str):
        """One write transaction on a case's row; a refusal (ConfigurationError, PermissionDenied) inside it
        changes nothing and leaves a "case refused" entry."""
        with self._refusals(case_id, action), writing(self.store.engine) as connection:
            yield connection, _case_row(connection, case_id)

    @contextmanager
    def _refusals(self, case_id: str, action: str):
        """A refusal (ConfigurationError, PermissionDenied) inside leaves a "case refused" entry."""
        try:
            yield
        except (ConfigurationError, PermissionDenied) as error:
            self._log("case refused", {"case": case_id, "action": action, "reason": _reason(error)})
            raise

    # -- the provider registry (assess once, reuse many) ----------------------------------------------
    # A provider's assessment is registered once (from any bid file, or a published entry file) and reused
    # by every tender: a new assessment is a new version linked to the one before, never an overwrite.
    # Events: "registry entry added", "registry refused", "case registry bids added".
    def register(self, name: str, content: bytes, framework: Framework, **given) -> dict:
        """Register an assessment (see registry.entry_from_file for `given`); returns the new version's
        provider, version, sha256 and previous."""
        self._require("manage the registry")
        with self._registry_refusals("register", name):
            entry = entry_from_file(name, content, framework, **given)
            return self._register(entry, (Path(name).name, content), renamed=given.get("provider_name") is not None)

    def import_entries(self, files: list[tuple[str, bytes]], framework: Framework) -> tuple[list[dict],
                                                                                         list[tuple[str, str]]]:
        """Register published entry files (.json, checked as untrusted input); one refused file never stops
        the others: (the versions added, (name, reason) for each file refused)."""
        self._require("manage the registry")
        added, refused = [], []
        for name, content in files:
            try:
                if not name.casefold().endswith(".json"):
                    raise _error(ConfigurationError, N_("not a registry entry file (.json)"), name)
                added.append(self.register(name, content, framework))
            except ConfigurationError as error:
                refused.append((name, error.message))
        return added, refused

    def _register(self, entry: RegistryEntry, source: tuple[str, bytes], renamed: bool) -> dict:
        content = canonical(entry)
        sha = _sha256_bytes(content)
        with writing(self.store.engine) as connection:
            rows = registry_store.entry_rows(connection, entry.provider)
            _check_new_version(entry, sha, rows)
            if rows and not renamed:  # another provider's file registered under this id is refused
                known = read_entry(records.file_content(connection, rows[-1].sha256), rows[-1].provider).provider_name
                if known != entry.provider_name:
                    raise _error(ConfigurationError, N_("the file names the provider {name}, but {provider} is "
                                                        "registered as {known} (give the provider's name explicitly to "
                                                        "rename it)"), entry.provider, name=entry.provider_name,
                                 provider=entry.provider, known=known)
            previous, at = (rows[-1] if rows else None), self.clock()
            version = registry_store.put_entry(
                connection, content, previous, source, self.user.name, at, provider=entry.provider,
                framework=entry.framework, assessor=entry.assessor, kind=entry.kind,
                assessed_on=entry.assessed_on.isoformat(), valid_until=entry.valid_until.isoformat())
            added = {"provider": entry.provider, "version": version, "sha256": sha,
                     "previous": previous.sha256 if previous else None}
            audit.append(connection, at, self.user.name, "registry entry added", {
                **added, "framework": entry.framework, "assessor": entry.assessor, "kind": entry.kind,
                "assessed_on": entry.assessed_on.isoformat(), "valid_until": entry.valid_until.isoformat(),
                "source": {"file": source[0], "sha256": _sha256_bytes(source[1])}})
        return added

    @contextmanager
    def _registry_refusals(self, action: str, subject: str):
        try:
            yield
        except ConfigurationError as error:
            self._log("registry refused", {"action": action, "subject": subject, "reason": _reason(error)})
            raise

    def registry(self, framework: Framework, as_of: dt.date, overrides: Overrides | None = None) -> list[dict]:
        """The market survey of the registry as of a date (survey.market_survey): each provider's version that
        holds then (or, when every version was assessed later, its first, shown as not valid yet), with its
        version and SHA-256."""
        self._require("read the registry")
        chosen = self._versions_as_of(framework, as_of)
        survey = market_survey([entry for _row, entry in chosen], framework, as_of, overrides)
        cited = {entry.provider: row for row, entry in chosen}
        return [{**found, "version": cited[found["provider"]].version, "sha256": cited[found["provider"]].sha256}
                for found in survey]

    def _versions_as_of(self, framework: Framework, as_of: dt.date) -> list[tuple[Any, RegistryEntry]]:
        with reading(self.store.engine) as connection:
            by_provider: dict[str, list] = {}
            for row in registry_store.entry_rows(connection):
                if row.framework == framework.id:
                    by_provider.setdefault(row.provider, []).append(row)
            chosen = [version_as_of(rows, as_of) or rows[0] for _provider, rows in sorted(by_provider.items())]
            return [(row, read_entry(records.file_content(connection, row.sha256), row.provider)) for row in chosen]

    def registry_as_bids(self, framework: Framework, as_of: dt.date) -> BidSet:
        """Every provider registered for `framework`, by its version that holds on `as_of` (as `registry_bids`
        chooses it; one assessed only later is left out), read as bids: the registry as a bid set for the
        analyst's what-ifs. An entry expired by then is an invalid bid that says so."""
        from evaluator.ingest.files import read_bid_contents

        self._require("read the registry")
        with reading(self.store.engine) as connection:
            providers = sorted({row.provider for row in registry_store.entry_rows(connection)
                                if row.framework == framework.id})
        if not providers:
            return BidSet.empty(len(framework.criteria))
        entries = self.registry_bids(providers, as_of, framework)[1]
        return read_bid_contents(sorted(entries.items()), framework, ReadOptions(as_of=as_of))

    def registry_entry(self, provider: str, version: int | None = None) -> dict:
        """One registered version (the newest by default): its row and the entry itself."""
        self._require("read the registry")
        with reading(self.store.engine) as connection:
            row, versions = _registry_version(connection, provider, version)
            entry = json.loads(records.file_content(connection, row.sha256))
        return {**_registry_row(row), "versions": versions, "entry": entry}

    def registry_file(self, provider: str, version: int | None = None) -> tuple[str, bytes]:
        """A registered version as its exchange file: (name, canonical JSON)."""
        self._require("read the registry")
        with reading(self.store.engine) as connection:
            row, _count = _registry_version(connection, provider, version)
            return f"{row.provider}@{row.version}.json", records.file_content(connection, row.sha256)

    def registry_history(self, provider: str, framework: Framework, overrides: Overrides | None = None) -> list[dict]:
        """Every version of a provider for this framework, oldest first, with what changed from the one before
        (registry.history)."""
        self._require("read the registry")
        with reading(self.store.engine) as connection:
            rows = [row for row in registry_store.entry_rows(connection, provider) if row.framework == framework.id]
            if not rows:
                raise _error(ConfigurationError, N_("no provider of this id is registered for {framework}"),
                             provider, framework=framework.id)
            versions = [(row, read_entry(records.file_content(connection, row.sha256), row.provider)) for row in rows]
        return history(versions, framework, overrides)

    def registry_exports(self, framework: Framework, as_of: dt.date, profile: str, rows: list[dict],
                         selection: str = "", worker: RenderWorker | None = None) -> dict[str, bytes]:
        """A survey (`registry` rows, filtered as `selection` says) as survey.xlsx and survey.pdf; the export is
        audited with the two files' SHA-256."""
        self._require("read the registry")
        from evaluator.report.survey_export import survey_html, survey_xlsx

        files = {"survey.xlsx": survey_xlsx(rows, framework, as_of.isoformat(), profile, selection)}
        worker = worker or RenderWorker()
        try:
            files["survey.pdf"] = worker.render([survey_html(rows, framework, as_of.isoformat(), profile,
                                                             selection)])[0]
        finally:
            worker.close()
        self._log("registry survey exported", {"as_of": as_of.isoformat(), "weight_profile": profile,
                                               "selection": selection, "providers": [row["provider"] for row in rows],
                                               "files": _hashes(files)})
        return files

    def level_history_chart(self, steps: list[dict], framework: Framework) -> str:
        """A provider's objective levels over its versions (`registry_history`), as SVG."""
        self._require("read the registry")
        objective_ids = framework.objective_ids
        return charts.level_history(objective_ids, [(f"v{step['version']} {step['assessed_on']}",
                                                     [step["levels"][oid] for oid in objective_ids]) for step in steps],
                                    [level.code for level in framework.level_scale.levels])

    def registry_monitor(self, framework: Framework, as_of: dt.date, days: int) -> dict:
        """What needs watching as of a date: the entries that lapse within `days` days, the providers whose
        newest version went down a level on some objective, and the open cases relying on an entry that has
        since changed or expired."""
        self._require("read the registry")
        with reading(self.store.engine) as connection:
            providers = sorted({row.provider for row in registry_store.entry_rows(connection)
                                if row.framework == framework.id})
            relying = {row.case_id for row in registry_store.case_registry_rows(connection)}
            case_ids = [row.id for row in records.case_rows(connection)
                        if row.state != "letters issued" and row.id in relying]
        down = []
        for provider in providers:
            steps = self.registry_history(provider, framework)
            if len(steps) > 1 and steps[-1]["levels_down"]:
                down.append({"provider": provider, "version": steps[-1]["version"],
                             "previous_version": steps[-2]["version"], "assessed_on": steps[-1]["assessed_on"],
                             "levels_down": steps[-1]["levels_down"],
                             "levels_changed": steps[-1]["levels_changed"]})
        current = [entry for _row, entry in self._versions_as_of(framework, as_of)]
        notices = [notice for case_id in case_ids if self._case_settings(case_id)[0].id == framework.id
                   for notice in self._registry_notices(case_id, as_of, framework.id)]
        return {"as_of": as_of.isoformat(), "within_days": days, "expiring": expiring(current, as_of, days),
                "levels_down": down, "case_notices": notices}

    def _registry_notices(self, case_id: str, as_of: dt.date, framework_id: str) -> list[dict]:
        """The registry entries a case (of that framework) relies on that have changed (a newer version) or
        expired by `as_of`."""
        notices = []
        with reading(self.store.engine) as connection:
            for used in registry_store.case_registry_rows(connection, case_id):
                rows = [row for row in registry_store.entry_rows(connection, used.provider)
                        if row.framework == framework_id]
                mine = next((row for row in rows if row.version == used.version), None)
                if rows and (mine is None or rows[-1].version != mine.version):
                    notices.append({"case": case_id, "provider": used.provider, "version": used.version,
                                    "notice": f"{used.provider} has a newer assessment (version {rows[-1].version}, "
                                              f"assessed {rows[-1].assessed_on}) than the case relies on"
                                              + (f" (version {used.version})" if used.version else " (none)")})
                if mine is not None and dt.date.fromisoformat(mine.valid_until) < as_of:
                    notices.append({"case": case_id, "provider": used.provider, "version": used.version,
                                    "notice": f"the assessment of {used.provider} the case relies on (version "
                                              f"{used.version}) expired on {mine.valid_until} (as of {as_of})"})
        return notices

    def registry_bids(self, providers: list[str], as_of: dt.date, framework: Framework
                      ) -> tuple[tuple[str, ...], dict[str, bytes]]:
        """For an evaluation from the registry (Request.registry): for each provider asked for ("P", or "P@N"
        for its version N; each provider once, whatever the case of its id, a pinned version winning), its
        reference "P@N" (the version that holds on the date: the newest assessed by then, whose reader says
        whether it expired; or the pinned one) or "P" alone when none was assessed by then, and the entries'
        bytes by input name."""
        self._require("read the registry")
        references, entries = [], {}
        with reading(self.store.engine) as connection:
            for provider, pinned in _providers(providers):
                rows = [row for row in registry_store.entry_rows(connection, provider) if row.framework == framework.id]
                row = version_as_of(rows, as_of) if pinned is None else \
                    next((row for row in rows if row.version == pinned), None)
                if row is None and pinned is not None:
                    raise _error(ConfigurationError, N_("{provider} has no version {version} for {framework}"),
                                 "--from-registry", provider=provider, version=pinned, framework=framework.id)
                if row is None:
                    references.append(provider)
                    continue
                references.append(f"{row.provider}@{row.version}")
                entries[registry_file_name(references[-1])] = records.file_content(connection, row.sha256)
        return tuple(references), entries

    def add_case_registry(self, case_id: str, providers: list[str], as_of: dt.date) -> list[dict]:
        """Bids from the registry for a case (until it is opened): each provider's version that holds as of the
        date becomes a bid file <provider>@<version>.json; a provider with none is recorded and becomes an
        invalid bid, saying why, when the case is evaluated. One as-of date per case."""
        self._require("manage tender cases")
        framework = self._case_settings(case_id)[0]
        references, entries = self.registry_bids(providers, as_of, framework)
        added = []
        with self._case_change(case_id, "add bids from the registry") as (connection, row):
            if row.state not in ("draft", "bids received"):
                raise _refusal(case_id, N_("the case is {state}: bids can no longer be added"), state=row.state)
            used = registry_store.case_registry_rows(connection, case_id)
            dates = {other.as_of for other in used} - {as_of.isoformat()}
            if dates:
                raise _refusal(case_id, N_("the case takes its registry bids as of {date}, not {as_of}"),
                               date=dates.pop(), as_of=as_of)
            again = sorted({other.provider.casefold() for other in used} & {r.split("@")[0].casefold()
                                                                            for r in references})
            if again:
                raise _refusal(case_id, N_("the case has registry bids of {providers} already"),
                               providers=", ".join(again))
            at, current = self.clock(), {bid.sha256 for bid in records.case_parts(connection, "bids", case_id)
                                         if bid.withdrawn_at is None}
            for reference in references:
                provider, _at, version = reference.partition("@")
                content = entries.get(registry_file_name(reference))
                found: dict = {"provider": provider, "version": int(version) if version else None}
                if content is not None:
                    found.update(file=f"{reference}.json", sha256=_sha256_bytes(content),
                                 already=_sha256_bytes(content) in current)
                    if not found["already"]:  # the same entry sent as a bid file is that bid already
                        records.add_case_part(connection, "bids", case_id, sha256=found["sha256"],
                                              name=found["file"], added_by=self.user.name, added_at=at)
                added.append(found)
            registry_store.put_case_registry(connection, case_id, [
                {"provider": found["provider"], "version": found["version"], "as_of": as_of.isoformat(),
                 "added_by": self.user.name, "added_at": at} for found in added])
            audit.append(connection, at, self.user.name, "case registry bids added",
                         {"case": case_id, "as_of": as_of.isoformat(), "bids": added})
            if any("file" in found and not found["already"] for found in added):
                records.update_case(connection, case_id, state="bids received")
        return added

    # -- the evaluation panel -------------------------------------------------------------------------
    # The case's panel is its current tender's `panel` (fixed once the case is opened). Members and the chair
    # (users with the evaluator role) declare their conflicts once, before they see any bid; each member
    # assesses the bids they are free of, blind to the others' assessments of a bid until they submitted
    # theirs, which is then final; the chair sees everything and records consensus. Events: "conflicts
    # declared", "assessment submitted" (counts, not contents).
    def declare_conflicts(self, case_id: str, bid_ids: list[str]) -> list[str]:
        """Declare the bids one has a conflict of interest with ([]: none), once per case; the declaration
        includes at least the conflicts the tender's panel lists for the person. Returns the bid IDs declared."""
        declared = sorted({bid_id.strip() for bid_id in bid_ids})
        with self._refusals(case_id, "declare conflicts"):
            self._require("assess bids")
            case = self._panel_case(case_id)
            self._sits(case)
            if self.user.name in case.declared:
                raise _declared_already(case_id, self.user.name)
            check_declaration(case, self.user.name, declared)
        with self._case_change(case_id, "declare conflicts") as (connection, _row):
            if any(d.person == self.user.name for d in records.case_declaration_rows(connection, case_id)):
                raise _declared_already(case_id, self.user.name)
            at = self.clock()
            records.put_declaration(connection, case_id, self.user.name, declared, at)
            audit.append(connection, at, self.user.name, "conflicts declared",
                         {"case": case_id, "person": self.user.name, "conflicts": declared})
        return declared

    def panel_cases(self) -> list[dict]:
        """The cases whose current tender names this user on its panel: id, name, state, and the user's place
        (`chair` or `member`), whether they have declared, and the conflicts the tender lists for them."""
        self._require("assess bids")
        with reading(self.store.engine) as connection:
            rows = records.case_rows(connection)
            declared = {row.id: {d.person for d in records.case_declaration_rows(connection, row.id)} for row in rows}
        result = []
        for row in rows:
            panel = self._case_settings(row.id)[2].panel
            if panel is not None and panel.sits(self.user.name):
                result.append({"id": row.id, "name": row.name, "state": row.state, "panel": panel.describe(),
                               "place": "chair" if self.user.name == panel.chair else "member",
                               "declared": self.user.name in declared[row.id],
                               "listed_conflicts": list(panel.conflicts.get(self.user.name, ()))})
        return result

    def panel_bidders(self, case_id: str) -> list[dict]:
        """Who bid (bid_id, vendor), for a panel member's declaration: names only, never answers."""
        with self._refusals(case_id, "list the bidders"):
            self._require("assess bids")
            case = self._panel_case(case_id)
            self._sits(case)
        return [{"bid_id": bid.bid_id, "vendor": bid.vendor} for bid in case.bids.bids if bid.bid_id]

    def panel_bids(self, case_id: str) -> list[dict]:
        """The bids the member (or the chair) may assess: the case's current valid bids but those they declared
        a conflict with, each with their progress (`assessed` criteria of `criteria`, `submitted`)."""
        case = self._panelist(case_id, "list the bids to assess")
        stage = INDIVIDUAL if self.user.name in case.panel.members else CONSENSUS
        with reading(self.store.engine) as connection:
            own = Counter(row.bid_id for row in records.case_assessment_rows(connection, case_id)
                          if row.assessor == self.user.name and row.stage == stage)
        return [{"bid_id": bid.bid_id, "vendor": bid.vendor, "criteria": len(case.framework.criteria),
                 "assessed": own[bid.bid_id], "submitted": own[bid.bid_id] > 0}
                for bid in case.bids.bids if bid.bid_id and not bid.invalid and
                not case.conflicted(self.user.name, bid.bid_id)]

    def bid_claims(self, case_id: str, bid_id: str) -> list[dict]:
        """Per criterion, the bid's claimed answer, its evidence text and the evidence quality it claims."""
        case = self._panelist(case_id, "read a bid's claims", bid_id)
        return claims(case.framework, case.bids, case.bid(bid_id))

    def submit_assessment(self, case_id: str, bid_id: str, rows: list[dict]) -> int:
        """A member's assessment of one bid: per criterion `criterion_id` and `answer` (None or "" accepts the
        claim), `justification` (needed when the answer differs from the claim), optionally
        `evidence_quality`. Read by the assessments file's reader; final once submitted. Returns the rows
        stored."""
        case = self._panelist(case_id, "submit an assessment", bid_id)
        with self._refusals(case_id, "submit an assessment"):
            if self.user.name not in case.panel.members:
                raise _error(PermissionDenied, N_("{user} chairs the panel of case {case} but is not a member: the "
                                                  "chair records a consensus where members disagree"),
                             user=self.user.name, case=case_id)
            assessments = submission(case, bid_id, self.user.name, INDIVIDUAL, rows)
        return self._store_assessments(case, [(assessments, "desk", None)])

    def record_consensus(self, case_id: str, bid_id: str, rows: list[dict]) -> int:
        """The chair's consensus on criteria of one bid (rows as in submit_assessment; once per criterion)."""
        case = self._panelist(case_id, "record consensus", bid_id)
        with self._refusals(case_id, "record consensus"):
            self._chairs(case)
            assessments = submission(case, bid_id, self.user.name, CONSENSUS, rows)
        return self._store_assessments(case, [(assessments, "desk", None)])

    def import_assessments(self, case_id: str, files: list[tuple[str, bytes]]) -> int:
        """Assessment CSV files ((name, bytes) each), read as `evaluate --assessments` reads them, against the
        case's framework, panel and bids; every row's assessor has declared and is free of the bid. A member
        imports their own rows (the local user, who holds every role, anyone's). Returns the rows stored."""
        with self._refusals(case_id, "import assessments"):
            self._require("assess bids")
            for name, content in files:  # refused before it is read
                if len(content) > ASSESSMENTS_LIMIT:
                    raise too_large(Path(name).name)
            case = self._panel_case(case_id)
            batches = [(read_assessments(Path(name).name, content, case.framework, case.panel, case.bids),
                        Path(name).name, content) for name, content in files]
            refuse_repeats(tuple(a for batch in batches for a in batch[0]))
            for assessments, _what, _source in batches:
                self._own_rows(assessments)
        return self._store_assessments(case, batches)

    def panel_assessments(self, case_id: str, bid_id: str) -> list[dict]:
        """Every assessment of one bid: for the chair at any time, for a member only once they submitted theirs
        (the panel assesses blind)."""
        case = self._panelist(case_id, "read the panel's assessments", bid_id)
        with reading(self.store.engine) as connection:
            rows = records.case_assessment_rows(connection, case_id, bid_id)
        with self._refusals(case_id, "read the panel's assessments"):
            if self.user.name != case.panel.chair and not any(
                    row.assessor == self.user.name and row.stage == INDIVIDUAL for row in rows):
                raise _error(PermissionDenied, N_("{user} sees the others' assessments of bid {bid} only after "
                                                  "submitting their own (the panel assesses blind)"),
                             user=self.user.name, bid=bid_id)
        return [shown(row) for row in rows]

    def panel_agreement(self, case_id: str) -> dict:
        """For the chair: per bid (open disagreements first) the criteria members answered differently and
        Krippendorff's alpha, and alpha overall (scoring.agreement); bids the chair is conflicted with left out."""
        case = self._panelist(case_id, "read the panel's agreement")
        with self._refusals(case_id, "read the panel's agreement"):
            self._chairs(case)
        with reading(self.store.engine) as connection:
            rows = [row for row in records.case_assessment_rows(connection, case_id)
                    if not case.conflicted(self.user.name, row.bid_id)]
        return agreement_of(case, rows).as_dict()

    def _panel_case(self, case_id: str) -> PanelCase:
        """The case as its panel works on it; refused without a panel, or before the case is opened."""
        framework, _sha, tender, _tender_sha = self._case_settings(case_id)
        with reading(self.store.engine) as connection:
            state = _case_row(connection, case_id).state
            declared = {row.person: tuple(json.loads(row.conflicts))
                        for row in records.case_declaration_rows(connection, case_id)}
        if tender.panel is None:
            raise _refusal(case_id, N_("the tender declares no panel (panel: chair, members, conflicts)"))
        if state in ("draft", "bids received"):
            raise _refusal(case_id, N_("the case is {state}: the panel starts once it is opened (the bids fixed)"),
                           state=state)
        return PanelCase(case_id, framework, tender.panel, self._case_bid_set(case_id), declared)

    def _panelist(self, case_id: str, action: str, bid_id: str | None = None) -> PanelCase:
        """The case, for a member or the chair who has declared (and, with `bid_id`, is free of that bid)."""
        with self._refusals(case_id, action):
            self._require("assess bids")
            case = self._panel_case(case_id)
            self._sits(case)
            if self.user.name not in case.declared:
                raise _error(PermissionDenied, N_("{user} has not declared their conflicts of interest in case {case}: "
                                                  "declare them (case declare) before seeing any bid"),
                             user=self.user.name, case=case_id)
            if bid_id is not None:
                case.bid(bid_id)
                if case.conflicted(self.user.name, bid_id):
                    raise _error(PermissionDenied, N_("{user} declared a conflict of interest with bid {bid}, so may "
                                                      "neither see nor assess it"), user=self.user.name, bid=bid_id)
        return case

    def _sits(self, case: PanelCase) -> None:
        if not case.panel.sits(self.user.name):
            raise _error(PermissionDenied, N_("{user} is not on the panel of case {case} ({panel})"),
                         user=self.user.name, case=case.case_id, panel=case.panel.describe())

    def _chairs(self, case: PanelCase) -> None:
        if self.user.name != case.panel.chair:
            raise _error(PermissionDenied, N_("only the chair of the panel, {chair}, may do this in case {case}"),
                         chair=case.panel.chair, case=case.case_id)

    def _own_rows(self, assessments: tuple[Assessment, ...]) -> None:
        """A member imports their own rows; the local user (single-user mode) imports anyone's."""
        other = next((a for a in assessments if a.assessor != self.user.name), None)
        if other is not None and self.user.name != LOCAL_USER:
            raise _error(PermissionDenied, N_("{location}: a row of {assessor}; {user} imports their own assessments "
                                              "only"), location=other.location, assessor=other.assessor,
                         user=self.user.name)

    def _store_assessments(self, case: PanelCase, batches: Sequence[Batch]) -> int:
        """Store assessments in one transaction, with an "assessment submitted" entry per assessor, bid and
        stage; refused after an evaluation was approved, for an assessor who has not declared or is conflicted,
        for a member's second submission on a bid, for a consensus recorded already, and for a consensus where no
        members disagree (refuse_undisputed). An evaluated case goes back to opened (evaluate it again)."""
        with self._case_change(case.case_id, "store assessments") as (connection, row):
            for assessments, _what, _source in batches:
                check_assessors(case, assessments)
            if row.state not in ("opened", "evaluated"):
                raise _refusal(case.case_id, N_("the case is {state}: assessments can no longer change"),
                               state=row.state)
            stored = records.case_assessment_rows(connection, case.case_id)
            refuse_stored(stored, batches)
            refuse_undisputed(case, stored, batches)
            at = self.clock()
            for assessments, source, content in batches:
                sha = None if content is None else _sha256_bytes(content)
                records.put_files(connection, {sha: content} if sha and content is not None else {})
                records.put_assessments(connection, [
                    {"case_id": case.case_id, **stored_values(case.framework, a), "submitted_by": self.user.name,
                     "submitted_at": at, "source": source, "source_sha256": sha} for a in assessments])
                self._assessment_entries(connection, case.case_id, assessments, {"source": source, "sha256": sha})
            if row.state == "evaluated":
                records.update_case(connection, case.case_id, state="opened")
        return sum(len(assessments) for assessments, _what, _source in batches)

    def _assessment_entries(self, connection, case_id: str, assessments: tuple[Assessment, ...], source: dict) -> None:
        groups: dict[tuple[str, str, str], list[Assessment]] = {}
        for a in assessments:
            groups.setdefault((a.assessor, a.bid_id, a.stage), []).append(a)
        for (assessor, bid_id, stage), group in sorted(groups.items()):
            accepted = sum(a.assessed is None for a in group)
            audit.append(connection, self.clock(), self.user.name, "assessment submitted", {
                "case": case_id, "bid_id": bid_id, "assessor": assessor, "stage": stage, "criteria": len(group),
                "accepted": accepted, "assessed": len(group) - accepted, **source})

    # -- admin --------------------------------------------------------------------------------------
    def users(self) -> list[dict]:
        """The users table: name, roles and grants of every user an admin set (or sign-in seeded), by name."""
        self._require("manage users")
        with reading(self.store.engine) as connection:
            return [{"name": row.name, "roles": records.listed(row.roles), "grants": records.listed(row.grants)}
                    for row in records.user_rows(connection)]

    def change_user(self, name: str, roles: tuple[str, ...] = (), grants: tuple[str, ...] = (),
                    remove: tuple[str, ...] = ()) -> dict:
        """Give a user roles and grants, or take roles or grants away (`remove`); a new user is made. Read and
        written in one transaction, so two admins' changes never undo each other. Returns the user as stored."""
        self._require("manage users")
        name = name.strip()
        if not name:
            raise _error(ConfigurationError, N_("a user needs a name (the e-mail address or subject they sign in "
                                                "with)"), "user")
        if len(name) > USER_NAME_LIMIT or not name.isprintable():
            raise _error(ConfigurationError, N_("a user's name is the e-mail address or subject they sign in with: at "
                                                "most {limit} characters, without tabs, line breaks or control "
                                                "characters"), "user", limit=USER_NAME_LIMIT)
        for kind, given, known in (("role", roles, ROLES), ("grant", grants, GRANTS)):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ConfigurationError(f"--{kind}", f"unknown {kind} {', '.join(unknown)} "
                                                      f"({kind}s: {', '.join(known)})")
        with writing(self.store.engine) as connection:
            row = records.user_row(connection, name)
            held_roles = set(records.listed(row.roles)) if row else set()
            held_grants = set(records.listed(row.grants)) if row else set()
            if row is None and remove:
                raise _error(ConfigurationError, N_("there is no user {name} (python -m evaluator users list)"),
                             "user", name=name)
            absent = sorted(set(remove) - held_roles - held_grants)
            if absent:
                raise _error(ConfigurationError, N_("{name} does not hold {roles}"), "user", name=name,
                             roles=", ".join(absent))
            now_roles = sorted((held_roles | set(roles)) - set(remove))
            now_grants = sorted((held_grants | set(grants)) - set(remove))
            if "admin" in held_roles - set(now_roles) and not any(
                    "admin" in records.listed(other.roles)
                    for other in records.user_rows(connection) if other.name != name):
                raise _error(ConfigurationError, N_("{name} is the last administrator: give another user the admin "
                                                    "role first, so someone can still manage users"), "user",
                             name=name)
            records.put_user(connection, name, now_roles, now_grants)
            audit.append(connection, self.clock(), self.user.name, "user changed",
                         {"user": name, "roles": now_roles, "grants": now_grants})
        return {"name": name, "roles": now_roles, "grants": now_grants}

    def set_user(self, name: str, roles: list[str], grants: tuple[str, ...] | list[str] = ()) -> None:
        """Give a user exactly these roles and grants."""
        self._require("manage users")
        with reading(self.store.engine) as connection:
            row = records.user_row(connection, name)
        held = (set(records.listed(row.roles)) | set(records.listed(row.grants))) if row else set()
        self.change_user(name, tuple(roles), tuple(grants), remove=tuple(sorted(held - set(roles) - set(grants))))

    def user_changes(self) -> list[dict]:
        """Every change to the users table, oldest first: when, by whom, the user and what they hold since."""
        self._require("manage users")
        with reading(self.store.engine) as connection:
            rows = audit.entries_of(connection, "user changed")
        return [{"at": row.at, "by": row.actor, **json.loads(row.detail)} for row in rows]


def _report_entry(evaluation_id: str, outputs: dict[str, str], stored_request: str,
                  audit_head: str | None = None) -> tuple[str, dict]:
    """The "report generated" entry: every output's hash, the request as stored, and, when PDFs were made,
    the audit head they print."""
    return "report generated", {"evaluation": evaluation_id, "outputs": outputs,
                                "request_sha256": _sha256(stored_request),
                                **({"audit_head": audit_head} if audit_head is not None else {})}


# -- background renderings ---------------------------------------------------------------------------
REPORT_STALE_S = 30  # a "running" job whose heartbeat is older is shown as stopped (its process is gone)
RUNNER = logs.INSTANCE  # host:pid
_RENDERING: dict[tuple[str, str], threading.Thread] = {}  # (store URL, evaluation id) -> the thread rendering it
_RENDERING_LOCK = threading.Lock()


def _alive(job) -> bool:
    return time.time() - job.beat < REPORT_STALE_S


def _has_pdfs(outputs: dict[str, str]) -> bool:
    """Whether an evaluation's stored outputs hold its PDFs (stored together, in one transaction)."""
    return any(name.endswith(".pdf") for name in outputs)


def wait_for_reports(timeout: float = 300) -> None:
    """Wait until this process renders nothing in the background (tests, and a clean shutdown)."""
    deadline = time.monotonic() + timeout
    while True:
        with _RENDERING_LOCK:
            threads = list(_RENDERING.values())
        if not threads or time.monotonic() > deadline:
            return
        threads[0].join(max(0.0, deadline - time.monotonic()))


# -- tender cases -------------------------------------------------------------------------------------
def _refusal(case_id: str, message: str, **values) -> ConfigurationError:
    """A refusal about a case, in the user's language; `message` is the English (marked N_) with {values}."""
    return _error(ConfigurationError, message, where=(N_("case {id}"), {"id": case_id}), **values)


def _error(kind: type[EvaluatorError], message: str, where: tuple[str, dict] | str | None = None, **values):
    """An error whose message (English, marked N_, with {values}) is in the user's language; its English text
    is kept as `english`: the audit log records refusals in English, whatever the user reads (_reason)."""
    text, english = _(message).format(**values), message.format(**values)
    if where is None:
        error = kind(text)
    else:
        place, shown = (where, where) if isinstance(where, str) else \
            (_(where[0]).format(**where[1]), where[0].format(**where[1]))
        error, english = kind(place, text), f"{shown}: {english}"
    error.english = english
    return error


def _reason(error: Exception) -> str:
    """What the audit log records of a refusal: its English text when it has one."""
    return getattr(error, "english", None) or str(error)


def _declared_already(case_id: str, person: str) -> ConfigurationError:
    return _refusal(case_id, N_("{person} declared their conflicts already: a declaration is made once"),
                    person=person)


def _case_row(connection, case_id: str):
    row = records.case_row(connection, case_id)
    if row is None:
        raise _refusal(case_id, N_("no such case in the store (python -m evaluator case list)"))
    return row


def _case_evaluation(connection, link):
    row = records.evaluation_row(connection, link.evaluation_id)
    if row is None:
        raise _error(UnknownEvaluation, N_("no evaluation {id} in the store"), id=repr(link.evaluation_id))
    return row


def _case_tender(framework: Framework, framework_sha256: str, content: bytes, name: str,
                 letter_template: bytes | None) -> tuple[Tender, dict[str, tuple[str, bytes]]]:
    """A tender file for a case, checked against the case's framework as an evaluation would check it, with
    the files stored with this version (TENDER_FILES: the name the tender gives each, and its bytes): its own
    letter template (given with it, checked now) and a combined tender's capability framework (the bundled
    file it names, read now and frozen: evaluations never read it from disk again)."""
    tender = parse_document(content, Tender, name)
    files: dict[str, tuple[str, bytes]] = {}
    if tender.capability is not None:
        capability = _capability_file(tender.capability.framework).read_bytes()
        parse_document(capability, Framework, tender.capability.framework)  # refused now if it cannot be used
        files["capability"] = (tender.capability.framework, capability)
    if (tender.letter_template is None) != (letter_template is None):
        raise _error(ConfigurationError, N_("the tender names the letter_template {file}, which was not given with it")
                     if letter_template is None else
                     N_("a letter template was given, but the tender names no letter_template"), name,
                     file=tender.letter_template)
    if tender.letter_template is not None and letter_template is not None:
        checked_letter_template(letter_template_name(name, tender.letter_template), letter_template)
        files["letter_template"] = (tender.letter_template, letter_template)
    resolve_settings(framework, tender, Overrides(), tender_where=name,
                     schemes=load_schemes() if tender.certifications else None, framework_sha256=framework_sha256)
    return tender, files


def _kept_letter_template(connection, previous, content: bytes, name: str) -> bytes | None:
    """The previous version's stored letter template, when the new version names the same one (a form edit
    changes the tender, not its template); else None."""
    named = parse_document(content, Tender, name).letter_template
    if named is None or named != previous.letter_template_name or previous.letter_template_sha256 is None:
        return None
    return records.file_content(connection, previous.letter_template_sha256)


def _put_tender_files(connection, files: dict[str, tuple[str, bytes]]) -> dict[str, str]:
    """A tender version's files stored; its case_tenders columns ({part}_name, {part}_sha256)."""
    records.put_files(connection, {_sha256_bytes(content): content for _name, content in files.values()})
    return {column: value for part, (name, content) in files.items()
            for column, value in ((f"{part}_name", name), (f"{part}_sha256", _sha256_bytes(content)))}


def _tender_files_entry(row) -> dict:
    """A tender version's stored files as `case show` lists them: {part: {"file", "sha256"} or None}."""
    return {part: None if getattr(row, f"{part}_sha256") is None else
            {"file": getattr(row, f"{part}_name"), "sha256": getattr(row, f"{part}_sha256")}
            for part in TENDER_FILES}


def _tender_file_names(row) -> dict[str, str]:
    """A tender version's stored files by the names an evaluation reads them under -> SHA-256: the letter
    template beside tender/<name>, the capability framework as the tender names it."""
    names = {}
    if row.letter_template_sha256:
        names[letter_template_name(f"tender/{row.name}", row.letter_template_name)] = row.letter_template_sha256
    if row.capability_sha256:
        names[row.capability_name] = row.capability_sha256
    return names


TENDER_FILES = ("letter_template", "capability")  # stored with a case's tender version (migration 0004)


@functools.lru_cache(maxsize=64)
def _framework_file(content: bytes, name: str) -> Framework:
    """A stored framework version, parsed once a process: its bytes never change (the store keeps a file by its
    SHA-256), and the officer's and analyst's pages list the versions at every run."""
    return parse_document(content, Framework, name)


def _unique_version(connection, framework: Framework, sha256: str) -> None:
    """No other stored file is the same framework id and version: a version names one file."""
    for row in records.version_rows(connection, "framework"):
        if row.name == framework.id and row.sha256 != sha256 and _framework_file(
                records.file_content(connection, row.sha256), row.name).version == framework.version:
            raise _error(ConfigurationError, N_("another file is stored as {framework} {version} (sha256 {sha256}): "
                                                "give this one a version of its own"), framework.id,
                         framework=framework.id, version=framework.version, sha256=row.sha256)


def _in_english(function, *arguments):
    """What `function` says, in English whatever the user reads: for the audit log."""
    with i18n.using(i18n.SOURCE_LANGUAGE):
        return function(*arguments)


def _framework_version(connection, sha256: str) -> bytes | None:
    """A framework file by its SHA-256: from the store, else a bundled one; None when neither has it."""
    if records.has_version(connection, sha256):
        return records.file_content(connection, sha256)
    for path in sorted((REPOSITORY / "frameworks").glob("*.yaml")):
        content = path.read_bytes()
        if _sha256_bytes(content) == sha256:
            return content
    return None


def _capability_file(name: str) -> Path:
    """A combined tender's capability framework: a bundled framework, named relative to the repository (or
    to where the command runs); each evaluation records it with its SHA-256 like any input."""
    for path in (Path(name), REPOSITORY / name):
        if path.is_file() and not path.is_symlink():
            return path
    raise _error(ConfigurationError, N_("the tender's capability framework is not a bundled framework file"), name)


def _case_bid_names(bids) -> dict[str, str]:
    """Current bids by the name an evaluation gives them -> SHA-256: bids/<name>, or
    bids/<12 digits of the SHA-256>-<name> when two bids share a name."""
    return {(f"bids/{bid.name}" if sum(b.name == bid.name for b in bids) == 1 else
             f"bids/{bid.sha256[:12]}-{bid.name}"): bid.sha256 for bid in bids}


def _case_document(connection, row) -> dict:
    case_id = row.id
    tenders = [{"version": t.number, "file": t.name, "sha256": t.sha256, "previous": t.previous,
                "reason": t.reason, "after_opening": bool(t.after_opening), "by": t.created_by, "at": t.created_at,
                **_tender_files_entry(t)}
               for t in records.case_parts(connection, "tenders", case_id)]
    bids = [{"number": b.number, "file": b.name, "sha256": b.sha256, "added_by": b.added_by, "added_at": b.added_at,
             "withdrawn_by": b.withdrawn_by, "withdrawn_at": b.withdrawn_at, "current": b.withdrawn_at is None}
            for b in records.case_parts(connection, "bids", case_id)]
    evaluations = [{"number": e.number, "id": e.evaluation_id, "tender_sha256": e.tender_sha256,
                    "by": e.evaluated_by, "at": e.evaluated_at}
                   for e in records.case_parts(connection, "evaluations", case_id)]
    history = []
    for entry in audit.entries_naming(connection, "case", case_id):
        detail = json.loads(entry.detail)
        history.append({"seq": entry.seq, "when": entry.at, "who": entry.actor, "what": entry.event,
                        "reason": detail.get("reason"), "detail": detail, "hash": entry.hash})
    return {
        "id": case_id, "name": row.name, "state": row.state,
        "framework": {"file": row.framework_name, "sha256": row.framework_sha256},
        "created_by": row.created_by, "created_at": row.created_at,
        "opened_by": row.opened_by, "opened_at": row.opened_at,
        "tender": tenders[-1] if tenders else None, "tender_versions": tenders,
        "changes_after_opening": [t for t in tenders if t["after_opening"]],
        "bids": bids, "evaluations": evaluations,
        "panel": _panel_document(connection, case_id, records.case_parts(connection, "tenders", case_id)[-1]),
        "award": None if row.approved_by is None else {"evaluation": row.approved_evaluation,
                                                       "approved_by": row.approved_by, "approved_at": row.approved_at},
        "letters": None if row.letters_at is None else {"issued_at": row.letters_at,
                                                        "standstill_days": row.standstill_days,
                                                        "standstill_end": row.standstill_end,
                                                        "files": records.case_letter_hashes(connection, case_id)},
        "history": history,
    }


def _version_tender(connection, version) -> Tender:
    """A case's tender version, parsed from its stored bytes."""
    return parse_document(records.file_content(connection, version.sha256), Tender, version.name)


def _panel_csv(connection, case_id: str) -> bytes | None:
    """The case's stored assessments as one canonical CSV (ASSESSMENTS_NAME), or None when there are none."""
    rows = records.case_assessment_rows(connection, case_id)
    return stored_csv(rows) if rows else None


def _declarations(connection, case_id: str) -> list[dict]:
    return [{"person": row.person, "conflicts": json.loads(row.conflicts), "at": row.declared_at}
            for row in records.case_declaration_rows(connection, case_id)]


def _panel_document(connection, case_id: str, version) -> dict | None:
    """The case's panel (its current tender's), the declarations (who, when) and the assessment progress per
    assessor and bid (counts, not contents); None when the tender declares no panel."""
    panel = _version_tender(connection, version).panel
    if panel is None:
        return None
    return {"chair": panel.chair, "members": list(panel.members),
            "conflicts": {person: list(bids) for person, bids in panel.conflicts.items()},
            "declarations": _declarations(connection, case_id),
            "progress": progress(records.case_assessment_rows(connection, case_id))}


def _dossier_inputs(connection, case_id: str, evaluation_ids: list[str]) -> dict[str, bytes]:
    """The dossier's inputs/: every input file of the case's evaluations (each evaluation's own assessments CSV
    among them) and every imported assessments file as received, as inputs/<sha256>-<name> (the name's last
    part), so that each evaluation can be run again and each import checked against its sha256."""
    named = {(sha, name.rsplit("/", 1)[-1]) for evaluation_id in dict.fromkeys(evaluation_ids)
             for name, sha in records.evaluation_file_hashes(connection, evaluation_id, "input").items()}
    named |= {(row.source_sha256, row.source) for row in records.case_assessment_rows(connection, case_id)
              if row.source_sha256}
    return {f"inputs/{sha}-{_safe_name(name)}": records.file_content(connection, sha) for sha, name in sorted(named)}


def _safe_name(name: str) -> str:
    """An original file name as a dossier member name: letters, digits, '.', '_' and '-' only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:120] or "file"


def _sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def request_json(request: Request) -> str:
    return json.dumps(request_fields(request), sort_keys=True)


def load_request(text: str) -> Request:
    data = json.loads(text)
    return Request(**{**data, "inputs": tuple(data["inputs"]), "formats": tuple(data["formats"]),
                      "overrides": Overrides(**data["overrides"]),
                      "tender_changes": tuple(data.get("tender_changes", ()))})


def read_framework(path: str | Path) -> tuple[Framework, str]:
    """A framework file and its SHA-256, for the app's forms (the bundled frameworks): a published reference
    document, not anyone's data, so no role is needed and nothing is logged."""
    return load_framework(path)


def read_tender(path: str | Path) -> tuple[Tender, str]:
    """A tender file and its SHA-256, for the app's forms (the bundled tenders); like read_framework."""
    return load_tender(path)


def certification_schemes() -> Schemes:
    """The bundled certification schemes, which a tender's certification gate is checked against."""
    return load_schemes()


def letter_files(outcome: Outcome) -> dict[str, bytes]:
    """The letters to the bidders among an outcome's files, by their names (letters/<bid_id>.pdf)."""
    return {name: content for name, content in outcome.files.items() if name.startswith(f"{LETTERS}/")}


@dataclass(frozen=True)
class AnalysisInputs:
    """What the analyst's what-ifs start from: a stored evaluation's request, tender and bids (and, in a
    combined tender, the capability side: framework and settings, and the capability answers)."""

    request: Request
    tender: Tender | None
    bids: "BidSet"
    capability: "CapabilityPart | None" = None
    capability_bids: "BidSet | None" = None


# -- one redaction, for results documents and for bids alike -----------------------------------------
HIDDEN = "hidden"


def _bid_key(bid_id, file, sha256, seen: dict) -> tuple:
    """A bid's identity within one evaluation: its bid_id, file and file hash, and which such bid it is."""
    key = (bid_id, file, sha256)
    seen[key] = seen.get(key, -1) + 1
    return (*key, seen[key])


def bidder_names(document_bids: list[dict] | None, bids: "BidSet | None" = None) -> list[str]:
    """The one numbering of redacted bidders: 'Bidder n' by the bid's place in the results document
    (ranking order: ranked, then excluded, then invalid). Without `bids`, the names in the document's
    order; with `bids` (the same evaluation's bids read again), each bid's name, in `bids`' order (bids the
    document does not hold follow, numbered on)."""
    seen: dict = {}
    order = {_bid_key(bid["bid_id"], (bid["source"] or {}).get("file"), (bid["source"] or {}).get("sha256"), seen): i
             for i, bid in enumerate(document_bids or [])}
    if bids is None:
        return [f"Bidder {i + 1}" for i in range(len(order))]
    seen, names, extra = {}, [], len(order)
    for bid in bids.bids:
        position = order.get(_bid_key(bid.bid_id, bid.source.file, bid.source.sha256, seen))
        if position is None:
            position, extra = extra, extra + 1
        names.append(f"Bidder {position + 1}")
    return names


def redacted(document: dict) -> dict:
    """A results document without identities: bidders as 'Bidder n' (bidder_names); no vendor, service,
    price, currency, price points, source file, or error text; capability side likewise."""
    names = bidder_names(document["bids"])
    by_id = {bid["bid_id"]: name for bid, name in zip(document["bids"], names, strict=True)
             if bid["bid_id"] and bid["status"] != "invalid"}
    bids = [{**bid, "bid_id": name, "vendor": name, "service": None, "price": None, "currency": None,
             "price_points": None, "source": None,
             "errors": [{"location": HIDDEN, "message": HIDDEN} for _error in bid["errors"]],
             "tie": None if bid["tie"] is None else {**bid["tie"], "tied_with": [by_id.get(t, HIDDEN) for t in
                                                                               bid["tie"]["tied_with"]]}}
            for bid, name in zip(document["bids"], names, strict=True)]
    hidden = {**document, "bids": bids,
              "summary": {**document["summary"],
                          "rank_1": [by_id.get(b, HIDDEN) for b in document["summary"]["rank_1"]]}}
    if "capability" in document:
        hidden["capability"] = {**document["capability"], "invalid": [
            {"bid_id": by_id.get(entry["bid_id"], HIDDEN), "file": None,
             "errors": [{"location": HIDDEN, "message": HIDDEN} for _error in entry["errors"]]}
            for entry in document["capability"].get("invalid", [])]}
    return hidden


def redacted_bids(bids: "BidSet", names: list[str]) -> "BidSet":
    """Bids without identities, by the same rule as `redacted`: bid_id and vendor become `names`; no
    service, metadata, source file, evidence text, notes or error text; certificates keep scheme, level,
    date and findings (the gate needs them) but lose issuer and reference. Price and currency stay, since a
    priced award cannot be recomputed without them; the analyst workspace shows totals, never a price."""
    import numpy as np

    from evaluator.errors import Problem
    from evaluator.model.bid import BidSet, SourceFile

    headers = tuple(dataclasses.replace(
        bid, bid_id=name, vendor=name, source=SourceFile(HIDDEN, ""), service=None, metadata={},
        errors=tuple(Problem(HIDDEN, HIDDEN) for _error in bid.errors),
        certificates=tuple(dataclasses.replace(c, issuer="", reference="") for c in bid.certificates))
        for bid, name in zip(bids.bids, names, strict=True))
    blank = np.full(bids.evidence.shape, None, object)
    return BidSet(headers, bids.ranks, bids.evidence_quality, blank, blank.copy(), bids.values)



def _providers(given: list[str]) -> list[tuple[str, int | None]]:
    """(provider id, pinned version or None) for each provider asked for ("P" or "P@N"; comma-separated lists
    too), each provider once whatever the case of its id, in the order given; a pinned version wins."""
    asked: dict[str, tuple[str, int | None]] = {}
    for part in (part.strip() for text in given for part in text.split(",")):
        if not part:
            continue
        provider, at, version = part.partition("@")
        if not re.fullmatch(PROVIDER_ID, provider) or (at and not re.fullmatch(r"[1-9][0-9]{0,8}", version)):
            raise _error(ConfigurationError, N_("{text} is not a provider id (letters, digits, . _ -), or one with a "
                                                "version (provider@3)"), "--from-registry", text=repr(part[:80]))
        key = provider.casefold()
        if key not in asked or at:
            asked[key] = (asked.get(key, (provider, None))[0], int(version) if at else None)
    if not asked:
        raise _error(ConfigurationError, N_("no provider given"), "--from-registry")
    return list(asked.values())


def _check_new_version(entry: RegistryEntry, sha256: str, rows: list) -> None:
    """Refuse an assessment registered already, one under another case of a registered id, and one assessed
    before the provider's newest version (versions follow the order assessments were made)."""
    if not rows:
        return
    newest = rows[-1]
    if newest.provider != entry.provider:
        raise _error(ConfigurationError, N_("the registry holds this provider as {provider}; provider ids are matched "
                                            "whatever their case"), entry.provider, provider=newest.provider)
    same = next((row for row in rows if row.sha256 == sha256), None)
    if same is not None:
        raise _error(ConfigurationError, N_("this assessment is registered already (version {version}, sha256 "
                                            "{sha256})"), entry.provider, version=same.version, sha256=sha256)
    if entry.assessed_on.isoformat() < newest.assessed_on:
        raise _error(ConfigurationError, N_("assessed on {date}, before version {version} (assessed {previous}): "
                                            "versions follow the assessments"), entry.provider,
                     date=entry.assessed_on, version=newest.version, previous=newest.assessed_on)


def _registry_version(connection, provider: str, version: int | None) -> tuple[Any, int]:
    """A provider's version (the newest when None) and how many versions it has."""
    rows = registry_store.entry_rows(connection, provider)
    if not rows:
        raise _error(ConfigurationError, N_("no provider of this id is registered"), provider)
    row = rows[-1] if version is None else next((row for row in rows if row.version == version), None)
    if row is None:
        raise _error(ConfigurationError, N_("has no version {version} (versions 1 to {count})"), provider,
                     version=version, count=len(rows))
    return row, len(rows)


def _registry_row(row) -> dict:
    return {key: getattr(row, key) for key in ("provider", "version", "sha256", "previous", "framework", "assessor",
                                               "kind", "assessed_on", "valid_until", "added_by", "added_at")} | \
        {"source": {"file": row.source_name, "sha256": row.source_sha256}}
