"""The result of an evaluation, column-wise: row i of every array belongs to bids.bids[i]."""

from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import numpy as np

from evaluator.model.bid import BidSet
from evaluator.model.framework import Framework
from evaluator.model.ladders import Ladders
from evaluator.model.tender import Settings
from evaluator.model.unanswered import UNANSWERED

BidStatus = Literal["ranked", "pending", "excluded", "invalid"]
RANKED: Final[BidStatus] = "ranked"
PENDING: Final[BidStatus] = "pending"  # panel assessors disagree and the chair has recorded no consensus yet
EXCLUDED: Final[BidStatus] = "excluded"
INVALID: Final[BidStatus] = "invalid"
# why a bid is excluded: a minimum level not reached (or, under the calculator policy, no level at all), a
# blank under the strict policy, evidence of too low a quality under `action: exclude`, no usable price, a
# certification gate not met, no capability answers in a combined tender
ExclusionKind = Literal["minimum_level", "incomplete", "evidence", "price", "certification", "capability"]
EXCLUSION_KINDS: Final[tuple[ExclusionKind, ...]] = get_args(ExclusionKind)


def passes_minimum(objective_levels: np.ndarray, required: np.ndarray, no_level: int) -> np.ndarray:
    """N × O: the objective reaches its minimum; one without a level (`no_level`: under the calculator policy
    nothing of it was answered) passes only a minimum of 0."""
    return np.where(objective_levels == no_level, required[None, :] == 0, objective_levels >= required[None, :])


@dataclass(frozen=True, slots=True)
class ExclusionReason:
    kind: ExclusionKind
    message: str
    objective: str | None = None
    required: int | None = None
    offered: int | None = None
    criteria: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "objective": self.objective, "required": self.required,
                "offered": self.offered, "criteria": list(self.criteria), "message": self.message}


@dataclass(frozen=True, slots=True)
class Tie:
    """Bids whose totals are equal at the tie rule's precision, and what (if anything) separated them."""

    tied_with: tuple[str, ...]
    decided_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"tied_with": list(self.tied_with), "decided_by": self.decided_by}


@dataclass(frozen=True)
class Evaluation:
    framework: Framework
    ladders: Ladders
    settings: "Settings"
    bids: BidSet
    answer_levels: np.ndarray  # N×C effective level of each answer; top+1 where the policy ignores it
    answer_points: np.ndarray  # N×C points
    evidence_lacking: np.ndarray  # N×C bool: answer lacks the evidence quality the tender requires
    objective_scores: np.ndarray  # N×O
    objective_levels: np.ndarray  # N×O; ladders.ignored where an objective has no level (calculator policy)
    weighted: np.ndarray  # N×O contribution to the Sovereignty Score, in percentage points
    required: np.ndarray  # O minimum levels
    overall_level: np.ndarray  # N; ladders.ignored where no objective has a level
    score: np.ndarray  # N Sovereignty Score in percent; NaN for invalid bids
    price_points: np.ndarray  # N; NaN where price is not scored
    total: np.ndarray  # N award total; NaN unless ranked
    rank: np.ndarray  # N; 0 unless ranked
    status: tuple[BidStatus, ...]
    exclusion_reasons: tuple[tuple[ExclusionReason, ...], ...]
    ties: tuple[Tie | None, ...]
    order: tuple[int, ...]  # output order: ranked by rank, then pending, then excluded, then invalid
    capability: np.ndarray | None = None  # N product-capability scores in combined tenders (NaN: none given)
    # per bid row, why it is pending (see scoring.moderation); () when the evaluation had no panel assessments
    pending: tuple[tuple[str, ...], ...] = ()

    @property
    def passed(self) -> np.ndarray:
        return passes_minimum(self.objective_levels, self.required, self.ladders.ignored)

    def has_level(self) -> np.ndarray:
        """N × O: False where an objective has no level (calculator policy, nothing of it answered)."""
        levelled: np.ndarray = self.objective_levels != self.ladders.ignored
        return levelled

    def criteria_masks(self) -> dict[str, np.ndarray]:
        """N × O bitmasks (see Ladders.masks) of the unanswered, capping and evidence-lacking criteria."""
        levels_per_column = self.ladders.per_column(self.objective_levels)
        below_top = levels_per_column < self.framework.level_scale.top
        return {
            "unanswered": self.ladders.masks(self.bids.ranks == UNANSWERED),
            "capped_by": self.ladders.masks((self.answer_levels == levels_per_column) & below_top),
            "evidence_lacking": self.ladders.masks(self.evidence_lacking),
        }

    def unanswered(self, row: int) -> list[str]:
        masks = self.criteria_masks()["unanswered"][row]
        return [cid for o, mask in enumerate(masks.tolist()) for cid in self.ladders.named(o, mask)]
