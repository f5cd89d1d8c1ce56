"""The panel's moderation: who decides each assessed answer, and what the evaluation makes of it."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.loading import load_framework
from evaluator.model.assessment import Assessment, Choice
from evaluator.model.tender import Panel, Tender, resolve_settings
from evaluator.scoring import evaluate
from evaluator.scoring.moderation import Moderation, moderate

from conftest import CSF_PATH, bid_set, top_ranks

PANEL = Panel(chair="cleo", members=("ana", "ben"), conflicts={"ben": ("B-9",)})
GATE = Tender(minimum_level=2)
PERFECT_V121 = 100.08045  # every top answer, profile v1.2.1 (tests/scoring/test_evaluate.py)
SOV_3_4_AT_RANK_1 = 98.08045  # SOV-3.4 answer 1 is SEAL-0 and worth 0 of its 200 points: 2 points less


def said(bid, criterion, assessor, rank=None, why="", stage="individual", quality=0, value=None):
    """An assessment; `rank` None accepts the claim."""
    assessed = None if rank is None else Choice(rank, value)
    return Assessment(bid, criterion, assessor, stage, assessed, why, quality, f"memory, {assessor}")


def moderated_evaluation(framework, answers, assessments, tender=GATE, prices=None, panel=PANEL):
    bids = bid_set(framework, answers, prices)
    moderated = moderate(framework, bids, assessments, panel)
    return moderated, evaluate(framework, resolve_settings(framework, tender), moderated.bids,
                               pending=moderated.pending)


def test_an_assessor_lowering_one_answer_excludes_a_bid_ranked_on_its_claims(csf):
    claimed = evaluate(csf, resolve_settings(csf, GATE), bid_set(csf, [top_ranks(csf)]))
    assert claimed.status == ("ranked",) and claimed.score[0] == pytest.approx(PERFECT_V121, abs=1e-9)
    moderated, evaluation = moderated_evaluation(
        csf, [top_ranks(csf)], [said("B-1", "SOV-3.4", "ana", 1, "no key escrow outside the EU is documented")])
    assert evaluation.status == ("excluded",)
    assert evaluation.score[0] == pytest.approx(SOV_3_4_AT_RANK_1, abs=1e-9)
    (reason,) = evaluation.exclusion_reasons[0]
    assert reason.message == "SOV-3 Data & AI Sovereignty is at SEAL-0, below the required SEAL-2; capped by SOV-3.4"
    assert moderated.moderations == ((Moderation("SOV-3.4", 5, 1, ("no key escrow outside the EU is documented",),
                                                 ("ana",), "individual"),),)
    assert moderated.pending == ((),)
    assert moderated.claimed.ranks[0, csf.criterion_index["SOV-3.4"]] == 5  # the claim itself is kept


def test_assessors_who_disagree_leave_the_bid_pending_with_each_answer(csf):
    moderated, evaluation = moderated_evaluation(csf, [top_ranks(csf), top_ranks(csf)], [
        said("B-1", "SOV-3.2", "ben", 4, "keys held by a subsidiary"),
        said("B-1", "SOV-3.2", "ana", 2, "keys held in the US")])
    assert moderated.pending == (("SOV-3.2: ana assessed 2, ben assessed 4 — no consensus recorded",), ())
    assert evaluation.status == ("pending", "ranked")
    assert evaluation.pending == moderated.pending
    assert evaluation.rank.tolist() == [0, 1] and math.isnan(evaluation.total[0])
    assert evaluation.score[0] == pytest.approx(PERFECT_V121, abs=1e-9)  # scored on the claim meanwhile
    assert moderated.moderations == ((), ())
    assert (moderated.bids.ranks == moderated.claimed.ranks).all()


def test_an_accept_is_named_in_the_pending_reason(csf):
    moderated, _ = moderated_evaluation(csf, [top_ranks(csf)], [
        said("B-1", "SOV-3.2", "ana", 2, "keys held in the US"), said("B-1", "SOV-3.2", "ben")])
    assert moderated.pending == (("SOV-3.2: ana assessed 2, ben accepted the claimed 5 — no consensus recorded",),)


def test_the_chairs_consensus_decides_a_disagreement(csf):
    moderated, evaluation = moderated_evaluation(csf, [top_ranks(csf)], [
        said("B-1", "SOV-3.2", "ana", 2, "keys held in the US"), said("B-1", "SOV-3.2", "ben", 4, "a subsidiary"),
        said("B-1", "SOV-3.2", "cleo", 4, "the subsidiary holds the keys", stage="consensus")])
    assert moderated.pending == ((),)
    assert moderated.moderations == ((Moderation("SOV-3.2", 5, 4, ("the subsidiary holds the keys",), ("cleo",),
                                                 "consensus"),),)
    assert evaluation.status == ("ranked",)
    assert evaluation.objective_levels[0].tolist() == [4, 4, 3, 4, 4, 4, 4, 4]
    assert evaluation.score[0] == pytest.approx(PERFECT_V121 - 50 / 1000 * 10, abs=1e-9)


def test_a_consensus_accepting_the_claim_restores_it(csf):
    moderated, evaluation = moderated_evaluation(csf, [top_ranks(csf)], [
        said("B-1", "SOV-3.2", "ana", 2, "keys held in the US"), said("B-1", "SOV-3.2", "ben", 4, "a subsidiary"),
        said("B-1", "SOV-3.2", "cleo", stage="consensus")])
    assert moderated.pending == ((),) and moderated.moderations == ((),)
    assert evaluation.status == ("ranked",) and evaluation.score[0] == pytest.approx(PERFECT_V121, abs=1e-9)


def test_assessors_who_all_agree_decide(csf):
    moderated, evaluation = moderated_evaluation(csf, [top_ranks(csf)], [
        said("B-1", "SOV-3.2", "ana", 3, "EU keys, US operator"), said("B-1", "SOV-3.2", "ben", 3, "as ana")])
    assert moderated.moderations == ((Moderation("SOV-3.2", 5, 3, ("EU keys, US operator", "as ana"),
                                                 ("ana", "ben"), "individual"),),)
    assert evaluation.status == ("ranked",)
    assert evaluation.objective_levels[0, 2] == 2
    assert evaluation.score[0] == pytest.approx(PERFECT_V121 - 100 / 1000 * 10, abs=1e-9)


def test_criteria_nobody_assessed_keep_the_claim(csf):
    answers = [{c.id: 2 for c in csf.criteria}, {c.id: 3 for c in csf.criteria if len(c.answers) >= 3}]
    moderated, _ = moderated_evaluation(csf, answers, [said("B-2", "SOV-5.1", "ana", 1, "no exit plan")])
    column = csf.criterion_index["SOV-5.1"]
    changed = moderated.bids.ranks != moderated.claimed.ranks
    assert np.argwhere(changed).tolist() == [[1, column]]
    assert moderated.bids.ranks[1, column] == 1
    assert moderated.moderations[0] == ()


def test_the_assessed_evidence_quality_feeds_the_evidence_rule(csf):
    tender = Tender(minimum_level=4, evidence={"minimum_quality": "third_party_certified", "from_level": 4})
    bids = bid_set(csf, [top_ranks(csf)])
    bids.evidence_quality[0, :] = 3  # third_party_certified everywhere, as claimed
    claimed = evaluate(csf, resolve_settings(csf, tender), bids)
    assert claimed.status == ("ranked",)
    moderated = moderate(csf, bids, [said("B-1", "SOV-6.1", "ana", quality=1),
                                     said("B-1", "SOV-6.1", "ben", quality=2)], PANEL)
    evaluation = evaluate(csf, resolve_settings(csf, tender), moderated.bids, pending=moderated.pending)
    assert moderated.bids.evidence_quality[0, csf.criterion_index["SOV-6.1"]] == 1  # the lowest judged
    assert moderated.moderations == ((Moderation("SOV-6.1", 5, 5, (), ("ana", "ben"), "individual",
                                                 "third_party_certified", "self_attested"),),)
    assert evaluation.status == ("excluded",)
    assert evaluation.evidence_lacking[0].sum() == 1
    assert evaluation.objective_levels[0].tolist() == [4, 4, 4, 4, 4, 3, 4, 4]


def test_pending_bids_come_after_ranked_and_before_excluded_and_do_not_compete_on_price(csf):
    low = {**top_ranks(csf), "SOV-3.4": 1}
    tender = Tender(minimum_level=2, award={"quality_weight": 80, "price_weight": 20})
    moderated, evaluation = moderated_evaluation(
        csf, [low, top_ranks(csf), top_ranks(csf)],
        [said("B-3", "SOV-1.1", "ana", 1, "US parent"), said("B-3", "SOV-1.1", "ben", 2, "EU parent")],
        tender, prices=[100, 200, 50])
    assert evaluation.status == ("excluded", "ranked", "pending")
    assert evaluation.order == (1, 2, 0)
    assert evaluation.price_points[1] == 100  # the cheaper pending bid is not a competitor
    assert evaluation.total[1] == pytest.approx(0.8 * PERFECT_V121 + 20, abs=1e-9)


def test_numeric_criteria_are_assessed_by_value():
    national = load_framework(CSF_PATH.parent / "apc-national-2026.yaml")[0]
    bids = bid_set(national, [{c.id: 1 for c in national.criteria}])
    column = national.criterion_index["APC-N1.1"]
    bids.values[0, :] = 80.0
    moderated = moderate(national, bids, [said("B-1", "APC-N1.1", "ana", 1, "audited figure", value=62.5),
                                          said("B-1", "APC-N2.1", "ana", 1, "", value=80.0)], PANEL)
    assert moderated.bids.values[0, column] == 62.5
    assert moderated.moderations == ((Moderation("APC-N1.1", 80.0, 62.5, ("audited figure",), ("ana",),
                                                 "individual"),),)


def test_answers_of_a_levels_framework_are_written_as_levels(csf_levels):
    moderated = moderate(csf_levels, bid_set(csf_levels, [{"SOV-3": 5}]), [
        said("B-1", "SOV-3", "ana", 3, "x"), said("B-1", "SOV-3", "ben", 4, "y")], PANEL)
    assert moderated.pending == (("SOV-3: ana assessed SEAL-2, ben assessed SEAL-3 — no consensus recorded",),)


@pytest.mark.parametrize(("assessment", "panel", "message"), [
    (said("B-1", "SOV-1.1", "ana", 1), None, "assessments were given, but the tender declares no panel"),
    (said("B-1", "SOV-1.1", "ana", 1, stage="consensus"), PANEL,
     "memory, ana: a consensus row from ana, not the chair"),
    (said("B-1", "SOV-1.1", "cleo", 1), PANEL, "memory, cleo: cleo is not a panel member"),
    (said("B-7", "SOV-1.1", "ana", 1), PANEL, "memory, ana: B-7 SOV-1.1 is not in the batch"),
])
def test_moderate_refuses_what_the_reader_refuses(csf, assessment, panel, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        moderate(csf, bid_set(csf, [top_ranks(csf)]), [assessment], panel)


def test_moderate_refuses_one_person_assessing_a_cell_twice(csf):
    with pytest.raises(ValueError, match="^B-1 SOV-1.1: one person assessed it twice at one stage$"):
        moderate(csf, bid_set(csf, [top_ranks(csf)]), [said("B-1", "SOV-1.1", "ana"), said("B-1", "SOV-1.1", "ana")],
                 PANEL)


def test_evaluate_checks_the_pending_reasons_fit_the_bids(csf):
    with pytest.raises(ValueError, match="pending reasons for 2 bids, but 1 bids were given"):
        evaluate(csf, resolve_settings(csf), bid_set(csf, [top_ranks(csf)]), pending=[(), ()])


# -- property: accepting every claim changes nothing ---------------------------------------------------------
CSF = load_framework(CSF_PATH)[0]
CRITERIA = [c.id for c in CSF.criteria_in_objective_order]
PROPERTY = settings(max_examples=40, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
answer_sets = st.tuples(*[st.integers(0, len(c.answers)) for c in CSF.criteria_in_objective_order]).map(
    lambda ranks: {cid: rank or None for cid, rank in zip(CRITERIA, ranks, strict=True)})
accepts = st.tuples(st.integers(0, 2), st.sampled_from(CRITERIA), st.sampled_from(["ana", "ben"]),
                    st.sampled_from(["individual", "consensus"]))


@PROPERTY
@given(answers=st.lists(answer_sets, min_size=1, max_size=4), chosen=st.lists(accepts, max_size=30),
       minimum=st.integers(0, 4), policy=st.sampled_from(["conservative", "calculator", "strict"]))
def test_accepting_every_claim_leaves_scores_levels_and_ranks_unchanged(answers, chosen, minimum, policy):
    cells = {(row % len(answers), cid, "cleo" if stage == "consensus" else who, stage)
             for row, cid, who, stage in chosen}
    assessments = [said(f"B-{row + 1}", cid, who, stage=stage) for row, cid, who, stage in sorted(cells)]
    settings_ = resolve_settings(CSF, Tender(minimum_level=minimum, unknown=policy))
    bids = bid_set(CSF, answers)
    moderated = moderate(CSF, bids, assessments, PANEL)
    before, after = evaluate(CSF, settings_, bids), evaluate(CSF, settings_, moderated.bids, pending=moderated.pending)
    assert moderated.pending == tuple(() for _ in answers)
    assert moderated.moderations == tuple(() for _ in answers)
    for name in ("score", "objective_levels", "overall_level", "answer_levels", "rank", "total"):
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name))
    assert (after.status, after.order, after.exclusion_reasons) == (before.status, before.order,
                                                                     before.exclusion_reasons)
