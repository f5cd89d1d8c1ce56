"""The result of an evaluation, column-wise: row i of every array belongs to bids.bids[i]."""

from dataclasses import dataclass

import numpy as np

from evaluator.model.bid import UNANSWERED, BidSet
from evaluator.model.framework import Framework
from evaluator.model.tender import Settings

RANKED, EXCLUDED, INVALID = "ranked", "excluded", "invalid"


@dataclass(frozen=True, slots=True)
class ExclusionReason:
    kind: str  # minimum_level | incomplete | evidence | price
    message: str
    objective: str | None = None
    required: int | None = None
    offered: int | None = None
    criteria: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"kind": self.kind, "objective": self.objective, "required": self.required,
                "offered": self.offered, "criteria": list(self.criteria), "message": self.message}


@dataclass(frozen=True, slots=True)
class Tie:
    """Bids whose totals are equal at the tie rule's precision, and what (if anything) separated them."""

    tied_with: tuple[str, ...]
    decided_by: str | None

    def as_dict(self) -> dict:
        return {"tied_with": list(self.tied_with), "decided_by": self.decided_by}


@dataclass(frozen=True)
class Evaluation:
    framework: Framework
    settings: "Settings"
    bids: BidSet
    answer_levels: np.ndarray  # N×C effective level of each answer; top+1 where the policy ignores it
    answer_points: np.ndarray  # N×C points
    evidence_lacking: np.ndarray  # N×C bool: answer lacks the evidence quality the tender requires
    objective_scores: np.ndarray  # N×O
    objective_levels: np.ndarray  # N×O
    weighted: np.ndarray  # N×O contribution to the Sovereignty Score, in percentage points
    required: np.ndarray  # O minimum levels
    overall_level: np.ndarray  # N
    score: np.ndarray  # N Sovereignty Score in percent; NaN for invalid bids
    price_points: np.ndarray  # N; NaN where price is not scored
    total: np.ndarray  # N award total; NaN unless ranked
    rank: np.ndarray  # N; 0 unless ranked
    status: tuple[str, ...]
    exclusion_reasons: tuple[tuple[ExclusionReason, ...], ...]
    ties: tuple[Tie | None, ...]
    order: tuple[int, ...]  # output order: ranked by rank, then excluded, then invalid

    @property
    def passed(self) -> np.ndarray:
        return self.objective_levels >= self.required[None, :]

    def objective_criteria(self) -> list[slice]:
        """Column slices of each objective's criteria in the answer matrices."""
        criteria = self.framework.criteria_in_objective_order
        slices, start = [], 0
        for oid in self.framework.objective_ids:
            count = sum(1 for c in criteria if c.objective == oid)
            slices.append(slice(start, start + count))
            start += count
        return slices

    def unanswered(self, row: int) -> list[str]:
        criteria = self.framework.criteria_in_objective_order
        return [criteria[c].id for c in np.flatnonzero(self.bids.ranks[row] == UNANSWERED).tolist()]

    def capped_by(self, row: int) -> list[list[str]]:
        """Per objective, the criteria whose level equals the objective's level below the top (they set it)."""
        criteria = self.framework.criteria_in_objective_order
        top = self.framework.level_scale.top
        capping = []
        for o, columns in enumerate(self.objective_criteria()):
            if self.objective_levels[row, o] >= top:
                capping.append([])
                continue
            levels = self.answer_levels[row, columns]
            hits = np.flatnonzero(levels == self.objective_levels[row, o]) + columns.start
            capping.append([criteria[c].id for c in hits.tolist()])
        return capping
