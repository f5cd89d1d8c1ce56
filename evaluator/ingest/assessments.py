"""The panel's assessments file: a CSV (UTF-8 with or without BOM, comma or semicolon separated, as the bid
CSVs) with columns bid_id, criterion_id, assessed_answer, justification, assessor, stage and optionally
evidence_quality. An empty assessed_answer accepts the claim; otherwise it is written as bid answers are.

The file is the buyer's own, so any error in it stops the evaluation (ConfigurationError naming the file and
the row) rather than marking a bid invalid.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluator.errors import ConfigurationError, quoted
from evaluator.i18n import _
from evaluator.ingest.answers import parse_evidence_quality, parse_ranks
from evaluator.ingest.columns import Column
from evaluator.ingest.csv_reader import _table
from evaluator.ingest.responses import UnreadableFile
from evaluator.model.assessment import CONSENSUS, INDIVIDUAL, STAGES, Assessment, Choice, Stage
from evaluator.model.bid import BidSet
from evaluator.model.framework import Framework
from evaluator.model.tender import Panel
from evaluator.model.unanswered import UNANSWERED

COLUMNS = ("bid_id", "criterion_id", "assessed_answer", "justification", "assessor", "stage")
QUALITY = "evidence_quality"  # optional: the quality the assessor judges, as in bid files
ASSESSMENTS_LIMIT = 20 * 1024 * 1024  # bytes: a panel's file is a few rows per bid and criterion, not a data dump


def read_assessments(name: str, content: bytes, framework: Framework, panel: Panel | None,
                     bids: BidSet) -> tuple[Assessment, ...]:
    """The assessments of one file, checked against the panel, the framework and the bids (valid ones only)."""
    if panel is None:
        raise ConfigurationError(name, _("assessments were given, but the tender declares no panel (panel: chair, "
                                         "members, conflicts)"))
    if len(content) > ASSESSMENTS_LIMIT:
        raise too_large(name)
    rows = _Rows.parse(name, content, framework, bids)
    if not rows.cells["bid_id"]:
        raise ConfigurationError(f"{name}, row 2", _("no assessment rows: the file has a header only"))
    assessments = tuple(rows.assessment(panel, i) for i in range(len(rows.cells["bid_id"])))
    refuse_repeats(assessments)
    return assessments


@dataclass(frozen=True)
class _Rows:
    """The file's cells, with answers and qualities parsed the way bid files are parsed."""

    name: str
    framework: Framework
    bids: BidSet
    cells: dict[str, list[str]]
    bid_rows: dict[str | None, int]  # bid_id -> row in bids (a bid_id given by two bids makes both invalid)
    columns: np.ndarray  # criterion column per row; -1 where the criterion is unknown
    answers: tuple[np.ndarray, np.ndarray, dict[int, str]]  # ranks, values, problem per row
    quality: tuple[np.ndarray, dict[int, str]]  # quality codes, problem per row

    @classmethod
    def parse(cls, name: str, content: bytes, framework: Framework, bids: BidSet) -> "_Rows":
        frame = _frame(name, content)
        cells = {column: [str(cell).strip() for cell in frame[column]] for column in frame.columns}
        columns = np.array([framework.criterion_index.get(cid, -1) for cid in cells["criterion_id"]], np.int64)
        answers = Column.of(cells["assessed_answer"])
        ranks, values, (unusable, explain) = parse_ranks(framework, np.clip(columns, 0, None), answers)
        qualities = Column.of(cells.get(QUALITY, [""] * len(columns)))
        codes, (unknown, explain_quality) = parse_evidence_quality(qualities)
        bid_rows = {bid.bid_id: row for row, bid in enumerate(bids.bids)}
        return cls(name, framework, bids, cells, bid_rows, columns,
                   (ranks, values, {p: explain(p) for p in unusable.tolist()}),
                   (codes, {p: explain_quality(p) for p in unknown.tolist()}))

    def assessment(self, panel: Panel, i: int) -> Assessment:
        where = f"{self.name}, row {i + 2}"
        bid_id, criterion_id, assessor = (self.cells[key][i] for key in ("bid_id", "criterion_id", "assessor"))
        row, column = self._bid_row(bid_id, where), int(self.columns[i])
        if column < 0:
            raise ConfigurationError(where, _("criterion {criterion} does not exist in {framework}").format(
                criterion=quoted(criterion_id), framework=self.framework.id))
        stage = _stage(self.cells["stage"][i], where)
        _check_assessor(panel, assessor, stage, bid_id, where)
        assessed, claim = self._assessed(i, where), Choice.claimed(self.bids, row, column)
        justification = self.cells["justification"][i]
        if assessed is not None and assessed != claim and not justification:
            raise ConfigurationError(where, _("{criterion}: the assessed answer {assessed} differs from the claimed "
                                              "{claimed}, so it needs a justification").format(
                criterion=criterion_id, assessed=assessed.text(self.framework, column),
                claimed=claim.text(self.framework, column)))
        if i in self.quality[1]:
            raise ConfigurationError(where, self.quality[1][i])
        return Assessment(bid_id, criterion_id, assessor, stage, assessed, justification, int(self.quality[0][i]),
                          where)

    def _bid_row(self, bid_id: str, where: str) -> int:
        if bid_id not in self.bid_rows:
            raise ConfigurationError(where, _("bid_id {bid} is not one of the bids evaluated").format(
                bid=quoted(bid_id)))
        if self.bids.bids[self.bid_rows[bid_id]].invalid:
            raise ConfigurationError(where, _("bid {bid} is invalid (it could not be read), so it cannot be "
                                              "assessed").format(bid=bid_id))
        return self.bid_rows[bid_id]

    def _assessed(self, i: int, where: str) -> Choice | None:
        """None when the claim is accepted (the cell is empty)."""
        ranks, values, problems = self.answers
        text = self.cells["assessed_answer"][i]
        if i in problems:
            raise ConfigurationError(where, problems[i].replace("answer", "assessed_answer", 1))
        if not text:
            return None
        if ranks[i] == UNANSWERED:
            criterion = self.framework.criteria_in_objective_order[self.columns[i]]
            valid = criterion.numeric.valid if criterion.numeric else None
            raise ConfigurationError(where, _("assessed_answer {answer} is outside the valid range {low} to {high} "
                                              "of {criterion}").format(
                answer=quoted(text), low=f"{valid[0]:g}", high=f"{valid[1]:g}", criterion=criterion.id) if valid else
                _("assessed_answer {answer} is not an answer; leave it empty to accept the claim").format(
                    answer=quoted(text)))
        return Choice(int(ranks[i]), None if np.isnan(values[i]) else float(values[i]))


def too_large(name: str) -> ConfigurationError:
    return ConfigurationError(name, _("the assessments file is larger than {limit} MiB").format(
        limit=ASSESSMENTS_LIMIT // (1024 * 1024)))


def _frame(name: str, content: bytes) -> pd.DataFrame:
    try:
        frame = _table(content)
    except UnreadableFile as error:
        where = _malformed_row(content) if error.problem.location == "file" else None
        raise ConfigurationError(f"{name}, row {where}" if where else name,
                                 error.problem.message if where else
                                 f"{error.problem.location}: {error.problem.message}") from None
    frame.columns = [str(column).strip().casefold() for column in frame.columns]
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ConfigurationError(f"{name}, row 1", _("no column {missing} (an assessments file has the columns "
                                                     "{columns}, and optionally {optional})").format(
            missing=", ".join(missing), columns=", ".join(COLUMNS), optional=QUALITY))
    return frame


def _malformed_row(content: bytes) -> int | None:
    """The row (numbered as the errors number them: the header is row 1, blank lines not counted) whose number
    of cells differs from the header's, the first one; None when none does (the file is malformed otherwise)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    first_line = text.split("\n", 1)[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    records = (record for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator) if record)
    header = next(records, [])
    return next((row for row, record in enumerate(records, start=2) if len(record) != len(header)), None)


def _stage(text: str, where: str) -> Stage:
    for stage in STAGES:
        if text.casefold() == stage:
            return stage
    raise ConfigurationError(where, _("stage {stage} is unknown: write {first} or {second}").format(
        stage=quoted(text), first=STAGES[0], second=STAGES[1]))


def _check_assessor(panel: Panel, assessor: str, stage: Stage, bid_id: str, where: str) -> None:
    if not panel.sits(assessor):
        raise ConfigurationError(where, _("assessor {assessor} is not on the panel ({panel})").format(
            assessor=quoted(assessor), panel=panel.describe()))
    if stage == CONSENSUS and assessor != panel.chair:
        raise ConfigurationError(where, _("a consensus row must come from the chair, {chair}; this one is from "
                                          "{assessor}").format(chair=panel.chair, assessor=assessor))
    if stage == INDIVIDUAL and assessor not in panel.members:
        raise ConfigurationError(where, _("{assessor} chairs the panel but is not a member: the chair records "
                                          "consensus rows only").format(assessor=assessor))
    if panel.conflicted(assessor, bid_id):
        raise ConfigurationError(where, _("{assessor} declared a conflict of interest with bid {bid}, so may not "
                                          "assess it").format(assessor=assessor, bid=bid_id))


def refuse_repeats(assessments: tuple[Assessment, ...]) -> None:
    """One person assesses a bid's criterion once at each stage; call it again on the assessments of all the
    files of an evaluation together, since a repeat may be in another file."""
    first: dict[tuple[str, str, str, str], Assessment] = {}
    for a in assessments:
        earlier = first.setdefault((a.bid_id, a.criterion_id, a.assessor, a.stage), a)
        if earlier is not a:
            raise ConfigurationError(a.location, _("{assessor} already assessed {bid} {criterion} at the {stage} "
                                                   "stage ({earlier})").format(
                assessor=a.assessor, bid=a.bid_id, criterion=a.criterion_id, stage=a.stage, earlier=earlier.location))


def refuse_idle_consensus(assessments: tuple[Assessment, ...], framework: Framework, bids: BidSet) -> None:
    """A consensus row settles an open disagreement: at least two members assessed the bid's criterion and
    gave different answers (accepting the claim counts as giving the claimed answer). Call it on the
    assessments of all the files of an evaluation together, since the members' rows may be in other files."""
    rows = {bid.bid_id: row for row, bid in enumerate(bids.bids)}
    cells: dict[tuple[str, str], list[Assessment]] = defaultdict(list)
    for a in assessments:
        cells[a.bid_id, a.criterion_id].append(a)
    for (bid_id, criterion_id), group in cells.items():
        column = framework.criterion_index[criterion_id]
        claim = Choice.claimed(bids, rows[bid_id], column)
        individual = [a for a in group if a.stage == INDIVIDUAL]
        if len(individual) > 1 and len({a.answer(claim) for a in individual}) > 1:
            continue
        for a in group:
            if a.stage == CONSENSUS:
                raise ConfigurationError(a.location, _("{bid} {criterion}: no members disagree, so there is no "
                                                       "consensus to record").format(
                    bid=bid_id, criterion=criterion_id))
