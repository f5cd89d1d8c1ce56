"""The app's files: uploads, tenders and evaluations kept under one data folder, so that nothing
submitted is lost and every evaluation can be reproduced from what is stored.

    data/uploads/<sha256>/<file name>        every uploaded file, content-addressed
    data/tenders/<sha256>.yaml               every tender version made in the app
    data/evaluations/<id>/                   outputs, submissions/, request.json, manifest.json
"""

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import yaml

from evaluator.model.tender import Overrides, Tender
from evaluator.service import Outcome, Request, run_evaluation, write_outputs

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "data"


def data_root() -> Path:
    return Path(os.environ.get("EVALUATOR_DATA", DEFAULT_ROOT))


def store_upload(name: str, content: bytes, root: Path) -> Path:
    """Keep an uploaded file under its SHA-256 (never overwritten) and return its path."""
    path = root / "uploads" / hashlib.sha256(content).hexdigest() / Path(name).name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return path


def tender_yaml(tender: Tender) -> str:
    """The tender as YAML: only the settings that differ from the defaults, in a stable order."""
    data = tender.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump({"schema_version": 1, **data}, sort_keys=False, allow_unicode=True)


def store_tender(tender: Tender, root: Path) -> Path:
    text = tender_yaml(tender).encode()
    path = root / "tenders" / f"{hashlib.sha256(text).hexdigest()}.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    return path


def evaluation_folder(request: Request, root: Path) -> Path:
    identity = json.dumps(dataclasses.asdict(dataclasses.replace(request, out="")), sort_keys=True).encode()
    return root / "evaluations" / hashlib.sha256(identity).hexdigest()[:16]


def record_evaluation(request: Request, root: Path) -> tuple[Outcome, Path]:
    """Run an evaluation into its own folder, with the request and a manifest of output hashes."""
    folder = evaluation_folder(request, root)
    request = dataclasses.replace(request, out=str(folder))
    outcome = run_evaluation(request)
    write_outputs(outcome, str(folder))
    (folder / "request.json").write_text(json.dumps(dataclasses.asdict(request), indent=2, sort_keys=True))
    (folder / "manifest.json").write_text(json.dumps(_hashes(outcome.files), indent=2, sort_keys=True))
    return outcome, folder


def load_request(folder: Path) -> Request:
    data = json.loads((folder / "request.json").read_text())
    return Request(**{**data, "inputs": tuple(data["inputs"]), "formats": tuple(data["formats"]),
                      "overrides": Overrides(**data["overrides"])})


def reproduce(folder: Path) -> list[tuple[str, str, str]]:
    """Run a recorded evaluation again from its stored inputs; (output, recorded sha, reproduced sha)."""
    recorded = json.loads((folder / "manifest.json").read_text())
    again = _hashes(run_evaluation(load_request(folder)).files)
    return [(name, recorded[name], again.get(name, "missing")) for name in sorted(recorded)]


def recorded_evaluations(root: Path) -> list[Path]:
    """Recorded evaluations, newest evaluation time first."""
    folders = [p for p in (root / "evaluations").glob("*") if (p / "manifest.json").exists()]
    return sorted(folders, key=lambda p: (load_request(p).evaluated_at, p.name), reverse=True)


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())}
