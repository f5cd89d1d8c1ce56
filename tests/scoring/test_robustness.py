"""Robustness analyses on hand-computed cases, and their invariants (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.__main__ import main
from evaluator.ingest.files import read_bids
from evaluator.loading import load_framework, load_tender
from evaluator.model.tender import Tender, resolve_settings
from evaluator.scoring import evaluate
from evaluator.scoring.robustness import (
    rank_acceptability,
    rank_reversals,
    robustness,
    stability_intervals,
    threshold_what_ifs,
)

from conftest import CSF_PATH, LEVELS_PATH, SAMPLES, run

LEVELS = load_framework(LEVELS_PATH)[0]


def levels(*per_objective):
    return {f"SOV-{n}": level + 1 for n, level in enumerate(per_objective, start=1)}


def test_two_bids_whose_winner_swaps_at_a_weight_computed_by_hand():
    # A is strong only on SOV-1 (15 %), B only on SOV-2 (10 %): A 15 vs B 10, A wins.
    # Raising SOV-1 to t (the others scaled by (100 - t) / 85): A = t, B = 10 (100 - t) / 85,
    # so A stays first while 95 t >= 1000, t >= 10.526316. Raising SOV-2 to t: A = 15 (100 - t) / 90, B = t,
    # so A stays first while t <= 1500 / 105 = 14.285714.
    evaluation = run(LEVELS, [levels(4, 0, 0, 0, 0, 0, 0, 0), levels(0, 4, 0, 0, 0, 0, 0, 0)])
    intervals = stability_intervals(evaluation)
    assert intervals["SOV-1"]["winner_stays"] == pytest.approx([10.526316, 100.0])
    assert intervals["SOV-2"]["winner_stays"] == pytest.approx([0.0, 14.285714])
    assert intervals["SOV-3"]["winner_stays"] == [0.0, 100.0]  # neither bid scores on SOV-3


def test_a_bid_one_answer_short_of_the_minimum(csf):
    from conftest import top_ranks
    short = {**top_ranks(csf), "SOV-3.4": 4}  # SEAL-1: one answer below what SEAL-2 needs
    evaluation = run(csf, [top_ranks(csf), short], Tender(minimum_level=2))
    what_if = threshold_what_ifs(evaluation)
    assert what_if["lowered_by_one_admits"]["SOV-3"] == ["B-2"]
    assert what_if["excluded"]["B-2"]["answer_changes"] == [{
        "objective": "SOV-3", "criterion": "SOV-3.4",
        "current": "4 - In the EU by default; exceptions tightly controlled",
        "needed": "5 - Only in the EU; no third-country fallback", "reaches": "SEAL-2"}]


def test_raised_minimum_drops_the_bids_exactly_at_it():
    evaluation = run(LEVELS, [levels(2, 4, 4, 4, 4, 4, 4, 4), levels(3, 3, 3, 3, 3, 3, 3, 3)], Tender(minimum_level=2))
    assert threshold_what_ifs(evaluation)["raised_by_one_drops"]["SOV-1"] == ["B-1"]


def test_rank_reversal_under_lowest_ratio_and_never_under_linear():
    # A: score 100 at 200; B: 75 at 100; C: 0 at 10. With 50/50 and lowest_ratio: A 52.5, B 42.5, C 50, A wins.
    # Without C the lowest price is 100: A 75, B 87.5, so B wins although only C left.
    bids, prices = [levels(*[4] * 8), levels(*[3] * 8), levels(*[0] * 8)], [200, 100, 10]
    relative = run(LEVELS, bids, Tender(award={"quality_weight": 50, "price_weight": 50}), prices=prices)
    assert relative.total.tolist() == pytest.approx([52.5, 42.5, 50])
    assert rank_reversals(relative)["without"]["B-3"] == {"winner": ["B-2"], "changes": True}
    absolute = run(LEVELS, bids, Tender(award={"quality_weight": 50, "price_weight": 50, "price_formula": "linear",
                                               "floor_price": 10, "ceiling_price": 300}), prices=prices)
    assert rank_reversals(absolute)["any_reversal"] is False


def test_acceptability_is_seeded_and_a_dominant_bid_always_wins():
    evaluation = run(LEVELS, [levels(*[4] * 8), levels(*[3] * 8), levels(*[3] * 7, 2)])
    first = rank_acceptability(evaluation, draws=500, seed=7)
    assert first == rank_acceptability(evaluation, draws=500, seed=7)
    assert first["bids"]["B-1"]["wins"] == 1.0 and first["bids"]["B-2"]["ranks"] == [0.0, 1.0, 0.0]
    bounded = rank_acceptability(evaluation, draws=200, bounds={f"SOV-{n}": (5, 20) for n in range(1, 9)})
    assert bounded["bids"]["B-1"]["wins"] == 1.0


PROPERTY = settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
bid_levels = st.lists(st.tuples(*[st.integers(0, 4)] * 8), min_size=2, max_size=6)


@PROPERTY
@given(bids=bid_levels)
def test_stability_intervals_contain_the_tenders_own_weights(bids):
    evaluation = run(LEVELS, [levels(*bid) for bid in bids])
    for interval in stability_intervals(evaluation).values():
        low, high = interval["winner_stays"]
        assert low - 1e-6 <= interval["weight"] <= high + 1e-6
        low, high = interval["ranking_stays"]
        assert low - 1e-6 <= interval["weight"] <= high + 1e-6


@PROPERTY
@given(bids=bid_levels, seed=st.integers(0, 1000))
def test_acceptabilities_sum_to_one_per_rank_and_per_bid(bids, seed):
    evaluation = run(LEVELS, [levels(*bid) for bid in bids])
    shares = np.array([entry["ranks"] for entry in rank_acceptability(evaluation, 300, 50.0, seed)["bids"].values()])
    assert shares.sum(axis=0) == pytest.approx(1.0, abs=1e-5) and shares.sum(axis=1) == pytest.approx(1.0, abs=1e-5)


@PROPERTY
@given(bids=bid_levels, prices=st.lists(st.sampled_from([10, 50, 100, 200]), min_size=6, max_size=6),
       formula=st.sampled_from(["lowest_ratio", "linear"]))
def test_rank_reversals_agree_with_removing_every_bid_and_ranking_again(bids, prices, formula):
    """Only the sole lowest-priced bid's removal is recomputed; every answer must be what a brute force gives."""
    award = {"quality_weight": 40, "price_weight": 60, "price_formula": formula,
             **({"floor_price": 10, "ceiling_price": 300} if formula == "linear" else {})}
    evaluation = run(LEVELS, [levels(*bid) for bid in bids], Tender(award=award), prices=prices[:len(bids)])
    bid_ids = [bid.bid_id for bid in evaluation.bids.bids]
    for removed, entry in rank_reversals(evaluation)["without"].items():
        kept = [i for i, bid_id in enumerate(bid_ids) if bid_id != removed]
        again = run(LEVELS, [levels(*bids[i]) for i in kept], Tender(award=award), prices=[prices[i] for i in kept])
        assert entry["winner"] == sorted(f"B-{kept[i] + 1}" for i in np.flatnonzero(again.rank == 1))


def test_analyse_command_writes_robustness_json(tmp_path):
    import json
    assert main(["analyse", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"), "--draws", "1000",
                 "--out", str(tmp_path), str(SAMPLES / "bids")]) == 0
    analysis = json.loads((tmp_path / "robustness.json").read_text())
    assert set(analysis) == {"stability", "acceptability", "what_if", "rank_reversal"}
    assert set(analysis["stability"]) == {f"SOV-{n}" for n in range(1, 9)}
    assert analysis["acceptability"]["bids"]["B-001"]["wins"] == 1.0 and analysis["acceptability"]["draws"] == 1000
    assert list(analysis["what_if"]["excluded"]) == ["B-002"]
    framework = load_framework(CSF_PATH)[0]
    evaluation = evaluate(framework, resolve_settings(framework, load_tender(SAMPLES / "tender.yaml")[0]),
                          read_bids([str(SAMPLES / "bids")], framework))
    assert analysis == json.loads(json.dumps(robustness(evaluation, draws=1000)))  # the command adds nothing
