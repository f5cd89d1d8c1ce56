"""The evaluation panel of a tender case, between the application layer and the store: assessment rows as the
assessments CSV writes them (one validator, ingest.assessments.read_assessments, serves the desk and files
alike), the canonical CSV an evaluation reads, and what a member sees of a bid's claims."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from evaluator.errors import ConfigurationError, PermissionDenied
from evaluator.i18n import _
from evaluator.ingest.assessments import COLUMNS, QUALITY, read_assessments, refuse_idle_consensus
from evaluator.model.assessment import CONSENSUS, INDIVIDUAL, Assessment, Choice, Stage, answer_text
from evaluator.model.bid import QUALITY_NOT_STATED, BidSet
from evaluator.model.framework import Framework
from evaluator.model.tender import EVIDENCE_QUALITIES, Panel
from evaluator.scoring.agreement import Agreement, agreement

ASSESSMENTS_NAME = "assessments/panel.csv"  # the case's assessments as an evaluation reads them
HEADER = (*COLUMNS, QUALITY)


Batch = tuple[tuple[Assessment, ...], str, bytes | None]  # assessments, their source ("desk" or a file), its bytes


@dataclass(frozen=True)
class PanelCase:
    """A tender case as its panel works on it: the framework, the panel (the current tender's), the current
    bids, and the conflicts each person declared."""

    case_id: str
    framework: Framework
    panel: Panel
    bids: BidSet
    declared: dict[str, tuple[str, ...]]

    def bid(self, bid_id: str) -> int:
        """The row of the valid bid with this bid_id; refused when there is none."""
        row = next((row for row, bid in enumerate(self.bids.bids) if bid.bid_id == bid_id and not bid.invalid), None)
        if row is None:
            raise ConfigurationError(f"case {self.case_id}", _("bid {bid} is not one of the case's valid bids").format(
                bid=repr(bid_id)))
        return row

    def conflicted(self, person: str, bid_id: str) -> bool:
        """Declared, or listed by the tender's panel."""
        return self.panel.conflicted(person, bid_id) or bid_id in self.declared.get(person, ())


def check_declaration(case: PanelCase, person: str, declared: list[str]) -> None:
    """A declaration names at least the conflicts the tender lists for the person, and only bids of the case
    (or those listed)."""
    listed = set(case.panel.conflicts.get(person, ()))
    missing = sorted(listed - set(declared))
    if missing:
        raise ConfigurationError(f"case {case.case_id}", _("the tender's panel lists {person}'s conflict of interest "
                                                           "with {bids}: the declaration must name it").format(
            person=person, bids=", ".join(missing)))
    unknown = sorted(set(declared) - listed - {bid.bid_id for bid in case.bids.bids if bid.bid_id})
    if unknown:
        raise ConfigurationError(f"case {case.case_id}", _("{bids} is not a bid of the case").format(
            bids=", ".join(unknown)))


def submission(case: PanelCase, bid_id: str, assessor: str, stage: Stage, rows: Sequence[Mapping]
               ) -> tuple[Assessment, ...]:
    """A desk submission read as an assessments file, by the same reader."""
    content = submission_csv(bid_id, assessor, stage, rows)
    return read_assessments(f"assessment of {bid_id}", content, case.framework, case.panel, case.bids)


def check_assessors(case: PanelCase, assessments: Iterable[Assessment]) -> None:
    """Every assessor has declared, and is free of the bid they assess."""
    for a in assessments:
        if a.assessor not in case.declared:
            raise PermissionDenied(_("{location}: {assessor} has not declared their conflicts of interest in case "
                                     "{case}, so may not assess yet").format(
                location=a.location, assessor=a.assessor, case=case.case_id))
        if case.conflicted(a.assessor, a.bid_id):
            raise PermissionDenied(_("{location}: {assessor} declared a conflict of interest with bid {bid}, so may "
                                     "not assess it").format(location=a.location, assessor=a.assessor, bid=a.bid_id))


def refuse_stored(stored: Iterable, batches: Iterable[Batch]) -> None:
    """A member's submission on a bid is final; a consensus on a criterion is recorded once."""
    submitted = {(row.assessor, row.bid_id): row.submitted_at for row in stored if row.stage == INDIVIDUAL}
    settled = {(row.bid_id, row.criterion_id): row.submitted_at for row in stored if row.stage == CONSENSUS}
    for assessments, _source, _content in batches:
        for a in assessments:
            if a.stage == INDIVIDUAL and (a.assessor, a.bid_id) in submitted:
                raise ConfigurationError(a.location, _("{assessor} submitted their assessment of {bid} at {at}; a "
                                                       "submission is final").format(
                    assessor=a.assessor, bid=a.bid_id, at=submitted[a.assessor, a.bid_id]))
            if a.stage == CONSENSUS and (a.bid_id, a.criterion_id) in settled:
                raise ConfigurationError(a.location, _("the consensus on {bid} {criterion} was recorded at "
                                                       "{at}").format(
                    bid=a.bid_id, criterion=a.criterion_id, at=settled[a.bid_id, a.criterion_id]))


def refuse_undisputed(case: PanelCase, stored: Sequence, batches: Sequence[Batch]) -> None:
    """A consensus is recorded only on an open disagreement (ingest.assessments.refuse_idle_consensus), judged
    on the stored individual assessments with the batches' rows; otherwise the chair alone would change the
    answer."""
    given = tuple(a for assessments, _, _ in batches for a in assessments)
    if any(a.stage == CONSENSUS for a in given):
        members = stored_assessments(case, [row for row in stored if row.stage == INDIVIDUAL])
        refuse_idle_consensus((*members, *given), case.framework, case.bids)


def stored_assessments(case: PanelCase, stored: Sequence) -> tuple[Assessment, ...]:
    """Stored assessment rows read back as an evaluation reads them (ASSESSMENTS_NAME)."""
    return read_assessments(ASSESSMENTS_NAME, stored_csv(stored), case.framework, case.panel, case.bids) \
        if stored else ()


def agreement_of(case: PanelCase, stored: Sequence) -> Agreement:
    """The agreement (scoring.agreement) of stored assessment rows."""
    return agreement(case.framework, case.bids, stored_assessments(case, stored), case.panel)


def to_do(case: PanelCase, stored: Sequence) -> dict:
    """What is left to do on the panel: who has not declared (members and the chair), per valid bid the
    members free of conflict with it who have not submitted, and the open disagreements (bid, criterion and
    the members who differ: who, not what)."""
    submitted = {(row.assessor, row.bid_id) for row in stored if row.stage == INDIVIDUAL}
    people = (*case.panel.members, *(() if case.panel.chair in case.panel.members else (case.panel.chair,)))
    waiting = {bid.bid_id: [m for m in case.panel.members
                            if not case.conflicted(m, bid.bid_id) and (m, bid.bid_id) not in submitted]
               for bid in case.bids.bids if bid.bid_id and not bid.invalid}
    return {"undeclared": [person for person in people if person not in case.declared],
            "not_submitted": {bid_id: members for bid_id, members in waiting.items() if members},
            "open_disagreements": [{"bid_id": bid.bid_id, "criterion_id": d.criterion_id,
                                    "assessors": [assessor for assessor, _ in d.answers]}
                                   for bid in agreement_of(case, stored).bids for d in bid.disagreements
                                   if not d.settled]}


def submission_csv(bid_id: str, assessor: str, stage: Stage, rows: Sequence[Mapping]) -> bytes:
    """A desk submission as an assessments file: per row `criterion_id`, `answer` (None or "" accepts the
    claim), and optionally `justification` and `evidence_quality`."""
    if not rows:
        raise ConfigurationError("assessment", _("no criterion was assessed"))
    return _csv([bid_id, str(row.get("criterion_id", "")), answer_text(row.get("answer")),
                 str(row.get("justification") or ""), assessor, stage, str(row.get("evidence_quality") or "")]
                for row in rows)


def stored_csv(rows: Iterable) -> bytes:
    """Stored assessment rows as one canonical CSV: sorted by bid, criterion, stage and assessor (in Python, so
    every database gives the same bytes)."""
    lines = [[row.bid_id, row.criterion_id, row.assessed_answer, row.justification, row.assessor, row.stage,
              row.evidence_quality] for row in rows]
    return _csv(sorted(lines, key=lambda line: (line[0], line[1], line[5], line[4])))


def _csv(lines: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for number, line in enumerate(lines, start=2):
        if any("\n" in cell or "\r" in cell for cell in line):
            raise ConfigurationError(f"assessment, row {number}", _("a justification is one line: no line breaks"))
        writer.writerow(line)
    return buffer.getvalue().encode()


def stored_values(framework: Framework, assessment: Assessment) -> dict[str, str]:
    """An assessment read by ingest.assessments as case_assessments' columns, the answer normalised."""
    column = framework.criterion_index[assessment.criterion_id]
    quality = assessment.evidence_quality
    return {"bid_id": assessment.bid_id, "criterion_id": assessment.criterion_id, "assessor": assessment.assessor,
            "stage": assessment.stage, "justification": assessment.justification,
            "assessed_answer": "" if assessment.assessed is None else
            answer_text(assessment.assessed.notation(framework, column)),
            "evidence_quality": "" if quality == QUALITY_NOT_STATED else EVIDENCE_QUALITIES[quality - 1]}


def claims(framework: Framework, bids: BidSet, row: int) -> list[dict]:
    """Per criterion (framework order) the bid's claimed answer (as bid files write it, and as text), its
    evidence text and the evidence quality it claims (None when not stated)."""
    result = []
    for column, criterion in enumerate(framework.criteria_in_objective_order):
        claim, quality = Choice.claimed(bids, row, column), int(bids.evidence_quality[row, column])
        label = next((a.label for a in criterion.answers if a.rank == claim.rank), None)
        result.append({"criterion_id": criterion.id, "title": criterion.title,
                       "claimed": claim.notation(framework, column),
                       "claimed_text": claim.text(framework, column) + (f" - {label}" if label else ""),
                       "answers": [f"{a.rank} - {a.label}" for a in criterion.answers],
                       "evidence": bids.evidence[row, column] or "",
                       "evidence_quality": None if quality == QUALITY_NOT_STATED else EVIDENCE_QUALITIES[quality - 1]})
    return result


def shown(row) -> dict:
    """A stored assessment as the panel reads it."""
    return {"bid_id": row.bid_id, "criterion_id": row.criterion_id, "assessor": row.assessor, "stage": row.stage,
            "assessed_answer": row.assessed_answer or None, "justification": row.justification,
            "evidence_quality": row.evidence_quality or None, "submitted_by": row.submitted_by,
            "submitted_at": row.submitted_at, "source": row.source}


def progress(rows: Iterable) -> list[dict]:
    """Per assessor, bid and stage: how many criteria are assessed, and when (assessment progress, not
    contents)."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        groups.setdefault((row.assessor, row.bid_id, row.stage), []).append(row.submitted_at)
    return [{"assessor": assessor, "bid_id": bid_id, "stage": stage, "criteria": len(times), "at": max(times)}
            for (assessor, bid_id, stage), times in sorted(groups.items())]
