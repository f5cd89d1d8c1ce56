"""Answers as the panel writes them: ranks, level codes, numbers; an accept stands for the claim."""

from evaluator.loading import load_framework
from evaluator.model.assessment import Assessment, Choice

from conftest import CSF_PATH, bid_set


def test_an_answer_is_written_as_bid_files_write_it(csf, csf_levels):
    national = load_framework(CSF_PATH.parent / "apc-national-2026.yaml")[0]
    assert Choice(3).notation(csf, csf.criterion_index["SOV-3.2"]) == 3
    assert Choice(3).notation(csf_levels, csf_levels.criterion_index["SOV-3"]) == "SEAL-2"
    assert Choice(1, 62.5).notation(national, 0) == 62.5
    assert Choice(1, 62.5).text(national, 0) == "62.5"
    assert Choice(0).text(csf, 0) == "unanswered"


def test_the_claim_is_read_from_the_bids_and_an_accept_stands_for_it(csf):
    bids = bid_set(csf, [{"SOV-3.2": 4}])
    claim = Choice.claimed(bids, 0, csf.criterion_index["SOV-3.2"])
    assert claim == Choice(4, None)
    assert Assessment("B-1", "SOV-3.2", "ana", "individual").answer(claim) == claim
    assert Assessment("B-1", "SOV-3.2", "ana", "individual", Choice(2), "why").answer(claim) == Choice(2)
