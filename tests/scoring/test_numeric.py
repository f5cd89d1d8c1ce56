"""Numeric criteria (linear and banded) and the whitepaper's national index, reproduced."""

import copy
import csv

import numpy as np
import pytest
import yaml

from evaluator.errors import ConfigurationError
from evaluator.ingest.files import read_bids
from evaluator.loading import load_framework
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework, Numeric
from evaluator.model.tender import Tender, resolve_settings
from evaluator.scoring import evaluate
from evaluator.scoring.numeric import numeric_points_and_levels

from conftest import ROOT, SAMPLES
from factories import TINY, read_bid_bytes


def numeric(**fields) -> Numeric:
    return Numeric.model_validate({"unit": "%", "direction": "higher", **fields})


class TestScoring:
    def test_linear_higher_is_better(self):
        points, levels = numeric_points_and_levels(numeric(linear={"worst": 99.0, "best": 99.99, "points": 10}),
                                                   np.array([98.0, 99.0, 99.495, 99.99, 100.0]), top=4)
        assert points.tolist() == pytest.approx([0, 0, 5, 10, 10])
        assert levels.tolist() == [4] * 5  # a linear criterion without bands does not limit the level

    def test_linear_lower_is_better(self):
        pue = numeric(direction="lower", linear={"worst": 1.6, "best": 1.1, "points": 100})
        assert numeric_points_and_levels(pue, np.array([1.7, 1.35, 1.0]), 0)[0].tolist() == pytest.approx([0, 50, 100])

    def test_bands_give_points_and_levels(self):
        bands = numeric(bands=[{"threshold": 99.0, "points": 10, "level": 1}, {"threshold": 99.9, "points": 20,
                                                                               "level": 2},
                               {"threshold": 99.99, "points": 30, "level": 4}])
        points, levels = numeric_points_and_levels(bands, np.array([98.0, 99.0, 99.95, 99.999]), top=4)
        assert points.tolist() == [0, 10, 20, 30] and levels.tolist() == [0, 1, 2, 4]

    def test_lower_is_better_bands(self):
        rto = numeric(direction="lower", bands=[{"threshold": 24, "points": 5}, {"threshold": 4, "points": 10}])
        assert numeric_points_and_levels(rto, np.array([48.0, 24.0, 1.0]), 0)[0].tolist() == [0, 5, 10]

    @pytest.mark.parametrize("fields, message", [
        ({"linear": {"worst": 1, "best": 2, "points": 1}, "bands": [{"threshold": 1, "points": 1}]}, "not both"),
        ({}, "neither"),
        ({"direction": "lower", "linear": {"worst": 1, "best": 2, "points": 1}}, "best must be below worst"),
        ({"bands": [{"threshold": 2, "points": 1}, {"threshold": 1, "points": 2}]}, "easiest threshold"),
        ({"bands": [{"threshold": 1, "points": 2}, {"threshold": 2, "points": 1}]}, "fewer points"),
    ])
    def test_invalid_numeric_scoring_is_refused(self, fields, message):
        with pytest.raises(ValueError, match=message):
            numeric(**fields)


@pytest.fixture(scope="module")
def tiny_numeric() -> Framework:
    data = copy.deepcopy(TINY)
    data["criteria"][1] = {"id": "B.1", "objective": "B", "title": "b", "question": "b?",
                           "numeric": {"unit": "%", "direction": "higher", "valid": [0, 100],
                                       "bands": [{"threshold": 50, "points": 50, "level": 0},
                                                 {"threshold": 90, "points": 100, "level": 1}]}}
    return parse_document(yaml.safe_dump(data).encode(), Framework, "tiny.yaml")


class TestReadingAndPolicies:
    def read(self, framework, value):
        return read_bid_bytes(f"bid_id,vendor,A.1,B.1\nX,V,2,{value}\n".encode(), "w.csv", framework)

    @pytest.mark.parametrize("text, value", [("95", 95.0), ("95 %", 95.0), ("99.5", 99.5)])
    def test_values_are_read(self, tiny_numeric, text, value):
        bids = self.read(tiny_numeric, text)
        assert bids.bids[0].errors == () and bids.values[0, 1] == value and bids.ranks[0, 1] == 1

    def test_a_non_number_is_a_located_error(self, tiny_numeric):
        bids = self.read(tiny_numeric, "high")
        assert [(e.location, e.message) for e in bids.bids[0].errors] == \
            [("row 2, column B.1", "answer 'high' is not a number (in %)")]

    @pytest.mark.parametrize("text", ["", "unknown", "150"])  # 150 is outside the valid range 0-100
    def test_missing_or_out_of_range_follows_the_unknown_policy(self, tiny_numeric, text):
        bids = self.read(tiny_numeric, text)
        assert bids.ranks[0, 1] == 0 and np.isnan(bids.values[0, 1])
        for policy, status in (("conservative", "ranked"), ("calculator", "ranked"), ("strict", "excluded")):
            evaluation = evaluate(tiny_numeric, resolve_settings(tiny_numeric, Tender(unknown=policy)), bids)
            assert evaluation.objective_scores[0, 1] == 0 and evaluation.status == (status,)
            if policy == "calculator":  # nothing answered: no level
                assert not evaluation.has_level()[0, 1]
            else:  # the worst level
                assert evaluation.objective_levels[0, 1] == 0

    def test_a_band_sets_the_level(self, tiny_numeric):
        bids = self.read(tiny_numeric, "95")
        evaluation = evaluate(tiny_numeric, resolve_settings(tiny_numeric, Tender(minimum_level="L-1")), bids)
        assert evaluation.objective_scores[0].tolist() == [100, 100] and evaluation.status == ("ranked",)
        low = evaluate(tiny_numeric, resolve_settings(tiny_numeric, Tender(minimum_level="L-1")),
                       self.read(tiny_numeric, "60"))
        assert low.status == ("excluded",) and low.exclusion_reasons[0][0].criteria == ("B.1",)


def test_fraction_weights_sum_to_exactly_100():
    framework, _ = load_framework(ROOT / "frameworks" / "apc-national-2026.yaml")
    assert sum(framework.weight_profiles["equal"].weights.values()) == pytest.approx(100, abs=1e-9)
    with pytest.raises(ConfigurationError, match="sum to 100"):
        resolve_settings(framework, Tender(weights={f"APC-N{i}": "100/7" for i in range(1, 7)}))


def test_the_national_index_reproduces_every_published_composite_and_the_order():
    framework, _ = load_framework(ROOT / "frameworks" / "apc-national-2026.yaml")
    bids = read_bids([str(SAMPLES / "national-index-2026.csv")], framework)
    evaluation = evaluate(framework, resolve_settings(framework), bids)
    published = {row["bid_id"]: row for row in csv.DictReader((SAMPLES / "national-index-2026.csv").open())}
    assert len(published) == 20 and not any(bid.invalid for bid in bids.bids)
    for row, bid in enumerate(bids.bids):
        assert evaluation.score[row] == pytest.approx(float(published[bid.bid_id]["meta:published_composite"]),
                                                      abs=0.05 + 1e-9)
        assert evaluation.rank[row] == int(published[bid.bid_id]["meta:published_rank"])


def test_the_product_framework_and_its_sample_tender():
    framework, _ = load_framework(ROOT / "frameworks" / "apc-product-2026.yaml")
    assert len(framework.criteria) == 40 and all(c.numeric for c in framework.criteria)
    directions = {c.title: c.numeric.direction for c in framework.criteria}
    assert directions["Data-centre PUE"] == "lower" and directions["SLA availability"] == "higher"
    assert "THIS PROJECT'S CHOICE" in framework.source.wording
    from evaluator.loading import load_tender
    tender, _ = load_tender(SAMPLES / "product-tender.yaml")
    bids = read_bids([str(SAMPLES / "product" / "capability-wide.csv")], framework)
    evaluation = evaluate(framework, resolve_settings(framework, tender), bids)
    assert evaluation.status == ("ranked",) * 6 and 0 < evaluation.score.min() < evaluation.score.max() <= 100


def test_the_enterprise_framework_and_its_sample():
    """The whitepaper's enterprise level (figures 28-1 and 28-2): six dimensions of 6, 3, 5, 3, 7 and 2 metrics,
    each a share in % but peak concurrency (QPS/TPS), higher is better but the idle-resource cost; each names
    the whitepaper's metric; the weights and bounds are this project's, and say so."""
    framework, _ = load_framework(ROOT / "frameworks" / "apc-enterprise-2026.yaml")
    per_dimension = [sum(c.objective == o.id for c in framework.criteria) for o in framework.objectives]
    assert per_dimension == [6, 3, 5, 3, 7, 2] and all(c.numeric for c in framework.criteria)
    assert {c.title: c.numeric.direction for c in framework.criteria if c.numeric.direction == "lower"} == \
        {"Idle-resource cost (FinOps maturity)": "lower"}
    assert [c.id for c in framework.criteria if c.numeric.unit != "%"] == ["APC-E3.3"]
    assert all("Whitepaper: " in c.question for c in framework.criteria)
    assert "THIS PROJECT'S CHOICE" in framework.source.wording
    from evaluator.loading import load_tender
    tender, _ = load_tender(SAMPLES / "enterprise-tender.yaml")
    bids = read_bids([str(SAMPLES / "enterprise" / "adoption-wide.csv")], framework)
    evaluation = evaluate(framework, resolve_settings(framework, tender), bids)
    assert evaluation.status == ("ranked",) * 6 and 0 < evaluation.score.min() < evaluation.score.max() <= 100
    ranked = [bids.bids[row].bid_id for row in evaluation.order]
    assert ranked[0] == "E-001" and ranked[-1] == "E-006"  # the sample's most and least advanced enterprises
