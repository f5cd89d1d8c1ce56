"""Framework versions derived from a base: each rule with a located error, the round trip through the YAML
file, and the exact score a derived version gives a hand-computed bid."""

import json

import jsonschema
import pytest
import yaml

from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.model.derivation import Edit, check_derivation, derive, differences, framework_yaml
from evaluator.model.framework import Framework
from evaluator.model.tender import Tender

from conftest import CSF_PATH, ROOT, run, top_ranks

MINISTRY = {"SOV-1": 10, "SOV-2": 10, "SOV-3": 30, "SOV-4": 15, "SOV-5": 15, "SOV-6": 5, "SOV-7": 10, "SOV-8": 5}
REASON = "Ministry policy 2027: data sovereignty first"


@pytest.fixture(scope="module")
def base() -> tuple[Framework, str]:
    return load_framework(CSF_PATH)


def ministry(base, *more: Edit, **given) -> Framework:
    framework, sha = base
    return derive(framework, sha, [Edit("profile", "ministry", MINISTRY, REASON),
                                   Edit("default_profile", "", "ministry", REASON), *more], **given)


def refused(base, edit: Edit) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        derive(base[0], base[1], [edit])
    return caught.value


def test_round_trip_gives_the_hand_computed_score(base, tmp_path):
    derived = ministry(base, Edit("points", "SOV-3.1:2", 60, "answer 2 is half-way for this ministry"),
                       framework_id="ministry-csf", version="2026.06-m1")
    path = tmp_path / "ministry.yaml"
    path.write_text(framework_yaml(derived), encoding="utf-8")
    loaded, sha = load_framework(path)
    assert loaded == derived and loaded.derived_from.sha256 == base[1]
    answers = {**top_ranks(loaded), "SOV-3.1": 2}
    # base, v1.2.1: perfect 100.08045 less (200 - 50) points of SOV-3 at weight 10 / 1000
    assert run(base[0], [answers]).score[0] == pytest.approx(98.58045, abs=1e-9)
    # ministry: (1000.03·10 + 1002·10 + 1000·30 + 1002·15 + 1001·15 + 1000·5 + 1001·10 + 1000·5) / 1000
    # = 100.0753, less (200 - 60) points of SOV-3 at weight 30 / 1000 = 95.8753
    assert run(loaded, [answers]).score[0] == pytest.approx(95.8753, abs=1e-9)


def test_the_file_validates_against_the_json_schema(base):
    derived = ministry(base, Edit("minimum", "SOV-3", "SEAL-2", REASON), Edit("label", "SOV-3.1:2", "Mostly", REASON))
    schema = json.loads((ROOT / "frameworks" / "framework.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(framework_yaml(derived)), schema)
    assert [change.reason for change in derived.changes] == [REASON] * 4


def test_deriving_twice_keeps_every_change_and_names_the_direct_base(base):
    first = ministry(base, version="2026.06-m1")
    second = derive(first, "a" * 64, [Edit("points", "SOV-3.1:2", 60, "second thoughts")], version="2026.06-m2")
    assert second.derived_from.version == "2026.06-m1" and second.derived_from.sha256 == "a" * 64
    assert [c.reason for c in second.changes] == [REASON, REASON, "second thoughts"]


def test_the_default_minimum_levels_apply_where_the_tender_sets_none(base):
    derived = ministry(base, Edit("minimum", "SOV-3", "SEAL-2", REASON))
    answers = {**top_ranks(derived), "SOV-3.1": 2}  # SOV-3.1 answer 2 is SEAL-1: SOV-3 at SEAL-1
    assert str(run(derived, [answers]).status[0]) == "excluded"
    assert str(run(derived, [answers], Tender(minimum_level=1)).status[0]) == "ranked"
    assert str(run(base[0], [answers]).status[0]) == "ranked"


def test_weights_must_sum_to_100_and_are_never_rescaled(base):
    error = refused(base, Edit("profile", "ministry", {**MINISTRY, "SOV-1": 11}, REASON))
    assert error.where == "--profile ministry" and "sum to 101" in error.message


def test_a_profile_names_every_objective(base):
    weights = {k: v for k, v in MINISTRY.items() if k != "SOV-8"}
    assert "SOV-8" in refused(base, Edit("profile", "p", {**weights, "SOV-7": 15}, REASON)).message


def test_answer_points_keep_the_ladders_order(base):
    error = refused(base, Edit("points", "SOV-3.1:2", 120, REASON))  # answer 3 is worth 100
    assert error.where == "--points SOV-3.1:2" and "keep their order" in error.message


def test_points_lie_between_0_and_the_objectives_share(base):
    assert "between 0 and 1000" in refused(base, Edit("points", "SOV-3.1:5", 1001, REASON)).message
    assert "between 0 and 1000" in refused(base, Edit("points", "SOV-3.1:1", -1, REASON)).message
    # 200 -> 900 keeps the ladder, but SOV-3's best answers would be worth 1700 together
    error = refused(base, Edit("points", "SOV-3.1:5", 900, REASON))
    assert error.where.endswith("SOV-3") and "1700" in error.message and "share of 1000" in error.message


def test_unknown_criteria_answers_and_numeric_points_are_refused_where_given(base):
    assert refused(base, Edit("points", "SOV-9.1:2", 5, REASON)).where == "--points SOV-9.1:2"
    assert "answers 1 to 5" in refused(base, Edit("points", "SOV-3.1:6", 5, REASON)).message
    assert "must be a number" in refused(base, Edit("points", "SOV-3.1:2", "much", REASON)).message


def test_minimum_levels_stay_within_the_scale(base):
    error = refused(base, Edit("minimum", "SOV-3", "SEAL-5", REASON))
    assert error.where == "--minimum SOV-3" and "SEAL-0, SEAL-1" in error.message
    with pytest.raises(ValueError, match="outside the SEAL scale"):
        Framework.model_validate({**base[0].model_dump(), "minimum_levels": {"SOV-3": 5}})


def test_every_change_needs_a_reason_and_a_derivation_a_change(base):
    assert refused(base, Edit("points", "SOV-3.1:2", 60, "  ")).message == "every change needs a reason"
    with pytest.raises(ConfigurationError, match="no change"):
        derive(base[0], base[1], [])
    assert "already" in refused(base, Edit("points", "SOV-3.1:2", 50, REASON)).message


def test_answers_keep_their_count_unless_a_new_major_version_is_declared(base):
    derived = ministry(base, version="2026.06-m1")
    fewer = [c.model_copy(update={"answers": c.answers[:4]}) if c.id == "SOV-3.1" else c for c in derived.criteria]
    same_major = derived.model_copy(update={"criteria": tuple(fewer)})
    with pytest.raises(ConfigurationError, match="vendors' templates depend on the count") as caught:
        check_derivation(base[0], base[1], same_major)
    assert caught.value.where.endswith("SOV-3.1")
    check_derivation(base[0], base[1], same_major.model_copy(update={"version": "2027.01"}))  # a new major may


def test_a_version_must_name_its_base(base):
    with pytest.raises(ConfigurationError, match="derived_from"):
        check_derivation(base[0], base[1], base[0].model_copy(update={"version": "2026.07"}))


def test_diff_lists_per_objective_and_criterion_with_the_reasons(base):
    derived = ministry(base, Edit("points", "SOV-3.1:2", 60, "half-way"), Edit("label", "SOV-3", "Data", "short"),
                       Edit("minimum", "SOV-3", 2, REASON), version="2026.06-m1")
    lines = differences(base[0], derived)
    assert lines[0] == "eu-csf-2026 2026.06 -> eu-csf-2026 2026.06-m1"
    assert "weight profile ministry: added (SOV-1 10, SOV-2 10, SOV-3 30, SOV-4 15, SOV-5 15, SOV-6 5, SOV-7 10, " \
           "SOV-8 5)" in lines
    assert "default weight profile: v1.2.1 -> ministry" in lines
    objective = lines.index("SOV-3 Data:")
    assert lines[objective + 1:objective + 4] == ["  name: 'Data & AI Sovereignty' -> 'Data'",
                                                  "  default minimum level: SEAL-0 -> SEAL-2",
                                                  "  SOV-3.1: answer 2: 50 -> 60 points"]
    assert "  - SOV-3.1 answer 2: 50 -> 60 points: half-way" in lines
    assert differences(base[0], base[0]) == ["eu-csf-2026 2026.06 -> eu-csf-2026 2026.06"]


def test_a_changed_profile_shows_under_each_objective(base):
    weights = {**base[0].weight_profiles["v1.2.1"].weights, "SOV-3": 15.0, "SOV-5": 15.0}
    derived = derive(base[0], base[1], [Edit("profile", "v1.2.1", weights, REASON)])
    lines = differences(base[0], derived)
    assert lines[lines.index("SOV-3 Data & AI Sovereignty:") + 1] == "  weight in profile v1.2.1: 10 -> 15"
    assert derived.changes[0].what == "weight profile v1.2.1: SOV-3 10 -> 15, SOV-5 20 -> 15"


def test_a_published_file_must_be_what_its_listed_changes_give(base):
    derived = ministry(base, Edit("points", "SOV-3.1:2", 60, "half-way"), version="2026.06-m1")
    check_derivation(base[0], base[1], derived)  # as derived
    criteria = [c.model_copy(update={"answers": tuple(a.model_copy(update={"points": 110.0}) if a.rank == 3 else a
                                                      for a in c.answers)}) if c.id == "SOV-3.1" else c
                for c in derived.criteria]
    unlisted = derived.model_copy(update={"criteria": tuple(criteria)})
    with pytest.raises(ConfigurationError, match="SOV-3.1: answer 3: 100 -> 110 points"):
        check_derivation(base[0], base[1], unlisted)
    relabelled = derived.model_copy(update={"changes": (derived.changes[0].model_copy(update={"what": "typo"}),
                                                        *derived.changes[1:])})
    with pytest.raises(ConfigurationError, match="differs from what its listed changes give"):
        check_derivation(base[0], base[1], relabelled)
    with pytest.raises(ConfigurationError, match="lists no change of its own"):
        check_derivation(base[0], base[1], derived.model_copy(update={"changes": ()}))
    with pytest.raises(ConfigurationError, match="score divisor, answer format or level scale"):
        check_derivation(base[0], base[1], derived.model_copy(update={"score_divisor": 500.0}))
    with pytest.raises(ConfigurationError, match="as its base"):
        check_derivation(base[0], "0" * 64, derived)


def test_a_renamed_label_replaces_its_stale_translation(base):
    derived = ministry(base, Edit("label", "SOV-3.1:2", "Partly, by contract", "clearer"),
                       Edit("label", "SOV-3", "Data sovereignty", "shorter"))
    chinese = derived.translated("zh-CN")
    criterion = next(c for c in chinese.criteria if c.id == "SOV-3.1")
    assert criterion.answers[1].label == "Partly, by contract" and criterion.answers[0].label != \
        base[0].criteria[[c.id for c in base[0].criteria].index("SOV-3.1")].answers[0].label
    assert next(o for o in chinese.objectives if o.id == "SOV-3").name == "Data sovereignty"
    assert derived.answer_labels("SOV-3.1")[1] == frozenset({"partly, by contract"})


@pytest.mark.parametrize("label", ["x" * 301, "bell\a", "right\u202eto left"])
def test_labels_are_short_and_plain(base, label):
    assert "at most 300 characters" in refused(base, Edit("label", "SOV-3", label, REASON)).message


def test_a_change_is_never_rounded_to_look_unchanged(base):
    derived = derive(base[0], base[1], [Edit("points", "SOV-3.1:2", 50.0000000000001, REASON)])
    assert derived.changes[0].what == "SOV-3.1 answer 2: 50 -> 50.0000000000001 points"
