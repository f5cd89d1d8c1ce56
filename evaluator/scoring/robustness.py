"""How sure is the award? Weight stability intervals, rank acceptability under random weights, threshold
what-ifs and the rank-reversal check. Pure functions of an Evaluation; randomness only from a given seed.

Every ranked bid's award total is linear in the objective weights w:
    total_i(w) = alpha * sum_o a_io * w_o + c_i
with a_io = objective score / divisor, alpha the sovereignty share of the award (1 without an award) and
c_i the price and capability terms, which do not depend on w. Excluded bids stay excluded whatever the
weights (the gate does not depend on them), so only ranked bids take part.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluator.i18n import _
from evaluator.model.evaluation import RANKED, Evaluation, ExclusionReason
from evaluator.model.tender import Award
from evaluator.model.unanswered import UNANSWERED
from evaluator.scoring.award import award_total, price_points
from evaluator.scoring.ranking import rank_bids

DEFAULT_DRAWS, DEFAULT_CONCENTRATION, DEFAULT_SEED = 10_000, 100.0, 20261126
MAX_DRAWS = 1_000_000
CHUNK_CELLS = 2_000_000  # ranked bids × draws handled at once: memory stays bounded whatever the draws
RANKS_LISTED = 50  # rank shares listed per bid: the first 50 ranks (all of them in smaller tenders)


@dataclass(frozen=True)
class Linear:
    """The ranked bids' totals as alpha * (a @ w) + c."""

    rows: np.ndarray  # indices of the ranked bids in the evaluation
    a: np.ndarray  # len(rows) × O
    alpha: float
    c: np.ndarray  # len(rows)

    def totals(self, weights: np.ndarray) -> np.ndarray:
        """Totals for one weight vector (O) or many (D × O → len(rows) × D)."""
        totals: np.ndarray = self.alpha * (self.a @ weights.T) + (self.c if weights.ndim == 1 else self.c[:, None])
        return totals


def linear_totals(evaluation: Evaluation) -> Linear:
    rows = np.array([i for i, status in enumerate(evaluation.status) if status == RANKED], np.int64)
    a = evaluation.objective_scores[rows] / evaluation.framework.score_divisor
    award = evaluation.settings.award
    alpha = award.quality_weight / 100.0 if award else 1.0
    return Linear(rows, a, alpha, evaluation.total[rows] - alpha * evaluation.score[rows])


def stability_intervals(evaluation: Evaluation) -> dict[str, dict[str, Any]]:
    """For each objective k: the range of its weight t in [0, 100], the others rescaled proportionally to
    100 - t, over which the winner stays first and over which the whole ranking keeps its order."""
    weights = np.array([evaluation.settings.weights[oid] for oid in evaluation.framework.objective_ids])
    linear = linear_totals(evaluation)
    ranks = evaluation.rank[linear.rows]
    result: dict[str, dict[str, Any]] = {}
    for k, oid in enumerate(evaluation.framework.objective_ids):
        # total_i(t) = p_i + q_i * t, exactly, for the rescaled weights
        rest = weights.copy()
        rest[k] = 0.0
        share = rest / (100.0 - weights[k]) if weights[k] < 100 else np.zeros_like(rest)
        base = linear.a @ share  # the other objectives' contribution per point of weight
        p = linear.alpha * 100.0 * base + linear.c
        q = linear.alpha * (linear.a[:, k] - base)
        winners = np.flatnonzero(ranks == 1)
        others = np.flatnonzero(ranks > 1)
        winner = _feasible([(p[w] - p[i], q[w] - q[i]) for w in winners for i in others])
        ordered = sorted(set(ranks.tolist()))
        pairs = [(p[hi] - p[lo], q[hi] - q[lo]) for r1, r2 in zip(ordered, ordered[1:], strict=False)
                 for hi in np.flatnonzero(ranks == r1) for lo in np.flatnonzero(ranks == r2)]
        result[oid] = {"weight": float(weights[k]), "winner_stays": winner, "ranking_stays": _feasible(pairs)}
    return result


def _feasible(pairs: list[tuple[float, float]]) -> list[float]:
    """The t in [0, 100] where every difference d + e * t stays >= 0 ([] when there is none)."""
    low, high = 0.0, 100.0
    for d, e in pairs:
        if abs(e) < 1e-12:
            if d < -1e-9:
                return []
            continue
        switch = -d / e
        if e > 0:
            low = max(low, switch)
        else:
            high = min(high, switch)
    return [round(float(low), 6), round(float(high), 6)] if low <= high + 1e-9 else []


def rank_acceptability(evaluation: Evaluation, draws: int = DEFAULT_DRAWS, concentration: float = DEFAULT_CONCENTRATION,
                       seed: int = DEFAULT_SEED,
                       bounds: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """Weights drawn from a Dirichlet centred on the tender's weights (or uniformly within `bounds`, then
    rescaled to 100); for each ranked bid the share of draws at each rank and the share it wins. Ties in a
    draw are broken at random, from the same seed, so each rank's shares sum to 1 too."""
    objective_ids = evaluation.framework.objective_ids
    weights = np.array([evaluation.settings.weights[oid] for oid in objective_ids])
    rng = np.random.default_rng(seed)
    if bounds:
        low = np.array([bounds[oid][0] for oid in objective_ids])
        high = np.array([bounds[oid][1] for oid in objective_ids])
        sample = rng.uniform(low, high, size=(draws, len(weights)))
        sample = 100.0 * sample / sample.sum(axis=1, keepdims=True)
    else:
        centre = np.maximum(weights / 100.0, 1e-9) * concentration
        sample = 100.0 * rng.dirichlet(centre, size=draws)
    linear = linear_totals(evaluation)
    n = len(linear.rows)
    if n == 0:
        return {"draws": draws, "seed": seed, "concentration": concentration, "bids": {}}
    listed = min(n, RANKS_LISTED)
    counts = np.zeros(n * listed, np.int64)  # bid × rank, for the listed ranks
    step = max(1, CHUNK_CELLS // n)
    for start in range(0, draws, step):
        totals = linear.totals(sample[start:start + step])  # n × chunk: one matrix product
        tie_break = rng.random(totals.shape)
        order = np.lexsort((tie_break.T, -np.round(totals, 9).T), axis=-1)  # chunk × n, best first
        top = order[:, :listed]
        counts += np.bincount((top * listed + np.arange(listed)[None, :]).ravel(), minlength=n * listed)
    shares = counts.reshape(n, listed) / draws
    bids = evaluation.bids.bids
    return {"draws": draws, "seed": seed, "concentration": None if bounds else concentration,
            "bounds": bounds, "ranks_listed": listed,
            "bids": {bids[row].bid_id: {"wins": float(shares[i, 0]), "ranks": shares[i].round(6).tolist()}
                     for i, row in enumerate(linear.rows.tolist())}}


def threshold_what_ifs(evaluation: Evaluation) -> dict[str, Any]:
    """Which excluded bids a minimum one level lower would admit, which ranked bids a minimum one level
    higher would drop, and for each excluded bid the answers that would lift it to every minimum."""
    framework = evaluation.framework
    objective_ids = framework.objective_ids
    required = evaluation.required
    only_levels = [i for i, reasons in enumerate(evaluation.exclusion_reasons)
                   if reasons and all(r.kind == "minimum_level" for r in reasons)]
    levels = np.where(evaluation.has_level(), evaluation.objective_levels, 0)  # no level passes a minimum of 0 only

    def offered(reason: ExclusionReason) -> int:
        return reason.offered or 0
    lowered: dict[str, list[str]] = {}
    raised: dict[str, list[str]] = {}
    for k, oid in enumerate(objective_ids):
        if required[k] > 0:
            lowered[oid] = [_bid_id(evaluation, i) for i in only_levels if all(
                r.objective == oid and offered(r) == _required(r) - 1 for r in evaluation.exclusion_reasons[i])]
        if required[k] < framework.level_scale.top:
            raised[oid] = [_bid_id(evaluation, i) for i, status in enumerate(evaluation.status)
                           if status == RANKED and levels[i, k] == required[k]]
    lowered["all objectives"] = [_bid_id(evaluation, i) for i in only_levels
                                 if all(offered(r) >= _required(r) - 1 for r in evaluation.exclusion_reasons[i])]
    raised["all objectives"] = sorted({b for ids in raised.values() for b in ids})
    return {"lowered_by_one_admits": lowered, "raised_by_one_drops": raised,
            "excluded": {_bid_id(evaluation, i): _lift(evaluation, i) for i, status in enumerate(evaluation.status)
                         if status == "excluded"}}


def _bid_id(evaluation: Evaluation, row: int) -> str:
    """A ranked or excluded bid's id: a row without a bid_id is an error, so only invalid bids lack one."""
    bid_id = evaluation.bids.bids[row].bid_id
    if bid_id is None:
        raise ValueError(f"the bid in row {row} has no bid_id, so it cannot be ranked or excluded")
    return bid_id


def _required(reason: ExclusionReason) -> int:
    """The level a minimum_level exclusion requires (every such reason names it)."""
    if reason.required is None:
        raise ValueError(f"the {reason.kind} exclusion names no required level")
    return reason.required


def _lift(evaluation: Evaluation, row: int) -> dict[str, Any]:
    """The fewest answer changes that lift the bid to every minimum: each criterion below its objective's
    minimum must change (the objective's level is their lowest), to its cheapest answer that reaches it."""
    criteria = evaluation.framework.criteria_in_objective_order
    codes = [level.code for level in evaluation.framework.level_scale.levels]
    changes: list[dict[str, Any]] = []
    other: list[str] = []
    for reason in evaluation.exclusion_reasons[row]:
        if reason.kind != "minimum_level":
            other.append(reason.message)
            continue
        required = _required(reason)
        for cid in reason.criteria[:1] if reason.offered is None else reason.criteria:  # no level: answer one
            column = evaluation.framework.criterion_index[cid]
            criterion = criteria[column]
            rank = int(evaluation.bids.ranks[row, column])
            if criterion.numeric is not None:
                band = next((b for b in criterion.numeric.bands if b.level >= required), None)
                needed = _("a value reaching {threshold} {unit}").format(
                    threshold=f"{band.threshold:g}", unit=criterion.numeric.unit) if band else _("no value can")
            else:
                answer = next((a for a in criterion.answers if a.level >= required), None)
                needed = f"{answer.rank} - {answer.label}" if answer else _("no answer can")
            current = _("unanswered") if rank == UNANSWERED else (
                f"{evaluation.bids.values[row, column]:g} {criterion.numeric.unit}" if criterion.numeric
                else f"{rank} - {criterion.answers[rank - 1].label}")
            changes.append({"objective": reason.objective, "criterion": cid, "current": current, "needed": needed,
                            "reaches": codes[required]})
    return {"answer_changes": changes, "not_fixable_by_answers": other}


def rank_reversals(evaluation: Evaluation) -> dict[str, Any]:
    """Remove each ranked non-winner in turn and recompute the award: does the winner change?"""
    settings = evaluation.settings
    competing = np.array([status == RANKED for status in evaluation.status])
    prices = np.array([np.nan if b.price is None else b.price for b in evaluation.bids.bids], float)
    bid_ids = [bid.bid_id for bid in evaluation.bids.bids]
    key_values = {"overall_level": np.where(evaluation.has_level().any(axis=1), evaluation.overall_level, -1),
                  "score": evaluation.score,
                  "price": np.where(np.isnan(prices), np.inf, prices)}
    winners = sorted(_bid_id(evaluation, i) for i in np.flatnonzero(evaluation.rank == 1).tolist())
    result: dict[str | None, dict[str, Any]] = {}
    for removed in np.flatnonzero(competing & (evaluation.rank != 1)).tolist():
        if removed not in _price_setters(prices, competing, settings.award):
            # every remaining total is unchanged, and the winners were already ahead of the removed bid
            result[bid_ids[removed]] = {"winner": winners, "changes": False}
            continue
        remaining = competing.copy()
        remaining[removed] = False
        points = price_points(prices, remaining, settings.award)
        total = np.where(remaining, award_total(evaluation.score, points, settings.award, evaluation.capability),
                         np.nan)
        ranks, _ties = rank_bids(total, remaining, settings.ties, key_values, bid_ids)
        new = sorted(_bid_id(evaluation, i) for i in np.flatnonzero(ranks == 1).tolist())
        result[bid_ids[removed]] = {"winner": new, "changes": new != winners}
    return {"winner": winners, "formula": settings.award.price_formula if settings.award else None,
            "without": result, "any_reversal": any(entry["changes"] for entry in result.values())}


def _price_setters(prices: np.ndarray, competing: np.ndarray, award: Award | None) -> set[int]:
    """The bids whose removal changes other bids' price points: under lowest_ratio the sole holder of the
    lowest price; under the absolute linear formula, or without price, none."""
    if award is None or award.price_formula != "lowest_ratio" or not competing.any():
        return set()
    holders = np.flatnonzero(competing & (prices == np.nanmin(prices[competing])))
    return {int(holders[0])} if len(holders) == 1 else set()


def robustness(evaluation: Evaluation, draws: int = DEFAULT_DRAWS, concentration: float = DEFAULT_CONCENTRATION,
               seed: int = DEFAULT_SEED) -> dict[str, Any]:
    return {"stability": stability_intervals(evaluation),
            "acceptability": rank_acceptability(evaluation, draws, concentration, seed),
            "what_if": threshold_what_ifs(evaluation), "rank_reversal": rank_reversals(evaluation)}
