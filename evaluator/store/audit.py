"""The audit log: append-only, each entry chained to the previous one by SHA-256 over RFC 8785 JSON.

verify() recomputes the chain and names the first broken link, so an entry altered, deleted or moved
directly in the database is found.
"""

import hashlib
import json
from dataclasses import dataclass

import rfc8785
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from evaluator.store.schema import audit_log

GENESIS = "0" * 64


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str


def entry_hash(seq: int, at: str, actor: str, event: str, detail, previous_hash: str) -> str:
    """SHA-256 of the entry as RFC 8785 JSON; `detail` is the object, or its stored JSON text."""
    entry = {"seq": seq, "at": at, "actor": actor, "event": event,
             "detail": json.loads(detail) if isinstance(detail, str) else detail, "previous_hash": previous_hash}
    return hashlib.sha256(rfc8785.dumps(entry)).hexdigest()


def append(connection: Connection, at: str, actor: str, event: str, detail: dict) -> str:
    """Add an entry (inside the caller's write transaction) and return its hash."""
    last = connection.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc())
                              .limit(1)).first()
    seq, previous = (last.seq + 1, last.hash) if last else (1, GENESIS)
    canonical = rfc8785.dumps(detail).decode()
    digest = entry_hash(seq, at, actor, event, detail, previous)
    connection.execute(insert(audit_log).values(seq=seq, at=at, actor=actor, event=event, detail=canonical,
                                                previous_hash=previous, hash=digest))
    return digest


def head(connection: Connection) -> str:
    """The hash of the newest entry (the chain head), or the genesis hash of an empty log."""
    last = connection.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
    return last.hash if last else GENESIS


def count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(audit_log)).scalar_one()


def verify(connection: Connection) -> tuple[int, Broken | None]:
    """(entries checked, the first broken link or None)."""
    previous, expected_seq, checked = GENESIS, 1, 0
    for row in connection.execute(select(audit_log).order_by(audit_log.c.seq)):
        if row.seq != expected_seq:
            return checked, Broken(expected_seq, f"entry {expected_seq} is missing (the next one is {row.seq})")
        if row.previous_hash != previous:
            return checked, Broken(row.seq, "it does not follow the entry before it (removed, moved or replaced)")
        if entry_hash(row.seq, row.at, row.actor, row.event, row.detail, row.previous_hash) != row.hash:
            return checked, Broken(row.seq, "its content no longer matches its hash (altered)")
        previous, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    return checked, None
