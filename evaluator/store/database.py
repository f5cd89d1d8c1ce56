"""Opening the store: SQLite by default (WAL, one writer at a time), PostgreSQL by URL, same code.

Every write runs in one transaction that also appends to the audit log, so the store holds either the
whole change and its audit entry or neither. Writers are serialised (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock), which keeps the audit chain a single line.
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from evaluator import logs
from evaluator.errors import StoreError
from evaluator.i18n import _
from evaluator.store.audit import APPENDED

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WRITE_LOCK = 734_201  # PostgreSQL advisory lock key for writers
_TAKE_WRITE_LOCK = text(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
HEAD_REVISION = "0009"  # the newest migration in migrations/versions (a test keeps the two in step)


def database_url(data_root: Path) -> str:
    return os.environ.get("EVALUATOR_DATABASE_URL") or f"sqlite:///{data_root / 'evaluator.db'}"


def open_engine(url: str) -> Engine:
    """An engine with the schema migrated to the newest version."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0].removeprefix("file:")  # file: for SQLite URI mode
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        if _revision(engine) != HEAD_REVISION:
            _migrate(engine)
    except SQLAlchemyError as error:
        raise StoreError(_("the database at {url} cannot be opened or migrated: {reason}").format(
            url=safe_url(url), reason=plain_reason(error))) from None
    return engine


def _revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, read without loading Alembic (it takes longer to import than this)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    with _locked(engine) as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _locked(engine: Engine):
    with engine.connect() as connection:
        connection = connection.execution_options(immediate=True)
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(_TAKE_WRITE_LOCK)
            yield connection


@contextmanager
def writing(engine: Engine):
    """One serialised write transaction; database errors become a StoreError with a plain reason. The audit
    entries it appended are logged (evaluator.logs) once it has committed."""
    appended: list[dict] = []
    try:
        with _locked(engine) as connection:
            try:
                yield connection
            finally:
                appended = connection.info.pop(APPENDED, [])
    except SQLAlchemyError as error:
        raise StoreError(_("the change was not saved: {reason}").format(reason=plain_reason(error))) from None
    for entry in appended:
        logs.action(entry["event"], entry["actor"], entry["seq"], json.loads(entry["detail"]))


@contextmanager
def reading(engine: Engine):
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as error:
        raise StoreError(_("the store cannot be read: {reason}").format(reason=plain_reason(error))) from None


def _sqlite_begin(connection: Connection) -> None:
    """pysqlite runs in autocommit here; transactions start explicitly, writers' at once with the lock."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("immediate") else "BEGIN")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=60000", "synchronous=NORMAL"):
        try:
            cursor.execute(f"PRAGMA {pragma}")
        except Exception:  # noqa: BLE001, S110 - a read-only database refuses WAL; it is still readable
            pass
    cursor.close()


def plain_reason(error: SQLAlchemyError) -> str:
    message = str(getattr(error, "orig", error)).splitlines()[0]
    if isinstance(error, OperationalError) and "readonly" in message.replace("-", "").replace(" ", ""):
        return _("the database is read-only")
    if "full" in message:
        return _("the disk or the database is full")
    return message


def safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url

