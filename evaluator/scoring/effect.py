"""The effect of a derived framework version before it is published: the same bids ranked under the base and
under the new version, side by side, with the new profile's weight stability intervals."""

from typing import Any

from evaluator.model.bid import BidSet
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.tender import Settings, Tender, resolve_settings
from evaluator.scoring.evaluate import evaluate
from evaluator.scoring.robustness import stability_intervals


def effect_settings(base: Framework, new: Framework, tender: Tender, profile: str | None = None
                    ) -> tuple[Settings, Settings, Settings]:
    """The settings under the base (the tender as it is), under the new version (the tender's own award, tie
    and evidence rules, but the new version's weight profile, `profile` or else its default, and, where the
    tender sets no minimum, the new version's default minimum levels), and those a case under the new version
    with this tender unchanged would get (the tender's own profile or weights win)."""
    on_base = tender.model_copy(update={"framework": None, "framework_sha256": None})
    on_new = on_base.model_copy(update={"weights": None, "weight_profile": profile or new.default_weight_profile})
    return resolve_settings(base, on_base), resolve_settings(new, on_new), resolve_settings(new, on_base)


def framework_effect(base: Framework, new: Framework, bids: BidSet, tender: Tender, profile: str | None = None
                     ) -> dict[str, Any]:
    """Each bid's rank, total, status and overall level under both versions (ranked bids first, in their
    new order), the minimum levels and weights of each (and of a case under the new version with this tender:
    `case`), and the new version's stability intervals."""
    before_settings, after_settings, case_settings = effect_settings(base, new, tender, profile)
    before, after = evaluate(base, before_settings, bids), evaluate(new, after_settings, bids)
    rows = []
    for row, bid in enumerate(bids.bids):
        sides = {name: _side(evaluation, row) for name, evaluation in (("base", before), ("new", after))}
        rows.append({"bid": bid.bid_id, "vendor": bid.vendor, **sides,
                     "moved": sides["base"]["rank"] != sides["new"]["rank"] or
                     sides["base"]["status"] != sides["new"]["status"]})
    rows.sort(key=lambda r: (r["new"]["rank"] is None, r["new"]["rank"] or 0, r["bid"] or ""))
    return {"bids": rows,
            "settings": {name: {"weight_source": s.weight_source, "weights": s.weights,
                                "minimum_levels": {oid: framework.level_scale.code(level)
                                                   for oid, level in s.minimum_levels.items()}}
                         for name, s, framework in (("base", before_settings, base), ("new", after_settings, new),
                                                    ("case", case_settings, new))},
            "winner": {"base": _winner(before), "new": _winner(after)},
            "stability": stability_intervals(after) if after.rank.max(initial=0) else {}}


def _side(evaluation: Evaluation, row: int) -> dict[str, Any]:
    ranked = int(evaluation.rank[row]) > 0
    invalid = evaluation.bids.bids[row].invalid
    levelled = int(evaluation.overall_level[row]) != evaluation.ladders.ignored and not invalid
    return {"rank": int(evaluation.rank[row]) if ranked else None,
            "total": round(float(evaluation.total[row]), 6) if ranked else None,
            "score": None if invalid else round(float(evaluation.score[row]), 6),
            "status": str(evaluation.status[row]),
            "level": evaluation.framework.level_scale.code(int(evaluation.overall_level[row])) if levelled else None}


def _winner(evaluation: Evaluation) -> list[str]:
    return sorted(bid.bid_id or "" for bid, rank in zip(evaluation.bids.bids, evaluation.rank, strict=True)
                  if rank == 1)
