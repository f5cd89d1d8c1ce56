"""The evaluation panel at work: the bids evaluated as the panel assessed them (scoring.moderation), beside
the bids as claimed, with the members' agreement (scoring.agreement). Pure: assessments are passed in."""

from collections.abc import Sequence
from dataclasses import dataclass

from evaluator.model.assessment import Assessment
from evaluator.model.bid import BidSet
from evaluator.model.evaluation import Evaluation
from evaluator.model.framework import Framework
from evaluator.model.tender import Panel, Settings
from evaluator.scoring.agreement import Agreement, agreement
from evaluator.scoring.combined import CapabilityPart, CombinedEvaluation, evaluate_combined
from evaluator.scoring.evaluate import evaluate
from evaluator.scoring.moderation import Moderated, moderate


@dataclass(frozen=True)
class Review:
    """The panel's part of an evaluation. Without assessment files (`files` empty) the bids are evaluated on
    their claims and `moderated`, `claimed` and `agreement` are None."""

    panel: Panel | None
    files: tuple[tuple[str, str], ...]  # (name as given, SHA-256) of each assessments file
    moderated: Moderated | None = None
    claimed: Evaluation | None = None  # the bids evaluated on the vendors' own answers
    agreement: Agreement | None = None

    @property
    def assessed(self) -> bool:
        return self.moderated is not None


def reviewed(framework: Framework, settings: Settings, bids: BidSet, part: CapabilityPart | None,
             capability_bids: BidSet | None, panel: Panel | None, assessments: Sequence[Assessment],
             files: tuple[tuple[str, str], ...]) -> tuple[CombinedEvaluation, Review]:
    """The bids evaluated as the panel assessed them (pending where members differ and no consensus is
    recorded), and the review: the moderations, the bids evaluated as claimed and the members' agreement."""
    moderated = moderate(framework, bids, assessments, panel)
    combined = evaluate_combined(framework, settings, moderated.bids, part, capability_bids, moderated.pending)
    claimed = evaluate(framework, settings, bids, combined.evaluation.capability)
    return combined, Review(panel, files, moderated, claimed, agreement(framework, bids, assessments, panel))
