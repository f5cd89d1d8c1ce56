"""A panel's assessments of the bids' claims (the tender's `panel`; read by ingest.assessments, decided by
scoring.moderation): per bid and criterion, a panel member accepts the claimed answer or records another."""

from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, get_args

import numpy as np

from evaluator.i18n import _
from evaluator.model.bid import QUALITY_NOT_STATED, BidSet
from evaluator.model.framework import Framework
from evaluator.model.unanswered import UNANSWERED

Stage = Literal["individual", "consensus"]  # a member's own assessment; the chair's recorded consensus
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
INDIVIDUAL: Final[Stage] = "individual"
CONSENSUS: Final[Stage] = "consensus"
AnswerText = int | float | str | None  # an answer as bid files write it: rank, level code or number; None: blank


class Choice(NamedTuple):
    """An answer as a BidSet stores it: the rank (UNANSWERED, or 1..n; 1 where a numeric value is given) and
    the value of a numeric criterion (None elsewhere)."""

    rank: int
    value: float | None = None

    @classmethod
    def claimed(cls, bids: BidSet, row: int, column: int) -> "Choice":
        value = float(bids.values[row, column])
        return cls(int(bids.ranks[row, column]), None if np.isnan(value) else value)

    def notation(self, framework: Framework, column: int) -> AnswerText:
        """The answer as written in bid files: the number for a numeric criterion, the level code where the
        framework's answers are levels, else the rank; None when unanswered."""
        criterion = framework.criteria_in_objective_order[column]
        if self.rank == UNANSWERED:
            return None
        if criterion.numeric is not None:
            return self.value
        if framework.answer_format == "level":
            return framework.level_scale.code(criterion.answers[self.rank - 1].level)
        return self.rank

    def text(self, framework: Framework, column: int) -> str:
        written = self.notation(framework, column)
        return _("unanswered") if written is None else f"{written:g}" if isinstance(written, float) else str(written)


def answer_text(written: AnswerText) -> str:
    """An answer as an assessments CSV writes it ("" for none); floats in full (repr), never rounded."""
    return "" if written is None else repr(written) if isinstance(written, float) else str(written)


@dataclass(frozen=True, slots=True)
class Assessment:
    """One panel member's (or, at the consensus stage, the chair's) judgement of one bid's answer."""

    bid_id: str
    criterion_id: str
    assessor: str
    stage: Stage
    assessed: Choice | None = None  # None: the claim is accepted
    justification: str = ""
    evidence_quality: int = QUALITY_NOT_STATED  # the quality code the assessor judges (bid.QUALITY_NOT_STATED: none)
    location: str = ""  # where it was read, e.g. "assessments.csv, row 4"

    def answer(self, claim: Choice) -> Choice:
        """The answer this assessment stands for: the claim when it accepts it."""
        return claim if self.assessed is None else self.assessed
