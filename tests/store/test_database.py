"""The store on SQLite and on PostgreSQL: whole evaluations, the audit chain under tampering, roles,
reproduction, and faults (concurrent writers, a killed process, a read-only or full database)."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, update

from evaluator.__main__ import main
from evaluator.application import Desk, PermissionDenied, Store, User
from evaluator.pipeline import Request
from evaluator.store.database import StoreError
from evaluator.store.schema import audit_log, evaluation_files, evaluations, files

from conftest import CSF_PATH, ROOT, SAMPLES, emptied_postgres, sqlite_store_made_at


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'evaluator.db'}"
    return emptied_postgres()


def clock():
    return "2026-11-26T09:00:00Z"


def request(evaluated_at="2026-11-26T09:00:00Z", formats=("json", "summary")) -> Request:
    return Request(framework=str(CSF_PATH.relative_to(ROOT)), tender="samples/tender.yaml",
                   inputs=("samples/bids",), formats=formats, evaluated_at=evaluated_at)


def desk(url, *roles, grants=()) -> Desk:
    return Desk(Store(url), User("someone", frozenset(roles or ("officer", "analyst", "auditor", "admin")),
                                      frozenset(grants)), clock)


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    monkeypatch.chdir(ROOT)  # requests name files relative to the repository, as the CLI would


def test_an_evaluation_is_stored_whole_and_reproduced(url):
    officer = desk(url)
    outcome, evaluation_id = officer.evaluate(request())
    files_of = officer.files_of(evaluation_id)
    assert set(files_of["input"]) == {"frameworks/eu-csf-2026.yaml", "samples/tender.yaml",
                                      *[f"samples/bids/{p.name}" for p in (SAMPLES / "bids").iterdir()]}
    assert files_of["output"] == {name: hashlib.sha256(content).hexdigest() for name, content in outcome.files.items()}
    assert [(name, a == b) for name, a, b in officer.reproduce(evaluation_id)] == [("results.json", True),
                                                                                   ("summary.pdf", True)]
    checked, broken, _ = officer.verify_audit()
    assert broken is None and checked == 3  # evaluation, report generated, reproduce


def test_files_are_content_addressed_and_never_duplicated(url):
    officer = desk(url)
    officer.evaluate(request("2026-11-26T09:00:00Z"))
    officer.evaluate(request("2026-11-26T09:01:00Z"))  # the same inputs again: stored once
    with officer.store.engine.connect() as connection:
        stored = connection.execute(select(files.c.sha256)).scalars().all()
        named = connection.execute(select(evaluation_files.c.sha256).where(evaluation_files.c.role == "input")
                                   ).scalars().all()
    assert len(stored) == len(set(stored)) and len(named) == 2 * len(set(named)) and set(named) <= set(stored)


class TestAuditChain:
    @pytest.fixture
    def stored(self, url):
        officer = desk(url)
        for minute in range(3):
            officer.evaluate(request(f"2026-11-26T09:0{minute}:00Z"))  # 2 entries each
        return officer

    def broken(self, officer):
        return officer.verify_audit()[1]

    def test_an_untouched_chain_verifies(self, stored):
        checked, broken, head = stored.verify_audit()
        assert (checked, broken) == (6, None) and len(head) == 64

    def test_an_altered_entry_is_found(self, stored):
        with stored.store.engine.begin() as connection:
            connection.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="somebody else"))
        assert self.broken(stored).seq == 3 and "altered" in self.broken(stored).reason

    def test_a_deleted_entry_is_found(self, stored):
        with stored.store.engine.begin() as connection:
            connection.execute(delete(audit_log).where(audit_log.c.seq == 4))
        assert self.broken(stored).seq == 4 and "missing" in self.broken(stored).reason

    def test_reordered_entries_are_found(self, stored):
        with stored.store.engine.begin() as connection:
            connection.execute(update(audit_log).where(audit_log.c.seq == 2).values(seq=100))
            connection.execute(update(audit_log).where(audit_log.c.seq == 5).values(seq=2))
            connection.execute(update(audit_log).where(audit_log.c.seq == 100).values(seq=5))
        assert self.broken(stored).seq == 2

    def test_an_entry_rehashed_after_editing_breaks_the_next_link(self, stored):
        from evaluator.store.audit import entry_hash
        with stored.store.engine.begin() as connection:
            row = connection.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
            forged = entry_hash(2, row.at, "forger", row.event, row.detail, row.previous_hash)
            connection.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="forger", hash=forged))
        assert self.broken(stored).seq == 3 and "does not follow" in self.broken(stored).reason


DENIED = {
    "analyst": [lambda d: d.evaluate(request()), lambda d: d.reproduce("x"), lambda d: d.set_user("x", ["officer"]),
                lambda d: d.output("x", "x")],
    "auditor": [lambda d: d.evaluate(request()), lambda d: d.record_validation([]),
                lambda d: d.set_user("x", ["officer"])],
    "officer": [lambda d: d.reproduce("x"), lambda d: d.verify_audit(),
                lambda d: d.set_user("x", ["officer"])],
    "admin": [lambda d: d.evaluate(request()), lambda d: d.results("x"), lambda d: d.reproduce("x")],
}


@pytest.mark.parametrize("role, attempt", [(role, attempt) for role, attempts in DENIED.items()
                                           for attempt in attempts])
def test_each_role_is_denied_what_is_not_its_own(url, role, attempt):
    someone = desk(url, role)
    with pytest.raises(PermissionDenied, match=f"someone \\({role}\\) may not"):
        attempt(someone)
    with someone.store.engine.connect() as connection:
        events = connection.execute(select(audit_log.c.event, audit_log.c.actor)).all()
    assert events == [("permission denied", "someone")]


def test_an_analyst_sees_bidders_anonymously_unless_granted(url):
    _, evaluation_id = desk(url).evaluate(request())
    anonymous = desk(url, "analyst").results(evaluation_id)
    assert {bid["vendor"] for bid in anonymous["bids"]} == {f"Bidder {n}" for n in range(1, 9)}
    assert all(bid["price"] is None for bid in anonymous["bids"])
    granted = desk(url, "analyst", grants=("bid_identities",)).results(evaluation_id)
    assert "Nordlicht Cloud GmbH" in {bid["vendor"] for bid in granted["bids"]}
    bids = desk(url, "analyst").analysis_bids(evaluation_id).bids
    assert bids.bids[0].vendor.startswith("Bidder") and bids.bids[0].source.file == "hidden"


def test_two_sessions_evaluating_at_once(url):
    errors = []

    def evaluate(minute):
        try:
            desk(url).evaluate(request(f"2026-11-26T10:0{minute}:00Z"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=evaluate, args=(minute,)) for minute in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    officer = desk(url)
    assert len(officer.evaluations()) == 4 and officer.verify_audit()[:2] == (8, None)


def test_the_same_evaluation_with_its_report_from_two_sessions_at_once_is_stored_once(url):
    """Two officers on two instances evaluating the same inputs in the same second make the same evaluation:
    both get it, it is stored once with its PDFs, and the chain holds (the second found it stored)."""
    errors, ids = [], []

    def evaluate():
        try:
            ids.append(desk(url).evaluate(request(formats=("json", "summary", "pdf")))[1])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=evaluate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(ids)) == 1
    officer = desk(url)
    assert set(officer.files_of(ids[0])["output"]) >= {"results.json", "summary.pdf", "report.pdf"}
    checked, broken, _ = officer.verify_audit()
    assert broken is None and checked == 2  # one evaluation, one report generated


def test_a_killed_process_leaves_whole_evaluations_or_none(url):
    script = f"""
import itertools
from evaluator.pipeline import Request
from evaluator.application import Store, User, Desk
desk = Desk(Store({url!r}), User.local())
for n in itertools.count():
    desk.evaluate(Request(framework="frameworks/eu-csf-2026.yaml", tender="samples/tender.yaml",
                          inputs=("samples/bids",), formats=("json", "xlsx"),
                          evaluated_at=f"2027-01-01T00:{{n // 60 % 60:02d}}:{{n % 60:02d}}Z"))
"""
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    watcher = desk(url)
    deadline = time.monotonic() + 300
    while len(watcher.evaluations()) < 2 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polls the store: killed once two evaluations are in, mid-way through the next
    assert child.poll() is None, "the evaluating process ended by itself"
    child.send_signal(signal.SIGKILL)
    child.wait()
    officer = desk(url)
    with officer.store.engine.connect() as connection:
        stored = connection.execute(select(evaluations.c.id)).scalars().all()
        for evaluation_id in stored:
            roles = connection.execute(select(evaluation_files.c.role).where(
                evaluation_files.c.evaluation_id == evaluation_id)).scalars().all()
            assert roles.count("input") == 8 and roles.count("output") == 2
    assert len(stored) >= 1
    checked, broken, _ = officer.verify_audit()
    assert broken is None and checked == 2 * len(stored)
    officer.evaluate(request("2028-01-01T00:00:00Z"))  # and the next start is clean
    assert officer.verify_audit()[1] is None


def test_a_read_only_database_gives_a_clear_error_and_stays_intact(tmp_path):
    path = tmp_path / "evaluator.db"
    desk(f"sqlite:///{path}").evaluate(request())
    before = path.read_bytes()
    with pytest.raises(StoreError, match="read-only"):
        desk(f"sqlite:///file:{path}?mode=ro&uri=true").evaluate(request("2026-11-27T09:00:00Z"))
    assert path.read_bytes() == before
    assert desk(f"sqlite:///{path}").verify_audit()[1] is None


def test_a_full_database_gives_a_clear_error_and_stays_intact(tmp_path):
    from sqlalchemy import event
    path = tmp_path / "evaluator.db"
    officer = desk(f"sqlite:///{path}")
    officer.evaluate(request())
    with officer.store.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    officer.store.engine.dispose()
    event.listen(officer.store.engine, "connect",
                 lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages + 2}"))
    with pytest.raises(StoreError, match="full"):
        officer.evaluate(request("2026-11-27T09:00:00Z", formats=("json", "xlsx", "summary")))
    fresh = desk(f"sqlite:///{path}")
    assert len(fresh.evaluations()) == 1 and fresh.verify_audit()[:2] == (2, None)


def test_command_line_reproduce_and_audit_verify(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path))
    assert main(["evaluate", "--framework", "frameworks/eu-csf-2026.yaml", "--formats", "json", "--evaluated-at",
                 "2026-11-26T09:00:00Z", "--out", str(tmp_path / "out"), "samples/bids"]) == 0
    evaluation_id = capsys.readouterr().out.split("Stored as evaluation ")[1].split()[0]
    assert main(["reproduce", evaluation_id]) == 0
    assert "1 of 1 outputs reproduced byte for byte." in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0 and "The audit log is intact: 3 entries" in capsys.readouterr().out
    engine = create_engine(f"sqlite:///{tmp_path / 'evaluator.db'}")
    with engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 1).values(event="nothing happened"))
    assert main(["audit", "verify"]) == 3
    assert "broken at entry 1: its content no longer matches its hash (altered)" in capsys.readouterr().out
    assert main(["reproduce", "no-such-id"]) == 2


def test_the_head_revision_constant_matches_the_migrations():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from evaluator.store.database import HEAD_REVISION, MIGRATIONS
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_the_same_command_on_changed_files_is_a_new_evaluation(tmp_path, monkeypatch, capsys):
    """The evaluation key covers the inputs' contents: a changed bid file is a new evaluation and entry."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    bids = tmp_path / "bids"
    shutil.copytree(SAMPLES / "bids", bids)
    command = ["evaluate", "--framework", "frameworks/eu-csf-2026.yaml", "--formats", "json", "--evaluated-at",
               "2026-11-26T09:00:00Z", "--out", str(tmp_path / "out"), str(bids)]

    def run() -> tuple[str, str]:
        assert main(command) == 0
        printed = capsys.readouterr().out
        return printed.split(" evaluation ")[1].split()[0], (tmp_path / "out" / "results.json").read_text()
    first, results = run()
    again, same = run()
    assert again == first and same == results and main(["audit", "head"]) == 0
    assert capsys.readouterr().out.startswith("2 ")  # the identical re-run recorded nothing new
    (bids / "iberia-baltic-long.csv").write_text((bids / "iberia-baltic-long.csv").read_text().replace(
        "B-003,Iberia Nube Pública S.A.,SOV-1.1,3", "B-003,Iberia Nube Pública S.A.,SOV-1.1,4"))
    changed, new_results = run()
    assert changed != first and new_results != results
    assert main(["audit", "head"]) == 0 and capsys.readouterr().out.startswith("4 ")
    assert main(["reproduce", changed]) == 0 and main(["reproduce", first]) == 0


def test_reproduce_confines_inputs_to_a_private_folder(tmp_path, monkeypatch, capsys):
    """Recorded names such as ../../x never become paths, and a stray file anywhere changes nothing."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    shutil.copy(SAMPLES / "bids" / "b-001.xlsx", tmp_path / "outside.xlsx")
    shutil.copy(CSF_PATH, work / "csf.yaml")
    assert main(["evaluate", "--framework", "csf.yaml", "--formats", "json", "--evaluated-at", "2026-11-26T09:00:00Z",
                 "--out", "out", "../../outside.xlsx"]) == 0
    evaluation_id = capsys.readouterr().out.split("Stored as evaluation ")[1].split()[0]
    before = {path for path in Path(tempfile.gettempdir()).parent.glob("*")}
    (tmp_path / "outside.xlsx").write_bytes(b"a stray file where the recorded name points")
    Path(tempfile.gettempdir(), "outside.xlsx").write_bytes(b"stray")
    try:
        assert main(["reproduce", evaluation_id]) == 0
    finally:
        Path(tempfile.gettempdir(), "outside.xlsx").unlink()
    assert "1 of 1 outputs reproduced byte for byte." in capsys.readouterr().out
    assert {path for path in Path(tempfile.gettempdir()).parent.glob("*")} == before


@pytest.fixture
def output_disk(request, tmp_path):
    """An output folder on a disk of its own (tmpfs): read-only, with 64 KiB of room, or with 96 KiB (room for
    one bid's inputs and results.json, not for its report.pdf)."""
    out = tmp_path / "out"
    out.mkdir()
    options = {"read-only": "ro", "full": "size=64k", "room for the data only": "size=96k"}[request.param]
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(out)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield out
    subprocess.run(["umount", str(out)], check=True)


@pytest.mark.parametrize("output_disk", ["read-only", "full"], indirect=True)
def test_an_unwritable_output_disk_records_nothing_and_leaves_no_partial_file(tmp_path, output_disk, capsys):
    """The store records outputs only once they are written; nothing partial is left behind."""
    data = tmp_path / "data"
    os.environ["EVALUATOR_DATA"], previous = str(data), os.environ["EVALUATOR_DATA"]
    try:
        code = main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"), "--formats",
                     "json,xlsx,pdf", "--out", str(output_disk), str(SAMPLES / "bids")])
    finally:
        os.environ["EVALUATOR_DATA"] = previous
    error = capsys.readouterr().err
    assert code == 2 and "cannot write the results" in error and "no file was left half-written" in error
    assert not [path for path in output_disk.rglob("*") if path.name.endswith(".partial")]
    officer = Desk(Store(f"sqlite:///{data / 'evaluator.db'}"), User.local())
    assert officer.evaluations() == [] and officer.verify_audit()[:2] == (0, None)


@pytest.mark.parametrize("output_disk", ["room for the data only"], indirect=True)
def test_a_report_that_cannot_be_written_is_recorded_as_failed_and_stored_when_written(tmp_path, output_disk,
                                                                                      capsys, monkeypatch):
    """The data outputs were written and are stored; the PDF was not, so the store says why and has no PDF;
    the same command with room to write stores the PDF then, printing the evaluation's own entry."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    command = ["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"), "--formats",
               "json,pdf", "--evaluated-at", "2026-11-26T09:00:00Z", "--out", str(output_disk),
               str(SAMPLES / "bids" / "b-001.xlsx")]
    assert main(command) == 2
    error = capsys.readouterr().err
    assert "cannot write the results (No space left on device)" in error and "were written and stored as " \
        "evaluation" in error
    officer = Desk(Store(), User.local())
    [stored] = officer.evaluations()
    assert set(officer.files_of(stored["id"])["output"]) == {"results.json"}
    with officer.store.engine.connect() as connection:
        events = connection.execute(select(audit_log.c.event).order_by(audit_log.c.seq)).scalars().all()
    assert events == ["evaluation", "report failed"] and officer.verify_audit()[1] is None
    assert not [path for path in output_disk.rglob("*") if path.name.endswith(".partial")]

    command[command.index(str(output_disk))] = str(tmp_path / "roomy")
    assert main(command) == 0 and "Already stored" in capsys.readouterr().out
    assert set(officer.files_of(stored["id"])["output"]) == {"results.json", "report.pdf"}
    assert officer.verify_audit()[1] is None
    assert all(recorded == again for _, recorded, again in officer.reproduce(stored["id"]))


def test_a_store_made_before_the_panel_is_migrated(tmp_path):
    from evaluator.store.schema import case_assessments, case_declarations
    store = sqlite_store_made_at(tmp_path / "old.db", "0004")
    with store.engine.connect() as connection:
        assert connection.execute(select(case_declarations)).all() == []
        assert connection.execute(select(case_assessments)).all() == []


def test_the_store_keeps_one_declaration_per_person_and_one_assessment_per_cell(url):
    """The primary keys back the application layer's rules (declare once; one row per bid, criterion, assessor
    and stage) on both databases."""
    from sqlalchemy.exc import IntegrityError

    from evaluator.store import records
    from evaluator.store.database import writing
    officer = desk(url, "officer")
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("tender.yaml", (SAMPLES / "tender.yaml").read_bytes()))
    cell = {"case_id": case_id, "bid_id": "B-001", "criterion_id": "SOV-1.1", "assessor": "ana",
            "stage": "individual", "assessed_answer": "", "justification": "", "evidence_quality": "",
            "submitted_by": "ana", "submitted_at": clock(), "source": "desk", "source_sha256": None}
    with writing(officer.store.engine) as connection:
        records.put_declaration(connection, case_id, "ana", ["B-002", "B-002"], clock())
        records.put_assessments(connection, [cell])
    for write in (lambda c: records.put_declaration(c, case_id, "ana", [], clock()),
                  lambda c: records.put_assessments(c, [{**cell, "assessed_answer": "2"}])):
        with pytest.raises((IntegrityError, StoreError)), writing(officer.store.engine) as connection:
            write(connection)
    with writing(officer.store.engine) as connection:
        assert [row.conflicts for row in records.case_declaration_rows(connection, case_id)] == ['["B-002"]']
        assert [row.assessed_answer for row in records.case_assessment_rows(connection, case_id)] == [""]
