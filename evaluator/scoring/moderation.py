"""moderate(framework, bids, assessments, panel): the bids as the panel assessed them.

Per bid and criterion: the chair's consensus row decides; without one, the members' individual rows decide
when they all give the same answer (accepting the claim counts as giving the claimed answer); members who
differ leave the bid pending until the chair records a consensus; a criterion nobody assessed keeps the
claim. Where the deciding rows judge the evidence quality, the lowest quality they give replaces the claimed
one (so the tender's evidence rule uses it). Evaluate the result with
`evaluate(framework, settings, moderated.bids, pending=moderated.pending)`.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evaluator.i18n import _
from evaluator.model.assessment import CONSENSUS, INDIVIDUAL, AnswerText, Assessment, Choice, Stage
from evaluator.model.bid import QUALITY_NOT_STATED, BidSet
from evaluator.model.framework import Framework
from evaluator.model.tender import EVIDENCE_QUALITIES, EvidenceQuality, Panel

Cell = tuple[int, int]  # (bid row, criterion column)


@dataclass(frozen=True, slots=True)
class Moderation:
    """A criterion whose decided answer (or evidence quality) differs from the bid's claim."""

    criterion_id: str
    claimed: AnswerText
    assessed: AnswerText
    justifications: tuple[str, ...]  # of the deciding rows that give one, in the order of `assessors`
    assessors: tuple[str, ...]  # who decided: the chair at the consensus stage, else every member who assessed
    stage: Stage
    claimed_quality: EvidenceQuality | None = None
    assessed_quality: EvidenceQuality | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"criterion_id": self.criterion_id, "claimed": self.claimed, "assessed": self.assessed,
                "justifications": list(self.justifications), "assessors": list(self.assessors),
                "stage": self.stage, "claimed_evidence_quality": self.claimed_quality,
                "assessed_evidence_quality": self.assessed_quality}


@dataclass(frozen=True)
class Moderated:
    """The claimed and the assessed bids (same rows), and per bid row its moderations and pending reasons."""

    claimed: BidSet
    bids: BidSet  # the answers and evidence qualities as decided; undecided and unassessed cells keep the claim
    moderations: tuple[tuple[Moderation, ...], ...]
    pending: tuple[tuple[str, ...], ...]  # e.g. "SOV-3.2: ana assessed 2, ben assessed 4 — no consensus recorded"


def moderate(framework: Framework, bids: BidSet, assessments: Iterable[Assessment],
             panel: Panel | None) -> Moderated:
    """Raises ValueError for assessments the reader (ingest.assessments) refuses: no panel, a consensus row
    not from the chair, a bid or criterion not in the batch, one person assessing one cell twice at a stage."""
    assessed = BidSet(bids.bids, bids.ranks.copy(), bids.evidence_quality.copy(), bids.evidence, bids.notes,
                      bids.values.copy())
    moderations: list[list[Moderation]] = [[] for __ in bids.bids]
    pending: list[list[str]] = [[] for __ in bids.bids]
    for (row, column), group in sorted(assessed_cells(framework, bids, assessments, panel).items()):
        claim = Choice.claimed(bids, row, column)
        deciding = [a for a in group if a.stage == CONSENSUS] or group
        if len({a.answer(claim) for a in deciding}) > 1:
            pending[row].append(pending_reason(framework, column, claim, deciding))
            continue
        decided, quality = deciding[0].answer(claim), _judged_quality(deciding, int(bids.evidence_quality[row, column]))
        assessed.ranks[row, column], assessed.evidence_quality[row, column] = decided.rank, quality
        assessed.values[row, column] = float("nan") if decided.value is None else decided.value
        if decided != claim or quality != bids.evidence_quality[row, column]:
            moderations[row].append(_moderation(framework, bids, (row, column), deciding))
    return Moderated(bids, assessed, tuple(map(tuple, moderations)), tuple(map(tuple, pending)))


def _moderation(framework: Framework, claimed: BidSet, cell: Cell, deciding: list[Assessment]) -> Moderation:
    claim = Choice.claimed(claimed, *cell)
    quality = int(claimed.evidence_quality[cell])
    return Moderation(framework.criteria_in_objective_order[cell[1]].id, claim.notation(framework, cell[1]),
                      deciding[0].answer(claim).notation(framework, cell[1]),
                      tuple(a.justification for a in deciding if a.justification),
                      tuple(a.assessor for a in deciding), deciding[0].stage, _quality_word(quality),
                      _quality_word(_judged_quality(deciding, quality)))


def assessed_cells(framework: Framework, bids: BidSet, assessments: Iterable[Assessment],
                   panel: Panel | None) -> dict[Cell, list[Assessment]]:
    """The assessments per (bid row, criterion column), each cell's rows ordered by assessor."""
    rows = {bid.bid_id: row for row, bid in enumerate(bids.bids) if not bid.invalid}
    cells: dict[Cell, list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        _check(assessment, panel, rows, framework)
        cells[rows[assessment.bid_id], framework.criterion_index[assessment.criterion_id]].append(assessment)
    for group in cells.values():
        group.sort(key=lambda a: (a.stage != CONSENSUS, a.assessor))
        if len({(a.assessor, a.stage) for a in group}) < len(group):
            raise ValueError(_("{bid} {criterion}: one person assessed it twice at one stage").format(
                bid=group[0].bid_id, criterion=group[0].criterion_id))
    return cells


def _check(assessment: Assessment, panel: Panel | None, rows: dict[str | None, int], framework: Framework) -> None:
    if panel is None:
        raise ValueError(_("assessments were given, but the tender declares no panel"))
    if assessment.stage == CONSENSUS and assessment.assessor != panel.chair:
        raise ValueError(_("{location}: a consensus row from {assessor}, not the chair").format(
            location=assessment.location, assessor=assessment.assessor))
    if assessment.stage == INDIVIDUAL and assessment.assessor not in panel.members:
        raise ValueError(_("{location}: {assessor} is not a panel member").format(
            location=assessment.location, assessor=assessment.assessor))
    if assessment.bid_id not in rows or assessment.criterion_id not in framework.criterion_index:
        raise ValueError(_("{location}: {bid} {criterion} is not in the batch").format(
            location=assessment.location, bid=assessment.bid_id, criterion=assessment.criterion_id))


def pending_reason(framework: Framework, column: int, claim: Choice, assessments: list[Assessment]) -> str:
    """'SOV-3.2: ana assessed 2, ben accepted the claimed 4 — no consensus recorded'."""
    said = ", ".join(_("{assessor} accepted the claimed {answer}").format(
        assessor=a.assessor, answer=claim.text(framework, column)) if a.assessed is None
        else _("{assessor} assessed {answer}").format(assessor=a.assessor, answer=a.assessed.text(framework, column))
        for a in assessments)
    return _("{criterion}: {said} — no consensus recorded").format(
        criterion=framework.criteria_in_objective_order[column].id, said=said)


def _judged_quality(deciding: list[Assessment], claimed: int) -> int:
    """The lowest quality the deciding rows judge (the cautious reading when members differ), else the claim."""
    judged = [a.evidence_quality for a in deciding if a.evidence_quality != QUALITY_NOT_STATED]
    return min(judged) if judged else claimed


def _quality_word(code: int) -> EvidenceQuality | None:
    return None if code == QUALITY_NOT_STATED else EVIDENCE_QUALITIES[code - 1]
