"""evaluate(framework, settings, bids) -> Evaluation: levels, the gate, the score, the award and the ranking."""

from collections.abc import Sequence

import numpy as np

from evaluator.i18n import _
from evaluator.model import unanswered as unanswered_policy
from evaluator.model.bid import BidSet
from evaluator.model.certification import certificate_failures
from evaluator.model.evaluation import (
    EXCLUDED,
    INVALID,
    PENDING,
    RANKED,
    BidStatus,
    Evaluation,
    ExclusionReason,
    passes_minimum,
)
from evaluator.model.framework import Framework
from evaluator.model.ladders import Ladders
from evaluator.model.tender import EVIDENCE_QUALITIES, Settings
from evaluator.model.unanswered import UNANSWERED, missing_value_level, scored_ranks
from evaluator.scoring.award import award_total, price_points
from evaluator.scoring.numeric import numeric_points_and_levels
from evaluator.scoring.ranking import rank_bids


def evaluate(framework: Framework, settings: Settings, bids: BidSet,
             capability: np.ndarray | None = None, pending: Sequence[tuple[str, ...]] | None = None) -> Evaluation:
    """`capability`: each bid's product-capability score (NaN when it gave none) in combined tenders (see
    scoring.combined); a tender that weighs capability, evaluated without it, excludes every bid for that.
    `pending`: per bid row, why the panel has not decided it yet (scoring.moderation); a bid with a reason is
    `pending`: scored and gated on its answers as decided so far, but neither ranked nor competing."""
    ladders = Ladders.of(framework)
    invalid = np.array([bid.invalid for bid in bids.bids], bool)
    if capability is None and settings.award is not None and settings.award.capability_weight:
        capability = np.full(len(bids.bids), np.nan)
    ranks = scored_ranks(bids.ranks, settings.unknown)
    points = ladders.lookup(ladders.points, ranks)
    levels = ladders.lookup(ladders.levels, ranks)
    _score_numeric(ladders, bids, settings, points, levels, framework.level_scale.top)
    levels, lacking = _apply_evidence_rule(levels, bids.evidence_quality, settings, ladders.ignored)
    objective_scores = np.add.reduceat(points, ladders.starts, axis=1)
    # Calculator policy: an objective with no answered criterion keeps `ladders.ignored` (no level), and the
    # overall level is the minimum over the objectives that have one (ignored when none has).
    objective_levels = np.minimum.reduceat(levels, ladders.starts, axis=1)
    weights = np.array([settings.weights[oid] for oid in framework.objective_ids])
    weighted = objective_scores / framework.score_divisor * weights[None, :]
    score = np.where(invalid, np.nan, weighted.sum(axis=1))
    overall = objective_levels.min(axis=1)
    required = np.array([settings.minimum_levels[oid] for oid in framework.objective_ids])

    reasons = _exclusion_reasons(framework, settings, bids, ladders, levels, objective_levels, required, lacking,
                                 invalid)
    if capability is not None:
        for row in np.flatnonzero(np.isnan(capability) & ~invalid).tolist():
            reasons[row].append(ExclusionReason("capability", _("the tender scores product capability, but no "
                                                                "capability answers were found for this bid")))
    waiting = _waiting(pending, invalid)
    competing = ~invalid & ~waiting & np.array([not r for r in reasons], bool)
    prices = np.array([np.nan if b.price is None else b.price for b in bids.bids], float)
    points_for_price = price_points(prices, competing, settings.award)
    total = np.where(competing, award_total(score, points_for_price, settings.award, capability), np.nan)
    key_values = {"overall_level": np.where(overall == ladders.ignored, -1, overall), "score": score,
                  "price": np.where(np.isnan(prices), np.inf, prices)}
    rank, ties = rank_bids(total, competing, settings.ties, key_values, [bid.bid_id for bid in bids.bids])
    status = tuple(INVALID if invalid[i] else RANKED if competing[i] else PENDING if waiting[i] else EXCLUDED
                   for i in range(len(invalid)))
    return Evaluation(
        framework=framework, ladders=ladders, settings=settings, bids=bids, answer_levels=levels, answer_points=points,
        evidence_lacking=lacking, objective_scores=objective_scores, objective_levels=objective_levels,
        weighted=weighted, required=required, overall_level=overall, score=score, price_points=points_for_price,
        total=total, rank=rank, status=status, exclusion_reasons=tuple(tuple(r) for r in reasons),
        capability=capability, pending=() if pending is None else tuple(map(tuple, pending)),
        ties=tuple(ties), order=_output_order(bids, status, rank, score))


def _waiting(pending: Sequence[tuple[str, ...]] | None, invalid: np.ndarray) -> np.ndarray:
    """Per bid: valid, with a pending reason."""
    if pending is None:
        return np.zeros(len(invalid), bool)
    if len(pending) != len(invalid):
        raise ValueError(f"pending reasons for {len(pending)} bids, but {len(invalid)} bids were given")
    waiting: np.ndarray = np.array([bool(reasons) for reasons in pending], bool) & ~invalid
    return waiting


def _score_numeric(ladders: Ladders, bids: BidSet, settings: Settings, points: np.ndarray, levels: np.ndarray,
                   top: int) -> None:
    """Fill the numeric criteria's columns: scored values, and the unknown policy for missing ones."""
    missing_level = missing_value_level(settings.unknown, ladders.ignored)
    for column, numeric in ladders.numeric:
        values = bids.values[:, column]
        given = ~np.isnan(values)
        scored, reached = numeric_points_and_levels(numeric, values, top)
        points[:, column] = np.where(given, scored, 0.0)
        levels[:, column] = np.where(given, reached, missing_level)


def _apply_evidence_rule(levels: np.ndarray, quality: np.ndarray, settings: Settings,
                         ignored: int) -> tuple[np.ndarray, np.ndarray]:
    """Answers at or above `from_level` lacking the evidence quality; under `cap` they count one level below."""
    rule = settings.evidence
    if rule is None:
        return levels, np.zeros(levels.shape, bool)
    minimum = EVIDENCE_QUALITIES.index(rule.minimum_quality) + 1
    lacking = (levels >= rule.from_level) & (levels != ignored) & (quality < minimum)
    if rule.action == "cap":
        return np.where(lacking, np.minimum(levels, rule.from_level - 1), levels), lacking
    return levels, lacking


def _exclusion_reasons(framework: Framework, settings: Settings, bids: BidSet, ladders: Ladders, levels: np.ndarray,
                       objective_levels: np.ndarray, required: np.ndarray, lacking: np.ndarray,
                       invalid: np.ndarray) -> list[list[ExclusionReason]]:
    codes = [level.code for level in framework.level_scale.levels]
    names = {o.id: o.name for o in framework.objectives}
    criteria = framework.criteria_in_objective_order
    failing = ~passes_minimum(objective_levels, required, ladders.ignored) & ~invalid[:, None]
    incomplete = unanswered_policy.incomplete(bids.ranks, settings.unknown) & ~invalid
    evidence = lacking.any(axis=1) & ~invalid if settings.evidence and settings.evidence.action == "exclude" else \
        np.zeros(len(invalid), bool)
    missing_price = np.zeros(len(invalid), bool)
    currency = settings.award.currency if settings.award else None
    if settings.award is not None:
        missing_price = np.array([b.price is None or b.price <= 0 for b in bids.bids]) & ~invalid
    other_currency = np.array([bool(currency and b.currency and b.currency != currency) for b in bids.bids],
                              bool) & ~invalid
    reasons: list[list[ExclusionReason]] = [[] for __ in bids.bids]
    failing_masks = ladders.masks((levels == ladders.per_column(objective_levels)) & ladders.per_column(failing))
    certified = np.zeros(len(invalid), bool) if settings.tender.certifications is None else ~invalid
    rule, gate, schemes = settings.evidence, settings.tender.certifications, settings.schemes
    if gate is not None and schemes is None:  # resolve_settings gives the schemes with a certification gate
        raise ValueError("the tender has a certification gate, but the settings carry no certification schemes")
    for row in np.flatnonzero(failing.any(axis=1) | incomplete | evidence | missing_price | other_currency |
                              certified).tolist():
        for o in np.flatnonzero(failing[row]).tolist():
            capping = tuple(ladders.named(o, int(failing_masks[row, o])))
            oid = framework.objective_ids[o]
            if objective_levels[row, o] == ladders.ignored:
                reasons[row].append(ExclusionReason(
                    "minimum_level", _("{objective} {name} has no level: no criterion answered; the tender requires "
                                       "{required}").format(
                        objective=oid, name=names[oid], required=codes[required[o]]),
                    oid, int(required[o]), None, ladders.criterion_ids[o]))
                continue
            reasons[row].append(ExclusionReason(
                "minimum_level", _("{objective} {name} is at {level}, below the required {required}; capped by "
                                   "{capping}").format(
                    objective=oid, name=names[oid], level=codes[objective_levels[row, o]], required=codes[required[o]],
                    capping=", ".join(capping) or _("no answer")),
                oid, int(required[o]), int(objective_levels[row, o]), capping))
        if incomplete[row]:
            blank = tuple(criteria[c].id for c in np.flatnonzero(bids.ranks[row] == UNANSWERED).tolist())
            reasons[row].append(ExclusionReason(
                "incomplete", _("{count} criteria unanswered ({criteria}); the tender's policy is strict").format(
                    count=len(blank), criteria=", ".join(blank)),
                criteria=blank))
        if evidence[row] and rule is not None:  # evidence is all False without a rule
            weak = tuple(criteria[c].id for c in np.flatnonzero(lacking[row]).tolist())
            reasons[row].append(ExclusionReason(
                "evidence", _("answers at {level} or above lack {quality} evidence: {criteria}").format(
                    level=codes[rule.from_level], quality=rule.minimum_quality, criteria=", ".join(weak)),
                criteria=weak))
        if gate is not None and schemes is not None:
            for failure in certificate_failures(gate, schemes, bids.bids[row].certificates):
                reasons[row].append(ExclusionReason("certification", failure))
        if missing_price[row]:
            reasons[row].append(ExclusionReason("price", _("the tender scores price, but the bid gives no price "
                                                          "above 0")))
        if other_currency[row]:
            reasons[row].append(ExclusionReason(
                "price", _("the price is in {currency}; the tender compares prices in {tender_currency}").format(
                    currency=bids.bids[row].currency, tender_currency=currency)))
    return reasons


def _output_order(bids: BidSet, status: tuple[BidStatus, ...], rank: np.ndarray,
                  score: np.ndarray) -> tuple[int, ...]:
    def key(i: int) -> tuple[int, int, float, str, str]:
        bid = bids.bids[i]
        if status[i] == RANKED:
            return (0, int(rank[i]), 0.0, bid.bid_id or "", bid.source.file)
        if status[i] in (PENDING, EXCLUDED):
            return (1 if status[i] == PENDING else 2, 0, -float(score[i]), bid.bid_id or "", bid.source.file)
        return (3, 0, 0.0, bid.source.file, bid.bid_id or "")
    return tuple(sorted(range(len(bids.bids)), key=key))
