"""The panel's rows between the desk and the store: one CSV shape for desk submissions and stored rows, the
canonical CSV an evaluation reads, and the declaration rule."""

from types import SimpleNamespace

import pytest

from evaluator.errors import ConfigurationError
from evaluator.model.bid import BidSet
from evaluator.model.tender import Panel
from evaluator.panel import PanelCase, check_declaration, stored_csv, submission_csv

from conftest import bid_set, top_ranks


def stored(bid_id, criterion_id, assessor, stage, answer="", justification=""):
    return SimpleNamespace(bid_id=bid_id, criterion_id=criterion_id, assessed_answer=answer,
                           justification=justification, assessor=assessor, stage=stage, evidence_quality="")


def test_the_canonical_csv_does_not_depend_on_the_order_rows_come_from_the_store():
    rows = [stored("B-2", "SOV-1.1", "ben", "individual", "3", "annex 4"),
            stored("B-1", "SOV-2.1", "cleo", "consensus", "2", "meeting"),
            stored("B-1", "SOV-2.1", "ana", "individual"),
            stored("B-1", "SOV-1.1", "ben", "individual", "0.25", "measured")]
    first = stored_csv(rows)
    assert stored_csv(list(reversed(rows))) == first
    assert first.decode().splitlines() == [
        "bid_id,criterion_id,assessed_answer,justification,assessor,stage,evidence_quality",
        "B-1,SOV-1.1,0.25,measured,ben,individual,",
        "B-1,SOV-2.1,2,meeting,cleo,consensus,",
        "B-1,SOV-2.1,,,ana,individual,",
        "B-2,SOV-1.1,3,annex 4,ben,individual,"]


def test_a_desk_submission_is_written_as_an_assessments_file():
    content = submission_csv("B-1", "ana", "individual", [
        {"criterion_id": "SOV-1.1", "answer": None},
        {"criterion_id": "SOV-1.2", "answer": 0.1 + 0.2, "justification": "see annex, p. 3",
         "evidence_quality": "contractual"}])
    assert content.decode().splitlines()[1:] == ["B-1,SOV-1.1,,,ana,individual,",
                                                 'B-1,SOV-1.2,0.30000000000000004,"see annex, p. 3",ana,individual,'
                                                 "contractual"]  # floats in full, never rounded
    with pytest.raises(ConfigurationError, match="row 2: a justification is one line"):
        submission_csv("B-1", "ana", "individual", [{"criterion_id": "SOV-1.1", "answer": 2,
                                                     "justification": "first\nsecond"}])
    with pytest.raises(ConfigurationError, match="no criterion was assessed"):
        submission_csv("B-1", "ana", "individual", [])


def test_a_declaration_names_at_least_the_conflicts_the_tender_lists(csf):
    bids: BidSet = bid_set(csf, [top_ranks(csf), top_ranks(csf)])
    case = PanelCase("C2026-0001", csf, Panel(chair="cleo", members=("ana", "ben"), conflicts={"ben": ("B-2",)}),
                     bids, {})
    check_declaration(case, "ana", [])
    check_declaration(case, "ben", ["B-2"])
    with pytest.raises(ConfigurationError, match="lists ben's conflict of interest with B-2"):
        check_declaration(case, "ben", [])
    with pytest.raises(ConfigurationError, match="B-9 is not a bid of the case"):
        check_declaration(case, "ana", ["B-9"])
