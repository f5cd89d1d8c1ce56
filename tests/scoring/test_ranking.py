"""Price formulas, award totals, ties and tie-breaks, on worked examples computed by hand."""

import pytest

from evaluator.model.tender import Tender

from conftest import run


def levels(*per_objective):
    """Answers for eu-csf-levels: one SEAL level per objective (answer rank = level + 1)."""
    return {f"SOV-{n}": level + 1 for n, level in enumerate(per_objective, start=1)}


ALL_4, ALL_3, ALL_2 = levels(*[4] * 8), levels(*[3] * 8), levels(*[2] * 8)  # scores 100, 75, 50


def award(formula="lowest_ratio", **extra):
    return Tender(award={"quality_weight": 60, "price_weight": 40, "price_formula": formula, **extra})


def test_lowest_ratio_worked_example(csf_levels):
    # price points: 100 × 100 / price → A 50, B 100, C 80
    # totals: A 0.6·100 + 0.4·50 = 80; B 0.6·75 + 0.4·100 = 85; C 0.6·50 + 0.4·80 = 62
    evaluation = run(csf_levels, [ALL_4, ALL_3, ALL_2], award(), prices=[200, 100, 125])
    assert evaluation.score.tolist() == [100, 75, 50]
    assert evaluation.price_points.tolist() == pytest.approx([50, 100, 80])
    assert evaluation.total.tolist() == pytest.approx([80, 85, 62])
    assert evaluation.rank.tolist() == [2, 1, 3]


def test_linear_worked_example(csf_levels):
    # 100 at 100 or less, 0 at 300 or more: A (200) 50, B (100) 100, C (125) 87.5, D (350) 0, E (50) 100
    tender = award("linear", floor_price=100, ceiling_price=300)
    evaluation = run(csf_levels, [ALL_4, ALL_3, ALL_2, ALL_4, ALL_2], tender, prices=[200, 100, 125, 350, 50])
    assert evaluation.price_points.tolist() == pytest.approx([50, 100, 87.5, 0, 100])
    assert evaluation.total.tolist() == pytest.approx([80, 85, 65, 60, 70])
    assert evaluation.rank.tolist() == [2, 1, 4, 5, 3]


def test_linear_formula_cannot_reverse_ranks_when_a_bid_leaves(csf_levels):
    tender = award("linear", floor_price=100, ceiling_price=300)
    full = run(csf_levels, [ALL_4, ALL_3, ALL_2], tender, prices=[200, 100, 60])
    without_cheapest = run(csf_levels, [ALL_4, ALL_3], tender, prices=[200, 100])
    assert full.total[:2].tolist() == without_cheapest.total.tolist()


def test_lowest_ratio_can_reverse_ranks_when_the_cheapest_bid_leaves(csf_levels):
    tender = Tender(award={"quality_weight": 50, "price_weight": 50})
    # with C (price 10): A 52.5 beats B 42.5; without C: A 75 loses to B 87.5
    full = run(csf_levels, [ALL_4, ALL_3, ALL_2], tender, prices=[200, 100, 10])
    without_cheapest = run(csf_levels, [ALL_4, ALL_3], tender, prices=[200, 100])
    assert full.total.tolist() == pytest.approx([52.5, 42.5, 75])
    assert full.rank[:2].tolist() == [2, 3] and without_cheapest.rank.tolist() == [2, 1]


def test_bid_without_price_is_excluded_when_price_is_scored(csf_levels):
    evaluation = run(csf_levels, [ALL_4, ALL_3], award(), prices=[None, 100])
    assert evaluation.status == ("excluded", "ranked")
    assert evaluation.exclusion_reasons[0][0].kind == "price"


def test_without_award_the_total_is_the_score(csf_levels):
    evaluation = run(csf_levels, [ALL_3, ALL_4])
    assert evaluation.total.tolist() == evaluation.score.tolist() == [75, 100]


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped(csf_levels):
    evaluation = run(csf_levels, [ALL_3, ALL_4, ALL_3, ALL_2])
    assert evaluation.rank.tolist() == [2, 1, 2, 4]
    assert evaluation.ties[0].tied_with == ("B-3",) and evaluation.ties[0].decided_by is None
    assert evaluation.ties[1] is None


def test_ties_compare_totals_rounded_to_the_rule_decimals(csf_levels):
    # A = 75 + 0.25 × 12.404 = 78.101 and B = 75 + 0.25 × 12.416 = 78.104: equal to 2 decimals, not to 3
    weights = {f"SOV-{n}": w for n, w in enumerate([12.53] * 6 + [12.404, 12.416], start=1)}
    a, b = levels(3, 3, 3, 3, 3, 3, 4, 3), levels(3, 3, 3, 3, 3, 3, 3, 4)
    two = run(csf_levels, [a, b], Tender(weights=weights))
    three = run(csf_levels, [a, b], Tender(weights=weights, ties={"decimals": 3}))
    assert two.score.tolist() == pytest.approx([78.101, 78.104])
    assert two.rank.tolist() == [1, 1]
    assert three.rank.tolist() == [2, 1]


def test_tie_break_chain_decides_and_says_which_rule(csf_levels):
    # both 86.25 %: A at overall SEAL-2, B at overall SEAL-3
    a, b = levels(4, 4, 4, 4, 2, 3, 4, 4), levels(3, 3, 4, 3, 4, 3, 4, 4)
    evaluation = run(csf_levels, [a, b], Tender(ties={"tie_break": ["overall_level", "price"]}), prices=[10, 5])
    assert evaluation.score.tolist() == [86.25, 86.25]
    assert evaluation.rank.tolist() == [2, 1]
    assert evaluation.ties[0].decided_by == "overall_level"


def test_price_breaks_a_tie_when_levels_are_equal(csf_levels):
    evaluation = run(csf_levels, [ALL_3, ALL_3], Tender(ties={"tie_break": ["overall_level", "price"]}),
                     prices=[120, 110])
    assert evaluation.rank.tolist() == [2, 1]
    assert evaluation.ties[1].decided_by == "price"


def test_output_order_is_ranked_then_excluded_then_invalid(csf_levels):
    evaluation = run(csf_levels, [ALL_2, levels(4, 4, 4, 4, 4, 4, 4, 1), ALL_4], Tender(minimum_level=2))
    assert [evaluation.bids.bids[i].bid_id for i in evaluation.order] == ["B-3", "B-1", "B-2"]
