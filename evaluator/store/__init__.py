"""Persistence: content-addressed files, versions, evaluations, users and the hash-chained audit log."""

import os
from pathlib import Path

from evaluator.store import signing
from evaluator.store.database import database_url, open_engine

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "data"


def data_root() -> Path:
    """Where the default SQLite store and kept uploads live: EVALUATOR_DATA, else data/ in the checkout."""
    return Path(os.environ.get("EVALUATOR_DATA", DEFAULT_ROOT))


class Store:
    """One database (SQLite file by default, PostgreSQL with EVALUATOR_DATABASE_URL)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url(data_root())
        self.engine = open_engine(self.url)
        self.signer = signing.signer_from_environment()  # EVALUATOR_AUDIT_KEY: signs the head after evaluations
