"""The bundled framework files carry the official numbers exactly."""

import json
from pathlib import Path

import pytest

from evaluator.__main__ import main
from evaluator.model.framework import Framework

from conftest import ROOT

NUMBERS = json.loads((ROOT / "tests" / "data" / "csf-calculator-numbers.json").read_text())
SHARED_REFERENCE = ROOT.parent / "shared" / "reference" / "csf" / "calculator-2026-06.json"
ALL_CRITERIA = sorted(NUMBERS["criteria"])


@pytest.mark.parametrize("criterion_id", ALL_CRITERIA)
def test_every_answer_has_the_official_points_and_level(csf, criterion_id):
    criterion = next(c for c in csf.criteria if c.id == criterion_id)
    ours = [[a.rank, a.points, a.level] for a in criterion.answers]
    assert ours == NUMBERS["criteria"][criterion_id]


def test_counts_per_objective_and_answers(csf):
    per_objective = [sum(1 for c in csf.criteria if c.objective == oid) for oid in csf.objective_ids]
    assert per_objective == [8, 6, 5, 6, 7, 5, 7, 4]
    assert len(csf.criteria) == 48
    assert sum(len(c.answers) for c in csf.criteria) == 235
    assert {c.id: len(c.answers) for c in csf.criteria if len(c.answers) != 5} == \
        {"SOV-1.1": 4, "SOV-1.3": 4, "SOV-1.7": 4, "SOV-2.1": 3}


@pytest.mark.parametrize("profile", ["v1.2.1", "guidance-2026"])
@pytest.mark.parametrize("objective", [f"SOV-{n}" for n in range(1, 9)])
def test_each_weight_individually(csf, csf_levels, profile, objective):
    expected = NUMBERS["weights_percent"][profile][objective]
    assert csf.weight_profiles[profile].weights[objective] == expected
    assert csf_levels.weight_profiles[profile].weights[objective] == expected


def test_exact_weight_vectors_and_default(csf):
    assert list(csf.weight_profiles["v1.2.1"].weights.values()) == [15, 10, 10, 15, 20, 15, 10, 5]
    assert list(csf.weight_profiles["guidance-2026"].weights.values()) == [20, 10, 10, 15, 10, 15, 15, 5]
    assert csf.default_weight_profile == "v1.2.1"
    assert set(csf.weight_profiles) == {"v1.2.1", "guidance-2026"}  # the 105 % erratum is never shipped


def test_inert_criteria_are_all_seal_4(csf):
    inert = sorted(c.id for c in csf.criteria if {a.level for a in c.answers} == {4})
    assert inert == ["SOV-1.2", "SOV-1.4", "SOV-1.5", "SOV-1.6", "SOV-1.7", "SOV-2.5", "SOV-5.3", "SOV-7.2",
                     "SOV-8.4"]


def test_levels_framework_has_one_level_ladder_per_objective(csf_levels):
    assert [c.id for c in csf_levels.criteria] == [f"SOV-{n}" for n in range(1, 9)]
    assert csf_levels.answer_format == "level"
    for criterion in csf_levels.criteria:
        assert [(a.level, a.points) for a in criterion.answers] == [(0, 0), (1, 250), (2, 500), (3, 750), (4, 1000)]


def test_level_scale_keeps_both_names_of_seal_3(csf):
    assert [level.code for level in csf.level_scale.levels] == [f"SEAL-{n}" for n in range(5)]
    assert csf.level_scale.parse("Technological Sovereignty") == 3
    assert csf.level_scale.parse("Digital Resilience") == 3
    assert csf.score_divisor == 1000


def test_duplicated_official_labels_are_distinguishable(csf):
    for criterion in csf.criteria:
        labels = [a.label for a in criterion.answers]
        assert len(set(labels)) == len(labels), criterion.id


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="../shared/reference is not beside this checkout")
def test_numbers_fixture_matches_the_shared_reference():
    reference = json.loads(SHARED_REFERENCE.read_text())
    criteria = {c["id"]: [[a["rank"], a["value"], a["seal"]] for a in c["answers"]]
                for group in reference["objectives"].values() for c in group}
    assert criteria == NUMBERS["criteria"]
    assert reference["weights_percent"]["v1.2.1_section5"] == NUMBERS["weights_percent"]["v1.2.1"]


def test_published_schema_is_generated_from_the_models():
    published = json.loads((ROOT / "frameworks" / "framework.schema.json").read_text())
    assert published == Framework.model_json_schema()


@pytest.mark.parametrize("name", ["eu-csf-2026.yaml", "eu-csf-levels.yaml"])
def test_validate_framework_command_accepts_bundled_files(name, capsys):
    assert main(["validate-framework", str(ROOT / "frameworks" / name)]) == 0
    assert "valid framework" in capsys.readouterr().out


def test_frameworks_folder_holds_only_valid_files():
    for path in Path(ROOT / "frameworks").glob("*.yaml"):
        assert main(["validate-framework", str(path)]) == 0
