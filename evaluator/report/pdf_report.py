"""The procurement report, the one-page summary and the bidder letters as HTML, ready for WeasyPrint.

Everything shown comes from the results document (so the PDF cannot disagree with results.json), plus the
answers and evidence behind each capping criterion, taken from the evaluation. Vendor text is escaped by
Jinja2's autoescape, clipped to a readable length, and tagged lang="zh-Hans" when it holds CJK characters.
"""

import dataclasses
import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from evaluator import i18n
from evaluator.errors import ReportError
from evaluator.i18n import N_, _
from evaluator.model import unanswered
from evaluator.model.evaluation import Evaluation
from evaluator.model.tender import EVIDENCE_QUALITIES, EVIDENCE_QUALITY_WORDS
from evaluator.model.unanswered import UNANSWERED
from evaluator.report import charts
from evaluator.report.results_json import PROVISIONAL

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
QUALITY_NAMES = (N_("not stated"), *(EVIDENCE_QUALITY_WORDS[quality] for quality in EVIDENCE_QUALITIES))
TIE_NAMES = {  # evaluator.model.tender.TIE_BREAKS, as the report and the letters say them
    "overall_level": N_("higher overall level first"),
    "score": N_("higher Sovereignty Score first"),
    "price": N_("lower price first"),
}
STATUS_NAMES = {"ranked": N_("ranked"), "pending": N_("pending"), "excluded": N_("excluded"),
                "invalid": N_("invalid")}
PROVISIONAL_TEXT = N_("provisional: disputed answers as claimed")  # results_json.PROVISIONAL, translated
HTML_LANGUAGES = {"en": "en", "zh-CN": "zh-Hans"}  # the lang attribute of a document in each language
CLIP = {"name": 120, "evidence": 300, "label": 160}
LISTED = 25  # bid ids named in one sentence of the report; the rest are counted
GATE_ONE_PAGE = 40  # gate matrix rows kept together on one page; a longer matrix breaks, its header repeated
COMPACT_CHARACTERS = 132  # a compact table line at 6.4 pt of DejaVu Sans Mono fills the A4 text width
COMPACT_POINTS = 6.4
DRAFT_MARK = ('<p class="draft-mark" style="border:2px solid #b00020;color:#b00020;padding:4pt;font-weight:bold">'
              "{}</p>")
DRAFT_TEXT = N_("Draft: not issued. Made with the evaluation, before the award is approved; the letters issued "
                "(case letters) state the date of issue and the end of the standstill period.")


@dataclass(frozen=True)
class ReportInfo:
    """What the report states about the run itself; all of it passed in, nothing read from a clock."""

    evaluated_at: str  # ISO 8601, UTC
    command: str  # the command that reproduces the evaluation, this report included
    results_sha256: str
    software_version: str
    inputs: tuple[tuple[str, str, int], ...]  # (file, sha256, bids read from it)
    framework_file: str
    tender_file: str | None
    audit_head: str = ""  # "SEQ SHA256": the evaluation's own audit entry, the chain head once it was recorded
    robustness: dict | None = None  # the robustness analysis shown in the report's section
    tender_changes: tuple[dict, ...] = ()  # a case's tender changes after opening (reason, by, at): flagged
    letter_template: tuple[str, str] | None = None  # the tender's own letter template: (file, sha256)
    issued_at: str = ""  # when a case's letters were issued (ISO 8601, UTC); a letter without it is a draft


def vendor_text(value, limit: str = "name") -> Markup:
    """Escaped, clipped, and marked as Chinese when it contains CJK characters (so CJK forms are used)."""
    text = "" if value is None else str(value)
    if len(text) > CLIP[limit]:
        text = text[: CLIP[limit] - 1] + "…"
    escaped = escape(text)
    return Markup('<span lang="zh-Hans">{}</span>').format(escaped) if CJK.search(text) else escaped


def environment() -> Environment:
    return _configured(Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                                   trim_blocks=True, lstrip_blocks=True))


def letter_environment() -> Environment:
    """Where a tender's own letter template runs: Jinja2's sandbox (no attribute starting with an underscore,
    no internals of functions or classes, no changing the context's lists and dicts), autoescape on, the
    report's filters, and the bundled templates (_head.html.j2, _macros.html.j2) to include or import."""
    return _configured(ImmutableSandboxedEnvironment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                                                     undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True))


def check_letter_template(source: str) -> str | None:
    """Why a tender's letter template cannot be used (a syntax error, with its line), or None."""
    try:
        letter_environment().parse(source)
    except TemplateSyntaxError as error:
        return _("the tender's letter_template has an error at line {line}: {message}").format(
            line=error.lineno, message=error.message)
    return None


def _configured(env: Environment) -> Environment:
    """The report's filters, and gettext for `_()` in the templates (old style: a template fills a message's
    {placeholders} with .format after translating it). A message comes back escaped, as Markup, so that
    .format escapes plain values and keeps Markup ones (vendor text, <strong>) as they are."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda message: escape(_(message)),
        ngettext=lambda singular, plural, count: escape(i18n.ngettext(singular, plural, count)),
        newstyle=False)
    env.filters["vendor"] = vendor_text
    env.filters["pct"] = lambda value: "–" if value is None else f"{value:.4f}"
    env.filters["num"] = lambda value, digits=2: "–" if value is None else i18n.number(exact(value), digits)
    env.filters["money"] = money_text
    env.filters["date"] = date_text
    env.filters["integer"] = lambda value: i18n.number(value, 0)
    env.filters["fail"] = lambda value: Markup('<span class="fail">{}</span>').format(value)
    env.filters["quality"] = _quality_word
    env.filters["strong"] = lambda value: Markup("<strong>{}</strong>").format(value)
    env.filters["mono"] = lambda value: Markup('<span class="mono">{}</span>').format(value)
    env.filters["status"] = lambda status: _(STATUS_NAMES[status]) if status in STATUS_NAMES else status
    env.filters["css_text"] = css_text
    env.filters["listed"] = listed
    env.globals["html_lang"] = lambda: HTML_LANGUAGES[i18n.current()]
    return env


def money_text(amount: float | None, currency: str | None = None) -> Markup | str:
    """A price in the language's form (1,234.50 EUR in English); a currency that is not an ISO code (vendor
    text) follows the number as written."""
    if amount is None:
        return "–"
    if currency and re.fullmatch(r"[A-Z]{3}", currency):
        return i18n.money(exact(amount), currency)
    figure = i18n.number(exact(amount))
    return Markup("{} {}").format(figure, vendor_text(currency)) if currency else figure


def exact(value: float) -> Decimal | float:
    """A float as the Decimal it is exactly, so that Babel rounds it as f"{value:.2f}" does (7.515 is
    7.51499…: 7.51), not as its shortest repr (7.52)."""
    return Decimal(value) if isinstance(value, float) and value == value and abs(value) != float("inf") else value


def date_text(value: str | dt.date | None) -> str:
    """A date (or an ISO timestamp's date) in the language's long form; text that is not one, as it is."""
    if not value:
        return "–"
    try:
        return i18n.date(value)
    except ValueError:
        return str(value)


def css_text(message: str, **counters: str) -> Markup:
    """A translated message as the value of a CSS `content` property, for the page margins: its text quoted,
    each {placeholder} replaced by a CSS expression (counter(page), string(evaluated))."""
    def quoted(text: str) -> str:
        return '"' + "".join(f"\\{ord(c):x} " if c in '"\\<>&' or ord(c) < 32 else c for c in text) + '"'
    parts = re.split(r"\{(\w+)\}", message.unescape() if isinstance(message, Markup) else str(message))
    content = " ".join(quoted(part) if i % 2 == 0 else counters[part] for i, part in enumerate(parts) if i % 2 or part)
    return Markup(content)  # noqa: S704 - every text quoted and escaped above


def listed(names, limit: int = LISTED) -> Markup:
    """The first `limit` names, then how many more: a sentence stays a sentence in a tender of 5,000 bids."""
    names = list(names)
    shown = escape(_(", ")).join(vendor_text(name) for name in names[:limit])
    return escape(_("{names} and {count} more")).format(names=shown, count=i18n.number(len(names) - limit, 0)) \
        if len(names) > limit else shown


def report_html(document: dict, evaluation: Evaluation, info: ReportInfo) -> str:
    """Full sections for the first bids (the tender's report.full_sections), a compact table for the rest:
    pages and the renderer's memory grow by a line per bid beyond the limit, not by a section."""
    return environment().get_template("report.html.j2").render(**_context(document, evaluation, info, sections=True))


def summary_html(document: dict, evaluation: Evaluation, info: ReportInfo) -> str:
    return environment().get_template("summary.html.j2").render(**_context(document, evaluation, info))


def letter_htmls(document: dict, evaluation: Evaluation, info: ReportInfo,
                 template_source: str | None = None) -> list[tuple[dict, str]]:
    """One letter for every bid, invalid ones included, as (the document's bid entry, HTML): from the bundled
    templates/letter.html.j2, or from the tender's own template (`template_source`), rendered in the sandbox.
    Besides the report's context a letter has `letter`: its issue date and the standstill period (see
    `letter_dates`), the contact and the signatory of the tender. A letter not issued (`info.issued_at` "":
    made with an evaluation) is marked as a draft at its top, whichever template made it.

    A letter is written in the language its bid file states (the Bid sheet's `language`, one of
    i18n.LANGUAGES), else in the active language; what the context holds in words (capping answers,
    moderations) is built once per language used."""
    tender = evaluation.settings.tender
    languages = [_bid_language(evaluation, position) or i18n.current() for position in range(len(document["bids"]))]
    contexts = {}
    for language in dict.fromkeys(languages):
        with i18n.using(language):
            contexts[language] = {**_context(document, evaluation, info, capping=True), "letter": {
                **letter_dates(info, tender.standstill_days),
                "contact": tender.contact.model_dump() if tender.contact else None,
                "signatory": tender.signatory.model_dump() if tender.signatory else None,
            }}

    def letters(template) -> list[tuple[dict, str]]:
        made = []
        for position, language in enumerate(languages):
            context = contexts[language]
            entry = context["bids"][position]
            with i18n.using(language):
                made.append((entry, _draft_marked(template.render(**context, bid=entry), info)))
        return made
    if template_source is None:
        return letters(environment().get_template("letter.html.j2"))
    try:
        return letters(letter_environment().from_string(template_source))
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:  # SecurityError (the
        # sandbox), an undefined name, a filter or an operation that failed on the values it was given
        raise ReportError(f"the tender's letter template could not be rendered ({type(error).__name__}: "
                          f"{str(error)[:200]})") from None


def _bid_language(evaluation: Evaluation, position: int) -> str | None:
    """The language the bid file at `position` of the results states (its Bid sheet's `language`), when the
    evaluator speaks it; None otherwise."""
    stated = evaluation.bids.bids[evaluation.order[position]].metadata.get("language", "").strip()
    known = {code.casefold(): code for code in i18n.LANGUAGES}
    return known.get(stated.casefold().replace("_", "-"))


def letter_dates(info: ReportInfo, days: int) -> dict:
    """An issued letter is dated the day it is issued and its standstill period runs from the day after (the
    EU remedies directive: from the day after the award decision is sent), so it ends `days` after the issue
    date; a draft gives the end "at the earliest", counted from the evaluation date."""
    issued_on = info.issued_at[:10]
    return {"standstill_days": days, "issued_on": issued_on, "draft": not issued_on,
            "standstill_end": standstill_end(issued_on or info.evaluated_at, days), "at_the_earliest": not issued_on}


def _draft_marked(html: str, info: ReportInfo) -> str:
    """A draft letter with DRAFT_MARK at the top of its body (or of the document, without a <body> tag)."""
    if info.issued_at:
        return html
    body = re.search(r"<body\b[^>]*>", html, re.IGNORECASE)
    at = body.end() if body else 0
    return html[:at] + DRAFT_MARK.format(escape(_(DRAFT_TEXT))) + html[at:]


def standstill_end(start: str, days: int) -> str:
    """The date `days` after the date `start` begins with (YYYY-MM-DD), or "" when it is not a date."""
    try:
        return (dt.date.fromisoformat(start[:10]) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return ""


def report_context_for_bid(document: dict, evaluation: Evaluation, position: int) -> dict:
    """The document's bid at `position`, with its charts and the answers that set its levels: the same
    pieces the report shows, for the app."""
    return _bid_entry(document, evaluation, position, charts_too=True, capping=True)


def _bid_entry(document: dict, evaluation: Evaluation, position: int, charts_too: bool, capping: bool) -> dict:
    framework = document["framework"]
    objective_ids = list(framework["objectives"])
    weights = [document["settings"]["weights"][oid] for oid in objective_ids]
    bid = document["bids"][position]
    entry = dict(bid, anchor=f"bid-{position + 1}")
    if bid["status"] != "invalid" and capping:
        entry["capping"] = _capping_answers(evaluation, evaluation.order[position], bid, objective_ids)
    if bid.get("moderations"):
        entry["moderated"] = [_moderation_row(evaluation, moderation) for moderation in bid["moderations"]]
    if bid["status"] != "invalid" and charts_too:
        levels = [bid["objectives"][oid]["level"] for oid in objective_ids]
        required = [bid["objectives"][oid]["required"] for oid in objective_ids]
        entry["profile_svg"] = _svg(charts.level_profile(objective_ids, levels, required, framework["level_codes"])) \
            if len(framework["level_codes"]) > 1 else ""  # a framework without levels has no level profile
        entry["contribution_svg"] = _svg(charts.weighted_contributions(
            objective_ids, [bid["objectives"][oid]["weighted"] for oid in objective_ids], weights))
    return entry


def _in_language(document: dict, evaluation: Evaluation) -> tuple[dict, Evaluation]:
    """The document and evaluation with the framework's texts (objective, criterion, answer and level names) in
    the active language, where the framework file gives them in it."""
    framework = evaluation.framework.translated(i18n.current())
    if framework is evaluation.framework:
        return document, evaluation
    names = {objective.id: objective.name for objective in framework.objectives}
    return {**document, "framework": {**document["framework"], "objectives": names}}, \
        dataclasses.replace(evaluation, framework=framework)


def _context(document: dict, evaluation: Evaluation, info: ReportInfo, sections: bool = False,
             capping: bool = False) -> dict:
    """`sections`: the report's per-bid pieces (charts, capping answers) for the bids shown in full, and the
    compact table for the others; `capping`: the capping answers of every bid (for the letters)."""
    document, evaluation = _in_language(document, evaluation)
    framework = document["framework"]
    limit = evaluation.settings.tender.report.full_sections
    bids = [_bid_entry(document, evaluation, position, charts_too=sections and position < limit,
                       capping=capping or (sections and position < limit)) for position in range(len(document["bids"]))]
    ranked = [bid for bid in bids if bid["status"] == "ranked"]
    scores = [bid["score"] for bid in bids if bid["score"] is not None]
    codes, objective_ids = framework["level_codes"], list(framework["objectives"])
    acceptability = info.robustness["acceptability"]["bids"] if info.robustness else {}
    return {
        "limit": limit, "full": bids[:limit],  # the document lists ranked bids first, by rank
        "compact": _compact_table(bids[limit:], objective_ids, codes) if sections and len(bids) > limit else None,
        "draw_winners": [(bid_id, entry["wins"]) for bid_id, entry in acceptability.items() if entry["wins"] > 0],
        "listed_max": LISTED,
        "gate_one_page": GATE_ONE_PAGE,
        "document": document, "framework": framework, "settings": document["settings"],
        "unanswered_policy": unanswered.describe(document["settings"]["unknown"]),
        "codes": codes, "objective_ids": objective_ids, "objective_names": framework["objectives"], "bids": bids,
        "ranked": ranked, "excluded": [b for b in bids if b["status"] == "excluded"],
        "pending": [b for b in bids if b["status"] == "pending"], "panel": document.get("panel"),
        "invalid": [b for b in bids if b["status"] == "invalid"],
        "winners": [bid for bid in ranked if bid["rank"] == 1], "tender": document["tender"], "info": info,
        "tie_names": {key: _(name) for key, name in TIE_NAMES.items()}, "summary": document["summary"],
        "provisional": _(PROVISIONAL),
        "distribution_svg": _svg(charts.score_distribution(scores)) if len(scores) > 1 else "",
        "robustness": info.robustness,
        "acceptability_svg": _acceptability_chart(info.robustness),
    }


def _acceptability_chart(analysis: dict | None) -> Markup | str:
    if not analysis or not analysis["acceptability"]["bids"]:
        return ""
    best = sorted(analysis["acceptability"]["bids"].items(), key=lambda item: -item[1]["wins"])[:15]
    return _svg(charts.rank_acceptability([bid_id for bid_id, __ in best], [entry["ranks"] for __, entry in best]))


def _svg(chart: str) -> Markup:
    """A chart from evaluator.report.charts, to be placed in the HTML as it is."""
    return Markup(chart)  # noqa: S704 - our own SVG: numbers we format, and every text escaped by charts.py


def _compact_table(bids: list[dict], objective_ids: list[str], codes: list[str]) -> dict:
    """The bids beyond the full sections, one line each in a monospaced font (rank, bid, level per objective
    with failed minimums marked, score, total, status, vendor) and a line of reasons under an excluded or
    invalid bid. WeasyPrint keeps every laid-out box until the PDF is written, and a table cell costs as much
    as a line of text: one cell per bid keeps 5,000 bids at 80 pages, 18 s and 350 MiB in the renderer,
    where a cell per column took several times the time and memory."""
    with_levels = len(codes) > 1  # a framework without levels has nothing to show per objective
    levels = [[_compact_level(bid["objectives"].get(oid)) for oid in objective_ids] if with_levels else []
              for bid in bids]
    rank_width = max([4, *(len(str(bid["rank"] or "")) for bid in bids)])
    bid_width = min(20, max([3, *(len(bid["bid_id"] or "") for bid in bids)]))
    level_widths = [max([len(oid), *(len(row[k][0]) for row in levels)]) for k, oid in enumerate(objective_ids)] \
        if with_levels else []

    words = {key: _(word) for key, word in (("rank", N_("Rank")), ("bid", N_("Bid")), ("score", N_("Score %")),
                                            ("total", N_("Total")), ("status", N_("Status")), ("vendor", N_("Vendor")))}
    statuses = {status: _(name) for status, name in STATUS_NAMES.items()}
    rank_width = max(rank_width, _cells(words["rank"]))
    bid_width = max(bid_width, _cells(words["bid"]))
    figure_width = max(8, _cells(words["score"]), _cells(words["total"]))
    status_width = max(8, *(_cells(word) for word in [words["status"], *statuses.values()]))

    text = _wide_boxed

    def line(rank: str, bid: str, cells: list, score: str, total: str, status: str, vendor) -> Markup:
        parts = [text(f"{_pad(rank, rank_width, right=True)}  {_pad(_clip(bid, bid_width), bid_width)}  ")]
        for (level, failed), width in zip(cells, level_widths, strict=True):
            padded = text(_pad(level, width))
            parts.append(Markup('<span class="fail">{}</span> ').format(padded) if failed else padded + " ")
        parts.append(text(f" {_pad(score, figure_width, right=True)}  {_pad(total, figure_width, right=True)}  "
                          f"{_pad(statuses.get(status, status), status_width)}  "))
        parts.append(vendor)
        return Markup("").join(parts)
    header = line(words["rank"], words["bid"], [(oid, False) for oid in objective_ids] if with_levels else [],
                  words["score"], words["total"], words["status"], escape(words["vendor"]))
    used = _cells(str(header))  # escaping adds nothing to a header of ids, codes and plain words
    vendor_width = max(12, COMPACT_CHARACTERS - used)
    rows = []
    for bid, cells in zip(bids, levels or [[]] * len(bids), strict=True):
        vendor = vendor_text(_clip(str(bid["vendor"] or bid["source"]["file"] or ""), vendor_width))
        rows.append({"line": line(str(bid["rank"] or "–"), bid["bid_id"] or "–", cells, _figure(bid["score"]),
                                  _figure(bid["total"]), bid["status"], vendor),
                     "why": _compact_reasons(bid)})
    return {"header": header, "rows": rows, "with_levels": with_levels,
            "points": round(COMPACT_POINTS * min(1.0, COMPACT_CHARACTERS / (used + vendor_width)), 2)}


def _compact_level(objective: dict | None) -> tuple[str, bool]:
    if objective is None:
        return "", False
    level, required = objective["level"], objective["required"]
    if objective["passed"]:
        return ("–" if level is None else str(level)), False
    return ("–✗" if level is None else f"{level}✗{level - required}"), True


def _compact_reasons(bid: dict) -> Markup | None:
    reasons = [vendor_text(reason["message"], "label") for reason in bid["exclusion_reasons"]]
    if bid.get("provisional"):
        reasons = [escape(_("figures {provisional}")).format(provisional=_(PROVISIONAL)),
                   *(escape(_("pending: {reason}")).format(reason=vendor_text(reason, "evidence"))
                     for reason in bid["pending_reasons"])]
    errors = [Markup("{}: {}").format(vendor_text(error["location"]), vendor_text(error["message"], "label"))
              for error in bid["errors"][:3]]
    if len(bid["errors"]) > 3:
        errors.append(escape(_("and {count} more errors").format(count=i18n.number(len(bid["errors"]) - 3, 0))))
    return escape(_("; ")).join(reasons + errors) or None


def _wide_boxed(text: str) -> Markup:
    """`text` escaped, with each run of wide (CJK) characters in a box two character cells wide a character: the
    table's monospaced font (DejaVu Sans Mono) has no CJK, which comes from the (proportional) Sans SC, so that
    the columns stay aligned in Chinese without embedding a monospaced CJK face as well."""
    return Markup("").join(
        Markup('<span class="wide" style="width: {}ch">{}</span>').format(2 * len(run), run) if wide else escape(run)
        for wide, run in ((wide, "".join(group)) for wide, group in itertools.groupby(text, _is_wide)))


def _is_wide(character: str) -> bool:
    return unicodedata.east_asian_width(character) in "WF"


def _cells(text: str) -> int:
    """The character cells `text` takes in a monospaced font: two for a wide (CJK) character."""
    return sum(2 if _is_wide(character) else 1 for character in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """`text` padded with spaces to `width` character cells, on the left when `right` (aligned right)."""
    space = " " * max(0, width - _cells(text))
    return space + text if right else text + space


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` character cells, counting a wide (CJK) character as two."""
    cells = 0
    for index, character in enumerate(text):
        cells += 2 if _is_wide(character) else 1
        if cells > width:
            return text[:index - 1 if index else 0] + "…"
    return text


def _capping_answers(evaluation: Evaluation, row: int, bid: dict, objective_ids: list[str]) -> list[dict]:
    """For each objective below the top level: the criteria that set its level, the answer chosen and
    the evidence given, so an auditor can check the level against the bid file."""
    framework = evaluation.framework
    criteria = {c.id: c for c in framework.criteria}
    found = []
    for oid in objective_ids:
        for cid in bid["objectives"][oid]["capped_by"]:
            column = framework.criterion_index[cid]
            criterion, rank = criteria[cid], int(evaluation.bids.ranks[row, column])
            if rank == UNANSWERED:
                answer = _("unanswered ({policy} policy)").format(policy=evaluation.settings.unknown)
            elif criterion.numeric is not None:
                answer = f"{evaluation.bids.values[row, column]:g} {criterion.numeric.unit}"
            else:
                answer = f"{rank} - {criterion.answers[rank - 1].label}"
            found.append({
                "objective": oid, "criterion": cid, "title": criterion.title, "answer": answer,
                "level": int(evaluation.answer_levels[row, column]),
                "evidence": evaluation.bids.evidence[row, column] or "",
                "quality": _(QUALITY_NAMES[int(evaluation.bids.evidence_quality[row, column])]),
            })
    return found


def _moderation_row(evaluation: Evaluation, moderation: dict) -> dict:
    """A moderation (results.json's) for the report and the letters: the answers with their labels."""
    framework = evaluation.framework
    criterion = framework.criteria_in_objective_order[framework.criterion_index[moderation["criterion_id"]]]

    def answer(written) -> str:
        if written is None:
            return _("unanswered")
        if criterion.numeric is not None:
            return f"{written:g} {criterion.numeric.unit}"
        if isinstance(written, int) and 1 <= written <= len(criterion.answers):
            return f"{written} - {criterion.answers[written - 1].label}"
        return str(written)
    qualities = (moderation["claimed_evidence_quality"], moderation["assessed_evidence_quality"])
    return {"criterion": criterion.id, "title": criterion.title, "claimed": answer(moderation["claimed"]),
            "assessed": answer(moderation["assessed"]), "assessors": ", ".join(moderation["assessors"]),
            "justification": " / ".join(moderation["justifications"]), "stage": moderation["stage"],
            "quality": _("evidence {claimed} → {assessed}").format(claimed=_quality_word(qualities[0]),
                                                                  assessed=_quality_word(qualities[1]))
            if qualities[0] != qualities[1] else ""}


def _quality_word(quality: str | None) -> str:
    """An evidence quality (a code in results.json, or None) as the report says it."""
    if not quality:
        return _(QUALITY_NAMES[0])
    return _(EVIDENCE_QUALITY_WORDS[quality]) if quality in EVIDENCE_QUALITY_WORDS else quality
