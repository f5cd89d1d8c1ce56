"""Crosswalks: how criteria of one framework relate to another's, as data, and pre-filling answers.

A relationship says how the source criterion covers the targets: `equal` and `superset` (the source
covers each target) allow pre-filling; `subset` and `intersect` only point at related criteria. Rules:
`same_answer` copies the rank (ladders of the same length), `level_floor` takes the most cautious target
answer whose level reaches the source answer's level. Every pre-filled answer is flagged as derived.
"""

from typing import Literal

import numpy as np
from pydantic import Field

from evaluator.errors import ConfigurationError
from evaluator.i18n import _
from evaluator.model.bid import BidSet
from evaluator.model.documents import StrictModel
from evaluator.model.framework import Framework
from evaluator.model.unanswered import UNANSWERED

PREFILLING = ("equal", "superset")


class FrameworkRef(StrictModel):
    framework: str
    version: str


class Mapping(StrictModel):
    source: str
    targets: tuple[str, ...] = Field(min_length=1)
    relationship: Literal["equal", "subset", "superset", "intersect"]
    rule: Literal["same_answer", "level_floor"] = "level_floor"


class Crosswalk(StrictModel):
    schema_version: Literal[1] = 1
    id: str
    version: str
    description: str = ""
    source: FrameworkRef
    target: FrameworkRef
    mappings: tuple[Mapping, ...] = Field(min_length=1)

    def check(self, source: Framework, target: Framework, where: str) -> None:
        """Refuse a crosswalk that does not fit the two frameworks, naming what it did not find."""
        for side, framework in (("source", source), ("target", target)):
            ref = getattr(self, side)
            if (ref.framework, ref.version) != (framework.id, framework.version):
                message = _("the crosswalk's source is {framework} version {version}, not {expected} version "
                            "{expected_version}") if side == "source" else \
                    _("the crosswalk's target is {framework} version {version}, not {expected} version "
                      "{expected_version}")
                raise ConfigurationError(where, message.format(framework=ref.framework, version=ref.version,
                                                               expected=framework.id,
                                                               expected_version=framework.version))
        for mapping in self.mappings:
            if mapping.source not in source.criterion_index:
                raise ConfigurationError(where, _("source criterion {criterion} is not in {framework}").format(
                    criterion=mapping.source, framework=source.id))
            unknown = [cid for cid in mapping.targets if cid not in target.criterion_index]
            if unknown:
                raise ConfigurationError(where, _("target criterion {criteria} is not in {framework}").format(
                    criteria=", ".join(unknown), framework=target.id))


def prefill(crosswalk: Crosswalk, source: Framework, target: Framework, bids: BidSet) -> tuple[BidSet, np.ndarray]:
    """The bids' answers carried over to the target framework, and a mask of the derived (pre-filled) ones.
    Only valid bids and answered source criteria carry over; nothing is ever guessed for the rest."""
    result = BidSet.of_rows(bids.bids, len(target.criteria))
    derived = np.zeros(result.ranks.shape, bool)
    source_criteria, target_criteria = source.criteria_in_objective_order, target.criteria_in_objective_order
    for mapping in crosswalk.mappings:
        if mapping.relationship not in PREFILLING:
            continue
        column = source.criterion_index[mapping.source]
        chosen = bids.ranks[:, column].astype(np.int64)
        answered = chosen != UNANSWERED
        levels = np.array([0, *[a.level for a in source_criteria[column].answers]])[chosen]
        for target_id in mapping.targets:
            into = target.criterion_index[target_id]
            answers = target_criteria[into].answers
            if mapping.rule == "same_answer":
                ranks = np.where(chosen <= len(answers), chosen, UNANSWERED)
            else:
                floor = [next((a.rank for a in answers if a.level >= level), UNANSWERED)
                         for level in range(source.level_scale.top + 1)]
                ranks = np.array(floor)[levels]
            ranks = np.where(answered, ranks, UNANSWERED)
            result.ranks[:, into] = ranks
            derived[:, into] = ranks != UNANSWERED
            labels = [f"derived from {source.id} {mapping.source} = {source.level_scale.code(int(level))} via "
                      f"{crosswalk.id} ({mapping.relationship}, {mapping.rule})" for level in levels]
            result.notes[:, into] = np.where(derived[:, into], np.array(labels, dtype=object),
                                             np.array(None, dtype=object))
    return result.with_bids(result.bids), derived
