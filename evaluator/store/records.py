"""Reading and writing the store's rows. Callers hold the transaction (see database.writing)."""

import hashlib
import json

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from evaluator.errors import StoreError
from evaluator.i18n import _
from evaluator.store.schema import (
    case_assessments,
    case_bids,
    case_declarations,
    case_evaluations,
    case_letters,
    case_tenders,
    cases,
    evaluation_files,
    evaluations,
    files,
    framework_drafts,
    report_jobs,
    user_settings,
    users,
    versions,
)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Claims an evaluation id: inserts its row unless stored already, returning the id when it did (psycopg
# gives no rowcount for INSERT ... ON CONFLICT DO NOTHING); built once per dialect, as are the other hot
# statements, since building one costs more than running it
_CLAIM = {dialect: insert_into(evaluations).on_conflict_do_nothing().returning(evaluations.c.id)
          for dialect, insert_into in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}
_PRESENT = select(files.c.sha256).where(files.c.sha256.in_(bindparam("hashes", expanding=True)))


def put_files(connection: Connection, contents: dict[str, bytes]) -> None:
    """Add the files not stored yet; a stored file is never overwritten (same SHA-256, same bytes)."""
    if not contents:
        return
    present = set(connection.execute(_PRESENT, {"hashes": list(contents)}).scalars())
    missing = [{"sha256": sha, "size": len(content), "content": content}
               for sha, content in sorted(contents.items()) if sha not in present]
    if missing:
        connection.execute(insert(files), missing)


def file_content(connection: Connection, sha256: str) -> bytes:
    """A stored file's bytes; a file an evaluation names but the store lacks is a damaged store."""
    content = connection.execute(select(files.c.content).where(files.c.sha256 == sha256)).scalar_one_or_none()
    if content is None:
        raise StoreError(_("the store has no file with the SHA-256 {sha256} (removed outside the evaluator; "
                           "python -m evaluator audit verify names the evaluation)").format(sha256=sha256))
    return bytes(content)


def put_version(connection: Connection, kind: str, name: str, content: bytes, previous: str | None, actor: str,
                at: str) -> str:
    sha = hashlib.sha256(content).hexdigest()
    put_files(connection, {sha: content})
    if not has_version(connection, sha):
        connection.execute(insert(versions).values(sha256=sha, kind=kind, name=name, previous=previous,
                                                   created_by=actor, created_at=at))
    return sha


def has_version(connection: Connection, sha256: str) -> bool:
    return connection.execute(select(versions.c.sha256).where(versions.c.sha256 == sha256)).first() is not None


def version_rows(connection: Connection, kind: str) -> list:
    """The framework or tender versions, oldest first."""
    return list(connection.execute(select(versions).where(versions.c.kind == kind)
                                   .order_by(versions.c.created_at, versions.c.sha256)))


def put_evaluation(connection: Connection, evaluation_id: str, evaluated_at: str, actor: str, request: str,
                   results_sha256: str, inputs: dict[str, str], outputs: dict[str, str],
                   refused: tuple[str, ...] = ()) -> bool:
    """The evaluation row and its files' rows (the files stored first); False, with nothing written, when the
    store holds the evaluation already (another session stored the same inputs at the same time). `refused`
    names entries that were not regular files (kept as rows of role "refused" pointing at the empty file, so
    a reproduction refuses them again)."""
    claimed = connection.execute(_CLAIM[connection.dialect.name], {
        "id": evaluation_id, "evaluated_at": evaluated_at, "created_by": actor, "request": request,
        "results_sha256": results_sha256}).first()
    if claimed is None:
        return False
    if refused:
        put_files(connection, {EMPTY_SHA256: b""})
    rows = [{"evaluation_id": evaluation_id, "role": role, "name": name, "sha256": sha}
            for role, named in (("input", inputs), ("output", outputs),
                                ("refused", dict.fromkeys(refused, EMPTY_SHA256)))
            for name, sha in sorted(named.items())]
    connection.execute(insert(evaluation_files), rows)
    return True


def add_outputs(connection: Connection, evaluation_id: str, outputs: dict[str, bytes], request: str) -> None:
    """Outputs made after the evaluation was stored (its PDFs), and the request as they were made (with the
    audit head they print)."""
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in outputs.items()}
    put_files(connection, {hashes[name]: content for name, content in outputs.items()})
    if hashes:
        connection.execute(insert(evaluation_files), [
            {"evaluation_id": evaluation_id, "role": "output", "name": name, "sha256": sha}
            for name, sha in sorted(hashes.items())])
    connection.execute(evaluations.update().where(evaluations.c.id == evaluation_id).values(request=request))


def evaluation_rows(connection: Connection) -> list:
    return list(connection.execute(select(evaluations).order_by(evaluations.c.evaluated_at.desc(),
                                                                evaluations.c.id)))


def evaluation_row(connection: Connection, evaluation_id: str):
    return connection.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).first()


def evaluation_file_hashes(connection: Connection, evaluation_id: str, role: str) -> dict[str, str]:
    rows = connection.execute(select(evaluation_files.c.name, evaluation_files.c.sha256).where(
        (evaluation_files.c.evaluation_id == evaluation_id) & (evaluation_files.c.role == role)))
    return {row.name: row.sha256 for row in rows}


def user_row(connection: Connection, name: str):
    return connection.execute(select(users).where(users.c.name == name)).first()


def user_rows(connection: Connection) -> list:
    return list(connection.execute(select(users).order_by(users.c.name)))


def listed(joined: str | None) -> list[str]:
    """A user's roles or grants as the users table keeps them (comma-joined, see put_user)."""
    return [word for word in (joined or "").split(",") if word]


def put_user(connection: Connection, name: str, roles: list[str], grants: list[str]) -> None:
    values = {"roles": ",".join(sorted(roles)), "grants": ",".join(sorted(grants))}
    if user_row(connection, name) is None:
        connection.execute(insert(users).values(name=name, **values))
    else:
        connection.execute(users.update().where(users.c.name == name).values(**values))


# -- tender cases -----------------------------------------------------------------------------------
def case_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(cases)).scalar_one())


def case_rows(connection: Connection) -> list:
    return list(connection.execute(select(cases).order_by(cases.c.created_at, cases.c.id)))


def case_row(connection: Connection, case_id: str):
    return connection.execute(select(cases).where(cases.c.id == case_id)).first()


def put_case(connection: Connection, **values) -> None:
    connection.execute(insert(cases).values(**values))


def update_case(connection: Connection, case_id: str, **values) -> None:
    connection.execute(cases.update().where(cases.c.id == case_id).values(**values))


def _next_number(connection: Connection, table, case_id: str) -> int:
    return int(connection.execute(select(func.coalesce(func.max(table.c.number), 0))
                                  .where(table.c.case_id == case_id)).scalar_one()) + 1


CASE_PARTS = {"tenders": case_tenders, "bids": case_bids, "evaluations": case_evaluations}  # numbered per case


def case_parts(connection: Connection, part: str, case_id: str) -> list:
    """A case's tender versions, bids or evaluations, in the order they were added."""
    table = CASE_PARTS[part]
    return list(connection.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.number)))


def add_case_part(connection: Connection, part: str, case_id: str, **values) -> int:
    """Add a tender version, bid or evaluation to a case; returns its number within the case."""
    table = CASE_PARTS[part]
    number = _next_number(connection, table, case_id)
    connection.execute(insert(table).values(case_id=case_id, number=number, **values))
    return number


def withdraw_case_bid(connection: Connection, case_id: str, number: int, actor: str, at: str) -> None:
    connection.execute(case_bids.update().where((case_bids.c.case_id == case_id) & (case_bids.c.number == number))
                       .values(withdrawn_by=actor, withdrawn_at=at))


def put_case_letters(connection: Connection, case_id: str, letters: dict[str, bytes]) -> dict[str, str]:
    """The letters of a case as issued, by name; returns their SHA-256 by name."""
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in letters.items()}
    put_files(connection, {hashes[name]: content for name, content in letters.items()})
    if hashes:
        connection.execute(insert(case_letters), [{"case_id": case_id, "name": name, "sha256": sha}
                                                  for name, sha in sorted(hashes.items())])
    return hashes


def case_letter_hashes(connection: Connection, case_id: str) -> dict[str, str]:
    """The issued letters of a case: name -> SHA-256 ({} before they are issued)."""
    rows = connection.execute(select(case_letters.c.name, case_letters.c.sha256)
                              .where(case_letters.c.case_id == case_id).order_by(case_letters.c.name))
    return {row.name: row.sha256 for row in rows}


# -- the evaluation panel -----------------------------------------------------------------------------
def put_declaration(connection: Connection, case_id: str, person: str, conflicts: list[str], at: str) -> None:
    connection.execute(insert(case_declarations).values(case_id=case_id, person=person,
                                                        conflicts=json.dumps(sorted(set(conflicts))), declared_at=at))


def case_declaration_rows(connection: Connection, case_id: str) -> list:
    """A case's declarations, in the order they were made; `conflicts` is a JSON list of bid IDs."""
    return list(connection.execute(select(case_declarations).where(case_declarations.c.case_id == case_id)
                                   .order_by(case_declarations.c.declared_at, case_declarations.c.person)))


def put_assessments(connection: Connection, rows: list[dict]) -> None:
    """Assessment rows (every column of case_assessments); a repeated (case, bid, criterion, assessor, stage)
    breaks the primary key, so the caller refuses repeats first."""
    if rows:
        connection.execute(insert(case_assessments), rows)


def case_assessment_rows(connection: Connection, case_id: str, bid_id: str | None = None) -> list:
    """A case's assessments (of one bid, when given), sorted by bid, criterion, stage and assessor."""
    table = case_assessments
    query = select(table).where(table.c.case_id == case_id)
    if bid_id is not None:
        query = query.where(table.c.bid_id == bid_id)
    return list(connection.execute(query.order_by(table.c.bid_id, table.c.criterion_id, table.c.stage,
                                                  table.c.assessor)))


def report_job_row(connection: Connection, evaluation_id: str):
    """The evaluation's background rendering (see Desk.start_report), or None."""
    return connection.execute(select(report_jobs).where(report_jobs.c.evaluation_id == evaluation_id)).first()


def put_report_job(connection: Connection, evaluation_id: str, **values) -> None:
    """Start (or start again) an evaluation's background rendering, or change it."""
    if report_job_row(connection, evaluation_id) is None:
        connection.execute(insert(report_jobs).values(evaluation_id=evaluation_id, **values))
    else:
        connection.execute(report_jobs.update().where(report_jobs.c.evaluation_id == evaluation_id).values(**values))


def user_language(connection: Connection, user_name: str) -> str | None:
    """The language a user chose in the app, or None when they never chose one."""
    return connection.execute(select(user_settings.c.language).where(user_settings.c.user_name == user_name)).scalar()


def put_user_language(connection: Connection, user_name: str, language: str) -> None:
    if user_language(connection, user_name) is None:
        connection.execute(insert(user_settings).values(user_name=user_name, language=language))
    else:
        connection.execute(user_settings.update().where(user_settings.c.user_name == user_name)
                           .values(language=language))


def framework_draft(connection: Connection, user_name: str) -> str | None:
    """A user's framework draft (JSON), or None."""
    return connection.execute(select(framework_drafts.c.draft)
                              .where(framework_drafts.c.user_name == user_name)).scalar()


def put_framework_draft(connection: Connection, user_name: str, draft: str | None, at: str) -> None:
    """Keep a user's framework draft, or drop it (None)."""
    connection.execute(framework_drafts.delete().where(framework_drafts.c.user_name == user_name))
    if draft is not None:
        connection.execute(insert(framework_drafts).values(user_name=user_name, draft=draft, updated_at=at))
