"""The Marketplace (the provider registry) under streamlit.testing's AppTest: the survey from the store, its
filters, exports, a provider's history and what monitoring flags."""

import datetime as dt
import json

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from evaluator.application import REPOSITORY, Desk, Store, User, read_framework
from evaluator.store.schema import audit_log

from conftest import ROOT, SAMPLES

PAGE = "evaluator/ui/pages/marketplace.py"
AS_OF = dt.date(2026, 11, 26)
FRAMEWORK = read_framework(REPOSITORY / "frameworks" / "eu-csf-2026.yaml")[0]


@pytest.fixture
def market(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    app = app.switch_page(PAGE).run()
    app.date_input(key="market-as-of").set_value(AS_OF).run()
    return app


def survey(app: AppTest):
    return next(frame.value for frame in app.dataframe if "provider" in frame.value.columns and
                "score %" in frame.value.columns and "overall" in frame.value.columns)


def with_samples(app: AppTest) -> AppTest:
    app.button(key="market-samples").click().run()
    assert not app.exception
    return app


def test_an_empty_registry_offers_the_samples_and_then_lists_every_provider_by_score(market):
    assert market.info[0].value.startswith("The registry holds no assessment yet.")
    app = with_samples(market)
    assert app.success[0].value == "Registered 8 sample providers."
    rows = survey(app)
    assert list(rows["provider"]) == ["alpine-sovereign", "nordlys-cloud", "iberia-nube", "baltic-compute",
                                      "carpathia-edge", "lusitania-data", "atlantic-hyperscale", "danubia-cloud"]
    assert list(rows["score %"]) == [90.92, 80.31, 72.81, 72.14, 69.64, 67.56, 63.32, 60.59]
    baltic = rows[rows["provider"] == "baltic-compute"].iloc[0]
    assert baltic["valid"] == "no: expired on 2026-08-31 (as of 2026-11-26)"
    assert (baltic["overall"], baltic["SOV-1"]) == ("SEAL-2", "SEAL-3")
    assert app.subheader[0].value == "8 of 8 providers"


def test_minimum_levels_and_validity_filter_the_survey(market):
    app = with_samples(market)
    app.selectbox(key="market-min-SOV-1").set_value("SEAL-3").run()
    assert app.subheader[0].value == "6 of 8 providers"
    assert "atlantic-hyperscale" not in list(survey(app)["provider"])
    app.toggle(key="market-valid-only").set_value(True).run()
    assert list(survey(app)["provider"]) == ["alpine-sovereign", "nordlys-cloud", "iberia-nube", "lusitania-data",
                                             "danubia-cloud"]
    app.selectbox(key="market-min-SOV-5").set_value("SEAL-4").run()
    assert app.info[0].value == "No provider reaches these minimum levels."


def test_another_weight_profile_rescores_the_providers(market):
    app = with_samples(market)
    profiles = list(FRAMEWORK.weight_profiles)
    other = next(profile for profile in profiles if profile != FRAMEWORK.default_weight_profile)
    before = list(survey(app)["score %"])
    app.selectbox(key="market-profile").set_value(other).run()
    assert list(survey(app)["score %"]) != before


def test_the_survey_exports_as_xlsx_and_pdf_saying_how_it_was_selected(market, tmp_path):
    app = with_samples(market)
    app.selectbox(key="market-min-SOV-1").set_value("SEAL-3").run()
    app.button(key="market-prepare").click().run()
    assert not app.exception
    labels = [button.label for button in app.get("download_button")]
    assert labels == ["Download survey.xlsx", "Download survey.pdf"]
    desk = Desk(Store(), User.local())
    with desk.store.engine.connect() as connection:
        exported = [json.loads(row.detail) for row in connection.execute(select(audit_log))
                    if row.event == "registry survey exported"]
    assert len(exported) == 1 and exported[0]["selection"] == "SOV-1 at least SEAL-3"
    assert len(exported[0]["providers"]) == 6 and set(exported[0]["files"]) == {"survey.xlsx", "survey.pdf"}


def test_a_provider_shows_its_versions_and_monitoring_flags_a_level_gone_down(market):
    app = with_samples(market)
    entry = json.loads((SAMPLES / "registry" / "nordlys-cloud.json").read_text())
    entry["assessed_on"], entry["valid_until"] = "2026-10-01", "2027-09-30"
    entry["answers"]["SOV-1.1"]["answer"] = "1"
    Desk(Store(), User.local()).register("nordlys-cloud-2.json", json.dumps(entry).encode(), FRAMEWORK)
    app.selectbox(key="market-provider").set_value("nordlys-cloud").run()
    assert not app.exception
    versions = next(frame.value for frame in app.dataframe if "answers changed" in frame.value.columns)
    assert list(versions["version"]) == [1, 2] and list(versions["answers changed"]) == [0, 1]
    assert versions["levels down"].iloc[1] == "SOV-1"
    assert [image.captions[0] for image in app.get("image")] == [
        "nordlys-cloud: level per objective in each version"]
    warnings = [box.value for box in app.warning]
    assert "nordlys-cloud version 2 (assessed 2026-10-01) is lower than version 1 on SOV-1" in warnings
    assert "lusitania-data: valid until 2026-12-10" in warnings
