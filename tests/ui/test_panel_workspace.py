"""The Evaluation panel workspace through streamlit's AppTest, in single-user local mode, acting as the
sample panel's people (chair cleo, members ana and ben; ben conflicted with B-007)."""

import pytest
from streamlit.testing.v1 import AppTest

from evaluator.application import Desk, Store, User

from conftest import CSF_PATH, ROOT, SAMPLES

PANEL = "evaluator/ui/pages/panel.py"


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    """An opened case of the sample panel tender with the sample bids, and the panel page."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    officer = Desk(Store(), User.local())
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("panel-tender.yaml", (SAMPLES / "panel-tender.yaml").read_bytes()))
    officer.add_case_bids(case_id, [(path.name, path.read_bytes()) for path in sorted((SAMPLES / "bids").iterdir())])
    officer.open_case(case_id)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    return app.switch_page(PANEL).run()


def act_as(app: AppTest, name: str) -> AppTest:
    return app.selectbox(key="act-as").set_value(name).run()


def declare(app: AppTest) -> AppTest:
    app.checkbox(key="declare-sure").check().run()
    return app.button(key="declare").click().run()


def test_a_member_declares_before_seeing_any_claim_and_is_blind_until_submitting(app):
    assert app.selectbox(key="act-as").options == ["ana", "ben", "cleo"]
    act_as(app, "ben")
    assert [header.value for header in app.header] == ["Declaration of conflicts of interest"]
    assert not app.table and not app.dataframe and not app.subheader  # no bid, no claim before declaring
    assert app.multiselect[0].value == ["B-007"]  # listed by the tender
    assert app.button(key="declare").disabled  # the confirmation is required
    declare(app)
    assert app.success[0].value == "Declaration recorded: conflict of interest with B-007."
    bids = app.table[0].value
    assert "B-007" not in list(bids["bid"]) and len(bids) == 6
    app.selectbox(key="panel-bid").set_value("B-004").run()
    assert [sub.value for sub in app.subheader][0] == "Assess B-004"
    app.button(key="submit-assessment").click().run()  # every claim accepted
    assert app.success[0].value == "Your assessment of B-004 is submitted."
    assert "B-004" in [sub.value for sub in app.subheader][0]
    assert any("on 48 other criteria everyone accepts the claim" in caption.value for caption in app.caption)


def test_the_chair_sees_the_open_disagreement_first_and_records_the_consensus(app):
    desk = Desk(Store(), User("ana", frozenset({"evaluator"})))
    case_id = desk.panel_cases()[0]["id"]
    desk.declare_conflicts(case_id, [])
    desk.submit_assessment(case_id, "B-004", [{"criterion_id": "SOV-2.2", "answer": 3,
                                               "justification": "The opinion covers the EU subsidiary only"}])
    ben = Desk(Store(), User("ben", frozenset({"evaluator"})))
    ben.declare_conflicts(case_id, ["B-007"])
    ben.submit_assessment(case_id, "B-004", [{"criterion_id": "SOV-2.2", "answer": None}])
    act_as(app, "cleo")
    declare(app)
    agreement = app.table[0].value
    assert list(agreement["bid"]) == ["B-004"] and list(agreement["open disagreements"]) == [1]
    assert any("SOV-2.2**: ana: 3; ben: 4 — **open**" in text.value for text in app.markdown)
    app.text_input(key="consensus-B-004-SOV-2.2").set_value("3").run()
    app.text_input(key="consensus-why-B-004-SOV-2.2").set_value("Panel meeting: the opinion leaves out the parent")
    app.button(key="record-consensus").click().run()
    assert app.success[0].value == "The consensus on B-004 is recorded."
    assert any("settled by consensus" in text.value for text in app.markdown)
