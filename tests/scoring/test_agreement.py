"""Krippendorff's alpha (ordinal) between the panel's members, and the chair's list of disagreements."""

import numpy as np
import pytest
from test_moderation import said

from evaluator.model.tender import Panel
from evaluator.scoring.agreement import BidAgreement, Disagreement, agreement, ordinal_alpha

from conftest import bid_set, top_ranks

PANEL = Panel(chair="cleo", members=("ana", "ben"))


@pytest.fixture
def three_bids(csf):
    claims = {**top_ranks(csf), "SOV-1.1": 1}
    return bid_set(csf, [claims, top_ranks(csf), top_ranks(csf)])


def test_alpha_per_bid_and_overall_by_hand(csf, three_bids):
    """B-1's units (1, 1), (2, 2), (1, 2): n1 = n2 = 3, δ(1,2) = (6 − 3)² = 9, Do = 2·9/6 = 3,
    De = 2·3·3·9/30 = 5.4, α = 1 − 3/5.4 = 4/9. B-2's one unit (3, 3) alone has no variation: None.
    Overall, units (1,1) (2,2) (1,2) (3,3): δ12 = 9, δ13 = (8 − 2.5)² = 30.25, δ23 = (5 − 2.5)² = 6.25,
    Do = 18/8 = 2.25, De = 2·(9·9 + 6·30.25 + 6·6.25)/56 = 600/56, α = 1 − 2.25·56/600 = 0.79."""
    result = agreement(csf, three_bids, [
        said("B-1", "SOV-1.1", "ana"), said("B-1", "SOV-1.1", "ben"),  # accepts count as the claimed 1
        said("B-1", "SOV-1.3", "ana", 2, "x"), said("B-1", "SOV-1.3", "ben", 2, "x"),
        said("B-1", "SOV-2.1", "ana", 1, "x"), said("B-1", "SOV-2.1", "ben", 2, "y"),
        said("B-1", "SOV-2.2", "ana", 2, "x"),  # one member only: not pairable, changes nothing
        said("B-1", "SOV-2.3", "cleo", 1, "z", stage="consensus"),  # the chair decides; not a rating
        said("B-2", "SOV-4.1", "ana", 3, "x"), said("B-2", "SOV-4.1", "ben", 3, "x"),
    ], PANEL)
    assert result.alpha == pytest.approx(0.79, abs=1e-12)
    first, second = result.bids
    assert first == BidAgreement("B-1", pytest.approx(4 / 9, abs=1e-12),
                                 ("SOV-1.1", "SOV-1.3", "SOV-2.1", "SOV-2.2"),
                                 (Disagreement("SOV-2.1", (("ana", 1), ("ben", 2)), settled=False),))
    assert second == BidAgreement("B-2", None, ("SOV-4.1",), ())


def test_bids_with_open_disagreements_come_first_for_the_chair(csf, three_bids):
    result = agreement(csf, three_bids, [
        said("B-1", "SOV-4.1", "ana", 3, "x"), said("B-1", "SOV-4.1", "ben", 3, "x"),
        said("B-2", "SOV-4.1", "ana", 2, "x"), said("B-2", "SOV-4.1", "ben", 3, "y"),
        said("B-2", "SOV-4.1", "cleo", 3, "z", stage="consensus"),
        said("B-3", "SOV-5.1", "ana", 2, "x"), said("B-3", "SOV-5.1", "ben"),
    ], PANEL)
    assert [(b.bid_id, b.open_disagreements, len(b.disagreements)) for b in result.bids] == \
        [("B-3", 1, 1), ("B-2", 0, 1), ("B-1", 0, 0)]
    assert result.bids[0].disagreements == (Disagreement("SOV-5.1", (("ana", 2), ("ben", 5)), settled=False),)
    assert result.bids[1].disagreements[0].settled


def test_alpha_is_none_when_only_one_member_assessed(csf, three_bids):
    result = agreement(csf, three_bids, [said("B-1", "SOV-1.3", "ana", 2, "x"),
                                         said("B-1", "SOV-2.1", "ana", 1, "x")], PANEL)
    assert result.alpha is None and result.bids[0].alpha is None


def test_no_assessments_give_no_agreement(csf, three_bids):
    result = agreement(csf, three_bids, [], None)
    assert result.alpha is None and result.bids == ()


def test_ordinal_alpha_catches_what_the_package_refuses():
    assert ordinal_alpha([]) is None
    assert ordinal_alpha([None]) is None
    assert ordinal_alpha([np.array([2.0, 2.0]), np.array([2.0, 2.0])]) is None  # one value: no variation
    assert ordinal_alpha([np.array([1.0, np.nan]), np.array([np.nan, 2.0])]) is None  # nothing pairable
    assert ordinal_alpha([np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([1.0, 2.0])]) == \
        pytest.approx(4 / 9, abs=1e-12)
