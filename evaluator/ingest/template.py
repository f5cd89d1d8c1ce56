"""The vendor-facing bid workbook: Instructions, Bid, Responses, and two hidden sheets.

The layout is the contract's bid workbook, so a filled-in template is read like any other bid file.
Drop-downs guide the vendor; they are not a control: every answer is validated again on upload, and
the hidden Template sheet lets the reader refuse a workbook made for another framework version.

The template speaks the active language (evaluator.i18n): instructions, meanings, column headers, drop-down
answers and evidence-quality words. Sheet names and the Bid sheet's keys stay English: they are the contract
the reader relies on, and the reader accepts headers and words in every language.
"""

import datetime as dt
import io
import math
import unicodedata

import xlsxwriter

from evaluator import i18n
from evaluator.i18n import N_, _
from evaluator.ingest.xlsx_reader import BID_SHEET, RESPONSES_SHEET, TEMPLATE_SHEET
from evaluator.model.framework import Framework
from evaluator.model.tender import EVIDENCE_QUALITIES, EVIDENCE_QUALITY_WORDS, Settings
from evaluator.model.unanswered import MEANINGS

TEMPLATE_VERSION = "1"
OPTIONS_SHEET = "Options"
FIXED_CREATED = dt.datetime(2000, 1, 1)  # no clock: the same framework and tender give the same bytes
EVIDENCE_MEANINGS = {
    "self_attested": N_("your own statement, not checked by anyone else"),
    "contractual": N_("a commitment written into the contract, which the buyer can enforce"),
    "third_party_certified": N_("a certificate from an accredited body (e.g. ISO/IEC 27001, EUCS, SecNumCloud, C5)"),
    "independently_audited": N_("an independent audit report that covers this answer"),
}
BID_KEYS = [  # the keys stay English in every language (the reader reads them); their meanings are translated
    ("bid_id", N_("Your bid reference, as given by the contracting authority")),
    ("vendor", N_("Legal name of the bidder")),
    ("service", N_("Name of the cloud service offered")),
    ("price", N_("Total price as a number, without currency sign")),
    ("currency", N_("ISO 4217 code, e.g. EUR")),
]
# the Responses header as the contract names it; written translated (xlsx_reader.RESPONSE_HEADERS marks them)
RESPONSE_COLUMNS = [("criterion_id", 11), ("objective", 22), ("criterion", 24), ("question", 48),
                    ("answer", 48), ("evidence", 40), ("evidence_quality", 22), ("notes", 28)]


def answer_options(framework: Framework, criterion) -> list[str]:
    """The drop-down entries in the active language: '3 - Shared keys' for ranked answers, 'SEAL-2 Data
    Sovereignty' for levels. The leading rank (or level code) is what the reader reads, in every language."""
    translated = _in_language(framework)
    return _options(translated, translated.criteria_in_objective_order[framework.criterion_index[criterion.id]])


def _in_language(framework: Framework) -> Framework:
    """The framework's texts (objectives, criteria, answers, levels) in the active language."""
    return framework.translated(i18n.current())


def _options(framework: Framework, criterion) -> list[str]:
    if framework.answer_format == "level":
        return [f"{framework.level_scale.code(a.level)} {framework.level_scale.levels[a.level].name}"
                for a in criterion.answers]
    return [f"{a.rank} - {a.label}" for a in criterion.answers]


def render_template(framework: Framework, framework_sha256: str, settings: Settings,
                    tender_sha256: str | None = None) -> bytes:
    """The template workbook in the active language (callers choose it with `i18n.using`)."""
    framework = _in_language(framework)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": _("Bid template: {title}").format(title=framework.title), "created": FIXED_CREATED})
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
    rows: list[tuple[str, str, str]] = [("title", _("Bid template: {title}").format(title=framework.title), "")]
    if tender.name:
        rows += [("heading", _("Tender"), ""), ("pair", _("Name"), tender.name),
                 ("pair", _("Reference"), tender.reference),
                 ("pair", _("Contracting authority"), tender.authority),
                 ("pair", _("Deadline"), tender.deadline or _("see the tender documents")),
                 ("pair", _("Tender SHA-256"), tender_sha256 or "")]
    rows += [("heading", _("Minimum levels"), ""),
             *[("pair", f"{o.id} {o.name}", framework.level_scale.code(settings.minimum_levels[o.id]))
               for o in framework.objectives],
             ("pair", _("Unanswered criterion"), _(MEANINGS[settings.unknown]))]
    rows += [("heading", _("How to answer"), ""),
             ("pair", _("1. Bid sheet"), _("Fill in the yellow cells: bid_id, vendor, service, price, currency.")),
             ("pair", _("2. Responses sheet"), _("For every criterion choose one answer from the drop-down in the "
                                                 "answer column. Only the number (or level) at the start of the "
                                                 "answer counts.")),
             ("pair", _("3. Evidence"), _("Say where the evidence is (document, section, certificate number) and "
                                          "choose its quality from the drop-down (the words below; the codes "
                                          "{codes} are read as well).").format(codes=", ".join(EVIDENCE_QUALITIES))),
             ("pair", _("4. Do not"), _("add, delete or reorder rows, rename sheets, or type formulas: formula "
                                        "cells are refused, because they are never evaluated.")),
             ("heading", _("Evidence quality"), ""),
             *[("pair", _(EVIDENCE_QUALITY_WORDS[name]), _(EVIDENCE_MEANINGS[name])) for name in EVIDENCE_QUALITIES],
             ("heading", _("Framework"), ""),
             ("pair", _("Framework"), _("{framework} version {version}").format(framework=framework.id,
                                                                                 version=framework.version)),
             ("pair", _("Framework SHA-256"), sha256),
             ("pair", _("Template version"), TEMPLATE_VERSION),
             ("pair", _("Official documents"), "; ".join(f"{d.title} ({d.date})" for d in framework.source.documents))]
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
                                                   "error_message": _("Type the price as a number.")})
        else:
            sheet.write_string(row, 1, currency if key == "currency" else "", formats["input"])
        sheet.write_string(row, 2, _(meaning), formats["text"])
    sheet.protect("", {"format_columns": True, "format_rows": True})


def _options_sheet(book, framework: Framework) -> None:
    """A hidden sheet with each criterion's answers in its own row: the source of the drop-downs."""
    sheet = book.add_worksheet(OPTIONS_SHEET)
    for row, criterion in enumerate(framework.criteria_in_objective_order):
        sheet.write_row(row, 0, [criterion.id, *_options(framework, criterion)])
    sheet.hide()
    sheet.protect()


def _option_range(row: int, count: int) -> str:
    return f"={OPTIONS_SHEET}!$B${row + 1}:${xlsxwriter.utility.xl_col_to_name(count)}${row + 1}"


def _responses_sheet(book, formats, framework: Framework) -> None:
    sheet = book.add_worksheet(RESPONSES_SHEET)
    _printable_page(sheet, landscape=True)
    sheet.repeat_rows(0)
    headers = [(_(name), width) for name, width in RESPONSE_COLUMNS]
    for column, (header, width) in enumerate(headers):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, header, formats["header"])
    if any(_text_width(header) > len(header) for header, width in headers):  # Chinese headers may wrap
        sheet.set_row(0, max(_height(header, width) for header, width in headers))
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
            unit = criterion.numeric.unit
            message = _("A number in {unit} (higher is better)") if criterion.numeric.direction == "higher" else \
                _("A number in {unit} (lower is better)")
            sheet.data_validation(row, answer, row, answer, {
                "validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15,
                "input_title": unit[:32], "input_message": message.format(unit=unit)[:255]})
        else:
            sheet.data_validation(row, answer, row, answer, {
                "validate": "list", "source": _option_range(row - 1, len(criterion.answers)), "error_type": "stop",
                "error_title": _("Choose an answer"), "error_message": _("Choose one of the answers in the list.")})
        options = _options(framework, criterion) or [""]
        sheet.set_row(row, max(_height(question, 48), _height(max(options, key=_text_width), 48),
                               _height(values[1], 22), _height(criterion.title, 24)))
    words = [_(EVIDENCE_QUALITY_WORDS[name]) for name in EVIDENCE_QUALITIES]
    sheet.data_validation(1, quality, len(framework.criteria), quality, {
        "validate": "list", "source": words, "error_type": "stop",
        "error_message": _("Choose one of: {words}").format(words=", ".join(words))})
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
    sheet.set_footer("&L&A&R" + _("Page {page} of {pages}").format(page="&P", pages="&N"))


def _column(name: str) -> int:
    return [column for column, width in RESPONSE_COLUMNS].index(name)


def _height(text: str, width: int) -> float:
    """Row height in points for wrapped text: Excel does not grow rows by itself when a file opens. A Chinese
    character is about as wide as two Latin letters, so it counts double."""
    lines = sum(max(1, math.ceil(_text_width(part) / (width * 1.05))) for part in text.split("\n"))
    return 15.0 * max(lines, 1)


def _text_width(text: str) -> int:
    """The width of a text in Latin letters: wide (CJK) characters count two."""
    return len(text) + sum(1 for char in text if unicodedata.east_asian_width(char) in "WF")
