"""The provider assessment registry's rows: versioned entries (each a file in `files`) and the entries
tender cases rely on. Callers hold the transaction (see database.writing)."""

import hashlib

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from evaluator.store.records import put_files
from evaluator.store.schema import case_registry, registry_entries


def entry_rows(connection: Connection, provider: str | None = None) -> list:
    """Every registered version (of one provider, whatever the case of its id), by provider then version."""
    query = select(registry_entries)
    if provider is not None:
        query = query.where(func.lower(registry_entries.c.provider) == provider.lower())
    return sorted(connection.execute(query), key=lambda row: (row.provider, row.version))


def put_entry(connection: Connection, content: bytes, previous, source: tuple[str, bytes], actor: str, at: str,
              **fields) -> int:
    """Store an entry's canonical bytes (and the file it was made from) as the provider's next version, linked
    to `previous` (its row, or None for a first assessment); returns the version number."""
    sha, source_sha = hashlib.sha256(content).hexdigest(), hashlib.sha256(source[1]).hexdigest()
    put_files(connection, {sha: content, source_sha: source[1]})
    version = 1 if previous is None else previous.version + 1
    connection.execute(insert(registry_entries).values(
        version=version, sha256=sha, previous=None if previous is None else previous.sha256, source_name=source[0],
        source_sha256=source_sha, added_by=actor, added_at=at, **fields))
    return version


def put_case_registry(connection: Connection, case_id: str, rows: list[dict]) -> None:
    if rows:
        connection.execute(insert(case_registry), [{"case_id": case_id, **row} for row in rows])


def case_registry_rows(connection: Connection, case_id: str | None = None) -> list:
    """The registry entries cases rely on (one case's, when given), by case then provider."""
    query = select(case_registry)
    if case_id is not None:
        query = query.where(case_registry.c.case_id == case_id)
    return list(connection.execute(query.order_by(case_registry.c.case_id, case_registry.c.provider)))
