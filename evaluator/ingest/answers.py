"""Turning answer and evidence-quality cells into numbers.

Each distinct text is parsed once in Python and mapped back to the rows with numpy, so half a million
rows with a few hundred distinct answers cost a few hundred parses.
"""

import math
import re
from collections.abc import Callable

import numpy as np

from evaluator import i18n
from evaluator.errors import quoted
from evaluator.i18n import _
from evaluator.ingest.columns import Column
from evaluator.model.bid import QUALITY_NOT_STATED
from evaluator.model.framework import Framework
from evaluator.model.tender import EVIDENCE_QUALITIES, EVIDENCE_QUALITY_WORDS, evidence_quality_texts
from evaluator.model.unanswered import UNANSWERED, is_blank

_LEADING_RANK = re.compile(r"(\d+)(?:\s*[.)\-\u2013\u2014]|\s)")  # 3. 3) 3 - 3 – 3 — (spreadsheets make – of -)


Findings = tuple[np.ndarray, Callable[[int], str]]  # row positions with a problem, and the message of a row


def parse_ranks(framework: Framework, columns: np.ndarray, answers: Column) -> tuple[np.ndarray, np.ndarray, Findings]:
    """Answer ranks for (criterion column, answer text) pairs, the values given for numeric criteria (rank 1
    when a value is given, NaN elsewhere), and the rows whose answer is unusable."""
    numeric = np.array([c.numeric is not None for c in framework.criteria_in_objective_order])[columns] \
        if len(columns) else np.zeros(0, bool)
    if numeric.any():
        return _parse_with_values(framework, columns, answers, numeric)
    ranks, findings = _parse_choices(framework, columns, answers)
    return ranks, np.full(len(ranks), np.nan), findings


def _parse_with_values(framework: Framework, columns, answers: Column, numeric):
    ranks, (unusable, message) = _parse_choices(framework, columns, answers)
    numbers = answers.mapped(_number_or_blank)
    values = np.full(len(columns), np.nan)
    criteria = framework.criteria_in_objective_order
    bad = []
    for p in np.flatnonzero(numeric).tolist():
        number = numbers[p]
        if number is None:
            ranks[p] = UNANSWERED
            continue
        if isinstance(number, str):
            bad.append(p)
            continue
        valid = criteria[columns[p]].numeric.valid
        if valid is None or valid[0] <= number <= valid[1]:  # out of range counts as unanswered
            values[p], ranks[p] = number, 1
        else:
            ranks[p] = UNANSWERED
    choice_problems = unusable[~numeric[unusable]]
    problems = np.array(sorted([*choice_problems.tolist(), *bad]), np.int64)

    def explain(p: int) -> str:
        if numeric[p]:
            unit = criteria[columns[p]].numeric.unit
            return _("answer {answer} is not a number (in {unit})").format(answer=quoted(answers.text(p)), unit=unit)
        return message(p)
    ranks[problems] = UNANSWERED
    return ranks, values, (problems, explain)


def _number_or_blank(text: str):
    """A float, None when blank or 'unknown', else the text itself (not a number)."""
    cleaned = text.strip().removesuffix("%").strip()
    if is_blank(cleaned):
        return None
    number = _number_or_none(cleaned)
    return number if number is not None and math.isfinite(number) else text


def _parse_choices(framework: Framework, columns: np.ndarray, answers: Column) -> tuple[np.ndarray, Findings]:
    parsed = [_parse_one(framework, text) for text in answers.values]
    numbers = np.array([n if isinstance(n, int) else _UNREADABLE for n in parsed] or [0], np.int64)[answers.codes]
    answered = (numbers != _UNREADABLE) & (numbers != _NO_ANSWER)
    ranks = np.zeros(len(numbers), np.int64)
    if framework.answer_format == "level":
        table = _level_to_rank(framework)
        on_scale = answered & (numbers <= framework.level_scale.top)
        ranks[on_scale] = table[columns[on_scale], numbers[on_scale]]  # 0 where the level is not offered
    else:
        ranks[answered] = numbers[answered]
    counts = np.array([len(c.answers) or 1 for c in framework.criteria_in_objective_order])[columns]
    unusable = (numbers == _UNREADABLE) | (answered & ((ranks < 1) | (ranks > counts)))
    contradicted = _contradicted_labels(framework, columns, answers, ranks, answered & ~unusable)
    unusable |= contradicted
    ranks[unusable] = UNANSWERED

    def message(p: int) -> str:
        found = parsed[answers.codes[p]]
        if contradicted[p]:
            return _contradiction(framework, int(columns[p]), answers.text(p))
        return found if isinstance(found, str) else _out_of_range(framework, int(columns[p]), answers.text(p))
    return ranks.astype(np.int16), (np.flatnonzero(unusable), message)


def _label_given(text: str) -> str | None:
    """The label written after an answer number ("3 - Shared keys" -> "shared keys"), trimmed and case-folded;
    None when only a number is given."""
    match = _LEADING_RANK.match(text.strip()) if _number_or_none(text) is None else None
    label = text.strip()[match.end():].strip().lstrip(".)-\u2013\u2014").strip() if match else ""
    return " ".join(label.casefold().split()) or None


def _contradicted_labels(framework: Framework, columns: np.ndarray, answers: Column, ranks: np.ndarray,
                         usable: np.ndarray) -> np.ndarray:
    """Rows whose answer number comes with a label that is not the framework's label for that number in any of
    its languages (a bid made from the Chinese template writes the Chinese label). Each distinct (criterion,
    text) pair is compared once."""
    contradicted = np.zeros(len(columns), bool)
    if framework.answer_format == "level":
        return contradicted
    labels = [_label_given(text) for text in answers.values]
    criteria = framework.criteria_in_objective_order
    chosen = np.array([criterion.numeric is None for criterion in criteria])[columns] if len(columns) else usable
    with_label = usable & chosen & np.array([label is not None for label in labels] or [False])[answers.codes]
    rows = np.flatnonzero(with_label)
    if len(rows) == 0:
        return contradicted
    pairs, inverse = np.unique(np.column_stack([columns[rows], answers.codes[rows], ranks[rows]]), axis=0,
                               return_inverse=True)
    wrong = np.array([labels[code] not in framework.answer_labels(criteria[column].id)[rank - 1]
                      for column, code, rank in pairs.tolist()])
    contradicted[rows] = wrong[inverse.ravel()]
    return contradicted


def _contradiction(framework: Framework, column: int, text: str) -> str:
    criterion = framework.criteria_in_objective_order[column]
    leading = _LEADING_RANK.match(text.strip())
    if leading is None:  # only answers that begin with a number are checked against their label
        raise ValueError(f"answer {text!r} does not begin with a number")
    rank = int(leading.group(1))
    return _("{criterion}: answer {answer} gives number {rank}, whose label is {label}; the label written does not "
             "match it (give the number alone, or the number with its own label)").format(
        criterion=criterion.id, answer=quoted(text), rank=rank, label=quoted(criterion.answers[rank - 1].label))


_NO_ANSWER = -1  # parse results meaning "left blank" and "not readable", distinct from every rank or level
_UNREADABLE = -2


def _parse_one(framework: Framework, text: str) -> int | str:
    cleaned = text.strip()
    if is_blank(cleaned):
        return _NO_ANSWER
    number = _whole_number(cleaned)
    if framework.answer_format == "level":
        level = framework.level_scale.parse(str(number) if number is not None else cleaned)
        first_word = cleaned.split()[0]
        if level is None and _whole_number(first_word) is None:  # "SEAL-2 Data Sovereignty", never "2 - …"
            level = framework.level_scale.parse(first_word)
        if level is None:
            codes = ", ".join(level.code for level in framework.level_scale.levels)
            return _("answer {answer} is not a level; write one of {codes} or its number").format(
                answer=quoted(text), codes=codes)
        return level
    if number is not None:
        return number
    match = _LEADING_RANK.match(cleaned)
    if match and _number_or_none(cleaned) is None:  # "3 - Shared keys", but not "3.5"
        return int(match.group(1))
    return _("answer {answer} is not an answer number; write the number of the chosen answer, or a text that "
             "starts with it such as '3 - …'").format(answer=quoted(text))


def _number_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _whole_number(text: str) -> int | None:
    """3, or 3.0 as spreadsheets often store it; None for anything else (3.5, -1, 'x')."""
    value = _number_or_none(text)
    return int(value) if value is not None and value.is_integer() and value >= 0 else None


def _level_to_rank(framework: Framework) -> np.ndarray:
    top = framework.level_scale.top
    table = np.zeros((len(framework.criteria), top + 1), np.int64)
    for i, criterion in enumerate(framework.criteria_in_objective_order):
        for answer in criterion.answers:
            table[i, answer.level] = answer.rank
    return table


def _out_of_range(framework: Framework, column: int, text: str) -> str:
    criterion = framework.criteria_in_objective_order[column]
    if framework.answer_format == "level":
        offered = ", ".join(framework.level_scale.code(a.level) for a in criterion.answers)
        return _("answer {answer} is not a level offered by {criterion} ({offered})").format(
            answer=quoted(text), criterion=criterion.id, offered=offered)
    return _("answer {answer} is out of range: {criterion} has answers 1 to {count}").format(
        answer=quoted(text), criterion=criterion.id, count=len(criterion.answers))


def parse_evidence_quality(qualities: Column) -> tuple[np.ndarray, Findings]:
    """Quality codes (0 = not stated, then EVIDENCE_QUALITIES from 1), and the rows with an unknown quality."""
    known: dict[str, int] = {re.sub(r"[\s-]+", "_", text.casefold()): EVIDENCE_QUALITIES.index(name) + 1
                             for text, name in evidence_quality_texts().items()}
    values = qualities.mapped(lambda text: QUALITY_NOT_STATED if text == "" else
                              known.get(re.sub(r"[\s-]+", "_", text.casefold()), -1)).astype(np.int64)
    # the codes, as an English file holds them; in another language the words its template's drop-down offers
    allowed = ", ".join(EVIDENCE_QUALITIES) if i18n.current() == i18n.SOURCE_LANGUAGE else \
        _(", ").join(_(EVIDENCE_QUALITY_WORDS[name]) for name in EVIDENCE_QUALITIES)
    return np.clip(values, 0, None).astype(np.int8), (np.flatnonzero(values < 0), lambda p: _(
        "evidence_quality must be one of {allowed}, or empty; found {found}").format(
        allowed=allowed, found=quoted(qualities.text(p))))
