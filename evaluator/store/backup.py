"""Backups, restores and the health check of a store, for operations.

A backup is one deterministic ZIP: data/<table>.jsonl for every table of schema.py (one JSON object a row,
sorted by primary key, bytes as base64) and manifest.json (schema revision, each table's rows and SHA-256,
the audit head). It is read in one transaction, so it is a consistent snapshot; the same content gives the
same bytes, whatever the database. A restore goes into an empty store only, in one transaction, and keeps
it only when every hash matches and the audit chain verifies.
"""

import base64
import hashlib
import json
import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Column,
    LargeBinary,
    String,
    Table,
    create_engine,
    insert,
    inspect,
    literal,
    make_url,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from evaluator.errors import ConfigurationError, StoreError
from evaluator.i18n import _
from evaluator.store import audit
from evaluator.store.database import HEAD_REVISION, plain_reason, safe_url, writing
from evaluator.store.schema import metadata

FORMAT = "evaluator-backup/1"
MANIFEST = "manifest.json"
TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)  # referenced tables first: the order of inserts
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every entry's timestamp, so the same content gives the same bytes
MAX_CONTENT = 64 * 2**30  # decompressed bytes a restore accepts (a zip bomb declares more)
MAX_MANIFEST = 2**20
BATCH_BYTES, BATCH_ROWS = 16 * 2**20, 500  # rows inserted at once


@dataclass(frozen=True)
class Summary:
    """What a backup holds, or what a restore put back."""

    tables: int
    rows: int
    audit_head: tuple[int, str]
    revision: str


def entry_name(table: Table) -> str:
    return f"data/{table.name}.jsonl"


# -- backup ---------------------------------------------------------------------------------------------
def write_backup(engine: Engine, path: Path) -> Summary:
    """Write the whole store to `path` as one ZIP, atomically (a temporary file renamed into place), readable
    by its owner only (it holds every bid, price and user)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.partial")
    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            summary = backup(engine, file)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except OSError as error:
        raise ConfigurationError(str(path), _("cannot write the backup ({reason}); no file was left "
                                              "half-written").format(reason=error.strerror or error)) from None
    finally:
        temporary.unlink(missing_ok=True)
    return summary


def backup(engine: Engine, file: IO[bytes]) -> Summary:
    """Write the ZIP to an open, seekable file; every table read from one snapshot."""
    tables = {}
    with _snapshot(engine) as connection, zipfile.ZipFile(file, "w") as archive:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        for table in sorted(TABLES, key=lambda table: table.name):
            with archive.open(_zip_entry(entry_name(table)), "w", force_zip64=True) as entry:
                tables[table.name] = _write_table(connection, table, entry)
        seq, digest = audit.head_entry(connection)
        manifest = {"format": FORMAT, "revision": revision, "tables": tables,
                    "audit_head": {"seq": seq, "hash": digest}}
        archive.writestr(_zip_entry(MANIFEST), json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Summary(len(tables), sum(table["rows"] for table in tables.values()), (seq, digest), revision)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction (PostgreSQL: REPEATABLE READ; SQLite's read transactions are snapshots)."""
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                yield connection
    except SQLAlchemyError as error:
        raise StoreError(_("the store cannot be read: {reason}").format(reason=plain_reason(error))) from None


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, on every platform
    info.external_attr = 0o644 << 16
    return info


def _write_table(connection: Connection, table: Table, entry: IO[bytes]) -> dict:
    """Stream a table's rows, in primary-key order by code point on every database; its rows and SHA-256."""
    digest, rows = hashlib.sha256(), 0
    query = select(table).order_by(*(_code_point_order(connection, column) for column in table.primary_key))
    if connection.dialect.name == "postgresql":
        query = query.execution_options(stream_results=True, yield_per=100)
    for row in connection.execute(query):
        line = json.dumps({column.name: _exported(column, row._mapping[column.name]) for column in table.columns},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        entry.write(line)
        digest.update(line)
        rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def _code_point_order(connection: Connection, column: Column):
    """PostgreSQL sorts text by its locale; "C" sorts by code point, as SQLite does."""
    if connection.dialect.name == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


def _exported(column: Column, value: Any) -> Any:
    return base64.b64encode(bytes(value)).decode() if isinstance(column.type, LargeBinary) and value is not None \
        else value


# -- restore --------------------------------------------------------------------------------------------
def restore(engine: Engine, path: Path, public_keys: dict | None = None, limit: int = MAX_CONTENT) -> Summary:
    """Restore a backup into the empty store of `engine`, in one transaction: refused (nothing written) when
    the file is not a backup, its hashes or revision do not match, the store holds rows, or the restored
    audit log does not verify (signatures too with `public_keys`)."""
    with _opened(path) as archive:
        manifest = _manifest(archive, path, limit)
        for table in TABLES:
            _check_hash(archive, table, manifest["tables"][table.name], path)
        with writing(engine) as connection:
            _require_empty(connection)
            rows = sum(_insert_table(connection, archive, table, manifest["tables"][table.name]["rows"], path)
                       for table in TABLES)
            head = _verified_head(connection, public_keys)
            expected = manifest["audit_head"]
            if head != (expected["seq"], expected["hash"]):
                raise StoreError(_("the restored audit log ends at entry {seq} {hash}, not at the head "
                                   "{expected_seq} {expected_hash} the manifest names; nothing was restored").format(
                    seq=head[0], hash=head[1], expected_seq=expected["seq"], expected_hash=expected["hash"]))
    return Summary(len(TABLES), rows, head, manifest["revision"])


@contextmanager
def _opened(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ConfigurationError(str(path), _("is not a backup, or is damaged ({error})").format(error=error)) \
            from None
    except OSError as error:
        raise ConfigurationError(str(path), _("cannot be read ({reason})").format(reason=error.strerror or error)) \
            from None


def _manifest(archive: zipfile.ZipFile, path: Path, limit: int) -> dict:
    """The manifest, once the archive holds exactly the expected entries within `limit` decompressed bytes."""
    names = [info.filename for info in archive.infolist()]
    expected = {MANIFEST, *(entry_name(table) for table in TABLES)}
    if len(names) != len(set(names)) or set(names) != expected:
        missing = ", ".join(sorted(expected - set(names))) or _("none")
        extra = ", ".join(sorted(set(names) - expected)) or _("none")
        raise ConfigurationError(str(path), _("is not a backup of this evaluator (missing: {missing}; unexpected: "
                                              "{extra})").format(missing=missing, extra=extra))
    size = sum(info.file_size for info in archive.infolist())
    if size > limit or archive.getinfo(MANIFEST).file_size > MAX_MANIFEST:
        raise ConfigurationError(str(path), _("would decompress to {size} bytes, more than the {limit} a backup "
                                              "may hold: refused").format(size=f"{size:,}", limit=f"{limit:,}"))
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except ValueError:
        manifest = None
    if not _well_formed(manifest):
        raise ConfigurationError(str(path), _("is not a backup: its {manifest} is not a {format} manifest").format(
            manifest=MANIFEST, format=FORMAT))
    if manifest["revision"] != HEAD_REVISION:
        raise ConfigurationError(str(path), _("is a backup of schema revision {revision}, but this evaluator's "
                                              "schema is at revision {head}: restore it with the evaluator version "
                                              "that made it").format(revision=manifest["revision"], head=HEAD_REVISION))
    return manifest


def _well_formed(manifest: Any) -> bool:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
            not isinstance(manifest.get("revision"), str):
        return False
    head, tables = manifest.get("audit_head"), manifest.get("tables")
    return isinstance(head, dict) and isinstance(head.get("seq"), int) and isinstance(head.get("hash"), str) and \
        isinstance(tables, dict) and set(tables) == {table.name for table in TABLES} and \
        all(isinstance(entry, dict) and isinstance(entry.get("rows"), int) and isinstance(entry.get("sha256"), str)
            for entry in tables.values())


def _check_hash(archive: zipfile.ZipFile, table: Table, recorded: dict, path: Path) -> None:
    digest = hashlib.sha256()
    with archive.open(entry_name(table)) as entry:
        for chunk in iter(lambda: entry.read(2**20), b""):
            digest.update(chunk)
    if digest.hexdigest() != recorded["sha256"]:
        raise ConfigurationError(str(path), _("{entry} has the SHA-256 {sha256}, not the {recorded} its manifest "
                                              "records (altered or damaged): nothing was restored").format(
            entry=entry_name(table), sha256=digest.hexdigest(), recorded=recorded["sha256"]))


def _require_empty(connection: Connection) -> None:
    holding = [table.name for table in TABLES
               if connection.execute(select(literal(1)).select_from(table).limit(1)).first() is not None]
    if holding:
        raise StoreError(_("the target store is not empty ({tables} hold rows): a backup is restored only into an "
                           "empty store (a new database, migrated or not); nothing was restored").format(
            tables=", ".join(holding)))


def _insert_table(connection: Connection, archive: zipfile.ZipFile, table: Table, expected_rows: int,
                  path: Path) -> int:
    batch: list[dict] = []
    size = rows = 0
    with archive.open(entry_name(table)) as entry:
        for number, line in enumerate(entry, 1):
            batch.append(_imported(table, line, f"{path}: {entry_name(table)} line {number}"))
            size, rows = size + len(line), rows + 1
            if size >= BATCH_BYTES or len(batch) >= BATCH_ROWS:
                connection.execute(insert(table), batch)
                batch, size = [], 0
    if batch:
        connection.execute(insert(table), batch)
    if rows != expected_rows:
        raise ConfigurationError(str(path), _("{entry} holds {rows} rows, not the {expected} its manifest records: "
                                              "nothing was restored").format(
            entry=entry_name(table), rows=rows, expected=expected_rows))
    return rows


def _imported(table: Table, line: bytes, where: str) -> dict:
    """One row as the table takes it: every column present, bytes decoded from base64."""
    try:
        row = json.loads(line)
        if not isinstance(row, dict) or set(row) != {column.name for column in table.columns}:
            raise ValueError(_("its columns are not those of {table}").format(table=table.name))
        return {column.name: base64.b64decode(row[column.name], validate=True)
                if isinstance(column.type, LargeBinary) and row[column.name] is not None else row[column.name]
                for column in table.columns}
    except (ValueError, TypeError) as error:
        raise ConfigurationError(where, _("is not a row of {table} ({error}): nothing was restored").format(
            table=table.name, error=error)) from None


def _verified_head(connection: Connection, public_keys: dict | None) -> tuple[int, str]:
    verification = audit.verify_all(connection, public_keys=public_keys)
    if verification.broken:
        broken = verification.broken
        raise StoreError(_("the backup's audit log is broken at {where}: {reason}; nothing was restored").format(
            where=broken.where, reason=broken.reason))
    return verification.head


# -- health ---------------------------------------------------------------------------------------------
def health(url: str) -> dict:
    """Whether the store answers, its schema is at the head revision, and its audit head; never raises.
    {"status": "ok" | "failing", "database", "revision", "audit_head", "reason"}."""
    report: dict[str, Any] = {"status": "failing", "database": None, "revision": None, "audit_head": None,
                              "reason": None}
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:
        return {**report, "reason": f"{safe_url(url)} is not a database URL ({error})"}
    report["database"] = parsed.get_backend_name()
    try:
        report["reason"] = _problem(url, report)
    except (SQLAlchemyError, ImportError) as error:  # ImportError: the URL names a driver not installed
        reason = plain_reason(error) if isinstance(error, SQLAlchemyError) else str(error)
        report["reason"] = reason.replace(parsed.password, "…") if parsed.password else reason
    if report["reason"] is None:
        report["status"] = "ok"
    return report


def _problem(url: str, report: dict) -> str | None:
    """Fill the report's revision and audit head; what is wrong, or None."""
    database = (make_url(url).database or "").removeprefix("file:")  # file: for SQLite URI mode
    if report["database"] == "sqlite" and database and database != ":memory:" and not Path(database).is_file():
        return f"there is no SQLite database at {database}"
    engine = create_engine(url, connect_args={"connect_timeout": 5} if report["database"] == "postgresql" else {})
    try:
        with engine.connect() as connection:
            connection.execute(select(literal(1))).scalar_one()
            if inspect(connection).has_table("alembic_version"):
                report["revision"] = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if report["revision"] != HEAD_REVISION:
                return (f"the schema is at revision {report['revision'] or 'none'}, not the head {HEAD_REVISION} "
                        f"(start the evaluator once to migrate it)")
            seq, digest = audit.head_entry(connection)
            report["audit_head"] = {"seq": seq, "hash": digest}
    finally:
        engine.dispose()
    return None
