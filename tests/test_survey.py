import datetime
import json

from evaluator.loading import load_framework
from evaluator.model.registry import RegistryEntry
from evaluator.model.tender import Overrides
from evaluator.survey import market_survey

from conftest import ROOT

FRAMEWORK, _ = load_framework(str(ROOT / "frameworks" / "eu-csf-2026.yaml"))
SAMPLES = [RegistryEntry.model_validate_json(path.read_bytes())
           for path in sorted((ROOT / "samples" / "registry").glob("*.json"))]
AS_OF = datetime.date(2026, 11, 26)


def test_the_sample_market_by_score_with_levels_and_validity():
    survey = market_survey(SAMPLES, FRAMEWORK, AS_OF)
    assert [(row["provider"], row["overall_level"], row["score"], row["valid"]) for row in survey] == [
        ("alpine-sovereign", 3, 90.92, True), ("nordlys-cloud", 2, 80.31, True), ("iberia-nube", 2, 72.81, True),
        ("baltic-compute", 2, 72.14, False), ("carpathia-edge", 2, 69.64, True),
        ("lusitania-data", 2, 67.56, True), ("atlantic-hyperscale", 1, 63.32, True),
        ("danubia-cloud", 1, 60.59, True)]
    assert survey[0]["levels"] == {"SOV-1": 4, "SOV-2": 4, "SOV-3": 4, "SOV-4": 3, "SOV-5": 3, "SOV-6": 4,
                                   "SOV-7": 3, "SOV-8": 3}
    expired = survey[3]
    assert expired["invalid_reason"] == "expired on 2026-08-31 (as of 2026-11-26)"
    assert (expired["assessor"], expired["kind"], expired["valid_until"]) == (
        "Assessor Nord (fictitious)", "third-party", "2026-08-31")


def test_validity_follows_the_named_date_not_a_clock():
    survey = market_survey(SAMPLES, FRAMEWORK, datetime.date(2026, 6, 1))
    assert {row["provider"] for row in survey if not row["valid"]} == {"carpathia-edge", "danubia-cloud"}


def test_the_weight_profile_changes_scores_not_levels():
    default, guidance = (market_survey(SAMPLES, FRAMEWORK, AS_OF, Overrides(weight_profile=profile))
                         for profile in (None, "guidance-2026"))
    by_provider = {row["provider"]: row for row in guidance}
    assert any(row["score"] != by_provider[row["provider"]]["score"] for row in default)
    assert all(row["levels"] == by_provider[row["provider"]]["levels"] for row in default)


def test_an_entry_with_a_bad_answer_is_listed_last_with_its_problem_and_no_levels():
    broken = RegistryEntry.model_validate({**json.loads(SAMPLES[0].model_dump_json()),
                                           "answers": {"SOV-1.1": {"answer": "not a rank"}}})
    survey = market_survey([broken, *SAMPLES[1:]], FRAMEWORK, AS_OF)
    assert survey[-1]["provider"] == broken.provider
    last = survey[-1]
    assert (last["score"], last["overall_level"], set(last["levels"].values())) == (None, None, {None})
    assert (last["valid"], last["invalid_reason"]) == (False, "its answers were refused (see problems)")
    assert last["problems"]


def test_minimum_levels_mark_the_providers_that_meet_them():
    survey = market_survey(SAMPLES, FRAMEWORK, AS_OF, Overrides(minimum_level="SEAL-2", minimum_levels={"SOV-5": "3"}))
    assert [row["provider"] for row in survey if row["meets_minimums"]] == ["alpine-sovereign", "carpathia-edge"]
