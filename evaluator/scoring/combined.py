"""Combined tenders: a second framework scores product capability, and its score joins the award total.

The rule, for every caller (CLI, app, analyst what-ifs): the capability side is evaluated under its own
framework and settings; each main bid gets the capability score of the capability bid with the same
bid_id; a main bid without valid capability answers is excluded for that; the award total weighs the
capability score with the tender's `capability_weight`. Pure: frameworks and bid sets are passed in.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluator.model.bid import BidSet
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.tender import Settings, Tender, resolve_settings
from evaluator.scoring.evaluate import evaluate


@dataclass(frozen=True)
class CapabilityPart:
    """In a combined tender: the capability framework, its settings, and where it came from."""

    framework: Framework
    sha256: str
    file: str
    settings: Settings


def capability_part(tender: Tender | None, framework: Framework, sha256: str = "",
                    tender_where: str = "tender") -> CapabilityPart | None:
    """The tender's capability side, with `framework` as the (already loaded) capability framework; None
    when the tender does not score capability."""
    if tender is None or tender.capability is None:
        return None
    settings = resolve_settings(framework, Tender(weight_profile=tender.capability.weight_profile),
                                tender_where=f"{tender_where} (capability)")
    return CapabilityPart(framework, sha256, tender.capability.framework, settings)


@dataclass(frozen=True)
class CombinedEvaluation:
    evaluation: Evaluation  # the main framework's evaluation, capability included in its award total
    capability: Evaluation | None  # the capability side, in a combined tender
    summary: dict[str, Any] | None  # results.json's capability block, in a combined tender


def evaluate_combined(framework: Framework, settings: Settings, bids: BidSet, part: CapabilityPart | None = None,
                      capability_bids: BidSet | None = None,
                      pending: Sequence[tuple[str, ...]] | None = None) -> CombinedEvaluation:
    """Evaluate `bids` under `framework`; in a combined tender (`part`), first the capability side
    (`capability_bids` under the capability framework), whose scores then join the award total. `pending`:
    per bid row, why the panel has not decided it yet (see scoring.evaluate)."""
    if part is None:
        return CombinedEvaluation(evaluate(framework, settings, bids, pending=pending), None, None)
    side = evaluate(part.framework, part.settings,
                    capability_bids if capability_bids is not None else BidSet.empty(len(part.framework.criteria)))
    evaluation = evaluate(framework, settings, bids, capability_scores(bids, side), pending)
    return CombinedEvaluation(evaluation, side, capability_summary(part, side))


def capability_scores(bids: BidSet, capability: Evaluation) -> np.ndarray:
    """Each main bid's capability score, matched by bid_id (NaN when it gave no valid answers)."""
    by_id: dict[str | None, float] = {bid.bid_id: float(capability.score[row])
                                      for row, bid in enumerate(capability.bids.bids) if bid.bid_id and not bid.invalid}
    return np.array([by_id.get(bid.bid_id, np.nan) for bid in bids.bids])


def capability_summary(part: CapabilityPart, capability: Evaluation) -> dict[str, Any]:
    """The capability side of results.json: framework, weights, each bid's score and weighted dimensions."""
    objectives = part.framework.objective_ids
    per_bid = {bid.bid_id: {"score": float(capability.score[row]),
                            "objectives": dict(zip(objectives, capability.weighted[row].round(6).tolist(),
                                                   strict=True))}
               for row, bid in enumerate(capability.bids.bids) if bid.bid_id and not bid.invalid}
    invalid = [{"bid_id": bid.bid_id, "file": bid.source.file, "errors": [p.as_dict() for p in bid.errors]}
               for bid in capability.bids.bids if bid.invalid]
    return {"framework": {"id": part.framework.id, "version": part.framework.version, "sha256": part.sha256,
                          "file": part.file, "objectives": {o.id: o.name for o in part.framework.objectives}},
            "weights": part.settings.weights, "bids": per_bid, "invalid": invalid}
