"""How far the panel's members agree: Krippendorff's alpha for ordinal data, per bid and overall, and per bid
the criteria where members' individual answers differ (the chair's work list).

The data are raters (the panel's members, individual stage only; the chair's consensus rows are decisions,
not ratings) × units (the assessed (bid, criterion) cells); a rating is the answer's rank, an "accept" counting
as the claimed rank and an unanswered claim as 0, below every answer. Numeric criteria are left out of alpha:
their values are on other scales than the ranks, so pooling them would distort the ordinal distances (their
disagreements are still listed). Alpha is None where it is undefined: the package raises ValueError when no
unit has ratings from two members, and when every rating is the same value (no variation: perfect agreement,
but alpha is 0/0); both are caught and reported as None rather than guessed as 1.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np

from evaluator.model.assessment import CONSENSUS, INDIVIDUAL, AnswerText, Assessment, Choice
from evaluator.model.bid import BidSet
from evaluator.model.framework import Framework
from evaluator.model.tender import Panel
from evaluator.scoring.moderation import Cell, assessed_cells


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A criterion of one bid on which members' individual answers differ."""

    criterion_id: str
    answers: tuple[tuple[str, AnswerText], ...]  # (member, answer as bid files write it; an accept as the claim)
    settled: bool  # the chair has recorded a consensus on it


@dataclass(frozen=True, slots=True)
class BidAgreement:
    bid_id: str
    alpha: float | None  # over this bid's criteria that members assessed; None where undefined
    assessed: tuple[str, ...]  # the criteria members assessed individually, in framework order
    disagreements: tuple[Disagreement, ...]  # in framework order

    @property
    def open_disagreements(self) -> int:
        return sum(not d.settled for d in self.disagreements)


@dataclass(frozen=True)
class Agreement:
    alpha: float | None  # over every assessed (bid, criterion); None where undefined
    bids: tuple[BidAgreement, ...]  # every assessed bid, for the chair: open disagreements first, then settled

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (results.json's panel.agreement); a disagreement's answers by member."""
        return {"alpha": self.alpha, "bids": [
            {"bid_id": bid.bid_id, "alpha": bid.alpha, "assessed": list(bid.assessed),
             "open_disagreements": bid.open_disagreements,
             "disagreements": [{"criterion_id": d.criterion_id, "answers": dict(d.answers), "settled": d.settled}
                               for d in bid.disagreements]} for bid in self.bids]}


def agreement(framework: Framework, bids: BidSet, assessments: Iterable[Assessment],
              panel: Panel | None) -> Agreement:
    cells = assessed_cells(framework, bids, assessments, panel)
    if panel is None or not cells:
        return Agreement(None, ())
    by_row: dict[int, list[Cell]] = defaultdict(list)
    for cell in sorted(cells):
        by_row[cell[0]].append(cell)
    ratings = {cell: _ratings(framework, bids, cell, group, panel.members) for cell, group in cells.items()}
    per_bid = [BidAgreement(bids.bids[row].bid_id or "", ordinal_alpha([ratings[c] for c in row_cells]),
                            tuple(framework.criteria_in_objective_order[c[1]].id for c in row_cells
                                  if _individual(cells[c])),
                            tuple(d for c in row_cells if (d := _disagreement(framework, bids, c, cells[c]))))
               for row, row_cells in by_row.items()]
    per_bid.sort(key=lambda b: (-b.open_disagreements, -len(b.disagreements)))  # stable: bid order within
    return Agreement(ordinal_alpha(list(ratings.values())), tuple(per_bid))


def ordinal_alpha(units: list[np.ndarray | None]) -> float | None:
    """Krippendorff's alpha (ordinal) over units, each one rating per rater (NaN: not rated) or None (left
    out); None where alpha is undefined."""
    kept = [unit for unit in units if unit is not None]
    if not kept:
        return None
    try:
        return float(krippendorff.alpha(reliability_data=np.column_stack(kept), level_of_measurement="ordinal"))
    except ValueError:  # no unit rated twice, or a single value in the domain
        return None


def _individual(group: list[Assessment]) -> list[Assessment]:
    return [a for a in group if a.stage == INDIVIDUAL]


def _ratings(framework: Framework, bids: BidSet, cell: Cell, group: list[Assessment],
             members: tuple[str, ...]) -> np.ndarray | None:
    """One rating per member (NaN where they did not assess), or None for a numeric criterion or a cell only
    the chair decided."""
    individual = _individual(group)
    if framework.criteria_in_objective_order[cell[1]].numeric is not None or not individual:
        return None
    claim = Choice.claimed(bids, *cell)
    ratings = np.full(len(members), np.nan)
    for a in individual:
        ratings[members.index(a.assessor)] = a.answer(claim).rank
    return ratings


def _disagreement(framework: Framework, bids: BidSet, cell: Cell, group: list[Assessment]) -> Disagreement | None:
    claim = Choice.claimed(bids, *cell)
    individual = _individual(group)
    if len({a.answer(claim) for a in individual}) < 2:
        return None
    return Disagreement(framework.criteria_in_objective_order[cell[1]].id,
                        tuple((a.assessor, a.answer(claim).notation(framework, cell[1])) for a in individual),
                        any(a.stage == CONSENSUS for a in group))
