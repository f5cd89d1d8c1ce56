"""Loading framework, tender, certification-scheme and crosswalk files from disk: the adapter around the
pure model, which only parses bytes (model.documents.parse_document)."""

import hashlib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from evaluator.errors import ConfigurationError
from evaluator.i18n import _
from evaluator.model.certification import SCHEMES_NAME, Schemes
from evaluator.model.crosswalk import Crosswalk
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework
from evaluator.model.tender import Tender

ROOT = Path(__file__).resolve().parents[1]
SCHEMES_FILE = ROOT / SCHEMES_NAME  # the bundled certification schemes
Document = TypeVar("Document", bound=BaseModel)


def load_document(path: str | Path, cls: type[Document]) -> tuple[Document, str]:
    """Load a YAML file into `cls`; returns the model and the SHA-256 of the file's bytes."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise ConfigurationError(str(path), _("cannot read the file ({reason})").format(reason=error.strerror)) \
            from None
    return parse_document(content, cls, str(path)), hashlib.sha256(content).hexdigest()


def load_framework(path: str | Path) -> tuple[Framework, str]:
    """Load and validate a framework file; returns it with the SHA-256 of its bytes."""
    return load_document(path, Framework)


def load_tender(path: str | Path) -> tuple[Tender, str]:
    return load_document(path, Tender)


def load_schemes(path: Path = SCHEMES_FILE) -> Schemes:
    return load_document(path, Schemes)[0]


def load_crosswalk(path: str | Path) -> Crosswalk:
    return load_document(path, Crosswalk)[0]
