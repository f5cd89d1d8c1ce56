"""Every workspace under streamlit.testing's AppTest: renders, and its main interactions work."""

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from evaluator.application import REPOSITORY, Desk, Store, User, read_framework, wait_for_reports
from evaluator.pipeline import Request
from evaluator.store.database import database_url
from evaluator.store.schema import audit_log

from conftest import ROOT, SAMPLES

PAGES = "evaluator/ui/pages"


@pytest.fixture
def app(tmp_path, monkeypatch) -> Iterator[AppTest]:
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    yield AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    wait_for_reports()  # no rendering outlives its test's store


def rendered(app: AppTest) -> AppTest:
    """The page once the PDFs rendered in the background (Desk.start_report) are stored."""
    wait_for_reports()
    return app.run()


def table(app: AppTest, column: str):
    """The first dataframe or static table shown with this column (AppTest finds them by position, not by key)."""
    return next(frame.value for frame in [*app.dataframe, *app.table] if column in frame.value.columns)


def grid(app: AppTest, column: str):
    """The first grid (st.dataframe) with this column: its frame, the number format of each formatted column,
    and what it shows for a missing value."""
    frame = next(frame for frame in app.dataframe if column in frame.value.columns)
    formats = {name: config["type_config"]["format"] for name, config in json.loads(frame.proto.columns).items()
               if "format" in config.get("type_config", {})}
    return frame.value, formats, frame.proto.placeholder


def new_case(app: AppTest, tender: str = "tender.yaml") -> AppTest:
    """Create a tender case from a bundled tender (the page then shows it)."""
    if tender != "tender.yaml":
        app.selectbox(key="new-tender").set_value(tender).run()
    app.button(key="create-case").click().run()
    assert not app.exception
    return app


def evaluate_samples(app: AppTest) -> AppTest:
    """A new case (unless one is shown) with the bundled sample bids, opened and evaluated."""
    if not app.query_params.get("case"):
        new_case(app)
    app.button(key="samples").click().run()
    app.button(key="open").click().run()
    app.button(key="evaluate").click().run()
    assert not app.exception
    return rendered(app)


class TestOfficer:
    def test_opens_on_the_case_list_and_creates_a_case(self, app):
        assert not app.exception
        assert app.title[0].value == "Procurement officer"
        assert app.info[0].value.startswith("No tender case yet")
        new_case(app)
        assert app.success[0].value == "Case C2026-0001 created from tender.yaml."
        assert app.query_params["case"] == ["C2026-0001"] or app.query_params["case"] == "C2026-0001"
        assert app.selectbox(key="case").value == "C2026-0001"
        assert "draft" in app.selectbox(key="case").options[0]
        assert app.text_input(key="tender_name").value == "Sovereign cloud services for public administrations (sample)"
        assert [button.label for button in app.get("download_button")] == [
            "Download the tender (YAML)", "Download the vendor bid template", "Download the dossier (.zip)"]

    def test_samples_evaluate_in_one_click_each(self, app):
        evaluate_samples(app)
        assert [metric.value for metric in app.metric] == ["8", "6", "1", "1"]
        assert ("Recommended award: B-001 (Nordlicht Cloud GmbH), total 84.9853, price 6,900,000.00 EUR"
                in [box.value for box in app.success])
        ranking = table(app, "total")
        assert ranking.iloc[0]["bid"] == "B-001" and ranking.iloc[0]["rank"] == 1
        charts = app.get("image")  # score distribution, level profile, weighted contributions
        assert [image.captions[0] for image in charts] == [
            "How the Sovereignty Scores spread", "Level per objective (bar); the black tick is the required level",
            "What each objective added to the score (blue) of its weight (grey)"]
        labels = [button.label for button in app.get("download_button")]
        assert {"results.json", "results.xlsx", "report.pdf", "summary.pdf", "8 draft letters (.zip)"} <= set(labels)
        assert app.selectbox(key="case").options[0].startswith("C2026-0001 · ")
        assert " · evaluated · " in app.selectbox(key="case").options[0]

    def test_the_ranking_holds_numbers_shown_rounded_with_priced_currency_and_no_none(self, app):
        """Its numeric columns sort as numbers: they hold numbers, formatted by the grid, a missing one "—"."""
        evaluate_samples(app)
        ranking, formats, placeholder = grid(app, "total")
        ranking = ranking.set_index("bid")
        for column in ("rank", "score %", "price", "total"):
            assert pd.api.types.is_numeric_dtype(ranking[column]), column
        assert formats == {"rank": "%d", "score %": "%.4f", "price": "%,.2f EUR", "total": "%.4f"}
        assert placeholder == "—"
        assert ranking.loc["B-001", "score %"] == 90.29415 and ranking.loc["B-001", "price"] == 6_900_000
        assert pd.isna(ranking.loc["B-008", "rank"]) and pd.isna(ranking.loc["B-008", "score %"])
        text = ranking.select_dtypes(exclude="number")
        assert not text.isna().any().any() and not text.map(lambda cell: str(cell) in ("None", "nan")).any().any()

    def test_why_a_bid_is_not_ranked_is_shown_in_full_in_a_wrapped_table(self, app):
        evaluate_samples(app)
        assert not any("why not ranked" in frame.value.columns for frame in app.dataframe)
        reasons = next(frame.value for frame in app.table if "why not ranked" in frame.value.columns).set_index("bid")
        assert list(reasons.index) == ["B-002", "B-008"]
        assert reasons.loc["B-008", "why not ranked"] == \
            "Responses!B22: answer '7' is out of range: SOV-4.2 has answers 1 to 5"

    def test_the_gate_matrix_shows_the_required_row_and_marks_each_shortfall(self, app):
        evaluate_samples(app)
        gate = table(app, "SOV-3")
        assert list(gate.index[:2]) == ["required level", "B-001"]
        assert (gate.loc["required level"] == "SEAL-2").all()
        assert gate.loc["B-002", "SOV-3"] == "✗ SEAL-1" and gate.loc["B-001", "SOV-3"] == "SEAL-4"
        assert any(text.value.startswith("**SEAL** (Sovereignty Effective Assurance Level)") and "Capped by" in
                   text.value for text in app.caption)

    def test_settings_show_labels_not_codes(self, app):
        new_case(app)
        assert app.radio(key="unknown").options == ["Conservative", "As the Commission's calculator", "Strict"]
        assert app.radio(key="unknown").value == "conservative"
        assert "Linear between a floor and a ceiling price" in app.selectbox(key="formula").options
        assert app.multiselect(key="ties").options == ["Higher overall level first", "Higher Sovereignty Score first",
                                                      "Lower price first"]

    def test_upload_shows_each_files_validation(self, app):
        new_case(app)
        files = [(name, (SAMPLES / "bids" / name).read_bytes(), "application/octet-stream")
                 for name in ("b-001.xlsx", "b-008.xlsx", "iberia-baltic-long.csv")]
        app.file_uploader(key="upload").set_value(files).run()
        validation = table(app, "problems")
        assert list(validation["bid"]) == ["B-001", "B-008", "B-003", "B-004"]  # by file name
        assert list(validation.index) == ["b-001.xlsx", "b-008.xlsx", "iberia-baltic-long.csv",
                                          "iberia-baltic-long.csv"]
        row = validation.set_index("bid").loc["B-008"]
        assert row["problems"] == "Responses!B22: answer '7' is out of range: SOV-4.2 has answers 1 to 5"
        assert row["status"] == "✗ INVALID"
        assert not app.file_uploader[0].value  # the case holds the files now, not the uploader

    def test_drill_down_shows_what_capped_a_bid(self, app):
        evaluate_samples(app)
        labels = app.selectbox(key="detail").options
        app.selectbox(key="detail").set_value(next(i for i, label in enumerate(labels) if "B-002" in label)).run()
        assert any("Excluded: SOV-3 Data & AI Sovereignty is at SEAL-1" in box.value for box in app.error)
        objectives, formats, _ = grid(app, "capped by")
        assert objectives["score"].dtype == "float64" and formats == {"score": "%.4f", "weighted": "%.4f"}
        capping = next(frame.value for frame in app.table if "evidence" in frame.value.columns)  # wrapped, in full
        assert capping.set_index("criterion").loc["SOV-3.4", "evidence"] == "See annex SOV-3.4 of the technical offer"

    def test_an_invalid_tender_is_refused_with_a_reason(self, app):
        new_case(app)
        app.number_input(key="floor").set_value(20_000_000.0).run()
        assert "floor_price must be below ceiling_price" in app.error[0].value
        assert not [button for button in app.button if button.key == "save-tender"]

    def test_a_tender_yaml_can_be_uploaded_as_a_new_case(self, app):
        app.radio(key="new-source").set_value("A tender YAML file").run()
        content = (SAMPLES / "tender.yaml").read_text().replace("(sample)", "(uploaded)").encode()
        app.file_uploader(key="new-tender-file").set_value([("my-tender.yaml", content, "application/x-yaml")]).run()
        app.text_input(key="new-name").set_value("Cloud 2027").run()
        app.button(key="create-case").click().run()
        assert not app.exception
        assert app.selectbox(key="case").options[0].startswith("C2026-0001 · Cloud 2027 · draft · deadline")
        assert app.text_input(key="tender_name").value.endswith("(uploaded)")

    def test_a_tender_with_its_own_letter_template_keeps_it_through_form_edits(self, app):
        app.radio(key="new-source").set_value("A tender YAML file").run()
        content = (SAMPLES / "tender.yaml").read_text() + "letter_template: our-letter.html.j2\n"
        app.file_uploader(key="new-tender-file").set_value([("t.yaml", content.encode(), "application/x-yaml")]).run()
        app.button(key="create-case").click().run()
        assert "letter_template our-letter.html.j2, which was not given with it" in app.error[0].value
        template = b"<p>{{ letter.bid_id }}: our own letter</p>"
        app.file_uploader(key="new-letter-template").set_value([("our-letter.html.j2", template, "text/html")]).run()
        app.button(key="create-case").click().run()
        assert app.selectbox(key="case").value == "C2026-0001"
        app.text_input(key="tender_name").set_value("Renamed").run()
        app.button(key="save-tender").click().run()
        assert app.success[0].value == "Tender version 2 saved."
        versions = Desk(Store(), User.local()).case("C2026-0001")["tender_versions"]
        sha = hashlib.sha256(template).hexdigest()
        assert [version["letter_template"] for version in versions] == [
            {"file": "our-letter.html.j2", "sha256": sha}] * 2  # the stored copy, kept by the edit


class TestCase:
    """Issue 13: everything shown is the case as stored, so navigation and reloads change nothing."""

    def test_navigating_away_and_back_leaves_the_case_and_results_unchanged(self, app):
        evaluate_samples(app)
        ranking = table(app, "total")
        app.switch_page(f"{PAGES}/analyst.py").run()
        app.switch_page(f"{PAGES}/auditor.py").run()
        back = app.switch_page(f"{PAGES}/officer.py").run()
        assert not back.exception
        assert back.selectbox(key="case").value == "C2026-0001"
        assert back.text_input(key="tender_name").value == \
            "Sovereign cloud services for public administrations (sample)"
        assert table(back, "total").equals(ranking)
        assert [metric.value for metric in back.metric] == ["8", "6", "1", "1"]

    def test_a_reload_shows_the_case_named_in_the_address(self, app):
        evaluate_samples(app)
        new_case(app, "tender-certified.yaml")  # a second case, now the selected one
        assert app.selectbox(key="case").value == "C2026-0002"
        fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        fresh.query_params["case"] = "C2026-0001"
        fresh.run()
        assert not fresh.exception and fresh.selectbox(key="case").value == "C2026-0001"
        assert table(fresh, "total").iloc[0]["bid"] == "B-001"

    def test_an_edited_form_is_kept_unsaved_across_pages_and_not_used_until_saved(self, app):
        new_case(app)
        app.text_input(key="tender_name").set_value("Changed").run()
        app.select_slider(key="minimum").set_value("SEAL-3").run()
        assert any(box.value.startswith("The form differs from the stored tender (unsaved)") for box in app.warning)
        app.switch_page(f"{PAGES}/analyst.py").run()
        back = app.switch_page(f"{PAGES}/officer.py").run()
        assert back.text_input(key="tender_name").value == "Changed"  # the edit survives, still flagged unsaved
        assert back.select_slider(key="minimum").value == "SEAL-3"
        assert any(box.value.startswith("The form differs from the stored tender (unsaved)") for box in back.warning)
        assert back.session_state["tender"].name == "Sovereign cloud services for public administrations (sample)"
        back.select_slider(key="minimum").set_value("SEAL-2").run()
        back.button(key="save-tender").click().run()
        assert back.success[0].value == "Tender version 2 saved."
        assert back.text_input(key="tender_name").value == "Changed" and not back.warning
        assert any(text.value.startswith("Version 2 (tender.yaml") for text in back.caption)

    def test_a_setting_change_marks_the_results_out_of_date(self, app):
        evaluate_samples(app)
        app.select_slider(key="minimum").set_value("SEAL-3").run()
        assert not [button for button in app.button if button.key == "save-tender" and not button.disabled]
        app.text_input(key="reason").set_value("Corrigendum 1").run()
        app.button(key="save-tender").click().run()
        assert "out of date until the case is evaluated again" in app.success[0].value
        assert any(box.value.startswith("Out of date: evaluate again.") for box in app.warning)
        assert any("CHANGED AFTER OPENING" in box.value and "Corrigendum 1" in box.value for box in app.warning)
        assert not app.metric and not any(button.label == "report.pdf" for button in app.get("download_button"))
        app.button(key="evaluate").click().run()
        assert not any(box.value.startswith("Out of date") for box in app.warning)
        assert app.metric[1].value != "6"  # a higher minimum ranks fewer bids

    def test_withdrawing_a_file_is_logged_and_it_is_no_longer_evaluated(self, app):
        new_case(app)
        upload(app, [("b-001.xlsx", "b-001.xlsx"), ("b-008.xlsx", "b-008.xlsx")])
        withdraw = [button for button in app.button if button.key.startswith("withdraw-")]
        assert [button.label for button in withdraw] == ["Withdraw", "Withdraw"]
        sha = hashlib.sha256((SAMPLES / "bids" / "b-008.xlsx").read_bytes()).hexdigest()
        app.button(key=f"withdraw-{sha[:12]}").click().run()
        assert app.success[0].value.startswith("b-008.xlsx") and "withdrawn" in app.success[0].value
        assert list(table(app, "problems")["bid"]) == ["B-001"]
        assert any(text.value.startswith("Withdrawn (kept in the store and the dossier): b-008.xlsx")
                   for text in app.caption)
        history = Desk(Store(database_url(data_folder())), User.local()).case("C2026-0001")["history"]
        last = history[-1]
        assert (last["what"], last["detail"]["file"], last["who"]) == ("bid withdrawn", "b-008.xlsx", "local")
        app.button(key="open").click().run()
        app.button(key="evaluate").click().run()
        assert [metric.value for metric in app.metric] == ["1", "1", "0", "0"]

    def test_the_award_needs_another_officer(self, app):
        evaluate_samples(app)
        assert any("Four-eyes rule" in box.value for box in app.info)
        assert not [button for button in app.button if button.key == "approve"]


class TestReportInTheBackground:
    """Issue 17, item 4: the ranking at once, the PDFs rendered in the background, their progress and their end
    read from the store."""

    def test_the_ranking_is_shown_while_the_pdfs_render_and_the_pdfs_once_stored(self, app):
        new_case(app)
        app.button(key="samples").click().run()
        app.button(key="open").click().run()
        app.button(key="evaluate").click().run()
        assert not app.exception
        assert app.success[0].value.startswith("Evaluated: stored as evaluation ")
        assert [metric.value for metric in app.metric] == ["8", "6", "1", "1"]
        assert table(app, "total").iloc[0]["bid"] == "B-001"
        labels = [button.label for button in app.get("download_button")]
        assert {"results.json", "results.xlsx"} <= set(labels) and "report.pdf" not in labels
        progress = app.get("progress")
        assert len(progress) == 1 and "being rendered" in progress[0].proto.text
        assert any("a dossier downloaded now holds its data outputs" in caption.value for caption in app.caption)
        rendered(app)
        assert not app.get("progress")
        assert not any("a dossier downloaded now" in caption.value for caption in app.caption)
        labels = [button.label for button in app.get("download_button")]
        assert {"report.pdf", "summary.pdf", "8 draft letters (.zip)"} <= set(labels)

    def test_a_rendering_whose_process_is_gone_is_shown_stopped_and_rendered_again(self, app, monkeypatch):
        """A job left "running" by a process that died (no heartbeat for REPORT_STALE_S seconds): stopped, with
        a button; another instance's recent job: its progress, and no second rendering."""
        from evaluator import application
        from evaluator.store import records
        from evaluator.store.database import writing

        start_report = application.Desk.start_report
        monkeypatch.setattr(application.Desk, "start_report", lambda desk, evaluation_id, after=0.0: False)
        new_case(app)
        app.button(key="samples").click().run()
        app.button(key="open").click().run()
        app.button(key="evaluate").click().run()  # the rendering does not start (start_report does nothing here)
        assert any(box.value.startswith("The PDF report, the summary and the draft letters of this evaluation are "
                                        "not stored") for box in app.info)
        evaluation_id = app.session_state["evaluation_id"]
        store = Store(database_url(data_folder()))
        with writing(store.engine) as connection:  # another instance renders it
            records.put_report_job(connection, evaluation_id, state="running", done=3, total=10, started_by="ben",
                                   started_at="2026-11-27T09:00:00Z", beat=int(time.time()), runner="other:1")
        app.run()
        assert "3 of 10 documents done" in app.get("progress")[0].proto.text
        assert not [button for button in app.button if button.key == "render-again"]
        with writing(store.engine) as connection:  # that instance stopped
            records.put_report_job(connection, evaluation_id, beat=int(time.time()) - application.REPORT_STALE_S - 1)
        app.run()
        assert not app.get("progress")
        assert any("stopped after 3 of 10 documents" in box.value for box in app.warning)
        monkeypatch.setattr(application.Desk, "start_report", start_report)
        app.button(key="render-again").click().run()
        rendered(app)
        assert {"report.pdf", "summary.pdf", "8 draft letters (.zip)"} <= {
            button.label for button in app.get("download_button")}
        assert Desk(store, User.local()).report_status(evaluation_id) == {"state": "done"}

    def test_letters_are_issued_once_their_drafts_are_stored(self, app, monkeypatch):
        """Approved while the drafts render: Issue letters waits (disabled, with a message) until they are
        stored."""
        from evaluator import application
        from evaluator.store import records
        from evaluator.store.database import writing

        start_report = application.Desk.start_report
        monkeypatch.setattr(application.Desk, "start_report", lambda desk, evaluation_id, after=0.0: False)
        new_case(app)
        app.button(key="samples").click().run()
        app.button(key="open").click().run()
        app.button(key="evaluate").click().run()
        evaluation_id = app.session_state["evaluation_id"]
        store = Store(database_url(data_folder()))
        with writing(store.engine) as connection:  # rendering, as far as the store tells
            records.put_report_job(connection, evaluation_id, state="running", done=0, total=10, started_by="local",
                                   started_at="2026-11-27T09:00:00Z", beat=int(time.time()), runner="this:1")
        Desk(store, User("ben", frozenset({"officer"}))).approve_award("C2026-0001")
        app.run()
        issue = app.button(key="issue-letters")
        assert issue.disabled and any("Issue letters is offered once they are stored" in box.value
                                      for box in app.info)
        monkeypatch.setattr(application.Desk, "start_report", start_report)
        with writing(store.engine) as connection:
            records.put_report_job(connection, evaluation_id, beat=0)  # stopped: its process is gone
        app.run()
        app.button(key="render-again").click().run()
        rendered(app)
        assert not app.button(key="issue-letters").disabled
        app.button(key="issue-letters").click().run()
        assert app.success[0].value == "Letters issued."


class TestAnalyst:
    def open(self, app) -> AppTest:
        return app.switch_page(f"{PAGES}/analyst.py").run()

    def test_without_bids_it_offers_the_samples(self, app):
        analyst = self.open(app)
        assert not analyst.exception and "officer workspace first" in analyst.info[0].value
        analyst.button(key="analyst-samples").click().run()
        assert len(table(analyst, "rank now")) == 8

    def test_weights_must_sum_to_100_and_are_not_rescaled(self, app):
        analyst = self.open(evaluate_samples(app))
        assert analyst.metric[0].label == "Weights total" and analyst.metric[0].value == "100 / 100"
        analyst.number_input(key="weight-the tender's weights-SOV-1").set_value(40.0).run()
        assert analyst.metric[0].value == "125 / 100" and analyst.metric[0].delta.startswith("+25")
        assert analyst.error[0].value.startswith("The weights sum to 125, not 100. Nothing is rescaled")
        assert not analyst.get("dataframe")

    def test_new_weights_rerank_live_and_show_the_diff(self, app):
        analyst = self.open(evaluate_samples(app))
        for objective, weight in {"SOV-1": 0.0, "SOV-4": 0.0, "SOV-5": 0.0, "SOV-2": 60.0}.items():
            analyst.number_input(key=f"weight-the tender's weights-{objective}").set_value(weight).run()
        comparison = table(analyst, "rank now")
        assert (comparison["rank before"] != comparison["rank now"]).any()
        diff = analyst.code[0].value
        assert "-weight_profile: v1.2.1" in diff and "+  SOV-2: 60.0" in diff
        assert not any(line.startswith(("+minimum", "-minimum")) for line in diff.splitlines())  # only what changed

    def test_an_untouched_form_changes_nothing(self, app):
        analyst = self.open(evaluate_samples(app))
        assert analyst.code[0].value == "No change."

    def test_a_minimum_level_change_excludes_bids(self, app):
        analyst = self.open(evaluate_samples(app))
        analyst.selectbox(key="minimum-SOV-2").set_value("SEAL-3").run()
        comparison = table(analyst, "rank now").set_index("bid")
        assert comparison.loc["B-003", "status now"] == "excluded" and comparison.loc["B-003", "move"] == \
            "no longer ranked"
        assert comparison.loc["B-003", "rank before"] == 6 and pd.isna(comparison.loc["B-003", "rank now"])

    def test_the_comparison_holds_numbers_so_it_sorts_as_numbers(self, app):
        analyst = self.open(evaluate_samples(app))
        comparison, formats, placeholder = grid(analyst, "rank now")
        for column in ("rank before", "rank now", "total before", "total now"):
            assert pd.api.types.is_numeric_dtype(comparison[column]), column
        assert formats == {"rank before": "%d", "rank now": "%d", "total before": "%.4f", "total now": "%.4f"}
        assert placeholder == "—" and round(comparison.set_index("bid").loc["B-001", "total now"], 4) == 84.9853


class TestAuditor:
    def test_nothing_recorded_yet(self, app):
        auditor = app.switch_page(f"{PAGES}/auditor.py").run()
        assert not auditor.exception and any("No evaluation has been stored yet" in box.value for box in auditor.info)

    def test_reproduce_matches_every_hash(self, app):
        auditor = evaluate_samples(app).switch_page(f"{PAGES}/auditor.py").run()
        assert "--evaluated-at" in auditor.code[0].value
        assert len(table(auditor, "input")) == 2 + 6  # framework, tender, six bid files
        auditor.button(key="reproduce").click().run()
        assert auditor.success[0].value.endswith("outputs were reproduced byte for byte.")
        assert table(auditor, "identical")["identical"].all()


def test_the_auditor_sees_the_case_history_filtered_and_the_dossier(app):
    new_case(app)
    upload(app, [("b-001.xlsx", "b-001.xlsx"), ("b-008.xlsx", "b-008.xlsx")])
    sha = hashlib.sha256((SAMPLES / "bids" / "b-008.xlsx").read_bytes()).hexdigest()
    app.button(key=f"withdraw-{sha[:12]}").click().run()
    auditor = app.switch_page(f"{PAGES}/auditor.py").run()
    assert not auditor.exception and auditor.selectbox(key="audit-case").value == "C2026-0001"
    history = table(auditor, "what")
    assert list(history["what"]) == ["case created", "bid added", "bid added", "bid withdrawn"]
    auditor.text_input(key="audit-filter").set_value("b-008").run()
    assert list(table(auditor, "what")["what"]) == ["bid added", "bid withdrawn"]
    entry = json.loads(auditor.json[0].value)  # the latest shown entry in full: the grid cuts detail and hash
    assert entry["what"] == "bid withdrawn" and entry["detail"]["sha256"] == sha and len(entry["hash"]) == 64
    auditor.selectbox(key="audit-entry").set_value(auditor.selectbox(key="audit-entry").options[1]).run()
    assert json.loads(auditor.json[0].value)["what"] == "bid added"
    assert any(button.label == "Download the dossier (.zip)" for button in auditor.get("download_button"))


def test_local_mode_is_clearly_labelled(app):
    assert any(box.value.startswith("Single-user local mode") for box in app.sidebar.info)


def test_audit_log_is_verified_from_the_auditor_workspace(app):
    auditor = evaluate_samples(app).switch_page(f"{PAGES}/auditor.py").run()
    auditor.button(key="verify").click().run()
    assert auditor.success[0].value.startswith("The audit log is intact:")


def test_a_combined_tender_case_evaluates_with_its_capability_side(app):
    """The samples of a combined tender bring the certificates and the capability answers; the capability
    file is not counted as a bid, and the ranking has the capability column."""
    new_case(app, "tender-combined.yaml")
    evaluate_samples(app)
    assert not app.exception and not app.error
    ranking = table(app, "capability %")
    assert len(ranking) == 8 and ranking.iloc[0]["bid"] == "B-001"


def test_an_enterprise_level_case_evaluates_its_own_sample(app):
    """The whitepaper's enterprise level in a case like the other two: its sample tender, its sample of
    enterprises (not the CSF bid workbooks), the ranking."""
    new_case(app, "enterprise-tender.yaml")
    app.button(key="samples").click().run()
    app.button(key="open").click().run()
    app.button(key="evaluate").click().run()
    assert not app.exception and not app.error
    ranking = table(app, "total")
    assert len(ranking) == 6 and ranking.iloc[0]["bid"] == "E-001"


def test_the_analyst_sees_how_sure_the_award_is(app):
    analyst = evaluate_samples(app).switch_page(f"{PAGES}/analyst.py").run()
    stability = table(analyst, "winner stays first (weight %)")
    assert len(stability) == 8
    wins = table(analyst, "wins %").set_index("bid")
    assert wins.loc["B-001", "wins %"] == 100.0
    assert any("B-002" in text.value and "SOV-3.4" in text.value for text in analyst.markdown)
    analyst.number_input(key="draws").set_value(500).run()
    assert not analyst.exception


def test_a_new_session_of_the_analyst_lists_the_cases_stored_evaluations(app):
    """A case names its framework framework/<file>: the analyst still finds its evaluations after a fresh load."""
    evaluate_samples(app)
    analyst = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    analyst.switch_page(f"{PAGES}/analyst.py").run()
    stored = [option for option in analyst.selectbox(key="analyst-evaluation").options if option != "—"]
    assert len(stored) == 1
    analyst.selectbox(key="analyst-evaluation").set_value(analyst.selectbox(key="analyst-evaluation").options[1]).run()
    assert not analyst.exception and len(table(analyst, "winner stays first (weight %)")) == 8


def upload(app: AppTest, files: list[tuple[str, str]], key: str = "upload") -> AppTest:
    """Put exactly these (name shown, sample file) pairs in the uploader."""
    return app.file_uploader(key=key).set_value(
        [(name, (SAMPLES / "bids" / sample).read_bytes(), "application/octet-stream") for name, sample in files]).run()


def evaluate_shown(app: AppTest) -> AppTest:
    app.button(key="open").click().run()
    app.button(key="evaluate").click().run()
    assert not app.exception
    return app


def data_folder() -> Path:
    return Path(os.environ["EVALUATOR_DATA"])


class TestUploads:
    """The case holds exactly the files added and not withdrawn (issue 11, item 2; issue 13)."""

    def test_two_files_with_one_name_are_two_submissions(self, app):
        new_case(app)
        upload(app, [("bid.xlsx", "b-001.xlsx"), ("bid.xlsx", "b-002.xlsx")])
        validation = table(app, "problems")
        assert sorted(validation["bid"]) == ["B-001", "B-002"]
        assert all(name.startswith("bid.xlsx (") for name in validation.index)  # named with each one's hash
        evaluate_shown(app)
        assert app.metric[0].value == "2"

    def test_a_corrected_file_is_a_new_bid_and_the_old_one_is_withdrawn(self, app):
        new_case(app)
        upload(app, [("bid.xlsx", "b-008.xlsx")])
        assert "out of range" in table(app, "problems")["problems"].iloc[0]
        upload(app, [("bid.xlsx", "b-001.xlsx")], key=app.file_uploader[0].key)
        assert len(table(app, "problems")) == 2  # both, until the old one is withdrawn
        old = hashlib.sha256((SAMPLES / "bids" / "b-008.xlsx").read_bytes()).hexdigest()
        app.button(key=f"withdraw-{old[:12]}").click().run()
        validation = table(app, "problems")
        assert list(validation["bid"]) == ["B-001"] and (validation["status"] == "valid").all()
        assert validation["problems"].iloc[0] == ""

    def test_the_same_file_twice_is_added_once(self, app):
        new_case(app)
        upload(app, [("b-001.xlsx", "b-001.xlsx")])
        upload(app, [("copy.xlsx", "b-001.xlsx")], key=app.file_uploader[0].key)
        assert "Already in the case (same content), not added again: copy.xlsx" in app.info[0].value
        assert list(table(app, "problems")["bid"]) == ["B-001"]

    def test_after_opening_no_file_is_added_or_withdrawn(self, app):
        new_case(app)
        upload(app, [("b-001.xlsx", "b-001.xlsx")])
        app.button(key="open").click().run()
        assert not app.file_uploader and not [b for b in app.button if b.key.startswith("withdraw-")]
        assert list(table(app, "problems")["bid"]) == ["B-001"]


class TestCombinedTenderInTheAnalystWorkspace:
    """Issue 11, item 8: the analyst workspace on a combined tender (stored by the CLI's evaluate: tender
    cases do not take combined tenders yet)."""

    @pytest.fixture
    def stored(self, app, monkeypatch):
        monkeypatch.chdir(ROOT)
        Desk(Store(database_url(data_folder())), User.local()).evaluate(Request(
            framework=str(ROOT / "frameworks" / "eu-csf-2026.yaml"), tender="samples/tender-combined.yaml",
            inputs=("samples/bids", "samples/certificates.csv", "samples/product/capability-wide.csv"),
            formats=("json",), evaluated_at="2026-11-26T09:00:00Z"))
        analyst = app.switch_page(f"{PAGES}/analyst.py").run()
        analyst.selectbox(key="analyst-evaluation").select_index(1).run()  # the stored evaluation
        assert not analyst.exception
        return analyst

    def test_it_reads_a_stored_combined_evaluation_with_both_frameworks(self, stored):
        comparison = table(stored, "rank now").set_index("bid")
        assert len(comparison) == 8 and comparison.loc["B-001", "rank now"] == 1  # no capability rows as bids
        assert comparison.loc["B-002", "status now"] == "excluded"
        assert stored.session_state["tender"].capability is not None

    def test_it_reranks_it(self, stored):
        stored.number_input(key="weight-the tender's weights-SOV-1").set_value(0.0).run()
        stored.number_input(key="weight-the tender's weights-SOV-2").set_value(
            stored.number_input(key="weight-the tender's weights-SOV-2").value + 15.0).run()
        assert not stored.exception and len(table(stored, "rank now")) == 8


class TestSignedInRoles:
    """Issue 11, roles: the users table gives roles and grants; a closed page says so, once."""

    @pytest.fixture
    def data(self, tmp_path, monkeypatch):
        monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
        return Store(database_url(tmp_path / "data"))

    def signed_in(self, email: str, groups: list[str]) -> AppTest:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test"}
        app.secrets["evaluator"] = {"roles_claim": "groups", "role_map": {"procurement": "officer"}}
        app.user = {"is_logged_in": True, "email": email, "groups": groups, "exp": time.time() + 3600}
        return app.run()

    def test_roles_and_the_grant_set_by_an_admin_take_effect(self, data):
        Desk(data, User.local()).set_user("ana@example.org", ["analyst"], ["bid_identities"])
        app = self.signed_in("ana@example.org", ["procurement"])  # the claim alone would make her an officer
        assert any(text.value == "Signed in as ana@example.org: analyst (granted bid_identities)"
                   for text in app.sidebar.caption)
        assert app.title[0].value == "Policy analyst" and not app.warning  # her only workspace, no officer's
        analyst = app
        assert not analyst.exception
        analyst.button(key="analyst-samples").click().run()
        assert len(table(analyst, "rank now")) == 8

    def test_an_admin_gives_and_takes_roles_in_the_administrator_workspace(self, data):
        Desk(data, User.local()).set_user("ada@example.org", ["admin"])
        admin = self.signed_in("ada@example.org", [])
        assert admin.title[0].value == "Administrator" and not admin.exception
        admin.text_input(key="user-name").input("cleo@example.org")
        admin.multiselect(key="user-roles").select("auditor").select("evaluator")
        admin.button[0].click().run()  # the form's Save
        assert admin.success[0].value == r"cleo\@example\.org: given auditor, evaluator."  # Markdown-escaped
        assert table(admin, "user").to_dict("records") == [
            {"user": "ada@example.org", "roles": "admin", "grants": ""},
            {"user": "cleo@example.org", "roles": "auditor, evaluator", "grants": ""}]
        cleo = self.signed_in("cleo@example.org", ["procurement"])  # the store decides, not the claim
        assert [title.value for title in cleo.title] == ["Auditor"]
        admin.selectbox(key="revoke-user").set_value("cleo@example.org").run()
        admin.selectbox(key="revoke-what").set_value("auditor").run()
        admin.button(key="revoke").click().run()
        assert admin.success[0].value == r"auditor taken away from cleo\@example\.org."
        changes = table(admin, "roles since")
        assert list(changes["roles since"]) == ["evaluator", "auditor, evaluator", "admin"]  # newest first
        assert set(changes["by"]) == {"local", "ada@example.org"}
        assert [title.value for title in self.signed_in("cleo@example.org", []).title] == ["Evaluation panel"]
        admin.text_input(key="user-name").input("  ").run()
        admin.button[0].click().run()
        assert "a user needs a name" in admin.error[0].value

    def test_the_claims_seed_a_user_the_table_does_not_hold(self, data):
        app = self.signed_in("olaf@example.org", ["procurement"])
        assert not app.warning and app.title[0].value == "Procurement officer"

    def test_a_user_without_a_role_gets_a_message_and_one_audit_entry(self, data):
        app = self.signed_in("nobody@example.org", [])
        assert not app.exception and len(app.warning) == 1
        assert "nobody@example.org has no role that opens a workspace" in app.warning[0].value
        for _ in range(3):
            app.run()
        assert not app.exception
        with data.engine.connect() as connection:
            denied = [json.loads(detail)["action"] for detail in connection.execute(
                select(audit_log.c.detail).where(audit_log.c.event == "permission denied")).scalars()]
        assert denied == ["open a workspace"]  # once a session, not at every rerun

    def test_an_analyst_without_the_grant_sees_a_stored_evaluation_redacted(self, data, monkeypatch):
        monkeypatch.chdir(ROOT)
        Desk(data, User.local()).evaluate(Request(
            framework=str(ROOT / "frameworks" / "eu-csf-2026.yaml"), tender="samples/tender.yaml",
            inputs=("samples/bids",), formats=("json",), evaluated_at="2026-11-26T09:00:00Z"))
        Desk(data, User.local()).set_user("pia@example.org", ["analyst"])
        analyst = self.signed_in("pia@example.org", []).switch_page(f"{PAGES}/analyst.py").run()
        analyst.selectbox(key="analyst-evaluation").select_index(1).run()
        comparison = table(analyst, "rank now")
        assert sorted(comparison["vendor"]) == sorted(f"Bidder {n}" for n in range(1, 9))
        assert (comparison["bid"] == comparison["vendor"]).all()


def test_a_case_takes_its_bids_from_the_provider_registry(app):
    desk = Desk(Store(), User.local())
    csf = read_framework(REPOSITORY / "frameworks" / "eu-csf-2026.yaml")[0]
    added, refused = desk.import_entries([(path.name, path.read_bytes())
                                          for path in sorted((SAMPLES / "registry").glob("*.json"))], csf)
    assert len(added) == 8 and refused == []
    new_case(app, "registry-tender.yaml")
    app.date_input(key="registry-as-of").set_value(dt.date(2026, 11, 26)).run()
    app.multiselect(key="registry-providers").set_value(["alpine-sovereign", "baltic-compute", "iberia-nube"]).run()
    app.button(key="registry-add").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Added the registered assessments of alpine-sovereign, baltic-compute, "
                                           "iberia-nube (valid on 2026-11-26)")
    assert any(caption.value.startswith("From the provider registry, valid on 2026-11-26: alpine-sovereign version 1")
               for caption in app.caption)
    app.button(key="open").click().run()
    app.button(key="evaluate").click().run()
    assert not app.exception
    ranking = table(app, "bid")
    assert list(ranking["bid"]) == ["alpine-sovereign", "iberia-nube", "baltic-compute"]
    assert list(ranking["status"]) == ["ranked", "ranked", "invalid"]
