"""The audit log: append-only, each entry chained to the previous one by SHA-256 over RFC 8785 JSON.

verify() recomputes the chain and names the first broken link, so an entry altered, deleted or moved
directly in the database is found. A chain can still be cut at its end, or rewritten and re-hashed from
any entry, by someone with write access; three further checks catch that:

- an expected head (`audit verify --expect SEQ:SHA256`): the auditor keeps the printed head outside the
  system, and an entry missing or different from it breaks verification;
- signed checkpoints: with EVALUATOR_AUDIT_KEY set, each evaluation signs the new head (Ed25519, the key
  kept outside the database, see signing.py); verify checks every checkpoint against the chain and,
  with a public key configured, its signature;
- a cross-check of every stored evaluation (its request, input and output rows, results document and
  file bytes) against the hashes its audit entries recorded.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import rfc8785
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from evaluator.i18n import _
from evaluator.store import records
from evaluator.store.schema import audit_checkpoints, audit_log, evaluation_files, evaluations, files, users

GENESIS = "0" * 64
APPENDED = "evaluator.appended"  # where a connection keeps the entries appended in its open transaction
EVALUATION_EVENTS = ("evaluation", "report generated")  # the entries Desk.evaluate writes
OTHER_ROLES = ("refused",)  # evaluation_files roles besides input and output, checked when an entry records them


@dataclass(frozen=True)
class Broken:
    seq: int | None  # the entry at fault; None for a stored evaluation the log has no entry for
    reason: str
    evaluation: str | None = None  # the stored evaluation that disagrees with the log
    kind: str = "chain"  # chain | expected | checkpoint | evaluation | user
    user: str | None = None  # the user whose roles in the users table disagree with the log

    @property
    def where(self) -> str:
        if self.seq is None:
            return f"user {self.user!r}" if self.user is not None else f"evaluation {self.evaluation}"
        return f"entry {self.seq}" + (f" (evaluation {self.evaluation})" if self.evaluation else "")


@dataclass(frozen=True)
class Verification:
    checked: int  # entries recomputed and found intact (before the first broken link, if any)
    broken: Broken | None
    head: tuple[int, str]  # (seq, hash) of the newest entry as read
    checkpoints: int = 0  # signed checkpoints matching the chain
    signatures: int = 0  # of those, signatures verified with a configured public key
    evaluations: int = 0  # stored evaluations cross-checked against their entries


class _Constant(ValueError):
    """A detail holding NaN or Infinity."""


def parse_detail(text: str):
    """A stored detail as an object; ValueError saying why when it is not JSON, or holds NaN or Infinity."""
    def refuse(constant):
        raise _Constant(_("it holds {constant}, which JSON does not allow").format(constant=constant))
    try:
        detail = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise ValueError(_("it is not JSON ({error} at line {line} column {column})").format(
            error=error.msg, line=error.lineno, column=error.colno)) from None
    except RecursionError:
        raise ValueError(_("it is nested too deeply")) from None
    except (ValueError, TypeError) as error:
        raise ValueError(str(error) if isinstance(error, _Constant) else
                         _("it is not JSON ({error})").format(error=error)) from None
    return detail


def entry_hash(seq: int, at: str, actor: str, event: str, detail, previous_hash: str) -> str:
    """SHA-256 of the entry as RFC 8785 JSON; `detail` is the object, or its stored JSON text.
    ValueError when the detail is not JSON or cannot be canonicalised (NaN, Infinity, huge numbers)."""
    entry = {"seq": seq, "at": at, "actor": actor, "event": event,
             "detail": parse_detail(detail) if isinstance(detail, str) else detail, "previous_hash": previous_hash}
    try:
        return hashlib.sha256(rfc8785.dumps(entry)).hexdigest()
    except rfc8785.CanonicalizationError as error:
        raise ValueError(_("it cannot be written as RFC 8785 JSON ({error})").format(error=error)) from None


def append(connection: Connection, at: str, actor: str, event: str, detail: dict) -> str:
    """Add an entry (inside the caller's write transaction) and return its hash."""
    return append_entries(connection, at, actor, [(event, detail)])


def append_entries(connection: Connection, at: str, actor: str, entries: list[tuple[str, dict]]) -> str:
    """Add entries (event, detail) in order with one read of the head and one insert; returns the new head."""
    seq, previous = head_entry(connection)
    rows = []
    for event, detail in entries:
        seq, digest = seq + 1, entry_hash(seq + 1, at, actor, event, detail, previous)
        rows.append({"seq": seq, "at": at, "actor": actor, "event": event, "detail": rfc8785.dumps(detail).decode(),
                     "previous_hash": previous, "hash": digest})
        previous = digest
    connection.execute(insert(audit_log), rows)
    connection.info.setdefault(APPENDED, []).extend(rows)  # logged once the transaction commits (writing)
    return previous


def head(connection: Connection) -> str:
    """The hash of the newest entry (the chain head), or the genesis hash of an empty log."""
    return head_entry(connection)[1]


_HEAD = select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)


def head_entry(connection: Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry, or (0, the genesis hash) for an empty log."""
    last = connection.execute(_HEAD).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def entry_of(connection: Connection, evaluation_id: str, event: str) -> tuple[int, str] | None:
    """(seq, hash) of the first `event` entry about an evaluation (its detail is canonical JSON, so the id
    stands in it as "evaluation":"<id>")."""
    needle = rfc8785.dumps({"evaluation": evaluation_id}).decode()[1:-1]
    row = connection.execute(select(audit_log.c.seq, audit_log.c.hash).where(
        (audit_log.c.event == event) & audit_log.c.detail.contains(needle, autoescape=True))
        .order_by(audit_log.c.seq).limit(1)).first()
    return (row.seq, row.hash) if row else None


def entries_naming(connection: Connection, key: str, value: str) -> list:
    """Every entry whose detail holds `key` with the text `value` (e.g. "case": "<id>"), in order."""
    needle = rfc8785.dumps({key: value}).decode()[1:-1]
    return list(connection.execute(select(audit_log).where(audit_log.c.detail.contains(needle, autoescape=True))
                                   .order_by(audit_log.c.seq)))


def entries_of(connection: Connection, event: str) -> list:
    """Every entry of one event (e.g. "user changed"), in order."""
    return list(connection.execute(select(audit_log).where(audit_log.c.event == event).order_by(audit_log.c.seq)))


def checkpoint(connection: Connection, signer) -> tuple[int, str] | None:
    """Sign the current head inside the caller's write transaction (nothing without a signer, or when the
    head is signed with this key already); returns the (seq, hash) signed."""
    if signer is None:
        return None
    seq, digest = head_entry(connection)
    if seq == 0:
        return None
    signed = connection.execute(select(audit_checkpoints.c.seq).where(
        (audit_checkpoints.c.seq == seq) & (audit_checkpoints.c.key_id == signer.key_id))).first()
    if signed is None:
        connection.execute(insert(audit_checkpoints).values(seq=seq, hash=digest, signature=signer.sign(seq, digest),
                                                            key_id=signer.key_id))
    return seq, digest


def verify(connection: Connection, expect: Iterable[tuple[int, str]] = (),
           public_keys: dict | None = None) -> tuple[int, Broken | None]:
    """(entries checked, the first broken link or None); see verify_all."""
    result = verify_all(connection, expect, public_keys)
    return result.checked, result.broken


def verify_all(connection: Connection, expect: Iterable[tuple[int, str]] = (),
               public_keys: dict | None = None) -> Verification:
    """Recompute the chain; check it against the expected (seq, hash) heads and the signed checkpoints
    (signatures too when public keys {key id: Ed25519 public key} are given); cross-check every stored
    evaluation against its entries. Reports the first problem found, in the order of the entries."""
    connection = _snapshot(connection)
    expected: dict[int, list[str]] = {}
    for seq, digest in expect:
        expected.setdefault(int(seq), []).append(digest.lower())
    signed: dict[int, list] = {}
    for row in connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.seq,
                                                                     audit_checkpoints.c.key_id)):
        signed.setdefault(row.seq, []).append(row)
    tally = {"checkpoints": 0, "signatures": 0}

    def result(broken, head_=None, evaluations_=0):
        return Verification(checked, broken, head_ or (expected_seq - 1, previous), tally["checkpoints"],
                            tally["signatures"], evaluations_)

    previous, expected_seq, checked = GENESIS, 1, 0
    for digest in expected.get(0, ()):
        if digest != GENESIS:
            return result(Broken(0, _("an empty log was expected to have the head {genesis}, not {digest}").format(
                genesis=GENESIS, digest=digest), kind="expected"))
    named: dict[str, list] = {}  # evaluation id -> [(seq, event, actor, detail)]
    held: dict[str, tuple[int, dict]] = {}  # user -> the newest "user changed" entry (seq, detail)
    evaluation_seqs, newest_mark = [], 0
    for row in connection.execute(select(audit_log).order_by(audit_log.c.seq)):
        if row.seq != expected_seq:
            return result(Broken(expected_seq, _("entry {seq} is missing (the next one is {next})").format(
                seq=expected_seq, next=row.seq)))
        if row.previous_hash != previous:
            return result(Broken(row.seq, _("it does not follow the entry before it (removed, moved or replaced)")))
        try:
            detail = parse_detail(row.detail)
            digest = entry_hash(row.seq, row.at, row.actor, row.event, detail, row.previous_hash)
        except ValueError as error:
            return result(Broken(row.seq, _("its detail cannot be read: {error} (altered)").format(error=error)))
        if digest != row.hash:
            return result(Broken(row.seq, _("its content no longer matches its hash (altered)")))
        if not isinstance(detail, dict):
            return result(Broken(row.seq, _("its detail is not a JSON object (altered)")))
        for wanted in expected.pop(row.seq, ()):
            if wanted != row.hash:
                return result(Broken(row.seq, _("its hash is {hash}, not the {wanted} expected (the log was "
                                                "rewritten, or cut and written again)").format(
                    hash=row.hash, wanted=wanted), kind="expected"))
        for mark in signed.pop(row.seq, ()):
            problem = _checkpoint_problem(mark, row.hash, public_keys, tally)
            if problem:
                return result(Broken(row.seq, problem, kind="checkpoint"))
            newest_mark = row.seq
        if row.event in EVALUATION_EVENTS and isinstance(detail.get("evaluation"), str):
            named.setdefault(detail["evaluation"], []).append((row.seq, row.event, row.actor, detail))
        if row.event == "evaluation":
            evaluation_seqs.append(row.seq)
        if row.event == "user changed" and isinstance(detail.get("user"), str):
            held[detail["user"]] = (row.seq, detail)
        previous, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    last = expected_seq - 1
    if expected:
        seq = min(expected)
        return result(Broken(seq, _("entry {seq} is missing: the log ends at entry {last} (entries were deleted "
                                    "from its end)").format(seq=seq, last=last), kind="expected"))
    if signed:
        seq = min(signed)
        mark = signed[seq][0]
        if public_keys and not _signature_ok(mark, public_keys):
            reason = _("its signed checkpoint (key {key}) does not verify, and the log ends at entry {last}").format(
                key=mark.key_id, last=last)
        else:
            reason = _("entry {seq} is missing: a signed checkpoint names it, but the log ends at entry {last} "
                       "(entries were deleted from its end)").format(seq=seq, last=last)
        return result(Broken(seq, reason, kind="checkpoint"))
    if newest_mark or public_keys:  # with a key configured, the newest evaluation must be signed for
        unsigned = [seq for seq in evaluation_seqs if seq > newest_mark]
        if unsigned:
            reason = _("no signed checkpoint covers this evaluation, though entry {seq} has one (checkpoints "
                       "deleted, or the evaluation was stored without the signing key)").format(seq=newest_mark) \
                if newest_mark else \
                _("no signed checkpoint covers this evaluation, though an audit key is configured (checkpoints "
                  "deleted, or the evaluation was stored without the signing key)")
            return result(Broken(unsigned[0], reason, kind="checkpoint"))
    broken, stored = _cross_check(connection, named)
    return result(broken or _users_problem(connection, held), (last, previous), stored)


def _snapshot(connection: Connection) -> Connection:
    """PostgreSQL reads every table from one snapshot (SQLite's read transactions do anyway)."""
    if connection.dialect.name == "postgresql" and not connection.in_transaction():
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _users_problem(connection: Connection, held: dict[str, tuple[int, dict]]) -> Broken | None:
    """The first user whose roles and grants in the users table are not those their newest "user changed"
    entry gives (changed in the database, or restored from an altered backup), or who has no entry."""
    def listed(joined: str | None) -> list[str]:
        return sorted(records.listed(joined))

    for row in connection.execute(select(users).order_by(users.c.name)):
        if row.name not in held:
            return Broken(None, _("the users table holds this user, but no 'user changed' entry gives them roles "
                                  "(added in the database)"), kind="user", user=row.name)
        seq, detail = held.pop(row.name)
        recorded = (sorted(detail.get("roles") or []), sorted(detail.get("grants") or []))
        if (listed(row.roles), listed(row.grants)) != recorded:
            return Broken(seq, _("the users table gives {user} the roles {roles} and grants {grants}, but this "
                                 "newest entry about them gives {recorded_roles} and {recorded_grants} (changed in "
                                 "the database)").format(
                user=repr(row.name), roles=listed(row.roles), grants=listed(row.grants), recorded_roles=recorded[0],
                recorded_grants=recorded[1]), kind="user", user=row.name)
    for name, (seq, __) in sorted(held.items(), key=lambda item: item[1][0]):
        return Broken(seq, _("this entry gives {user} roles, but the users table no longer holds them (deleted in "
                             "the database)").format(user=repr(name)), kind="user", user=name)
    return None


def _signature_ok(mark, public_keys: dict) -> bool:
    from evaluator.store.signing import signature_valid

    key = public_keys.get(mark.key_id)
    return key is not None and signature_valid(key, mark.seq, mark.hash, mark.signature)


def _checkpoint_problem(mark, digest: str, public_keys: dict | None, tally: dict) -> str | None:
    if mark.hash != digest:
        return _("its hash is {hash}, not the {signed} signed in a checkpoint (key {key}): the log was rewritten "
                 "from this entry or an earlier one").format(hash=digest, signed=mark.hash, key=mark.key_id)
    if public_keys:
        if mark.key_id not in public_keys:
            return _("its checkpoint is signed with key {key}, which is not a configured public key ({keys}): "
                     "signed by another key").format(key=mark.key_id, keys=", ".join(sorted(public_keys)))
        if not _signature_ok(mark, public_keys):
            return _("the signature of its checkpoint (key {key}) does not verify (altered)").format(key=mark.key_id)
        tally["signatures"] += 1
    tally["checkpoints"] += 1
    return None


def _cross_check(connection: Connection, named: dict[str, list]) -> tuple[Broken | None, int]:
    """The first stored evaluation that disagrees with its audit entries, and how many were checked."""
    stored = {row.id: row for row in connection.execute(
        select(evaluations.c.id, evaluations.c.created_by, evaluations.c.request, evaluations.c.results_sha256))}
    rows: dict[str, dict[str, dict[str, str]]] = {}
    for row in connection.execute(select(evaluation_files)):
        rows.setdefault(row.evaluation_id, {}).setdefault(row.role, {})[row.name] = row.sha256
    for evaluation_id, entries in sorted(named.items(), key=lambda item: item[1][0][0]):
        problem = _evaluation_problem(evaluation_id, entries, stored.get(evaluation_id), rows.get(evaluation_id, {}))
        if problem:
            return Broken(problem[0], problem[1], evaluation_id, "evaluation"), len(stored)
    for evaluation_id in sorted(set(stored) - set(named)):
        return Broken(None, _("the store holds it, but the audit log has no entry for it (added outside the "
                              "evaluator, or its entries were removed and the log re-hashed)"), evaluation_id,
                      "evaluation"), len(stored)
    referenced = select(evaluation_files.c.sha256).distinct()
    query = select(files.c.sha256, files.c.content).where(files.c.sha256.in_(referenced)).order_by(files.c.sha256)
    streaming = connection.execution_options(stream_results=True) if connection.dialect.name == "postgresql" \
        else connection
    def first_entry(evaluation_id: str) -> int:
        return named[evaluation_id][0][0] if evaluation_id in named else 0

    for row in streaming.execute(query):
        content = row.content
        if not isinstance(content, bytes | bytearray | memoryview) or \
                hashlib.sha256(bytes(content)).hexdigest() != row.sha256:
            # the evaluation that used the file first, by its entries
            evaluation_id, role, name = min(((eid, role, name) for eid, roles in rows.items()
                                             for role, hashes in roles.items()
                                             for name, sha in hashes.items() if sha == row.sha256),
                                            key=lambda found: (first_entry(found[0]), found))
            seq = named[evaluation_id][0][0] if evaluation_id in named else None
            return Broken(seq, _("the stored bytes of its {role} {name} no longer have the SHA-256 {sha256} they "
                                 "are filed under (changed in the database)").format(
                role=role, name=repr(name), sha256=row.sha256), evaluation_id,
                          "evaluation"), len(stored)
    return None, len(stored)


def _evaluation_problem(evaluation_id: str, entries: list, row, stored_files: dict) -> tuple[int, str] | None:
    """(entry, reason) for the first disagreement between the store and the evaluation's entries. The
    "evaluation" entry records the inputs and the data outputs; a "report generated" entry, when the PDFs
    were made, adds them and the request as they were made with (it names the audit head they print)."""
    first = entries[0][0]
    if row is None:
        return first, _("the log records this evaluation, but the store no longer holds it (deleted)")
    if not any(event == "evaluation" for __, event, __, __ in entries):
        return first, _("the log has no 'evaluation' entry for this evaluation (removed and the log re-hashed)")
    outputs: dict = {}
    for seq, event, actor, detail in entries:
        if event == "evaluation":
            if actor != row.created_by:
                return seq, _("the store says {stored} made it, the entry says {recorded} (changed)").format(
                    stored=repr(row.created_by), recorded=repr(actor))
            difference = _difference("input", detail.get("inputs"), stored_files.get("input", {}))
            if difference:
                return seq, difference
            for role in sorted(set(stored_files) - {"input", "output"} | set(OTHER_ROLES)):
                key = next((key for key in (role, f"{role}s") if key in detail), None)
                if key is not None:  # rows of other roles (e.g. refused files) checked when the entry records them
                    recorded = detail[key]
                    if isinstance(recorded, list) and all(isinstance(name, str) for name in recorded):
                        recorded = {name: stored_files.get(role, {}).get(name, "") for name in recorded}
                    difference = _difference(role, recorded, stored_files.get(role, {}))
                    if difference:
                        return seq, difference
        recorded_outputs = detail.get("outputs", {})
        if not isinstance(recorded_outputs, dict):
            return seq, _("the entry does not record the output hashes as {{name: sha256}}").format()
        outputs.update(recorded_outputs)
    last = entries[-1][0]
    difference = _difference("output", outputs, stored_files.get("output", {}))
    if difference:
        return last, difference
    results = outputs.get("results.json", "")
    if row.results_sha256 != results:
        return last, _("its stored results document is {stored}, not the results.json the entry records "
                       "({recorded}) (changed)").format(stored=row.results_sha256 or _("empty"),
                                                       recorded=results or _("none"))
    seq, recorded = next(((seq, detail["request_sha256"]) for seq, __, __, detail in reversed(entries)
                          if "request_sha256" in detail), (last, None))
    actual = hashlib.sha256(row.request.encode()).hexdigest()
    if recorded is not None and recorded != actual:
        return seq, _("its stored request (settings and evaluation time) has the SHA-256 {actual}, not the "
                      "{recorded} the entry records (changed)").format(actual=actual, recorded=recorded)
    return None


def _difference(role: str, recorded, stored: dict[str, str]) -> str | None:
    if not isinstance(recorded, dict) or not all(isinstance(v, str) for v in recorded.values()):
        return _("the entry does not record the {role} hashes as {{name: sha256}}").format(role=role)
    for name in sorted(set(recorded) | set(stored)):
        if name not in stored:
            return _("its {role} {name} (sha256 {sha256}) is no longer in the store (removed)").format(
                role=role, name=repr(name), sha256=recorded[name])
        if name not in recorded:
            return _("the store has an {role} {name} (sha256 {sha256}) the entry does not record (added)").format(
                role=role, name=repr(name), sha256=stored[name])
        if stored[name] != recorded[name]:
            return _("its {role} {name} is {stored} in the store, but the entry records {recorded} (changed)").format(
                role=role, name=repr(name), stored=stored[name], recorded=recorded[name])
    return None
