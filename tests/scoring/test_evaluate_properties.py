"""Invariants over many generated bids (hypothesis, derandomised so CI runs the same cases every time)."""

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.loading import load_framework
from evaluator.model.tender import Tender, resolve_settings
from evaluator.report.results_json import results_document
from evaluator.scoring import evaluate

from conftest import CSF_PATH, bid_set, run
from factories import bid_workbook, csv_text, long_rows, read_bid_bytes, wide_rows

CSF = load_framework(CSF_PATH)[0]
CRITERIA = CSF.criteria_in_objective_order
PROPERTY = settings(max_examples=60, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def answer_sets(blank=True):
    low = 0 if blank else 1
    return st.tuples(*[st.integers(low, len(c.answers)) for c in CRITERIA]).map(
        lambda ranks: {c.id: rank or None for c, rank in zip(CRITERIA, ranks, strict=True)})


policies = st.sampled_from(["conservative", "calculator", "strict"])


@PROPERTY
@given(answers=answer_sets(), policy=policies)
def test_objective_level_never_exceeds_an_answered_criterion(answers, policy):
    evaluation = run(CSF, [answers], Tender(unknown=policy))
    for o, columns in enumerate(evaluation.ladders.columns):
        for c in range(columns.start, columns.stop):
            rank = answers[CRITERIA[c].id]
            if rank:
                assert evaluation.objective_levels[0, o] <= CRITERIA[c].answers[rank - 1].level
    assert evaluation.overall_level[0] == evaluation.objective_levels[0].min()


@PROPERTY
@given(answers=answer_sets(blank=False), which=st.integers(0, len(CRITERIA) - 1), policy=policies)
def test_score_and_level_are_monotone_in_each_answer(answers, which, policy):
    criterion = CRITERIA[which]
    better = {**answers, criterion.id: min(answers[criterion.id] + 1, len(criterion.answers))}
    evaluation = run(CSF, [answers, better], Tender(unknown=policy))
    assert evaluation.score[1] >= evaluation.score[0]
    assert (evaluation.objective_levels[1] >= evaluation.objective_levels[0]).all()


@PROPERTY
@given(bids=st.lists(answer_sets(), min_size=2, max_size=6), seed=st.integers(0, 2**32 - 1),
       minimum=st.integers(0, 4), prices=st.lists(st.integers(1, 5), min_size=6, max_size=6))
def test_permuting_bid_order_changes_nothing(bids, seed, minimum, prices):
    tender = Tender(minimum_level=minimum, award={"quality_weight": 70, "price_weight": 30},
                    ties={"tie_break": ["overall_level", "price"]})
    settings_ = resolve_settings(CSF, tender)
    original = bid_set(CSF, bids, prices=prices[:len(bids)])
    order = np.random.default_rng(seed).permutation(len(bids))
    shuffled = original.take(order)
    first = results_document(evaluate(CSF, settings_, original), "sha")
    second = results_document(evaluate(CSF, settings_, shuffled), "sha")
    assert json.dumps(first) == json.dumps(second)


@PROPERTY
@given(bids=st.lists(answer_sets(), min_size=1, max_size=8), minimum=st.integers(0, 4))
def test_ranks_are_competition_ranks_of_the_rounded_totals(bids, minimum):
    evaluation = run(CSF, bids, Tender(minimum_level=minimum))
    ranked = np.flatnonzero(evaluation.rank > 0)
    totals = np.round(evaluation.total[ranked], 2)
    for i, row in enumerate(ranked):
        assert evaluation.rank[row] == 1 + int((totals > totals[i]).sum())


@PROPERTY
@given(answers=answer_sets())
def test_xlsx_long_csv_and_wide_csv_give_identical_results(tmp_path_factory, answers):
    folder = tmp_path_factory.mktemp("formats")
    text_answers = {cid: "" if rank is None else str(rank) for cid, rank in answers.items()}
    workbook = bid_workbook(folder / "bid.xlsx", {"bid_id": "B-1", "vendor": "V"},
                            [[cid, rank] for cid, rank in answers.items()])
    long_csv = csv_text(long_rows({"B-1": ("V", text_answers)})).encode()
    wide_csv = csv_text(wide_rows([c.id for c in CRITERIA], {"B-1": ("V", text_answers)})).encode()
    settings_ = resolve_settings(CSF)
    documents = []
    for name, content in (("bid.xlsx", workbook.read_bytes()), ("long.csv", long_csv), ("wide.csv", wide_csv)):
        bids = read_bid_bytes(content, name, CSF)
        assert bids.bids[0].errors == ()
        document = results_document(evaluate(CSF, settings_, bids), "sha")
        for bid in document["bids"]:
            bid["source"] = None
        documents.append(json.dumps(document))
    assert documents[0] == documents[1] == documents[2]
