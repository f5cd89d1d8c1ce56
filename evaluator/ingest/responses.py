"""Validating responses in long form (one row per bid and criterion), whatever file format they came from.

Every reader turns its file into the same long table and a `Locator` that names places in the original
file; the checks below then run once, vectorised, for all formats. A check reports row positions and a
message function; sentences are only written for the first few problems of each bid, so a million bad
rows cost little more than a million good ones.
"""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluator.errors import Problem, quoted
from evaluator.i18n import _
from evaluator.ingest.answers import parse_evidence_quality, parse_ranks
from evaluator.ingest.columns import Column
from evaluator.model.bid import Bid, BidSet, RegistryCitation, SourceFile
from evaluator.model.certification import Schemes
from evaluator.model.framework import Framework

# locate(row positions, column name) -> one location text per position, e.g. "Responses!B7" or "row 12"
Locator = Callable[[np.ndarray, str], list[str]]
Cells = Sequence[Any] | np.ndarray | pd.Series  # one cell per row: a list, an array or a pandas column
MAX_ERRORS_PER_BID = 25
BID_FIELDS = ("vendor", "service", "price", "currency")


class UnreadableFile(Exception):
    """The whole file cannot be used; the problem says where and why, for the officer."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class ReadOptions:
    """What the tender allows when reading bids."""

    formulas: str = "refuse"  # or "cached_value": use the value a spreadsheet last computed
    schemes: Schemes | None = None  # certification schemes for certificate files (the bundled ones when None)
    as_of: datetime.date | None = None  # the date registry entries read as bids must be valid on


@dataclass(frozen=True)
class Extract:
    """What a reader takes from one file: the long table of texts, and how to name a place in the file."""

    table: Mapping[str, Cells]  # column name -> cell texts, one per row
    locate: Locator
    source: SourceFile
    metadata: dict[str, str] = field(default_factory=dict)
    registry: RegistryCitation | None = None  # the file is a registry entry

    def __len__(self) -> int:
        return len(self.table["bid_id"])


def assemble(extracts: list[Extract], framework: Framework) -> tuple[BidSet, np.ndarray]:
    """Validate the rows of many files at once; returns the bids (in file order, then first appearance)
    and, for each bid, the index of the extract it came from."""
    if not extracts:
        return BidSet.empty(len(framework.criteria)), np.zeros(0, np.int64)
    table, file_of_row = _concatenate(extracts)
    text = {name: Column.of(cells) for name, cells in table.items()}
    bid_text = text["bid_id"]
    codes, first_rows = _bid_codes(bid_text.codes, file_of_row)
    file_of_bid = file_of_row[first_rows]
    errors = _Errors(_locator(extracts, file_of_row), codes, first_rows)
    orphan = ~bid_text.given()
    errors.add(np.flatnonzero(orphan), "bid_id", lambda p: _("bid_id is empty, so the row belongs to no bid"))

    columns = _criterion_columns(framework, text["criterion_id"], errors)
    ranks, values, (unusable, message) = parse_ranks(framework, np.clip(columns, 0, None), text["answer"])
    errors.add(unusable[columns[unusable] >= 0], "answer", message)
    quality = np.zeros(len(codes), np.int8)
    if "evidence_quality" in text:
        quality, (unknown, message) = parse_evidence_quality(text["evidence_quality"])
        errors.add(unknown, "evidence_quality", message)
    usable = (columns >= 0) & ~orphan
    _duplicate_answers(framework, codes, columns, usable, errors)

    bids = len(first_rows)
    bid_values = {name: _one_value_per_bid(text[name], name, codes, first_rows, errors)
                  for name in BID_FIELDS if name in text}
    prices = _prices(bid_values.get("price"), bids, errors)
    bid_ids = [bid_text.text(row) for row in first_rows.tolist()]
    vendors = bid_values.get("vendor", [""] * bids)
    for code in range(bids):
        if bid_ids[code] and not vendors[code]:
            errors.add_to_bid(code, "vendor", _("vendor is missing"))
    problems = errors.by_bid()
    texts: list[dict[str, Any]] = [{name: bid_values[name][code] or None for name in ("vendor", "service", "currency")
                                    if name in bid_values} for code in range(bids)]
    result = BidSet.of_rows(tuple(
        Bid(bid_id=bid_ids[code] or None, source=extracts[file_of_bid[code]].source, errors=problems.get(code, ()),
            price=prices[code], metadata=extracts[file_of_bid[code]].metadata,
            registry=extracts[file_of_bid[code]].registry, **texts[code])
        for code in range(bids)), len(framework.criteria))
    keep = np.flatnonzero(usable & ~errors.bad)
    rows, cols = codes[keep], columns[keep]
    result.ranks[rows, cols] = ranks[keep]
    result.values[rows, cols] = values[keep]
    result.evidence_quality[rows, cols] = quality[keep]
    for name, matrix in (("evidence", result.evidence), ("notes", result.notes)):
        if name in text:
            matrix[rows, cols] = text[name].objects(keep)
    return result.with_bids(result.bids), file_of_bid


def _concatenate(extracts: list[Extract]) -> tuple[Mapping[str, Cells], np.ndarray]:
    """One long table for all files; a file without an optional column gets empty cells in it."""
    sizes = [len(extract) for extract in extracts]
    file_of_row = np.repeat(np.arange(len(extracts)), sizes)
    if len(extracts) == 1:
        return extracts[0].table, file_of_row
    names = dict.fromkeys(name for extract in extracts for name in extract.table)
    return {name: np.concatenate([np.asarray(extract.table[name], dtype=object) if name in extract.table
                                  else np.full(size, "", dtype=object)
                                  for extract, size in zip(extracts, sizes, strict=True)])
            for name in names}, file_of_row


def _bid_codes(bid_id_codes: np.ndarray, file_of_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A bid is a bid_id within one file (a bid_id reused in another file is caught later). Returns each
    row's bid number, in order of first appearance, and each bid's first row."""
    key = file_of_row.astype(np.int64) * (int(bid_id_codes.max(initial=0)) + 1) + bid_id_codes
    codes, __ = pd.factorize(key)
    __, first_rows = np.unique(codes, return_index=True)
    return codes.astype(np.int64), first_rows


def _locator(extracts: list[Extract], file_of_row: np.ndarray) -> Locator:
    offsets = np.r_[0, np.cumsum([len(extract) for extract in extracts])]

    def locate(positions: np.ndarray, column: str) -> list[str]:
        places = [""] * len(positions)
        files = file_of_row[positions]
        for f in np.unique(files).tolist():
            picked = np.flatnonzero(files == f)
            for i, place in zip(picked.tolist(), extracts[f].locate(positions[picked] - offsets[f], column),
                                strict=True):
                places[i] = place
        return places
    return locate


class _Errors:
    """Problems found so far: row-level ones as (positions, column, message function), bid-level ones as
    sentences. Rows with a problem are marked at once; sentences are written only when asked for."""

    def __init__(self, locate: Locator, codes: np.ndarray, first_rows: np.ndarray):
        self.locate, self.codes, self.first_rows = locate, codes, first_rows
        self.found: list[tuple[np.ndarray, str, Callable[[int], str]]] = []
        self.bad = np.zeros(len(codes), bool)
        self.bid_level: dict[int, list[Problem]] = {}

    def add(self, positions: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        positions = np.asarray(positions, np.int64)
        if len(positions):
            self.found.append((positions, column, message))
            self.bad[positions] = True

    def add_to_bid(self, code: int, column: str, message: str) -> None:
        place = self.locate(self.first_rows[code:code + 1], column)[0]
        self.bid_level.setdefault(code, []).append(Problem(place, message))

    def by_bid(self) -> dict[int, tuple[Problem, ...]]:
        """Each bid's problems: bid-level first, then by row, at most MAX_ERRORS_PER_BID and a count of the rest."""
        result = {code: list(problems) for code, problems in self.bid_level.items()}
        if self.found:
            positions = np.concatenate([found[0] for found in self.found])
            check = np.concatenate([np.full(len(found[0]), i) for i, found in enumerate(self.found)])
            bids = self.codes[positions]
            order = np.lexsort((check, positions, bids))
            positions, check, bids = positions[order], check[order], bids[order]
            starts = np.flatnonzero(np.r_[True, bids[1:] != bids[:-1]])
            counts = np.diff(np.r_[starts, len(bids)])
            within = np.arange(len(bids)) - np.repeat(starts, counts)
            for i in np.flatnonzero(within < MAX_ERRORS_PER_BID).tolist():
                __, column, message = self.found[check[i]]
                location = self.locate(positions[i:i + 1], column)[0]
                result.setdefault(int(bids[i]), []).append(Problem(location, message(int(positions[i]))))
            for start, count in zip(starts.tolist(), counts.tolist(), strict=True):
                if count > MAX_ERRORS_PER_BID:
                    result[int(bids[start])].append(Problem(
                        "…", _("and {count} more problems in rows of this bid").format(
                            count=f"{count - MAX_ERRORS_PER_BID:,}")))
        return {code: tuple(problems) for code, problems in result.items()}


def _criterion_columns(framework: Framework, criterion_ids: Column, errors: _Errors) -> np.ndarray:
    columns = criterion_ids.mapped(lambda cid: framework.criterion_index.get(cid, -1)).astype(np.int64)

    def message(p: int) -> str:
        name = criterion_ids.text(p)
        if not name:
            return _("criterion_id is empty")
        return _("criterion {criterion} is not in framework {framework} version {version}").format(
            criterion=quoted(name), framework=framework.id, version=framework.version)
    errors.add(np.flatnonzero(columns < 0), "criterion_id", message)
    return columns


def _duplicate_answers(framework: Framework, codes, columns, usable, errors: _Errors) -> None:
    key = np.where(usable, codes.astype(np.int64) * len(framework.criteria) + columns, -1 - np.arange(len(codes)))
    unique_keys, first = np.unique(key, return_index=True)
    repeated = np.flatnonzero(first[np.searchsorted(unique_keys, key)] != np.arange(len(key)))
    if len(repeated) == 0:
        return
    criteria = framework.criteria_in_objective_order

    def message(p: int) -> str:
        earlier = errors.locate(first[np.searchsorted(unique_keys, key[p:p + 1])], "criterion_id")[0]
        return _("{criterion} is answered a second time (first at {earlier})").format(
            criterion=criteria[columns[p]].id, earlier=earlier)
    errors.add(repeated, "criterion_id", message)


def _one_value_per_bid(column: Column, name: str, codes: np.ndarray, first_rows: np.ndarray,
                       errors: _Errors) -> list[str]:
    """The bid-level value of a column that is repeated on every row; rows that disagree are errors."""
    is_given = column.given()
    given = np.flatnonzero(is_given)
    bids = len(first_rows)
    found, first_of_found = np.unique(codes[given], return_index=True)
    first_row = np.full(bids, -1, np.int64)
    first_row[found] = given[first_of_found]
    first = np.full(bids, -1, np.int64)
    first[found] = column.codes[first_row[found]]

    def differs(p: int) -> str:
        where = errors.locate(first_row[codes[p:p + 1]], name)[0]
        return _("{name} {value} differs from {first} given at {where}").format(
            name=name, value=quoted(column.text(p)), first=quoted(column.values[first[codes[p]]]), where=where)
    errors.add(np.flatnonzero(is_given & (column.codes != first[codes])), name, differs)
    if name == "price":
        errors.add(np.flatnonzero(~is_given & (first_row[codes] >= 0)), name,
                   lambda p: _("price is empty here but given on other rows of the same bid"))
    return [column.values[code] if code >= 0 else "" for code in first.tolist()]


def _prices(values: list[str] | None, bids: int, errors: _Errors) -> list[float | None]:
    if values is None:
        return [None] * bids
    prices = []
    for code, value in enumerate(values):
        try:
            price = float(value.replace(" ", "")) if value else None
        except ValueError:
            price = float("nan")
        if price is not None and not (np.isfinite(price) and price >= 0):
            errors.add_to_bid(code, "price", _("price {value} is not a number of at least 0").format(
                value=quoted(value)))
            price = None
        prices.append(price)
    return prices
