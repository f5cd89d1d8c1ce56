"""The bid workbook (.xlsx): sheet Bid (key in A, value in B) and sheet Responses (one row per criterion)."""

import datetime as dt
import io

import numpy as np
from python_calamine import CalamineWorkbook

from evaluator import i18n
from evaluator.errors import Problem, quoted
from evaluator.i18n import N_, _
from evaluator.ingest.csv_reader import RESPONSE_FIELDS
from evaluator.ingest.responses import BID_FIELDS, Extract, ReadOptions, UnreadableFile
from evaluator.ingest.workbook_check import inspect_workbook
from evaluator.model.bid import Bid, BidSet, SourceFile
from evaluator.model.framework import Framework

BID_SHEET, RESPONSES_SHEET, TEMPLATE_SHEET = "Bid", "Responses", "Template"
# The Responses sheet's columns as the contract names them. The template writes them in its language, and a
# header is read in any language: 回答 is the answer column as well as answer.
RESPONSE_HEADERS = (N_("criterion_id"), N_("objective"), N_("criterion"), N_("question"), N_("answer"),
                    N_("evidence"), N_("evidence_quality"), N_("notes"))


def read_xlsx_bid(content: bytes, framework: Framework, source: SourceFile,
                  options: ReadOptions) -> Extract | BidSet:
    """The workbook's rows, or a finished invalid bid when the workbook as a whole cannot be accepted."""
    parts = inspect_workbook(content, read_sheets=(BID_SHEET, RESPONSES_SHEET, TEMPLATE_SHEET))
    for name in (BID_SHEET, RESPONSES_SHEET):
        if name not in parts.sheets:
            raise UnreadableFile(Problem(name, _("the workbook has no sheet named {name} (sheets: {sheets})").format(
                name=quoted(name), sheets=", ".join(parts.sheets) or _("none"))))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                  for name in (BID_SHEET, RESPONSES_SHEET, TEMPLATE_SHEET) if name in parts.sheets}
    except Exception as error:  # calamine raises several types for broken workbooks
        raise UnreadableFile(Problem("file", _("the workbook cannot be read ({error})").format(
            error=f"{type(error).__name__}: {error}"))) \
            from None
    fields, cells, metadata, problems = _bid_sheet(sheets[BID_SHEET])
    table, rows, header = _responses(sheets[RESPONSES_SHEET])
    problems += _template_problems(sheets.get(TEMPLATE_SHEET), framework)
    if options.formulas != "cached_value":
        problems += [Problem(f"{sheet}!{cell}", _("the cell holds a formula; formulas are never evaluated, so type "
                                                  "the value itself")) for sheet, found in parts.formulas.items()
                     if sheet != TEMPLATE_SHEET for cell in found]
    if not fields.get("bid_id"):
        problems.append(Problem(f"{BID_SHEET}!A:B", _("bid_id is missing")))
    if not rows:
        problems.append(Problem(f"{RESPONSES_SHEET}!A2", _("the Responses sheet has no answers")))
    if problems:
        bid = Bid(fields.get("bid_id") or None, fields.get("vendor") or None, source, tuple(problems))
        return BidSet.of_rows((bid,), len(framework.criteria))
    for name in ("bid_id", *BID_FIELDS):
        table[name] = [fields.get(name, "")] * len(rows)

    def locate(positions: np.ndarray, column: str) -> list[str]:
        if column in header:
            return [f"{RESPONSES_SHEET}!{_column_letter(header[column])}{rows[p]}" for p in positions.tolist()]
        return [cells.get(column, f"{BID_SHEET}!A:B")] * len(positions)

    return Extract(table, locate, source, metadata)


def _template_problems(rows: list[list] | None, framework: Framework) -> list[Problem]:
    """A workbook made from our template says which framework it was made for; it must be this one."""
    if rows is None:
        return []
    stamp = {_text(row[0]): _text(row[1]) for row in rows if len(row) > 1}
    made_for = (stamp.get("framework_id", ""), stamp.get("framework_version", ""))
    if made_for == (framework.id, framework.version):
        return []
    return [Problem(f"{TEMPLATE_SHEET}!B1", _("this workbook was made from the template for {made_for} version "
                                              "{made_for_version}, but the evaluation uses {framework} version "
                                              "{version}; fill in the current template").format(
        made_for=made_for[0] or "?", made_for_version=made_for[1] or "?", framework=framework.id,
        version=framework.version))]


def _bid_sheet(rows: list[list]) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[Problem]]:
    fields: dict[str, str] = {}
    cells: dict[str, str] = {}
    metadata: dict[str, str] = {}
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=1):
        key = _text(row[0]).casefold() if row else ""
        if not key:
            continue
        value = _text(row[1]) if len(row) > 1 else ""
        target = fields if key in ("bid_id", *BID_FIELDS) else metadata
        if key in target:
            problems.append(Problem(f"{BID_SHEET}!A{number}", _("key {key} appears twice").format(key=quoted(key))))
        target[key] = value
        cells[key] = f"{BID_SHEET}!B{number}"
    return fields, cells, metadata, problems


def _responses(rows: list[list]) -> tuple[dict[str, list[str]], list[int], dict[str, int]]:
    """The Responses sheet as columns of texts, the sheet row number of each, and the header's columns."""
    names = _header_names()
    header = {names.get(_text(name).casefold(), _text(name).casefold()): i
              for i, name in enumerate(rows[0] if rows else []) if _text(name)}
    missing = [name for name in ("criterion_id", "answer") if name not in header]
    if missing:
        raise UnreadableFile(Problem(f"{RESPONSES_SHEET}!1:1", _("the header row has no column {columns}").format(
            columns=", ".join(missing))))
    wanted = {name: i for name, i in header.items() if name in ("criterion_id", "answer", *RESPONSE_FIELDS)}
    body = rows[1:]
    table = {name: [_text(row[i]) if i < len(row) else "" for row in body] for name, i in wanted.items()}
    filled = [i for i, cells in enumerate(zip(*table.values(), strict=True)) if any(cells)]  # blank rows are skipped
    if len(filled) < len(body):
        table = {name: [cells[i] for i in filled] for name, cells in table.items()}
    return table, [i + 2 for i in filled], wanted


def _header_names() -> dict[str, str]:
    """A header cell (case-folded) in any language -> the column's contract name."""
    return {text.casefold(): name for name in RESPONSE_HEADERS for text in i18n.every_language(name)}


def _text(value) -> str:
    """A cell as text: 3.0 becomes '3', dates become ISO dates, empty cells become ''."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value).strip()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
