"""The analyst's framework editor under AppTest: a draft kept in the store, changes with reasons, the diff, the
effect on the sample bids, publishing, and officers creating a case under the published version."""

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from test_pages import PAGES, evaluate_samples, table

from evaluator.application import Desk, Store, User
from evaluator.loading import load_framework
from evaluator.model.derivation import framework_yaml
from evaluator.store.schema import audit_log

from conftest import CSF_PATH, ROOT

MINISTRY = {"SOV-1": 10, "SOV-2": 10, "SOV-3": 30, "SOV-4": 15, "SOV-5": 15, "SOV-6": 5, "SOV-7": 10, "SOV-8": 5}


@pytest.fixture
def editor(tmp_path, monkeypatch) -> Iterator[AppTest]:
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    yield app.switch_page(f"{PAGES}/framework_editor.py").run()


def started(app: AppTest) -> AppTest:
    app.text_input(key="editor-id").input("ministry-csf")
    app.text_input(key="editor-version").input("2026.06-m1")
    app.button(key="editor-start").click().run()
    assert not app.exception and app.success[0].value.startswith("A new version of eu-csf-2026 2026.06 is open")
    return app


def with_ministry_profile(app: AppTest) -> AppTest:
    app.selectbox(key="editor-profile").set_value("(a new profile)").run()
    app.text_input(key="editor-profile-name").input("ministry").run()
    for objective, weight in MINISTRY.items():
        app.number_input(key=f"editor-weight-(a new profile)-{objective}").set_value(float(weight)).run()
    assert app.metric[0].value == "100 / 100"
    app.text_input(key="editor-reason-weights").input("Ministry policy 2027: data first").run()
    app.button(key="editor-add-weights").click().run()
    assert not app.exception and app.success[0].value == "Change added."
    return app


def test_a_profile_change_with_its_reason_shows_the_diff_and_the_effect(editor):
    app = with_ministry_profile(started(editor))
    changes = table(app, "reason")
    assert changes["reason"].tolist() == ["Ministry policy 2027: data first"]
    diff = app.code[0].value
    assert diff.startswith("eu-csf-2026 2026.06 -> ministry-csf 2026.06-m1\nweight profile ministry: added")
    assert app.selectbox(key="editor-effect-profile-1").value == "ministry"  # the profile just added
    effect = table(app, "rank now")
    assert len(effect) == 8 and effect["bid"].iloc[0] == "B-001"
    # B-001's award total under the sample tender (80 % quality, 20 % price): 84.99 -> 86.38, as the CLI says
    assert round(effect["total now"].iloc[0], 2) == 86.38 and round(effect["total before"].iloc[0], 2) == 84.99
    assert len(table(app, "winner stays first (weight %)")) == 8


def test_the_weights_must_sum_to_100_before_a_change_is_added(editor):
    app = started(editor)
    app.number_input(key="editor-weight-v1.2.1-SOV-1").set_value(40.0).run()
    app.text_input(key="editor-reason-weights").input("more strategy").run()
    assert app.metric[0].value == "125 / 100" and app.button(key="editor-add-weights").disabled
    assert app.error[0].value.startswith("The weights sum to 125, not 100. Nothing is rescaled")


def test_a_change_without_a_reason_cannot_be_added(editor):
    app = started(editor)
    app.selectbox(key="editor-minimum-objective").set_value("SOV-3").run()
    app.selectbox(key="editor-minimum-SOV-3").set_value("SEAL-2").run()
    assert app.button(key="editor-add-minimum").disabled
    app.text_input(key="editor-reason-minimum").input("data first").run()
    app.button(key="editor-add-minimum").click().run()
    assert "  default minimum level: SEAL-0 -> SEAL-2" in app.code[0].value


def test_the_draft_is_kept_in_the_store_across_a_reload(editor, tmp_path):
    with_ministry_profile(started(editor))
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    again = again.switch_page(f"{PAGES}/framework_editor.py").run()
    assert table(again, "reason")["reason"].tolist() == ["Ministry policy 2027: data first"]
    again.button(key="editor-undo").click().run()
    assert again.info[0].value.startswith("No change yet")


def test_publishing_stores_the_version_audits_it_and_officers_can_use_it(editor, tmp_path):
    app = with_ministry_profile(started(editor))
    app.button(key="editor-publish").click().run()
    assert not app.exception
    assert app.success[0].value == "ministry-csf 2026.06-m1 is published: officers can create cases under it."
    versions = table(app, "base")
    assert versions["framework"].tolist() == ["eu-csf-2026", "ministry-csf"]
    assert versions["base"].tolist()[1] == versions["sha256"].tolist()[0]
    assert app.button(key="editor-start")  # the draft is gone with the publication
    desk = Desk(Store(), User.local())
    with desk.store.engine.connect() as connection:
        entry = connection.execute(select(audit_log.c.detail).where(audit_log.c.event == "framework published")).one()
    detail = json.loads(entry.detail)
    added = ("weight profile ministry: added (SOV-1 10, SOV-2 10, SOV-3 30, SOV-4 15, SOV-5 15, SOV-6 5, SOV-7 10, "
             "SOV-8 5)")
    assert detail["framework"] == "ministry-csf" and detail["changes"] == [
        {"what": added, "reason": "Ministry policy 2027: data first", "kind": "profile", "target": "ministry",
         "value": MINISTRY}]
    assert detail["differences"][1] == added  # as found in the file, not only as it claims
    officer = app.switch_page(f"{PAGES}/officer.py").run()
    framework = officer.selectbox(key="new-framework-eu-csf-2026")
    assert "ministry-csf-2026.06-m1.yaml" in framework.options or \
        any("ministry-csf 2026.06-m1 (published" in option for option in framework.options)
    framework.set_value("ministry-csf-2026.06-m1.yaml").run()
    officer.button(key="create-case").click().run()
    assert not officer.exception
    case = desk.cases()[0]["id"]
    assert desk.case_settings(case)[0].id == "ministry-csf"


def test_the_effect_on_the_registry_and_on_an_empty_one(editor):
    app = with_ministry_profile(started(editor))
    app.selectbox(key="editor-bids").set_value("@registry").run()
    assert not app.exception and "There are no bids to compare here." in [info.value for info in app.info]
    desk = Desk(Store(), User.local())
    desk.import_entries([(path.name, path.read_bytes()) for path in sorted((ROOT / "samples" / "registry").iterdir())],
                        desk.framework_version(desk.framework_draft()["base_sha256"])[0])
    effect = table(app.run(), "rank now")
    assert "alpine-sovereign" in effect["bid"].tolist()


def test_a_case_under_a_published_version_names_it_by_hash_in_its_next_tender_version(editor):
    app = with_ministry_profile(started(editor))
    app.button(key="editor-publish").click().run()
    officer = app.switch_page(f"{PAGES}/officer.py").run()
    officer.selectbox(key="new-framework-eu-csf-2026").set_value("ministry-csf-2026.06-m1.yaml").run()
    officer.button(key="create-case").click().run()
    officer.text_input(key="tender_name").input("Ministry cloud 2027").run()
    officer.button(key="save-tender").click().run()
    assert not officer.exception
    desk = Desk(Store(), User.local())
    case_id = desk.cases()[0]["id"]
    framework, sha, tender, _file = desk.case_settings(case_id)
    assert tender.name == "Ministry cloud 2027" and tender.framework_sha256 == sha
    assert framework.id == "ministry-csf" and sha == desk.framework_versions()[1]["sha256"]


def test_the_analyst_works_on_a_case_under_a_version_with_its_own_points(editor):
    """A version that keeps the CSF's id but gives SOV-3.1 answer 3 (B-007's) 140 points instead of 100: the
    analyst's "before" is the case's stored evaluation under that version, not the bundled CSF's points."""
    desk = Desk(Store(), User.local())
    desk.save_framework_draft({"base_sha256": load_framework(CSF_PATH)[1], "id": "", "version": "", "edits": [
        {"kind": "points", "target": "SOV-3.1:3", "value": 140.0, "reason": "adapted"}]})
    derived = desk.derived_version(desk.framework_draft())[1]
    desk.publish_framework("eu-csf-2026-2026.06-1.yaml", framework_yaml(derived).encode())
    officer = editor.switch_page(f"{PAGES}/officer.py").run()
    officer.selectbox(key="new-framework-eu-csf-2026").set_value("eu-csf-2026-2026.06-1.yaml").run()
    officer = evaluate_samples(officer)
    stored = desk.results(desk.evaluations()[-1]["id"])
    assert stored["framework"]["version"] == "2026.06-1"
    totals = {bid["bid_id"]: bid["total"] for bid in stored["bids"] if bid["total"] is not None}
    analyst = officer.switch_page(f"{PAGES}/analyst.py").run()
    before = table(analyst, "total before").set_index("bid")["total before"].dropna().to_dict()
    assert before == pytest.approx(totals, abs=1e-9)
    assert round(before["B-007"], 4) != 76.3662  # B-007's total under the bundled CSF
