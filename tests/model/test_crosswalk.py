"""Crosswalks as data, and pre-filling derived answers through them."""

import csv

import numpy as np
import pytest

from evaluator.__main__ import main
from evaluator.errors import ConfigurationError
from evaluator.ingest.files import read_bids
from evaluator.loading import load_crosswalk
from evaluator.model.crosswalk import Crosswalk, prefill
from evaluator.model.tender import resolve_settings
from evaluator.scoring import evaluate

from conftest import LEVELS_PATH, ROOT, SAMPLES, bid_set

CROSSWALK = ROOT / "frameworks" / "crosswalks" / "csf-levels-to-calculator.yaml"


@pytest.fixture(scope="module")
def crosswalk() -> Crosswalk:
    return load_crosswalk(CROSSWALK)


def test_the_shipped_crosswalk_fits_and_covers_every_criterion_once(crosswalk, csf, csf_levels):
    crosswalk.check(csf_levels, csf, str(CROSSWALK))
    targets = [cid for mapping in crosswalk.mappings for cid in mapping.targets]
    assert sorted(targets) == sorted(c.id for c in csf.criteria)


def test_derived_answers_reach_the_assessed_level_and_are_flagged(crosswalk, csf, csf_levels):
    levels = [4, 4, 4, 4, 2, 3, 4, 4]
    source = bid_set(csf_levels, [{f"SOV-{n}": level + 1 for n, level in enumerate(levels, start=1)}])
    filled, derived = prefill(crosswalk, csf_levels, csf, source)
    assert derived.all()
    evaluation = evaluate(csf, resolve_settings(csf), filled)
    assert evaluation.objective_levels[0].tolist() == levels  # the most cautious answers reach exactly that level
    assert filled.notes[0, csf.criterion_index["SOV-5.6"]] == \
        "derived from eu-csf-levels SOV-5 = SEAL-2 via csf-levels-to-calculator (superset, level_floor)"
    assert filled.ranks[0, csf.criterion_index["SOV-3.4"]] == 5  # its only answer at SEAL-2 or above is the top


def test_unanswered_and_partial_mappings_derive_nothing(crosswalk, csf, csf_levels):
    source = bid_set(csf_levels, [{"SOV-1": 3}])
    partial = crosswalk.model_copy(update={"mappings": (crosswalk.mappings[0].model_copy(
        update={"relationship": "intersect"}), *crosswalk.mappings[1:])})
    filled, derived = prefill(partial, csf_levels, csf, source)
    assert not derived.any() and (filled.ranks == 0).all()


def test_a_crosswalk_for_other_versions_or_criteria_is_refused(crosswalk, csf, csf_levels):
    with pytest.raises(ConfigurationError, match="source is eu-csf-levels version 2026.06, not eu-csf-2026"):
        crosswalk.check(csf, csf, "x.yaml")
    broken = crosswalk.model_copy(update={"mappings": (crosswalk.mappings[0].model_copy(
        update={"targets": ("SOV-1.99",)}),)})
    with pytest.raises(ConfigurationError, match="target criterion SOV-1.99 is not in eu-csf-2026"):
        broken.check(csf_levels, csf, "x.yaml")


def test_prefill_command_writes_a_reviewable_csv_that_evaluates(tmp_path, capsys, csf):
    out = tmp_path / "prefilled.csv"
    assert main(["prefill", "--crosswalk", str(CROSSWALK), "--from", str(LEVELS_PATH), "--to",
                 str(ROOT / "frameworks" / "eu-csf-2026.yaml"), "--out", str(out),
                 str(SAMPLES / "self-assessments.csv")]) == 0
    assert "96 answers derived" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 96 and all(row["notes"].startswith("derived from eu-csf-levels") for row in rows)
    bids = read_bids([str(out)], csf)
    assert not any(bid.invalid for bid in bids.bids)
    assert np.all(evaluate(csf, resolve_settings(csf), bids).overall_level == [2, 2])


def test_prefill_csv_neutralises_formulas_from_the_bids(tmp_path, capsys):
    source = tmp_path / "hostile.csv"
    source.write_text('bid_id,vendor,SOV-1,SOV-2,SOV-3,SOV-4,SOV-5,SOV-6,SOV-7,SOV-8\n'
                      '"=HYPERLINK(""http://x.test"",""click"")","@SUM(A1:A9)",2,2,2,2,2,2,2,2\n'
                      'S-2," -1+2",2,2,2,2,2,2,2,2\n')
    out = tmp_path / "prefilled.csv"
    assert main(["prefill", "--crosswalk", str(CROSSWALK), "--from", str(LEVELS_PATH), "--to",
                 str(ROOT / "frameworks" / "eu-csf-2026.yaml"), "--out", str(out), str(source)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {row["bid_id"] for row in rows} == {"'=HYPERLINK(\"http://x.test\",\"click\")", "S-2"}
    assert {row["vendor"] for row in rows} == {"'@SUM(A1:A9)", "'-1+2"}
