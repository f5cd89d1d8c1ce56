"""results.xlsx: a Ranking sheet (one row per bid) and a Breakdown sheet (one row per bid and objective);
after a panel's assessments, a Moderations sheet (one row per answer the panel changed) and a Pending sheet
(one row per reason a bid is pending).

Written row by row in constant memory, so 10,000 bids stay fast. Every text cell that a spreadsheet could
take for a formula is neutralised (evaluator/report/cells.py).
"""

import datetime as dt
import io

import xlsxwriter

from evaluator.model.evaluation import INVALID
from evaluator.report.cells import neutralise

FIXED_CREATED = dt.datetime(2000, 1, 1)  # no clock: the same inputs give the same bytes
RANKING_COLUMNS = [("Rank", 6), ("Bid ID", 14), ("Vendor", 28), ("Status", 10), ("Overall level", 12),
                   ("Sovereignty Score (%)", 14), ("Price", 12), ("Currency", 9), ("Price points", 11),
                   ("Award total", 12), ("Tied with", 14), ("Exclusion reasons", 60), ("Errors", 60),
                   ("Unanswered", 30), ("Source file", 30), ("Source SHA-256", 66)]
BREAKDOWN_COLUMNS = [("Bid ID", 14), ("Vendor", 28), ("Objective", 10), ("Objective name", 34), ("Level", 9),
                     ("Required", 9), ("Passed", 8), ("Score", 10), ("Weight (%)", 10), ("Weighted", 10),
                     ("Unanswered", 30), ("Capped by", 40)]
MODERATION_COLUMNS = [("Bid ID", 14), ("Criterion", 10), ("Claimed", 10), ("Assessed", 10), ("Assessors", 20),
                      ("Stage", 11), ("Justification", 80), ("Claimed evidence quality", 16),
                      ("Assessed evidence quality", 16)]
PENDING_COLUMNS = [("Bid ID", 14), ("Vendor", 28), ("Reason (figures provisional: disputed answers as claimed)", 90)]


def render_results_xlsx(document: dict) -> bytes:
    """Render from the results document, so the workbook can never disagree with results.json."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": "Sovereignty evaluation results", "created": FIXED_CREATED})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True})
    ranking = _sheet(workbook, "Ranking", RANKING_COLUMNS, bold)
    breakdown = _sheet(workbook, "Breakdown", BREAKDOWN_COLUMNS, bold)
    codes = dict(enumerate(document["framework"]["level_codes"]))
    names = document["framework"]["objectives"]
    weights = document["settings"]["weights"]
    line = 1
    for row, bid in enumerate(document["bids"], start=1):
        write_row(ranking, row, _ranking_row(bid, codes))
        for oid, result in bid["objectives"].items():
            write_row(breakdown, line, [
                bid["bid_id"], bid["vendor"], oid, names[oid],
                codes.get(result["level"], result["level"]), codes.get(result["required"], result["required"]),
                "yes" if result["passed"] else "NO", result["score"], weights[oid], result["weighted"],
                ", ".join(result["unanswered"]), ", ".join(result["capped_by"])])
            line += 1
    if document.get("panel", {}).get("assessed"):
        _panel_sheets(workbook, document["bids"], bold)
    workbook.close()
    return buffer.getvalue()


def _panel_sheets(workbook, bids: list[dict], header_format) -> None:
    """The answers the panel changed, and why each pending bid is pending (its figures are provisional)."""
    moderations = _sheet(workbook, "Moderations", MODERATION_COLUMNS, header_format)
    rows = ([bid["bid_id"], m["criterion_id"], m["claimed"], m["assessed"], ", ".join(m["assessors"]), m["stage"],
             " / ".join(m["justifications"]), m["claimed_evidence_quality"], m["assessed_evidence_quality"]]
            for bid in bids for m in bid.get("moderations", []))
    for row, values in enumerate(rows, start=1):
        write_row(moderations, row, values)
    pending = _sheet(workbook, "Pending", PENDING_COLUMNS, header_format)
    reasons = ([bid["bid_id"], bid["vendor"], reason] for bid in bids for reason in bid.get("pending_reasons", []))
    for row, values in enumerate(reasons, start=1):
        write_row(pending, row, values)


def _sheet(workbook, name: str, columns, header_format):
    sheet = workbook.add_worksheet(name)
    for index, (title, width) in enumerate(columns):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, title, header_format)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 0, len(columns) - 1)
    return sheet


def _ranking_row(bid: dict, codes: dict) -> list:
    invalid = bid["status"] == INVALID
    return [
        bid["rank"], bid["bid_id"], bid["vendor"], bid["status"],
        None if invalid else codes.get(bid["overall_level"], bid["overall_level"]),
        bid["score"], bid["price"], bid["currency"], bid["price_points"], bid["total"],
        ", ".join(bid["tie"]["tied_with"]) if bid["tie"] else None,
        "; ".join(reason["message"] for reason in bid["exclusion_reasons"]),
        "; ".join(f"{e['location']}: {e['message']}" for e in bid["errors"]),
        ", ".join(cid for result in bid["objectives"].values() for cid in result["unanswered"]),
        bid["source"]["file"], bid["source"]["sha256"],
    ]


def write_row(sheet, row: int, values: list) -> None:
    """Text as text (neutralised: vendor text cannot become a formula), booleans and numbers as such, None and
    "" left empty."""
    for column, value in enumerate(values):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            sheet.write_string(row, column, neutralise(value))
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        else:
            sheet.write_number(row, column, value)
