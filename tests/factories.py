"""Bid files written by the tests themselves: workbooks in the contract's layout, long and wide CSVs."""

import csv
import io
import tempfile
from pathlib import Path

import xlsxwriter

from evaluator.ingest.files import DEFAULT_READ_OPTIONS, read_bids
from evaluator.model.bid import BidSet


def bid_workbook(path: Path, bid: dict, responses: list[list], header=("criterion_id", "answer", "evidence",
                                                                       "evidence_quality", "notes")) -> Path:
    """`bid`: the Bid sheet's keys and values; `responses`: rows under the Responses header."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Bid")
    for row, (key, value) in enumerate(bid.items()):
        sheet.write(row, 0, key)
        sheet.write(row, 1, value)
    sheet = workbook.add_worksheet("Responses")
    for column, name in enumerate(header):
        sheet.write(0, column, name)
    for row, values in enumerate(responses, start=1):
        for column, value in enumerate(values):
            if value is not None:
                sheet.write(row, column, value)
    workbook.close()
    return path


def csv_text(rows: list[list], separator=",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def long_rows(bids: dict[str, tuple[str, dict]], price: dict | None = None) -> list[list]:
    """Long CSV rows for {bid_id: (vendor, {criterion: answer})}."""
    header = ["bid_id", "vendor", "criterion_id", "answer"] + (["price"] if price else [])
    rows = [header]
    for bid_id, (vendor, answers) in bids.items():
        for criterion, answer in answers.items():
            rows.append([bid_id, vendor, criterion, answer] + ([price[bid_id]] if price else []))
    return rows


def wide_rows(criteria: list[str], bids: dict[str, tuple[str, dict]]) -> list[list]:
    rows = [["bid_id", "vendor", *criteria]]
    for bid_id, (vendor, answers) in bids.items():
        rows.append([bid_id, vendor, *[answers.get(c, "") for c in criteria]])
    return rows


# The smallest framework: two objectives, one yes/no criterion each, two levels (tests of the format build on it)
TINY = {
    "schema_version": 1, "id": "tiny", "version": "1", "title": "Tiny",
    "source": {"publisher": "Test"}, "score_divisor": 100,
    "level_scale": {"name": "L", "levels": [{"value": 0, "code": "L-0", "name": "none"},
                                            {"value": 1, "code": "L-1", "name": "some"}]},
    "objectives": [{"id": "A", "name": "Alpha"}, {"id": "B", "name": "Beta"}],
    "criteria": [
        {"id": "A.1", "objective": "A", "title": "a", "question": "a?",
         "answers": [{"rank": 1, "label": "no", "points": 0, "level": 0},
                     {"rank": 2, "label": "yes", "points": 100, "level": 1}]},
        {"id": "B.1", "objective": "B", "title": "b", "question": "b?",
         "answers": [{"rank": 1, "label": "no", "points": 0, "level": 0},
                     {"rank": 2, "label": "yes", "points": 100, "level": 1}]},
    ],
    "weight_profiles": {"even": {"weights": {"A": 50, "B": 50}}},
    "default_weight_profile": "even",
}


def read_bid_bytes(content: bytes, name: str, framework, options=DEFAULT_READ_OPTIONS) -> BidSet:
    """One submitted file's bytes, read and validated as the evaluator reads a file, under `name`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "submitted"
        path.write_bytes(content)
        return read_bids([name], framework, options, base={name: path})
