"""The audit trail against someone who can write to the database (SQLite, and PostgreSQL when
EVALUATOR_TEST_POSTGRES_URL is set): a log cut at its end, a chain re-hashed from an entry, an evaluation's
tender swapped with matching outputs, an entry whose detail is not JSON, a checkpoint from another key."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, literal, select, text, update

from evaluator.__main__ import main
from evaluator.application import Desk, Store, User
from evaluator.pipeline import Request, run_evaluation
from evaluator.store import audit, records
from evaluator.store.database import writing
from evaluator.store.schema import audit_checkpoints, audit_log, evaluation_files, evaluations, files, users
from evaluator.store.signing import Signer

from conftest import CSF_PATH, ROOT, SAMPLES, emptied_postgres, sqlite_store_made_at

TENDER = "samples/tender.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'evaluator.db'}"
    else:
        url = emptied_postgres()
    monkeypatch.setenv("EVALUATOR_DATABASE_URL", url)  # the command line opens the same store
    return url


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)
    for variable in ("EVALUATOR_AUDIT_KEY", "EVALUATOR_AUDIT_PUBLIC_KEY"):
        monkeypatch.delenv(variable, raising=False)


def clock():
    return "2026-11-26T09:00:00Z"


def request(evaluated_at="2026-11-26T09:00:00Z") -> Request:
    return Request(framework=str(CSF_PATH.relative_to(ROOT)), tender=TENDER, inputs=("samples/bids",),
                   formats=("json",), evaluated_at=evaluated_at)


def desk(url) -> Desk:
    return Desk(Store(url), User("someone", frozenset(("officer", "analyst", "auditor", "admin"))), clock)


def cli(capsys, *arguments) -> tuple[int, str, str]:
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def key_pair(capsys, folder: Path) -> tuple[Path, Path]:
    code, out, _ = cli(capsys, "audit", "keygen", "--out", str(folder))
    assert code == 0 and "key id" in out
    return folder / "audit-key.pem", folder / "audit-key.pub.pem"


def rewrite_from(engine, seq: int, **changes) -> None:
    """What someone with write access can do: change entry `seq` and re-hash it and every later entry."""
    with engine.begin() as connection:
        rows = connection.execute(select(audit_log).where(audit_log.c.seq >= seq).order_by(audit_log.c.seq)).all()
        previous = rows[0].previous_hash
        for row in rows:
            values = {**row._asdict(), **(changes if row.seq == seq else {}), "previous_hash": previous}
            values["hash"] = audit.entry_hash(values["seq"], values["at"], values["actor"], values["event"],
                                              values["detail"], previous)
            connection.execute(update(audit_log).where(audit_log.c.seq == row.seq).values(**values))
            previous = values["hash"]


def newest(engine) -> tuple[int, str]:
    with engine.connect() as connection:
        row = connection.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc())).first()
    return row.seq, row.hash


# -- audit head and --expect -------------------------------------------------------------------------------
def test_audit_head_prints_the_number_and_hash_of_the_newest_entry(url, capsys):
    assert cli(capsys, "audit", "head") == (0, f"0 {'0' * 64}\n", "")
    officer = desk(url)
    officer.evaluate(request())
    seq, digest = newest(officer.store.engine)
    assert (seq, len(digest)) == (2, 64)
    assert cli(capsys, "audit", "head") == (0, f"2 {digest}\n", "")
    assert officer.audit_head() == (2, digest)


def test_entries_deleted_from_the_end_are_caught_by_an_expected_head(url, capsys):
    officer = desk(url)
    _, evaluation_id = officer.evaluate(request())
    officer.download(evaluation_id, "results.json")
    officer.reproduce(evaluation_id)  # entries 3 and 4: download, reproduce
    code, line, _ = cli(capsys, "audit", "head")
    seq, digest = line.split()
    assert code == 0 and seq == "4"
    assert cli(capsys, "audit", "verify", "--expect", f"4:{digest}")[0] == 0
    assert cli(capsys, "audit", "verify", "--expect", line.strip(), "--expect", "2:" + "0" * 64)[0] == 3

    with officer.store.engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq >= 3))
    assert cli(capsys, "audit", "verify")[0] == 0  # the chain alone cannot tell that it was cut
    code, out, _ = cli(capsys, "audit", "verify", "--expect", f"4:{digest}")
    assert code == 3
    assert out.startswith("The audit log is broken at entry 4: entry 4 is missing: the log ends at entry 2")

    officer.download(evaluation_id, "results.json")
    officer.download(evaluation_id, "results.json")  # cut, then written again up to entry 4
    code, out, _ = cli(capsys, "audit", "verify", "--expect", f"4:{digest}")
    assert code == 3 and f"broken at entry 4: its hash is {newest(officer.store.engine)[1]}, not the {digest} " \
                          f"expected" in out


@pytest.mark.parametrize("value", ["4", "4:abc", "x:" + "a" * 64, "4:" + "g" * 64, "-1:" + "a" * 64])
def test_a_malformed_expected_head_is_a_usage_error(capsys, value):
    code, _, err = cli(capsys, "audit", "verify", f"--expect={value}")
    assert code == 2 and "is not SEQ:SHA256" in err


# -- signed checkpoints ------------------------------------------------------------------------------------
def test_a_chain_rehashed_from_an_entry_is_caught_by_a_signed_checkpoint(url, capsys, tmp_path, monkeypatch):
    private, public = key_pair(capsys, tmp_path / "keys")
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", str(private))
    officer = desk(url)
    for minute in range(3):
        officer.evaluate(request(f"2026-11-26T09:0{minute}:00Z"))  # entries 1-6, checkpoints at 2, 4 and 6
    engine = officer.store.engine
    with writing(engine) as connection:  # the head is signed already: no second checkpoint
        assert audit.checkpoint(connection, officer.store.signer)[0] == 6
    with engine.connect() as connection:
        assert connection.execute(select(audit_checkpoints.c.seq).order_by(audit_checkpoints.c.seq)
                                  ).scalars().all() == [2, 4, 6]

    monkeypatch.delenv("EVALUATOR_AUDIT_KEY")  # the auditor holds the public key only
    monkeypatch.setenv("EVALUATOR_AUDIT_PUBLIC_KEY", str(public))
    auditor = desk(url)
    result = auditor.audit_verification()
    assert (result.checked, result.broken, result.checkpoints, result.signatures, result.evaluations) == \
        (6, None, 3, 3, 3)

    rewrite_from(engine, 3, at="2026-11-26T08:00:00Z")
    broken = auditor.audit_verification().broken
    assert (broken.seq, broken.kind) == (4, "checkpoint") and "rewritten" in broken.reason

    with engine.begin() as connection:  # the forger makes the checkpoints name the new hashes...
        for seq in (4, 6):
            digest = connection.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar_one()
            connection.execute(update(audit_checkpoints).where(audit_checkpoints.c.seq == seq).values(hash=digest))
    broken = auditor.audit_verification().broken
    assert broken.seq == 4 and "does not verify" in broken.reason

    forger = Signer.from_file(key_pair(capsys, tmp_path / "forger")[0])
    with engine.begin() as connection:  # ...and signs them with a key of their own
        for seq in (4, 6):
            digest = connection.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar_one()
            connection.execute(update(audit_checkpoints).where(audit_checkpoints.c.seq == seq).values(
                signature=forger.sign(seq, digest), key_id=forger.key_id))
    broken = auditor.audit_verification().broken
    assert broken.seq == 4 and f"signed with key {forger.key_id}" in broken.reason

    with engine.begin() as connection:  # or removes the checkpoints after the rewritten entry
        connection.execute(delete(audit_checkpoints).where(audit_checkpoints.c.seq > 2))
    broken = auditor.audit_verification().broken
    assert broken.seq == 3 and "no signed checkpoint covers this evaluation" in broken.reason
    code, out, _ = cli(capsys, "audit", "verify")
    assert code == 3 and out.startswith("The audit log is broken at entry 3: no signed checkpoint covers")

    with engine.begin() as connection:  # or removes every checkpoint: a configured key expects them
        connection.execute(delete(audit_checkpoints))
    broken = auditor.audit_verification().broken
    assert broken.seq == 1 and "though an audit key is configured" in broken.reason


def test_a_checkpoint_signed_by_another_key_fails(url, capsys, tmp_path, monkeypatch):
    private, public = key_pair(capsys, tmp_path / "keys")
    _, other = key_pair(capsys, tmp_path / "other")
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", str(private))
    desk(url).evaluate(request())
    code, out, _ = cli(capsys, "audit", "verify")  # the public half of the signing key
    assert code == 0 and "1 signed checkpoints, every signature verified" in out

    monkeypatch.setenv("EVALUATOR_AUDIT_PUBLIC_KEY", str(other))
    code, out, _ = cli(capsys, "audit", "verify")
    assert code == 3
    assert f"broken at entry 2: its checkpoint is signed with key {Signer.from_file(private).key_id}" in out

    monkeypatch.setenv("EVALUATOR_AUDIT_PUBLIC_KEY", f"{other}{os.pathsep}{public}")  # a rotated key
    assert cli(capsys, "audit", "verify")[0] == 0

    monkeypatch.delenv("EVALUATOR_AUDIT_KEY")
    monkeypatch.delenv("EVALUATOR_AUDIT_PUBLIC_KEY")
    code, out, _ = cli(capsys, "audit", "verify")
    assert code == 0 and "their signatures unchecked (set EVALUATOR_AUDIT_PUBLIC_KEY)" in out


def test_an_altered_checkpoint_or_one_past_the_end_fails(url, capsys, tmp_path, monkeypatch):
    private, _ = key_pair(capsys, tmp_path / "keys")
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", str(private))
    officer = desk(url)
    officer.evaluate(request())
    with officer.store.engine.begin() as connection:
        signature = connection.execute(select(audit_checkpoints.c.signature)).scalar_one()
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        connection.execute(update(audit_checkpoints).values(signature=flipped))
    broken = officer.audit_verification().broken
    assert broken.seq == 2 and "does not verify" in broken.reason

    with officer.store.engine.begin() as connection:
        connection.execute(update(audit_checkpoints).values(signature=signature))
        connection.execute(delete(audit_log).where(audit_log.c.seq == 2))  # the newest entry, cut
    broken = officer.audit_verification().broken
    assert broken.seq == 2 and "a signed checkpoint names it, but the log ends at entry 1" in broken.reason


def test_key_generation_and_unusable_keys(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path))
    private, public = key_pair(capsys, tmp_path / "keys")
    assert private.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    code, _, err = cli(capsys, "audit", "keygen", "--out", str(tmp_path / "keys"))
    assert code == 2 and "exists already" in err and private.stat().st_size > 0
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", str(public))
    code, _, err = cli(capsys, "audit", "verify")
    assert code == 2 and err.startswith("error: EVALUATOR_AUDIT_KEY: cannot read the audit signing key")
    monkeypatch.setenv("EVALUATOR_AUDIT_KEY", str(private))
    monkeypatch.setenv("EVALUATOR_AUDIT_PUBLIC_KEY", str(tmp_path / "missing.pem"))
    code, _, err = cli(capsys, "audit", "verify")
    assert code == 2 and "EVALUATOR_AUDIT_PUBLIC_KEY: cannot read the audit public key" in err


def test_a_database_made_before_checkpoints_is_migrated(tmp_path):
    store = sqlite_store_made_at(tmp_path / "old.db", "0001")
    with store.engine.connect() as connection:
        assert connection.execute(select(audit_checkpoints)).all() == []


# -- stored evaluations against their entries --------------------------------------------------------------
def test_a_swapped_tender_with_matching_outputs_is_caught(url, capsys):
    officer = desk(url)
    _, evaluation_id = officer.evaluate(request())
    engine = officer.store.engine
    forged = (SAMPLES / "tender.yaml").read_text().replace("minimum_level: SEAL-2", "minimum_level: SEAL-3")
    forged_sha = hashlib.sha256(forged.encode()).hexdigest()
    with engine.begin() as connection:
        records.put_files(connection, {forged_sha: forged.encode()})
        connection.execute(update(evaluation_files).where(
            (evaluation_files.c.evaluation_id == evaluation_id) & (evaluation_files.c.name == TENDER)
        ).values(sha256=forged_sha))
    with officer._stored_inputs(evaluation_id) as (stored_request, folder):  # the outputs, made to match
        outputs = run_evaluation(stored_request, base=folder).files
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in outputs.items()}
    with engine.begin() as connection:
        records.put_files(connection, {hashes[name]: content for name, content in outputs.items()})
        for name, sha in hashes.items():
            connection.execute(update(evaluation_files).where(
                (evaluation_files.c.evaluation_id == evaluation_id) & (evaluation_files.c.name == name)
            ).values(sha256=sha))
        connection.execute(update(evaluations).where(evaluations.c.id == evaluation_id).values(
            results_sha256=hashes["results.json"]))
    assert all(recorded == again for _, recorded, again in officer.reproduce(evaluation_id))  # passes

    broken = officer.audit_verification().broken
    assert (broken.seq, broken.evaluation, broken.kind) == (1, evaluation_id, "evaluation")
    assert f"its input '{TENDER}' is {forged_sha} in the store, but the entry records" in broken.reason
    code, out, _ = cli(capsys, "audit", "verify")
    assert code == 3 and out.startswith(f"The audit log is broken at entry 1 (evaluation {evaluation_id}): its "
                                        f"input '{TENDER}'")


def _other_file(connection) -> str:
    return connection.execute(select(files.c.sha256).order_by(files.c.sha256)).scalars().first()


def _tender_file(connection) -> str:
    return connection.execute(select(evaluation_files.c.sha256).where(evaluation_files.c.name == TENDER)).scalar_one()


TAMPERING = {
    "an input row added": (lambda c, eid: c.execute(insert(evaluation_files).values(
        evaluation_id=eid, role="input", name="samples/bids/late.csv", sha256=_other_file(c))),
        1, "the store has an input 'samples/bids/late.csv'"),
    "an output row removed": (lambda c, eid: c.execute(delete(evaluation_files).where(
        (evaluation_files.c.evaluation_id == eid) & (evaluation_files.c.name == "results.json"))),
        2, "its output 'results.json' (sha256"),
    "the results document replaced": (lambda c, eid: c.execute(update(evaluations).where(
        evaluations.c.id == eid).values(results_sha256=_tender_file(c))), 2, "its stored results document is"),
    "the creator changed": (lambda c, eid: c.execute(update(evaluations).values(created_by="somebody else")),
                            1, "the store says 'somebody else' made it"),
    "a file's bytes changed": (lambda c, eid: c.execute(update(files).where(files.c.sha256 == _tender_file(c)).values(
        content=b"minimum_level: SEAL-1\n")), 1, f"the stored bytes of its input '{TENDER}' no longer have"),
    "the evaluation deleted": (lambda c, eid: [c.execute(delete(evaluation_files)), c.execute(delete(evaluations))],
                               1, "the store no longer holds it (deleted)"),
    "an evaluation added without entries": (lambda c, eid: [
        c.execute(insert(evaluations).from_select(
            ["id", "evaluated_at", "created_by", "request", "results_sha256"],
            select(literal("forged0000000000"), evaluations.c.evaluated_at, evaluations.c.created_by,
                   evaluations.c.request, evaluations.c.results_sha256)))],
        None, "the store holds it, but the audit log has no entry for it"),
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_a_stored_evaluation_that_disagrees_with_its_entries_is_found(url, tampering):
    officer = desk(url)
    _, evaluation_id = officer.evaluate(request())
    assert officer.audit_verification().broken is None
    change, seq, reason = TAMPERING[tampering]
    with officer.store.engine.begin() as connection:
        change(connection, evaluation_id)
    broken = officer.audit_verification().broken
    assert broken is not None and broken.kind == "evaluation", tampering
    assert broken.seq == seq and reason in broken.reason
    assert broken.evaluation == (evaluation_id if seq else "forged0000000000")


def test_a_changed_request_is_found_through_its_recorded_hash(url):
    store = Store(url)
    content = (SAMPLES / "tender.yaml").read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    stored_request = '{"evaluated_at": "2026-11-26T09:00:00Z", "minimum_level": null}'
    with writing(store.engine) as connection:  # an evaluation as Desk.evaluate stores it
        records.put_files(connection, {sha: content})
        records.put_evaluation(connection, "e1", "2026-11-26T09:00:00Z", "someone", stored_request, "",
                               {TENDER: sha}, {"tender.yaml": sha})
        audit.append(connection, clock(), "someone", "evaluation", {
            "evaluation": "e1", "inputs": {TENDER: sha},
            "request_sha256": hashlib.sha256(stored_request.encode()).hexdigest()})
        audit.append(connection, clock(), "someone", "report generated", {"evaluation": "e1",
                                                                          "outputs": {"tender.yaml": sha}})
    with store.engine.connect() as connection:
        assert audit.verify(connection) == (2, None)
    with store.engine.begin() as connection:
        connection.execute(update(evaluations).values(request=stored_request.replace("null", '"SEAL-1"')))
    with store.engine.connect() as connection:
        _, broken = audit.verify(connection)
    assert (broken.seq, broken.evaluation) == (1, "e1") and "its stored request" in broken.reason


# -- unreadable entries ------------------------------------------------------------------------------------
@pytest.mark.parametrize("detail, reason", [
    ("not json", "it is not JSON (Expecting value at line 1 column 1)"),
    ('{"evaluation": NaN}', "it holds NaN, which JSON does not allow"),
    ('{"evaluation": -Infinity}', "it holds -Infinity, which JSON does not allow"),
    ('{"evaluation": 1e400}', "it cannot be written as RFC 8785 JSON"),
])
def test_an_entry_whose_detail_is_not_json_is_named(url, capsys, detail, reason):
    officer = desk(url)
    officer.evaluate(request())
    with officer.store.engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 2).values(detail=detail))
    code, out, err = cli(capsys, "audit", "verify")
    assert (code, err) == (3, "")
    assert out.startswith("The audit log is broken at entry 2: ") and reason in out
    assert "1 entries before it are intact" in out


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_report_prints_its_own_evaluation_entry_as_the_head(tmp_path, monkeypatch, capsys):
    """An auditor holding only the report can ask the store whether the evaluation's entry is still there."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(ROOT)
    assert main(["evaluate", "--framework", "frameworks/eu-csf-2026.yaml", "--tender", "samples/tender.yaml",
                 "--formats", "json,pdf", "--evaluated-at", "2026-11-26T09:00:00Z", "--out", str(tmp_path / "out"),
                 "samples/bids"]) == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "out" / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    seq, digest = re.search(r"\b(\d+) ([0-9a-f]{64})\b", text.split("Audit chain head")[1]).groups()
    store = Store(f"sqlite:///{tmp_path / 'data' / 'evaluator.db'}")
    with store.engine.connect() as connection:
        entry = connection.execute(select(audit_log).where(audit_log.c.seq == int(seq))).one()
    assert (entry.event, entry.hash) == ("evaluation", digest)
    capsys.readouterr()
    assert main(["audit", "verify", "--expect", f"{seq}:{digest}"]) == 0
    assert main(["reproduce", json.loads(entry.detail)["evaluation"]]) == 0  # the head is part of the request
    assert "2 of 2 outputs reproduced byte for byte." in capsys.readouterr().out


def test_stored_bytes_turned_into_text_are_found_not_a_crash(tmp_path, capsys, monkeypatch):
    """SQLite lets a column hold text where bytes belong; verify names the evaluation (exit 3)."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path))
    officer = desk(f"sqlite:///{tmp_path / 'evaluator.db'}")
    _, evaluation_id = officer.evaluate(request())
    with officer.store.engine.begin() as connection:
        connection.execute(text("UPDATE files SET content = CAST(content AS TEXT) WHERE sha256 = :sha"),
                           {"sha": _tender_file(connection)})
    code, out, _ = cli(capsys, "audit", "verify")
    assert code == 3 and f"(evaluation {evaluation_id})" in out and "no longer have the SHA-256" in out


@pytest.mark.parametrize("tampering, where, says", [
    (lambda c: c.execute(update(users).where(users.c.name == "bob").values(roles="admin")), 2,
     "gives 'bob' the roles ['admin']"),
    (lambda c: c.execute(delete(users).where(users.c.name == "bob")), 2, "no longer holds them"),
    (lambda c: c.execute(insert(users).values(name="mallory", roles="admin", grants="")), None,
     "no 'user changed' entry"),
])
def test_roles_changed_in_the_database_are_found(url, tampering, where, says):
    """The users table must agree with the newest "user changed" entry of each user: a role given, a user
    removed or added in the database (or in a backup whose manifest was re-hashed) breaks verification."""
    admin = Desk(Store(url), User.local(), clock)
    admin.change_user("ana", ("analyst",))
    admin.change_user("bob", ("officer",))
    assert admin.verify_audit()[1] is None
    with Store(url).engine.begin() as connection:
        tampering(connection)
    broken = admin.verify_audit()[1]
    assert broken.kind == "user" and broken.seq == where and says in broken.reason, broken
