"""Validating responses in long form (one row per bid and criterion), whatever file format they came from.

Every reader turns its file into the same long table and a `Locator` that names places in the original
file; the checks below then run once, vectorised, for all formats.
"""

from collections import defaultdict
from typing import Callable

import numpy as np
import pandas as pd

from evaluator.errors import Problem
from evaluator.ingest.answers import parse_evidence_quality, parse_ranks
from evaluator.ingest.columns import Column
from evaluator.model.bid import Bid, BidSet, SourceFile
from evaluator.model.framework import Framework

# locate(row positions, column name) -> one location text per position, e.g. "Responses!B7" or "row 12"
Locator = Callable[[np.ndarray, str], list[str]]
MAX_ERRORS_PER_BID = 25
BID_FIELDS = ("vendor", "service", "price", "currency")


class UnreadableFile(Exception):
    """The whole file cannot be used; the problem says where and why, for the officer."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def assemble(frame: pd.DataFrame, framework: Framework, source: SourceFile, locate: Locator,
             bid_metadata: dict | None = None) -> BidSet:
    """Turn a long table of text columns (bid_id, vendor, criterion_id, answer, …) into a BidSet."""
    text = {name: Column.of(frame[name]) for name in frame.columns}
    codes, bid_ids = text["bid_id"].codes, text["bid_id"].values
    errors = _Errors(locate, codes)
    orphan = ~text["bid_id"].given()
    errors.add(np.flatnonzero(orphan), "bid_id", lambda p: "bid_id is empty, so the row belongs to no bid")

    columns = _criterion_columns(framework, text["criterion_id"], errors)
    ranks, answer_errors = parse_ranks(framework, np.clip(columns, 0, None), text["answer"])
    errors.add_messages(answer_errors, "answer", skip=columns < 0)
    quality = np.zeros(len(frame), np.int8)
    if "evidence_quality" in text:
        quality, quality_errors = parse_evidence_quality(text["evidence_quality"])
        errors.add_messages(quality_errors, "evidence_quality")
    usable = (columns >= 0) & ~orphan
    _duplicate_answers(framework, codes, columns, usable, errors)

    bid_values = {name: _one_value_per_bid(text[name], name, codes, len(bid_ids), errors)
                  for name in BID_FIELDS if name in text}
    prices = _prices(bid_values.get("price"), len(bid_ids), errors)
    bids = []
    for code, bid_id in enumerate(bid_ids):
        values = {name: bid_values[name][code] or None for name in bid_values if name != "price"}
        problems = errors.of_bid(code)
        if bid_id and not values.get("vendor"):
            problems = (errors.place(code, "vendor", "vendor is missing"), *problems)
        bids.append(Bid(bid_id=bid_id or None, vendor=values.get("vendor"), source=source, errors=problems,
                        service=values.get("service"), price=prices[code], currency=values.get("currency"),
                        metadata=bid_metadata or {}))
    result = BidSet.of_rows(tuple(bids), len(framework.criteria))
    keep = np.flatnonzero(usable & ~errors.bad_rows())
    rows, cols = codes[keep], columns[keep]
    result.ranks[rows, cols] = ranks[keep]
    result.evidence_quality[rows, cols] = quality[keep]
    for name, matrix in (("evidence", result.evidence), ("notes", result.notes)):
        if name in text:
            matrix[rows, cols] = text[name].objects(keep)
    return result.with_bids(result.bids)


class _Errors:
    """Collects located messages by row; knows which bid each row belongs to."""

    def __init__(self, locate: Locator, codes: np.ndarray):
        self.locate, self.codes = locate, codes
        self.by_bid: dict[int, list[tuple[int, Problem]]] = defaultdict(list)
        self.rows: set[int] = set()

    def add(self, positions: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        positions = np.asarray(positions, np.int64)
        for position, location in zip(positions.tolist(), self.locate(positions, column)):
            self.rows.add(position)
            self.by_bid[int(self.codes[position])].append((position, Problem(location, message(position))))

    def add_messages(self, messages: dict[int, str], column: str, skip: np.ndarray | None = None) -> None:
        positions = np.array(sorted(p for p in messages if skip is None or not skip[p]), np.int64)
        self.add(positions, column, messages.__getitem__)

    def place(self, code: int, column: str, message: str) -> Problem:
        first_row = int(np.argmax(self.codes == code))
        return Problem(self.locate(np.array([first_row]), column)[0], message)

    def bad_rows(self) -> np.ndarray:
        bad = np.zeros(len(self.codes), bool)
        bad[list(self.rows)] = True
        return bad

    def of_bid(self, code: int) -> tuple[Problem, ...]:
        found = [problem for _, problem in sorted(self.by_bid.get(code, []), key=lambda item: item[0])]
        if len(found) > MAX_ERRORS_PER_BID:
            more = len(found) - MAX_ERRORS_PER_BID
            found = found[:MAX_ERRORS_PER_BID] + [Problem(found[MAX_ERRORS_PER_BID].location,
                                                          f"… and {more} more problems like these")]
        return tuple(found)


def _criterion_columns(framework: Framework, criterion_ids: Column, errors: _Errors) -> np.ndarray:
    columns = criterion_ids.mapped(lambda cid: framework.criterion_index.get(cid, -1)).astype(np.int64)

    def message(p: int) -> str:
        name = criterion_ids.text(p)
        if not name:
            return "criterion_id is empty"
        return f"criterion {name!r} is not in framework {framework.id} version {framework.version}"
    errors.add(np.flatnonzero(columns < 0), "criterion_id", message)
    return columns


def _duplicate_answers(framework, codes, columns, usable, errors: _Errors) -> None:
    key = codes.astype(np.int64) * len(framework.criteria) + columns
    repeated = np.flatnonzero(usable & pd.Series(np.where(usable, key, -1 - np.arange(len(key)))).duplicated()
                              .to_numpy())
    if len(repeated) == 0:
        return
    first = {}
    for position in np.flatnonzero(usable).tolist():
        first.setdefault(int(key[position]), position)
    criteria = framework.criteria_in_objective_order
    first_place = {p: errors.locate(np.array([first[int(key[p])]]), "criterion_id")[0] for p in repeated.tolist()}
    errors.add(repeated, "criterion_id",
               lambda p: f"{criteria[columns[p]].id} is answered a second time (first at {first_place[p]})")


def _one_value_per_bid(column: Column, name: str, codes: np.ndarray, bids: int, errors: _Errors) -> list[str]:
    """The bid-level value of a column that is repeated on every row; rows that disagree are errors."""
    is_given = column.given()
    given = np.flatnonzero(is_given)
    found, first_of_found = np.unique(codes[given], return_index=True)
    first_row = np.full(bids, -1, np.int64)
    first_row[found] = given[first_of_found]
    first = np.full(bids, -1, np.int64)
    first[found] = column.codes[first_row[found]]
    differs = np.flatnonzero(is_given & (column.codes != first[codes]))
    where = dict(zip(differs.tolist(), errors.locate(first_row[codes[differs]], name)))
    errors.add(differs, name, lambda p: f"{name} {column.text(p)!r} differs from "
                                        f"{column.values[first[codes[p]]]!r} given at {where[p]}")
    if name == "price":
        partial = np.flatnonzero(~is_given & (first_row[codes] >= 0))
        errors.add(partial, name, lambda p: "price is empty here but given on other rows of the same bid")
    return [column.values[code] if code >= 0 else "" for code in first.tolist()]


def _prices(values: list[str] | None, bids: int, errors: _Errors) -> list[float | None]:
    if values is None:
        return [None] * bids
    prices = []
    for code, value in enumerate(values):
        price = None
        if value:
            try:
                price = float(value.replace(" ", ""))
            except ValueError:
                price = None
            if price is None or not np.isfinite(price) or price < 0:
                errors.by_bid[code].append((-1, errors.place(code, "price", f"price {value!r} is not a number of "
                                                                         f"at least 0")))
                price = None
        prices.append(price)
    return prices
