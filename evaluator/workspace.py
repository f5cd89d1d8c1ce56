"""The service layer the CLI and the app share: every action checks the user's role here (not in the
UI), goes through the store in one transaction, and leaves an entry in the audit log.

Roles: officer (tenders, uploads, evaluations, reports), analyst (frameworks and weights; bid identities
and prices only with the `bid_identities` grant), auditor (reads everything, verifies, reproduces;
changes nothing but the audit log), admin (users and roles).
"""

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from evaluator.model.tender import Overrides, Tender
from evaluator.report.render import RenderWorker
from evaluator.service import Outcome, Request, run_evaluation, write_atomically
from evaluator.store import audit, records
from evaluator.store.database import database_url, open_engine, reading, writing

ROLES = ("officer", "analyst", "auditor", "admin")
PERMISSIONS = {
    "upload bids": {"officer"},
    "evaluate": {"officer"},
    "save a tender version": {"officer", "analyst"},
    "save a framework version": {"analyst"},
    "read evaluations": {"officer", "auditor", "analyst"},
    "download outputs": {"officer", "auditor"},
    "reproduce an evaluation": {"auditor"},
    "verify the audit log": {"auditor", "admin"},
    "manage users": {"admin"},
}
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "data"
LOCAL_USER = "local"


class PermissionDenied(Exception):
    """The user's roles do not allow the action; the attempt is in the audit log."""


@dataclass(frozen=True)
class User:
    name: str
    roles: frozenset[str]
    grants: frozenset[str] = frozenset()

    @classmethod
    def local(cls) -> "User":
        """Single-user local mode (no sign-in configured): one person holds every role."""
        return cls(LOCAL_USER, frozenset(ROLES))


def data_root() -> Path:
    return Path(os.environ.get("EVALUATOR_DATA", DEFAULT_ROOT))


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One database (SQLite file by default, PostgreSQL with EVALUATOR_DATABASE_URL)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url(data_root())
        self.engine = open_engine(self.url)


class Workspace:
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
        self._log("sign-in", {"roles": sorted(self.user.roles)})

    # -- officer and analyst ------------------------------------------------------------------------
    def upload(self, name: str, content: bytes, root: Path) -> Path:
        """Keep an uploaded bid file (database and data/uploads/<sha256>/<name>) and return its path."""
        self._require("upload bids")
        sha = hashlib.sha256(content).hexdigest()
        path = root / "uploads" / sha / Path(name).name
        write_atomically(path, content, replace=False)
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
        return self._save_version("tender", tender.name or "tender", tender_yaml(tender).encode(), root, previous)

    def save_framework(self, content: bytes, name: str, root: Path, previous: str | None = None) -> Path:
        self._require("save a framework version")
        return self._save_version("framework", name, content, root, previous)

    def _save_version(self, kind: str, name: str, content: bytes, root: Path, previous: str | None) -> Path:
        sha = hashlib.sha256(content).hexdigest()
        path = root / f"{kind}s" / f"{sha}.yaml"
        write_atomically(path, content, replace=False)
        with writing(self.store.engine) as connection:
            records.put_version(connection, kind, name, content, previous, self.user.name, self.clock())
            audit.append(connection, self.clock(), self.user.name, "version created",
                         {"kind": kind, "name": name, "sha256": sha, "previous": previous})
        return path

    def evaluate(self, request: Request, worker: RenderWorker | None = None) -> tuple[Outcome, str]:
        """Run an evaluation and store it whole: inputs, outputs, the request, and two audit entries."""
        self._require("evaluate")
        if not request.audit_head:  # a re-run of a printed command keeps the head it names
            with reading(self.store.engine) as connection:
                request = dataclasses.replace(request, audit_head=audit.head(connection))
        outcome = run_evaluation(request, worker)
        evaluation_id = evaluation_key(request)
        outputs = {name: hashlib.sha256(content).hexdigest() for name, content in outcome.files.items()}
        summary = outcome.document["summary"]
        with writing(self.store.engine) as connection:
            if not records.has_evaluation(connection, evaluation_id):
                records.put_files(connection, {**outcome.submissions, **{outputs[n]: c for n, c in outcome.files.items()}})
                records.put_evaluation(connection, evaluation_id, request.evaluated_at, self.user.name,
                                       request_json(request), outputs.get("results.json", ""), outcome.inputs,
                                       outputs)
                at = self.clock()
                audit.append(connection, at, self.user.name, "evaluation", {
                    "evaluation": evaluation_id, "inputs": outcome.inputs,
                    **{key: summary[key] for key in ("bids", "ranked", "excluded", "invalid", "rank_1")}})
                audit.append(connection, at, self.user.name, "report generated",
                             {"evaluation": evaluation_id, "outputs": outputs})
        return outcome, evaluation_id

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
            sha = records.evaluation_row(connection, evaluation_id).results_sha256
            document = json.loads(records.file_content(connection, sha))
        sees_identities = self.user.roles & {"officer", "auditor"} or "bid_identities" in self.user.grants
        return document if sees_identities else anonymised(document)

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

    def analysis_bids(self, evaluation_id: str):
        """A stored evaluation's framework path and bids, read again from its stored inputs, for the
        analyst's what-ifs; anonymous (no identities, no prices) without the bid_identities grant."""
        self._require("read evaluations")
        from evaluator.ingest.files import located, read_bids
        from evaluator.model.framework import load_framework

        with self._stored_inputs(evaluation_id) as (request, folder):
            framework, _ = load_framework(located(request.framework, folder))
            bids = read_bids(list(request.inputs), framework, base=folder)
        sees_identities = self.user.roles & {"officer", "auditor"} or "bid_identities" in self.user.grants
        if not sees_identities:
            bids = bids.with_bids(tuple(dataclasses.replace(bid, bid_id=f"Bidder {i + 1}", vendor=f"Bidder {i + 1}",
                                                            service=None, price=None, currency=None, metadata={})
                                        for i, bid in enumerate(bids.bids)))
        return request, bids

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

    @contextmanager
    def _stored_inputs(self, evaluation_id: str):
        """The evaluation's request, and a temporary folder holding its stored inputs under their names."""
        with reading(self.store.engine) as connection:
            row = records.evaluation_row(connection, evaluation_id)
            if row is None:
                raise KeyError(f"no evaluation {evaluation_id!r} in the store")
            contents = {name: records.file_content(connection, sha)
                        for name, sha in records.evaluation_file_hashes(connection, evaluation_id, "input").items()}
        with tempfile.TemporaryDirectory() as folder:
            for name, content in contents.items():
                write_atomically(Path(folder) / name.lstrip("/"), content, replace=True)
            yield load_request(row.request), Path(folder)

    def verify_audit(self) -> tuple[int, audit.Broken | None, str]:
        """(entries checked, first broken link or None, chain head)."""
        self._require("verify the audit log")
        with reading(self.store.engine) as connection:
            checked, broken = audit.verify(connection)
            return checked, broken, audit.head(connection)

    # -- admin --------------------------------------------------------------------------------------
    def set_user(self, name: str, roles: list[str], grants: list[str] = ()) -> None:
        self._require("manage users")
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)} (roles: {', '.join(ROLES)})")
        with writing(self.store.engine) as connection:
            records.put_user(connection, name, list(roles), list(grants))
            audit.append(connection, self.clock(), self.user.name, "user changed",
                         {"user": name, "roles": sorted(roles), "grants": sorted(grants)})


def evaluation_key(request: Request) -> str:
    return hashlib.sha256(request_json(dataclasses.replace(request, out="")).encode()).hexdigest()[:16]


def request_json(request: Request) -> str:
    return json.dumps(dataclasses.asdict(request), sort_keys=True)


def load_request(text: str) -> Request:
    data = json.loads(text)
    return Request(**{**data, "inputs": tuple(data["inputs"]), "formats": tuple(data["formats"]),
                      "overrides": Overrides(**data["overrides"])})


def tender_yaml(tender: Tender) -> str:
    """The tender as YAML: only the settings that differ from the defaults, in a stable order."""
    data = tender.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump({"schema_version": 1, **data}, sort_keys=False, allow_unicode=True)


def anonymised(document: dict) -> dict:
    """Bidders as 'Bidder 1', 'Bidder 2', … in ranking order; no prices, files or error texts."""
    names = {bid["bid_id"]: f"Bidder {i + 1}" for i, bid in enumerate(document["bids"])}
    bids = [{**bid, "bid_id": names[bid["bid_id"]], "vendor": names[bid["bid_id"]], "service": None, "price": None,
             "currency": None, "price_points": None, "source": None,
             "errors": [{"location": "hidden", "message": "hidden"} for _ in bid["errors"]],
             "tie": None if bid["tie"] is None else {**bid["tie"], "tied_with": [names.get(t, "?") for t in
                                                                               bid["tie"]["tied_with"]]}}
            for bid in document["bids"]]
    return {**document, "bids": bids, "summary": {**document["summary"],
                                                  "rank_1": [names[b] for b in document["summary"]["rank_1"]]}}
