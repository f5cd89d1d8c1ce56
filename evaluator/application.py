"""The application layer, the only way the CLI and the app act: every action checks the user's
permission here (not in the UI), goes through the store in one transaction, and leaves an entry in the
audit log. A `Desk` is what one user may do against one store.

Roles: officer (tenders, uploads, evaluations, reports), analyst (frameworks and weights; bid identities
and prices only with the `bid_identities` grant), auditor (reads everything, verifies, reproduces;
changes nothing but the audit log), admin (users and roles).
"""

import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import ConfigurationError, PermissionDenied, UnknownEvaluation
from evaluator.ingest.files import read_bids_for
from evaluator.ingest.responses import ReadOptions
from evaluator.ingest.template import render_template
from evaluator.loading import load_framework, load_schemes, load_tender
from evaluator.model.bid import BidSet
from evaluator.model.certification import Schemes
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides, Settings, Tender
from evaluator.model.times import utc_text
from evaluator.output_files import write_file
from evaluator.pipeline import LETTERS, Outcome, Request, evaluate_request, render_pdfs, run_evaluation, write_outputs
from evaluator.report import charts
from evaluator.report.pdf_report import report_context_for_bid
from evaluator.report.render import RenderWorker
from evaluator.scoring import CapabilityPart, capability_part, evaluate_combined
from evaluator.scoring.robustness import DEFAULT_CONCENTRATION, DEFAULT_DRAWS, DEFAULT_SEED
from evaluator.scoring.robustness import robustness as award_robustness
from evaluator.store import Store, audit, data_root, records, signing
from evaluator.store.database import database_url, reading, writing

ROLES = ("officer", "analyst", "auditor", "admin")
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
}
LOCAL_USER = "local"


@dataclass(frozen=True)
class User:
    name: str
    roles: frozenset[str]
    grants: frozenset[str] = frozenset()

    @classmethod
    def local(cls) -> "User":
        """Single-user local mode (no sign-in configured): one person holds every role."""
        return cls(LOCAL_USER, frozenset(ROLES))


def signed_in_user(store: "Store", claimed: User) -> User:
    """The signed-in user as the users table holds them: an admin's roles and grants (set_user) win; the
    identity provider's claims (`claimed`) only seed a user the table does not know."""
    with reading(store.engine) as connection:
        row = records.user_row(connection, claimed.name)
    if row is None:
        return claimed
    roles = frozenset(role for role in (row.roles or "").split(",") if role in ROLES)
    return User(claimed.name, roles, frozenset(grant for grant in (row.grants or "").split(",") if grant))



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
            raise PermissionDenied(f"{self.user.name} ({', '.join(sorted(self.user.roles)) or 'no role'}) may not "
                                   f"{action}: that needs the role {needed}")

    def _log(self, event: str, detail: dict) -> None:
        with writing(self.store.engine) as connection:
            audit.append(connection, self.clock(), self.user.name, event, detail)

    def sign_in(self) -> None:
        self._log("sign-in", {"roles": sorted(self.user.roles), "grants": sorted(self.user.grants)})

    def note_denied(self, action: str) -> None:
        """Log a refusal the caller shows itself (a page the user may not use), without raising."""
        self._log("permission denied", {"action": action, "roles": sorted(self.user.roles)})

    def sees_identities(self) -> bool:
        """Whether bidders and prices are shown unredacted: a permission of the role (officers, auditors),
        or the bid_identities grant (given to an analyst by an admin)."""
        return self.allowed("see bid identities") or "bid_identities" in self.user.grants

    # -- officer and analyst ------------------------------------------------------------------------
    def upload(self, name: str, content: bytes, root: Path) -> Path:
        """Keep an uploaded bid file (database and data/uploads/<sha256>/<name>) and return its path."""
        self._require("upload bids")
        sha = hashlib.sha256(content).hexdigest()
        path = root / "uploads" / sha / Path(name).name
        write_file(path, content, keep_existing=True)
        with writing(self.store.engine) as connection:
            records.put_files(connection, {sha: content})
            audit.append(connection, self.clock(), self.user.name, "upload",
                         {"file": Path(name).name, "sha256": sha, "size": len(content)})
        return path

    def record_validation(self, files: list[dict]) -> None:
        self._require("upload bids")
        self._log("validation", {"files": files})

    def save_tender(self, tender: Tender, root: Path, previous: str | None = None) -> Path:
        self._require("save a tender version")
        return self._save_version("tender", tender.name or "tender", tender.to_yaml().encode(), root, previous)

    def _save_version(self, kind: str, name: str, content: bytes, root: Path, previous: str | None) -> Path:
        sha = hashlib.sha256(content).hexdigest()
        path = root / f"{kind}s" / f"{sha}.yaml"
        write_file(path, content, keep_existing=True)
        with writing(self.store.engine) as connection:
            records.put_version(connection, kind, name, content, previous, self.user.name, self.clock())
            audit.append(connection, self.clock(), self.user.name, "version created",
                         {"kind": kind, "name": name, "sha256": sha, "previous": previous})
        return path

    def evaluate(self, request: Request, worker: RenderWorker | None = None,
                 out: str | None = None) -> tuple[Outcome, str]:
        """Evaluate and store, in this order, so the store only records what exists and the report can name
        the evaluation's own audit entry: (1) read and score, with the data outputs, (2) write them to `out`
        (when given), (3) store the inputs and data outputs with an "evaluation" entry, (4) render the PDFs,
        which print that entry as the audit head, (5) write them, (6) store them with a "report generated"
        entry; a PDF that cannot be rendered or written leaves a "report failed" entry instead. An
        evaluation with the same settings and input contents as a stored one records nothing new
        (`outcome.recorded` is False), renders its PDFs as they were, and stores them if it had none."""
        self._require("evaluate")
        try:
            outcome = evaluate_request(request)
            evaluation_id = evaluation_key(request, outcome)
            with reading(self.store.engine) as connection:
                stored = records.evaluation_row(connection, evaluation_id)
                recorded_outputs = records.evaluation_file_hashes(connection, evaluation_id, "output")
                own_entry = audit.entry_of(connection, evaluation_id, "evaluation") if stored else None
            if out is not None:
                write_outputs(outcome, out)
            if stored is None and not request.wants_pdf:
                return self._record(outcome, request, evaluation_id), evaluation_id
            if stored is None:
                own_entry = self._record_evaluation(outcome, request, evaluation_id)
            if request.wants_pdf:
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
            raise ConfigurationError(error.where, f"{error.message}; results.json and the other data outputs were "
                                                  f"written and stored as evaluation {evaluation_id}") from None
        if not set(pdfs) <= set(recorded_outputs):
            self._record_report(outcome, request, evaluation_id, data)
        return outcome

    def _record(self, outcome: Outcome, request: Request, evaluation_id: str) -> Outcome:
        """A data-only evaluation: stored with both entries in one transaction."""
        with writing(self.store.engine) as connection:
            self._put_evaluation(connection, outcome, request, evaluation_id)
            self._report_entry(connection, outcome, request, evaluation_id, {})
            audit.checkpoint(connection, self.store.signer)
        return outcome

    def _record_evaluation(self, outcome: Outcome, request: Request, evaluation_id: str) -> tuple[int, str]:
        """Store the inputs and data outputs with the "evaluation" entry; returns that entry (seq, hash)."""
        with writing(self.store.engine) as connection:
            self._put_evaluation(connection, outcome, request, evaluation_id)
            audit.checkpoint(connection, self.store.signer)
            return audit.head_entry(connection)

    def _record_report(self, outcome: Outcome, request: Request, evaluation_id: str, data: dict) -> None:
        """Store the PDFs (written by now) with the "report generated" entry and the head they print."""
        pdfs = {name: content for name, content in outcome.files.items() if name not in data}
        with writing(self.store.engine) as connection:
            records.add_outputs(connection, evaluation_id, pdfs, request_json(request))
            self._report_entry(connection, outcome, request, evaluation_id, pdfs)
            audit.checkpoint(connection, self.store.signer)

    def _put_evaluation(self, connection, outcome: Outcome, request: Request, evaluation_id: str) -> None:
        outputs = _hashes(outcome.files)
        records.put_files(connection, {**outcome.submissions, **{outputs[n]: c for n, c in outcome.files.items()}})
        records.put_evaluation(connection, evaluation_id, request.evaluated_at, self.user.name, request_json(request),
                               outputs.get("results.json", ""), outcome.inputs, outputs, outcome.refused)
        summary = outcome.document["summary"]
        audit.append(connection, self.clock(), self.user.name, "evaluation", {
            "evaluation": evaluation_id, "request_sha256": _sha256(request_json(request)), "inputs": outcome.inputs,
            **({"refused": sorted(outcome.refused)} if outcome.refused else {}), "outputs": outputs,
            **{key: summary[key] for key in ("bids", "ranked", "excluded", "invalid", "rank_1")}})

    def _report_entry(self, connection, outcome: Outcome, request: Request, evaluation_id: str, pdfs: dict) -> None:
        audit.append(connection, self.clock(), self.user.name, "report generated", {
            "evaluation": evaluation_id, "outputs": _hashes(outcome.files),
            "request_sha256": _sha256(request_json(request)),
            **({"audit_head": request.audit_head} if pdfs else {})})

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
            framework, _ = load_framework(located(request.framework, stored))
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
        return render_template(framework, framework_sha256, settings)

    def read_uploads(self, paths: list[str], frameworks: list[Framework], formulas: str = "refuse") -> list[BidSet]:
        """Read and validate kept bid files, each given to the framework whose criteria it answers (the
        tender's framework, then a combined tender's capability framework): one BidSet per framework. The
        page logs each validation outcome once (record_validation), not every read."""
        self._require("upload bids")
        return read_bids_for(list(paths), list(frameworks), ReadOptions(formulas=formulas))

    def evaluate_tender(self, framework_path: str, tender: Tender, files: list[str], root: Path,
                        letters: bool = True) -> tuple[Outcome, str]:
        """The officer's evaluation in the app: the tender saved as a version, then `files` evaluated with
        every output, at this desk's clock time; see `evaluate`."""
        self._require("evaluate")
        request = Request(framework=framework_path, tender=str(self.save_tender(tender, root)), inputs=tuple(files),
                          letters=letters, evaluated_at=self.clock())
        return self.evaluate(request)

    def bid_detail(self, outcome: Outcome, position: int) -> dict:
        """The drill-down of the results document's bid at `position`: its level profile and weighted
        contributions (SVG) and the answers that set each objective's level, as the report shows them."""
        self._require("read evaluations")
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
        return award_robustness(evaluation, draws, concentration, seed)

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
        self._log("reproduce", {"evaluation": evaluation_id, "identical": all(a == b for _, a, b in rows)})
        return rows

    @staticmethod
    def _row(connection, evaluation_id: str):
        row = records.evaluation_row(connection, evaluation_id)
        if row is None:
            raise UnknownEvaluation(f"no evaluation {evaluation_id!r} in the store")
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

    # -- admin --------------------------------------------------------------------------------------
    def set_user(self, name: str, roles: list[str], grants: tuple[str, ...] | list[str] = ()) -> None:
        self._require("manage users")
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)} (roles: {', '.join(ROLES)})")
        with writing(self.store.engine) as connection:
            records.put_user(connection, name, list(roles), list(grants))
            audit.append(connection, self.clock(), self.user.name, "user changed",
                         {"user": name, "roles": sorted(roles), "grants": sorted(grants)})


def evaluation_key(request: Request, outcome: Outcome) -> str:
    """The stored evaluation's id: its settings (not where the outputs go, nor the audit head its report
    prints) and the contents of every input, so the same command on changed files is a new evaluation."""
    key = {"request": dataclasses.asdict(dataclasses.replace(request, out="", audit_head="")),
           "inputs": outcome.inputs, "refused": sorted(outcome.refused)}
    return _sha256(json.dumps(key, sort_keys=True))[:16]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def request_json(request: Request) -> str:
    return json.dumps(dataclasses.asdict(request), sort_keys=True)


def load_request(text: str) -> Request:
    data = json.loads(text)
    return Request(**{**data, "inputs": tuple(data["inputs"]), "formats": tuple(data["formats"]),
                      "overrides": Overrides(**data["overrides"])})


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
             "errors": [{"location": HIDDEN, "message": HIDDEN} for _ in bid["errors"]],
             "tie": None if bid["tie"] is None else {**bid["tie"], "tied_with": [by_id.get(t, HIDDEN) for t in
                                                                               bid["tie"]["tied_with"]]}}
            for bid, name in zip(document["bids"], names, strict=True)]
    hidden = {**document, "bids": bids,
              "summary": {**document["summary"],
                          "rank_1": [by_id.get(b, HIDDEN) for b in document["summary"]["rank_1"]]}}
    if "capability" in document:
        hidden["capability"] = {**document["capability"], "invalid": [
            {"bid_id": by_id.get(entry["bid_id"], HIDDEN), "file": None,
             "errors": [{"location": HIDDEN, "message": HIDDEN} for _ in entry["errors"]]}
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
        errors=tuple(Problem(HIDDEN, HIDDEN) for _ in bid.errors),
        certificates=tuple(dataclasses.replace(c, issuer="", reference="") for c in bid.certificates))
        for bid, name in zip(bids.bids, names, strict=True))
    blank = np.full(bids.evidence.shape, None, object)
    return BidSet(headers, bids.ranks, bids.evidence_quality, blank, blank.copy(), bids.values)

