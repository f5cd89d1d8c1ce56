"""The vendor-facing bid workbook: Instructions, Bid, Responses, and two hidden sheets.

The layout is the contract's bid workbook, so a filled-in template is read like any other bid file.
Drop-downs guide the vendor; they are not a control: every answer is validated again on upload, and
the hidden Template sheet lets the reader refuse a workbook made for another framework version.
"""

import datetime as dt
import io
import math

import xlsxwriter

from evaluator.ingest.xlsx_reader import BID_SHEET, RESPONSES_SHEET, TEMPLATE_SHEET
from evaluator.model.framework import Framework
from evaluator.model.tender import EVIDENCE_QUALITIES, EVIDENCE_QUALITY_WORDS, Settings
from evaluator.model.unanswered import MEANINGS

TEMPLATE_VERSION = "1"
OPTIONS_SHEET = "Options"
FIXED_CREATED = dt.datetime(2000, 1, 1)  # no clock: the same framework and tender give the same bytes
EVIDENCE_MEANINGS = {
    "self_attested": "your own statement, not checked by anyone else",
    "contractual": "a commitment written into the contract, which the buyer can enforce",
    "third_party_certified": "a certificate from an accredited body (e.g. ISO/IEC 27001, EUCS, SecNumCloud, C5)",
    "independently_audited": "an independent audit report that covers this answer",
}
BID_KEYS = [
    ("bid_id", "Your bid reference, as given by the contracting authority"),
    ("vendor", "Legal name of the bidder"),
    ("service", "Name of the cloud service offered"),
    ("price", "Total price as a number, without currency sign"),
    ("currency", "ISO 4217 code, e.g. EUR"),
]
RESPONSE_COLUMNS = [("criterion_id", 11), ("objective", 22), ("criterion", 24), ("question", 48),
                    ("answer", 48), ("evidence", 40), ("evidence_quality", 22), ("notes", 28)]


def answer_options(framework: Framework, criterion) -> list[str]:
    """The drop-down entries: '3 - Shared keys' for ranked answers, 'SEAL-2 Data Sovereignty' for levels."""
    if framework.answer_format == "level":
        return [f"{framework.level_scale.code(a.level)} {framework.level_scale.levels[a.level].name}"
                for a in criterion.answers]
    return [f"{a.rank} - {a.label}" for a in criterion.answers]


def render_template(framework: Framework, framework_sha256: str, settings: Settings,
                    tender_sha256: str | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": f"Bid template: {framework.title}", "created": FIXED_CREATED})
    formats = _formats(book)
    _instructions(book, formats, framework, framework_sha256, settings, tender_sha256)
    _bid_sheet(book, formats, settings)
    _responses_sheet(book, formats, framework)
    _options_sheet(book, framework)
    _stamp(book, framework, framework_sha256, settings, tender_sha256)
    book.get_worksheet_by_name(BID_SHEET).activate()
    book.close()
    return buffer.getvalue()


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "heading": book.add_format({"bold": True, "font_size": 11, "bottom": 1}),
        "header": book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                                   "valign": "top"}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
        "key": book.add_format({"bold": True, "valign": "top", "bg_color": "#F2F2F2", "border": 1}),
        "input": book.add_format({"locked": False, "text_wrap": True, "valign": "top", "bg_color": "#FFF9DB",
                                  "border": 1}),
        "number": book.add_format({"locked": False, "valign": "top", "bg_color": "#FFF9DB", "border": 1,
                                   "num_format": "#,##0.00"}),
    }


def _instructions(book, formats, framework: Framework, sha256: str, settings: Settings,
                  tender_sha256: str | None) -> None:
    sheet = book.add_worksheet("Instructions")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 80)
    _printable_page(sheet, landscape=False)
    tender = settings.tender
    rows: list[tuple[str, str, str]] = [("title", f"Bid template: {framework.title}", "")]
    if tender.name:
        rows += [("heading", "Tender", ""), ("pair", "Name", tender.name), ("pair", "Reference", tender.reference),
                 ("pair", "Contracting authority", tender.authority),
                 ("pair", "Deadline", tender.deadline or "see the tender documents"),
                 ("pair", "Tender SHA-256", tender_sha256 or "")]
    rows += [("heading", "Minimum levels", ""),
             *[("pair", f"{o.id} {o.name}", framework.level_scale.code(settings.minimum_levels[o.id]))
               for o in framework.objectives],
             ("pair", "Unanswered criterion", MEANINGS[settings.unknown])]
    rows += [("heading", "How to answer", ""),
             ("pair", "1. Bid sheet", "Fill in the yellow cells: bid_id, vendor, service, price, currency."),
             ("pair", "2. Responses sheet", "For every criterion choose one answer from the drop-down in the answer "
                                            "column. Only the number (or level) at the start of the answer counts."),
             ("pair", "3. Evidence", "Say where the evidence is (document, section, certificate number) and "
                                     "choose its quality from the drop-down (the words below; the codes "
                                     f"{', '.join(EVIDENCE_QUALITIES)} are read as well)."),
             ("pair", "4. Do not", "add, delete or reorder rows, rename sheets, or type formulas: formula cells "
                                   "are refused, because they are never evaluated."),
             ("heading", "Evidence quality", ""),
             *[("pair", EVIDENCE_QUALITY_WORDS[name], EVIDENCE_MEANINGS[name]) for name in EVIDENCE_QUALITIES],
             ("heading", "Framework", ""),
             ("pair", "Framework", f"{framework.id} version {framework.version}"),
             ("pair", "Framework SHA-256", sha256),
             ("pair", "Template version", TEMPLATE_VERSION),
             ("pair", "Official documents", "; ".join(f"{d.title} ({d.date})" for d in framework.source.documents))]
    for row, (kind, first, second) in enumerate(rows):
        if kind == "pair":
            sheet.write_string(row, 0, first, formats["key"])
            sheet.write_string(row, 1, second, formats["text"])
            sheet.set_row(row, _height(second, 80))
        else:
            sheet.write_string(row, 0, first, formats[kind])
    sheet.protect("", {"format_columns": True, "format_rows": True})


def _bid_sheet(book, formats, settings: Settings) -> None:
    sheet = book.add_worksheet(BID_SHEET)
    _printable_page(sheet, landscape=False)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 44)
    sheet.set_column(2, 2, 60)
    currency = settings.award.currency if settings.award and settings.award.currency else ""
    for row, (key, meaning) in enumerate(BID_KEYS):
        sheet.write_string(row, 0, key, formats["key"])
        if key == "price":
            sheet.write_blank(row, 1, None, formats["number"])
            sheet.data_validation(row, 1, row, 1, {"validate": "decimal", "criteria": ">=", "value": 0,
                                                   "error_message": "Type the price as a number."})
        else:
            sheet.write_string(row, 1, currency if key == "currency" else "", formats["input"])
        sheet.write_string(row, 2, meaning, formats["text"])
    sheet.protect("", {"format_columns": True, "format_rows": True})


def _options_sheet(book, framework: Framework) -> None:
    """A hidden sheet with each criterion's answers in its own row: the source of the drop-downs."""
    sheet = book.add_worksheet(OPTIONS_SHEET)
    for row, criterion in enumerate(framework.criteria_in_objective_order):
        sheet.write_row(row, 0, [criterion.id, *answer_options(framework, criterion)])
    sheet.hide()
    sheet.protect()


def _option_range(row: int, count: int) -> str:
    return f"={OPTIONS_SHEET}!$B${row + 1}:${xlsxwriter.utility.xl_col_to_name(count)}${row + 1}"


def _responses_sheet(book, formats, framework: Framework) -> None:
    sheet = book.add_worksheet(RESPONSES_SHEET)
    _printable_page(sheet, landscape=True)
    sheet.repeat_rows(0)
    for column, (name, width) in enumerate(RESPONSE_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, name, formats["header"])
    names = {o.id: f"{o.id} {o.name}" for o in framework.objectives}
    answer, quality = _column("answer"), _column("evidence_quality")
    for row, criterion in enumerate(framework.criteria_in_objective_order, start=1):
        question = criterion.question
        values = [criterion.id, names[criterion.objective], criterion.title, question]
        for column, value in enumerate(values):
            sheet.write_string(row, column, value, formats["text"])
        for column in range(answer, len(RESPONSE_COLUMNS)):
            sheet.write_blank(row, column, None, formats["input"])
        if criterion.numeric is not None:
            sheet.data_validation(row, answer, row, answer, {
                "validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15,
                "input_title": criterion.numeric.unit[:32],
                "input_message": f"A number in {criterion.numeric.unit} "
                                 f"({criterion.numeric.direction} is better)"[:255]})
        else:
            sheet.data_validation(row, answer, row, answer, {
                "validate": "list", "source": _option_range(row - 1, len(criterion.answers)), "error_type": "stop",
                "error_title": "Choose an answer", "error_message": "Choose one of the answers in the list."})
        options = answer_options(framework, criterion) or [""]
        sheet.set_row(row, max(_height(question, 48), _height(max(options, key=len), 48)))
    words = [EVIDENCE_QUALITY_WORDS[name] for name in EVIDENCE_QUALITIES]
    sheet.data_validation(1, quality, len(framework.criteria), quality, {
        "validate": "list", "source": words, "error_type": "stop",
        "error_message": "Choose one of: " + ", ".join(words)})
    sheet.freeze_panes(1, 1)
    sheet.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})


def _stamp(book, framework: Framework, sha256: str, settings: Settings, tender_sha256: str | None) -> None:
    """The hidden sheet the reader checks: which framework (and tender) this template was made for."""
    sheet = book.add_worksheet(TEMPLATE_SHEET)
    stamp = [("framework_id", framework.id), ("framework_version", framework.version),
             ("framework_sha256", sha256), ("template_version", TEMPLATE_VERSION),
             ("tender_name", settings.tender.name), ("tender_sha256", tender_sha256 or ""),
             ("tender_deadline", settings.tender.deadline)]
    for row, (key, value) in enumerate(stamp):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.hide()
    sheet.protect()


def _printable_page(sheet, landscape: bool) -> None:
    """A4, one page wide, so a printed or PDF copy keeps every column of a row together."""
    sheet.set_paper(9)
    sheet.set_landscape() if landscape else sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&L&A&RPage &P of &N")


def _column(name: str) -> int:
    return [column for column, _ in RESPONSE_COLUMNS].index(name)


def _height(text: str, width: int) -> float:
    """Row height in points for wrapped text: Excel does not grow rows by itself when a file opens."""
    lines = sum(max(1, math.ceil(len(part) / (width * 1.05))) for part in text.split("\n"))
    return 15.0 * max(lines, 1)
