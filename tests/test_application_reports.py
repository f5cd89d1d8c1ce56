"""An evaluation's PDFs rendered after it is stored (issue 17, item 4): `evaluate_case(render=False)`, then
`render_report` (what the app's background job runs, `start_report`), give the same stored evaluation, outputs
and entries as one `evaluate_case`; the job's progress and end are read from the store (`report_status`)."""

import time

import pytest
from sqlalchemy import select

from evaluator import application
from evaluator.application import Desk, Store, User, wait_for_reports
from evaluator.pipeline import Request
from evaluator.report import render
from evaluator.store import records
from evaluator.store.database import reading, writing
from evaluator.store.schema import audit_log, evaluations

from conftest import CSF_PATH, SAMPLES

BIDS = SAMPLES / "bids"


def clock():
    return "2026-11-26T09:00:00Z"


@pytest.fixture
def officer(tmp_path) -> Desk:
    return officer_on(Store(f"sqlite:///{tmp_path / 'evaluator.db'}"))


def officer_on(store: Store) -> Desk:
    return Desk(store, User("alice", frozenset({"officer"})), clock)


def opened_case(officer: Desk) -> str:
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("tender.yaml", (SAMPLES / "tender.yaml").read_bytes()))
    officer.add_case_bids(case_id, [(name, (BIDS / name).read_bytes()) for name in ("b-001.xlsx", "b-002.xlsx")])
    officer.open_case(case_id)
    return case_id


def entries(store: Store) -> list[tuple[str, str]]:
    with reading(store.engine) as connection:
        return [(row.event, row.detail) for row in connection.execute(select(audit_log).order_by(audit_log.c.seq))]


def stored_request(store: Store, evaluation_id: str) -> str:
    with reading(store.engine) as connection:
        return connection.execute(select(evaluations.c.request).where(evaluations.c.id == evaluation_id)).scalar_one()


def stored_outputs(officer: Desk, evaluation_id: str) -> dict[str, bytes]:
    return {name: officer.output(evaluation_id, name) for name in officer.files_of(evaluation_id)["output"]}


def test_rendering_after_storing_gives_the_same_evaluation_outputs_and_entries(tmp_path):
    """Two stores, the same clock: one evaluates at once, the other stores the data first and renders after.
    The same evaluation id, request, output bytes (the report prints the same audit head) and "report
    generated" entry; only "case evaluated" comes before "report generated" instead of after."""
    at_once, later = (officer_on(Store(f"sqlite:///{tmp_path / name}")) for name in ("once.db", "later.db"))
    first = at_once.evaluate_case(opened_case(at_once))[1]
    case_id = opened_case(later)
    outcome, second = later.evaluate_case(case_id, render=False)
    assert second == first and outcome.recorded and not any(name.endswith(".pdf") for name in outcome.files)
    assert later.case(case_id)["state"] == "evaluated"
    assert later.report_status(second) == {"state": "not rendered"}
    assert set(later.files_of(second)["output"]) == {"results.json", "results.xlsx", "robustness.json"}
    seen: list[tuple[int, int]] = []
    rendered = later.render_report(second, lambda done, total: seen.append((done, total)))
    assert not rendered.report_error and not rendered.recorded  # stored already: nothing new but the PDFs
    assert seen[0] == (0, 4) and seen[-1] == (4, 4) and seen == sorted(seen)  # report, summary, 2 letters
    assert stored_outputs(later, second) == stored_outputs(at_once, first)
    assert "report.pdf" in stored_outputs(later, second)
    assert stored_request(later.store, second) == stored_request(at_once.store, first)
    once, after = entries(at_once.store), entries(later.store)
    assert [event for event, _ in once[-3:]] == ["evaluation", "report generated", "case evaluated"]
    assert [event for event, _ in after[-3:]] == ["evaluation", "case evaluated", "report generated"]
    assert dict(once)["report generated"] == dict(after)["report generated"]
    assert dict(once)["evaluation"] == dict(after)["evaluation"]
    assert later.report_status(second) == {"state": "done"}
    auditor = Desk(later.store, User("carol", frozenset({"auditor"})), clock)
    checked, broken, _ = auditor.verify_audit()
    assert broken is None and checked == len(after)
    assert all(recorded == reproduced for _, recorded, reproduced in auditor.reproduce(second))
    reproduced = entries(later.store)
    later.render_report(second)  # once more: stored already, nothing recorded
    assert entries(later.store) == reproduced


def test_the_background_job_renders_once_and_keeps_its_progress_in_the_store(officer):
    case_id = opened_case(officer)
    evaluation_id = officer.evaluate_case(case_id, render=False)[1]
    assert officer.start_report(evaluation_id) is True
    assert officer.start_report(evaluation_id) is False  # rendering in this process already
    status = officer.report_status(evaluation_id)
    assert status["state"] in ("running", "done")
    if status["state"] == "running":
        assert status["started_by"] == "alice" and status["done"] <= status["total"]
    wait_for_reports()
    assert officer.report_status(evaluation_id) == {"state": "done"}
    assert officer.start_report(evaluation_id) is False  # stored: nothing to render
    assert [event for event, _ in entries(officer.store)].count("report generated") == 1
    with reading(officer.store.engine) as connection:
        job = records.report_job_row(connection, evaluation_id)
    assert (job.state, job.done, job.total, job.error) == ("done", 4, 4, None)


def test_another_processs_job_is_left_alone_until_its_heartbeat_stops(officer, monkeypatch):
    case_id = opened_case(officer)
    evaluation_id = officer.evaluate_case(case_id, render=False)[1]
    with writing(officer.store.engine) as connection:  # another instance renders it
        records.put_report_job(connection, evaluation_id, state="running", done=2, total=4, started_by="ben",
                               started_at=clock(), beat=int(time.time()), runner="elsewhere:1")
    assert officer.start_report(evaluation_id) is False
    assert officer.report_status(evaluation_id) == {"state": "running", "done": 2, "total": 4, "started_by": "ben",
                                                    "started_at": clock(), "error": None}
    monkeypatch.setattr(application, "REPORT_STALE_S", 0)  # its heartbeat is now too old: that process is gone
    assert officer.report_status(evaluation_id)["state"] == "stopped"
    assert officer.start_report(evaluation_id) is True
    wait_for_reports()
    monkeypatch.undo()
    assert officer.report_status(evaluation_id) == {"state": "done"}


def test_a_failed_rendering_is_recorded_and_can_be_started_again(officer, monkeypatch):
    case_id = opened_case(officer)
    evaluation_id = officer.evaluate_case(case_id, render=False)[1]
    monkeypatch.setattr(render, "TIME_LIMIT_S", 0.01)
    assert officer.start_report(evaluation_id)
    wait_for_reports()
    status = officer.report_status(evaluation_id)
    assert status["state"] == "failed" and status["error"] == "rendering took longer than 0.01 s and was stopped"
    assert entries(officer.store)[-1][0] == "report failed"
    assert set(officer.files_of(evaluation_id)["output"]) == {"results.json", "results.xlsx", "robustness.json"}
    monkeypatch.undo()
    assert officer.start_report(evaluation_id)
    wait_for_reports()
    assert officer.report_status(evaluation_id) == {"state": "done"}
    assert [event for event, _ in entries(officer.store)][-2:] == ["report failed", "report generated"]


def test_a_data_only_evaluation_has_no_report_to_render(officer):
    evaluation_id = officer.evaluate(Request(framework=str(CSF_PATH), tender=str(SAMPLES / "tender.yaml"),
                                             inputs=(str(BIDS / "b-001.xlsx"),), formats=("json",),
                                             evaluated_at=clock()))[1]
    assert officer.report_status(evaluation_id) == {"state": "not asked"}
    assert officer.start_report(evaluation_id) is False


def test_only_an_officer_starts_a_rendering(officer):
    evaluation_id = officer.evaluate_case(opened_case(officer), render=False)[1]
    auditor = Desk(officer.store, User("carol", frozenset({"auditor"})), clock)
    assert auditor.report_status(evaluation_id) == {"state": "not rendered"}
    with pytest.raises(application.PermissionDenied):
        auditor.start_report(evaluation_id)
    with pytest.raises(application.PermissionDenied):
        auditor.render_report(evaluation_id)


def test_a_job_started_for_later_is_running_at_once_and_renders_without_anyone_waiting(officer):
    """The app starts the rendering with a delay, from the Evaluate button's callback: the job is in the store
    at once, and it renders whether or not a page ever runs again (the tab may be closed)."""
    evaluation_id = officer.evaluate_case(opened_case(officer), render=False)[1]
    assert officer.start_report(evaluation_id, after=0.5) is True
    status = officer.report_status(evaluation_id)
    assert (status["state"], status["done"], status["total"]) == ("running", 0, 0)
    wait_for_reports()
    assert officer.report_status(evaluation_id) == {"state": "done"}
