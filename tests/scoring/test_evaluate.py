"""Every rule of docs/csf-rules.md, with the exact numbers."""

import pytest

from evaluator.model.tender import Overrides, Tender
from evaluator.report.results_json import results_document

from conftest import run, top_ranks

# Σ official maxima / 1000 × weight: 1000.03·15 + 1002·10 + … (the official points are rounded)
PERFECT_V121 = 100.08045
PERFECT_GUIDANCE = 100.0756


def with_answers(framework, **changes):
    answers = top_ranks(framework)
    answers.update({key.replace("_", "-", 1).replace("_", "."): value for key, value in changes.items()})
    return answers


def test_perfect_bid_v121_scores_100_0804_at_seal_4(csf):
    evaluation = run(csf, [top_ranks(csf)])
    assert evaluation.score[0] == pytest.approx(PERFECT_V121, abs=1e-9)
    assert evaluation.overall_level[0] == 4
    assert evaluation.objective_scores[0].tolist() == pytest.approx(
        [1000.03, 1002.0, 1000.0, 1002.0, 1001.0, 1000.0, 1001.0, 1000.0], abs=1e-9)


def test_perfect_bid_guidance_weights_scores_100_0756(csf):
    evaluation = run(csf, [top_ranks(csf)], Tender(weight_profile="guidance-2026"))
    assert evaluation.score[0] == pytest.approx(PERFECT_GUIDANCE, abs=1e-9)
    assert evaluation.overall_level[0] == 4


def test_score_is_never_clamped(csf):
    assert run(csf, [top_ranks(csf)]).score[0] > 100


def test_one_seal_0_answer_gives_overall_seal_0_and_exclusion_while_score_stays_98_08(csf):
    evaluation = run(csf, [with_answers(csf, SOV_3_4=1)], Tender(minimum_level=2))
    assert evaluation.overall_level[0] == 0
    assert evaluation.score[0] == pytest.approx(98.08045, abs=1e-9)
    assert evaluation.status == ("excluded",)
    (reason,) = evaluation.exclusion_reasons[0]
    assert (reason.kind, reason.objective, reason.required, reason.offered, reason.criteria) == \
        ("minimum_level", "SOV-3", 2, 0, ("SOV-3.4",))
    assert "SOV-3 Data & AI Sovereignty is at SEAL-0, below the required SEAL-2; capped by SOV-3.4" == reason.message


def test_levels_4444_2344_on_the_levels_framework_give_86_25(csf_levels):
    levels = [4, 4, 4, 4, 2, 3, 4, 4]
    evaluation = run(csf_levels, [{f"SOV-{n}": level + 1 for n, level in enumerate(levels, start=1)}])
    assert evaluation.score[0] == 86.25
    assert evaluation.overall_level[0] == 2


def test_objective_score_is_the_sum_of_the_chosen_points(csf):
    answers = {c.id: 2 for c in csf.criteria}
    evaluation = run(csf, [answers])
    # SOV-1 rank 2: 41.67 + 31.25 + 41.67 + 31.25 + 31.25 + 31.25 + 41.67 + 31.25
    assert evaluation.objective_scores[0, 0] == pytest.approx(281.26, abs=1e-9)
    # SOV-8 rank 2: 4 × 62.5 = 250, worth 250 / 1000 × 5 % = 1.25 points
    assert evaluation.objective_scores[0, 7] == 250
    assert evaluation.weighted[0, 7] == 1.25


def test_objective_level_is_the_minimum_and_overall_the_minimum_of_objectives(csf):
    # SOV-2.2 rank 4 is SEAL-2; SOV-5.6 rank 3 is SEAL-2; SOV-7.1 rank 4 is SEAL-3
    evaluation = run(csf, [with_answers(csf, SOV_2_2=4, SOV_7_1=4)])
    assert evaluation.objective_levels[0].tolist() == [4, 2, 4, 4, 4, 4, 3, 4]
    assert evaluation.overall_level[0] == 2


@pytest.mark.parametrize("criterion", ["SOV-1.2", "SOV-1.4", "SOV-1.5", "SOV-1.6", "SOV-1.7", "SOV-2.5",
                                       "SOV-5.3", "SOV-7.2", "SOV-8.4"])
def test_inert_criteria_change_only_the_score(csf, criterion):
    worst = run(csf, [{**top_ranks(csf), criterion: 1}])
    best = run(csf, [top_ranks(csf)])
    assert worst.overall_level[0] == best.overall_level[0] == 4
    assert worst.score[0] < best.score[0]


def test_the_seal_prevails_over_the_score(csf):
    high_score_low_level = with_answers(csf, SOV_3_4=1)  # 98.08 %, SEAL-0
    modest = {c.id: next(a.rank for a in c.answers if a.level >= 2) for c in csf.criteria}
    evaluation = run(csf, [high_score_low_level, modest], Tender(minimum_level="SEAL-2"))
    assert evaluation.score[0] > evaluation.score[1]
    assert evaluation.status == ("excluded", "ranked")
    assert evaluation.rank.tolist() == [0, 1]


def test_per_objective_minimum_overrides_the_global_one(csf):
    answers = with_answers(csf, SOV_7_1=4)  # SOV-7 at SEAL-3
    passes = run(csf, [answers], Tender(minimum_level=2, minimum_levels={"SOV-7": "SEAL-3"}))
    fails = run(csf, [answers], Tender(minimum_level=2, minimum_levels={"SOV-7": 4}))
    assert passes.status == ("ranked",) and fails.status == ("excluded",)
    assert fails.exclusion_reasons[0][0].criteria == ("SOV-7.1",)


class TestUnknownPolicies:
    """One bid with SOV-3.4 blank; one with the inert SOV-1.2 blank; one with all of SOV-8 blank."""

    @pytest.fixture
    def bids(self, csf):
        top = top_ranks(csf)
        sov8_blank = {cid: rank for cid, rank in top.items() if not cid.startswith("SOV-8")}
        return [{**top, "SOV-3.4": None}, {**top, "SOV-1.2": None}, sov8_blank]

    def evaluate(self, csf, bids, policy):
        return run(csf, bids, Tender(minimum_level=2, unknown=policy))

    def test_calculator_ignores_blanks_for_the_level(self, csf, bids):
        evaluation = self.evaluate(csf, bids, "calculator")
        assert evaluation.objective_levels[0, 2] == 4  # SOV-3 stays at SEAL-4: the optimism of the spreadsheet
        assert not evaluation.has_level()[2, 7]  # no answered criterion in SOV-8: no level, as the calculator
        assert evaluation.has_level()[2, :7].all() and evaluation.overall_level[2] == 4  # minimum over the rest
        assert evaluation.score.tolist() == pytest.approx([98.08045, 98.20545, 95.08045], abs=1e-9)
        assert evaluation.status == ("ranked", "ranked", "excluded")  # a minimum of SEAL-2 needs an answer
        [reason] = evaluation.exclusion_reasons[2]
        assert (reason.objective, reason.required, reason.offered) == ("SOV-8", 2, None)
        assert "has no level: no criterion answered" in reason.message

    def test_calculator_objective_without_answers_passes_only_a_minimum_of_0(self, csf, bids):
        evaluation = run(csf, bids, Tender(minimum_level=0, unknown="calculator"))
        assert evaluation.status == ("ranked", "ranked", "ranked")
        document = results_document(evaluation, "0" * 64)
        sov8 = next(b for b in document["bids"] if b["bid_id"] == "B-3")["objectives"]["SOV-8"]
        assert sov8["level"] is None and sov8["passed"] is True and list(sov8["unanswered"]) == [
            "SOV-8.1", "SOV-8.2", "SOV-8.3", "SOV-8.4"]
        nothing = run(csf, [{}], Tender(unknown="calculator"))
        assert not nothing.has_level().any()
        assert results_document(nothing, "0" * 64)["bids"][0]["overall_level"] is None

    def test_conservative_counts_blanks_as_the_worst_answer(self, csf, bids):
        evaluation = self.evaluate(csf, bids, "conservative")
        assert evaluation.objective_levels[0, 2] == 0  # SOV-3.4's worst answer is SEAL-0
        assert evaluation.objective_levels[1, 0] == 4  # SOV-1.2 is inert: its worst answer is SEAL-4
        assert evaluation.objective_levels[2, 7] == 0  # SOV-8.2's worst answer is SEAL-0
        assert evaluation.score.tolist() == pytest.approx([98.08045, 98.20545, 95.08045], abs=1e-9)
        assert evaluation.status == ("excluded", "ranked", "excluded")

    def test_strict_excludes_every_incomplete_bid(self, csf, bids):
        evaluation = self.evaluate(csf, bids, "strict")
        assert evaluation.status == ("excluded", "excluded", "excluded")
        incomplete = [r for r in evaluation.exclusion_reasons[1] if r.kind == "incomplete"]
        assert incomplete[0].criteria == ("SOV-1.2",)
        assert "1 criteria unanswered (SOV-1.2)" in incomplete[0].message

    def test_policy_flag_overrides_the_tender(self, csf, bids):
        evaluation = run(csf, bids, Tender(minimum_level=2, unknown="strict"),
                         overrides=Overrides(unknown="calculator"))
        assert evaluation.settings.unknown == "calculator"
        assert evaluation.status[1] == "ranked"

    def test_unanswered_are_listed_per_bid(self, csf, bids):
        evaluation = self.evaluate(csf, bids, "conservative")
        assert evaluation.unanswered(0) == ["SOV-3.4"]
        assert evaluation.unanswered(2) == ["SOV-8.1", "SOV-8.2", "SOV-8.3", "SOV-8.4"]


class TestEvidence:
    def tender(self, action):
        return Tender(minimum_level=4, evidence={"minimum_quality": "third_party_certified", "from_level": 4,
                                                 "action": action})

    def test_cap_lowers_unevidenced_answers_one_level_below(self, csf):
        from evaluator.model.tender import resolve_settings
        from evaluator.scoring import evaluate

        from conftest import bid_set

        bids = bid_set(csf, [top_ranks(csf)])
        bids.evidence_quality[0, :] = 3  # third_party_certified everywhere …
        bids.evidence_quality[0, csf.criterion_index["SOV-6.1"]] = 1  # … but self-attested here
        evaluation = evaluate(csf, resolve_settings(csf, self.tender("cap")), bids)
        assert evaluation.objective_levels[0].tolist() == [4, 4, 4, 4, 4, 3, 4, 4]
        assert evaluation.score[0] == pytest.approx(PERFECT_V121, abs=1e-9)  # the score is untouched
        assert evaluation.status == ("excluded",)
        assert evaluation.evidence_lacking[0].sum() == 1

    def test_exclude_names_the_answers_lacking_evidence(self, csf):
        evaluation = run(csf, [top_ranks(csf)], self.tender("exclude").model_copy(update={"minimum_level": 0}))
        (reason,) = evaluation.exclusion_reasons[0]
        assert reason.kind == "evidence" and len(reason.criteria) == 48
        assert evaluation.objective_levels[0].tolist() == [4] * 8
