"""The procurement report, the one-page summary and the bidder letters as HTML, ready for WeasyPrint.

Everything shown comes from the results document (so the PDF cannot disagree with results.json), plus the
answers and evidence behind each capping criterion, taken from the evaluation. Vendor text is escaped by
Jinja2's autoescape, clipped to a readable length, and tagged lang="zh-Hans" when it holds CJK characters.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from evaluator.errors import ReportError
from evaluator.model import unanswered
from evaluator.model.evaluation import Evaluation
from evaluator.model.tender import EVIDENCE_QUALITIES, TIE_BREAKS
from evaluator.model.unanswered import UNANSWERED
from evaluator.report import charts
from evaluator.report.results_json import PROVISIONAL

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
QUALITY_NAMES = ("not stated", *EVIDENCE_QUALITIES)
CLIP = {"name": 120, "evidence": 300, "label": 160}
LISTED = 25  # bid ids named in one sentence of the report; the rest are counted
GATE_ONE_PAGE = 40  # gate matrix rows kept together on one page; a longer matrix breaks, its header repeated
COMPACT_CHARACTERS = 132  # a compact table line at 6.4 pt of DejaVu Sans Mono fills the A4 text width
COMPACT_POINTS = 6.4
DRAFT_MARK = ('<p class="draft-mark" style="border:2px solid #b00020;color:#b00020;padding:4pt;font-weight:bold">'
              "Draft: not issued. Made with the evaluation, before the award is approved; the letters issued "
              "(case letters) state the date of issue and the end of the standstill period.</p>")


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
        return f"the tender's letter_template has an error at line {error.lineno}: {error.message}"
    return None


def _configured(env: Environment) -> Environment:
    env.filters["vendor"] = vendor_text
    env.filters["pct"] = lambda value: "–" if value is None else f"{value:.4f}"
    env.filters["num"] = lambda value, digits=2: "–" if value is None else f"{value:,.{digits}f}"
    env.filters["listed"] = listed
    return env


def listed(names, limit: int = LISTED) -> Markup:
    """The first `limit` names, then how many more: a sentence stays a sentence in a tender of 5,000 bids."""
    names = list(names)
    shown = Markup(", ").join(vendor_text(name) for name in names[:limit])
    return shown + Markup(" and {:,} more").format(len(names) - limit) if len(names) > limit else shown


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
    made with an evaluation) is marked as a draft at its top, whichever template made it."""
    tender = evaluation.settings.tender
    context = {**_context(document, evaluation, info, capping=True), "letter": {
        **letter_dates(info, tender.standstill_days),
        "contact": tender.contact.model_dump() if tender.contact else None,
        "signatory": tender.signatory.model_dump() if tender.signatory else None,
    }}
    if template_source is None:
        template = environment().get_template("letter.html.j2")
        return [(bid, _draft_marked(template.render(**context, bid=bid), info)) for bid in context["bids"]]
    try:
        template = letter_environment().from_string(template_source)
        return [(bid, _draft_marked(template.render(**context, bid=bid), info)) for bid in context["bids"]]
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:  # SecurityError (the
        # sandbox), an undefined name, a filter or an operation that failed on the values it was given
        raise ReportError(f"the tender's letter template could not be rendered ({type(error).__name__}: "
                          f"{str(error)[:200]})") from None


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
    return html[:at] + DRAFT_MARK + html[at:]


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


def _context(document: dict, evaluation: Evaluation, info: ReportInfo, sections: bool = False,
             capping: bool = False) -> dict:
    """`sections`: the report's per-bid pieces (charts, capping answers) for the bids shown in full, and the
    compact table for the others; `capping`: the capping answers of every bid (for the letters)."""
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
        "tie_names": TIE_BREAKS, "summary": document["summary"], "provisional": PROVISIONAL,
        "distribution_svg": _svg(charts.score_distribution(scores)) if len(scores) > 1 else "",
        "robustness": info.robustness,
        "acceptability_svg": _acceptability_chart(info.robustness),
    }


def _acceptability_chart(analysis: dict | None) -> Markup | str:
    if not analysis or not analysis["acceptability"]["bids"]:
        return ""
    best = sorted(analysis["acceptability"]["bids"].items(), key=lambda item: -item[1]["wins"])[:15]
    return _svg(charts.rank_acceptability([bid_id for bid_id, _ in best], [entry["ranks"] for _, entry in best]))


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

    def line(rank: str, bid: str, cells: list, score: str, total: str, status: str, vendor) -> Markup:
        parts = [escape(f"{rank:>{rank_width}}  {_clip(bid, bid_width):<{bid_width}}  ")]
        for (text, failed), width in zip(cells, level_widths, strict=True):
            padded = escape(f"{text:<{width}}")
            parts.append(Markup('<span class="fail">{}</span> ').format(padded) if failed else padded + " ")
        parts.append(escape(f" {score:>8}  {total:>8}  {status:<8}  "))
        parts.append(vendor)
        return Markup("").join(parts)
    header = line("Rank", "Bid", [(oid, False) for oid in objective_ids] if with_levels else [], "Score %", "Total",
                  "Status", escape("Vendor"))
    used = len(str(header))  # escaping adds nothing to a header of ids, codes and plain words
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
        reasons = [escape(f"figures {PROVISIONAL}"), *(vendor_text(f"pending: {reason}", "evidence")
                                                       for reason in bid["pending_reasons"])]
    errors = [Markup("{}: {}").format(vendor_text(error["location"]), vendor_text(error["message"], "label"))
              for error in bid["errors"][:3]]
    if len(bid["errors"]) > 3:
        errors.append(escape(f"and {len(bid['errors']) - 3} more errors"))
    return Markup("; ").join(reasons + errors) or None


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` character cells, counting a wide (CJK) character as two."""
    cells = 0
    for index, character in enumerate(text):
        cells += 2 if unicodedata.east_asian_width(character) in "WF" else 1
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
                answer = f"unanswered ({evaluation.settings.unknown} policy)"
            elif criterion.numeric is not None:
                answer = f"{evaluation.bids.values[row, column]:g} {criterion.numeric.unit}"
            else:
                answer = f"{rank} - {criterion.answers[rank - 1].label}"
            found.append({
                "objective": oid, "criterion": cid, "title": criterion.title, "answer": answer,
                "level": int(evaluation.answer_levels[row, column]),
                "evidence": evaluation.bids.evidence[row, column] or "",
                "quality": QUALITY_NAMES[int(evaluation.bids.evidence_quality[row, column])],
            })
    return found


def _moderation_row(evaluation: Evaluation, moderation: dict) -> dict:
    """A moderation (results.json's) for the report and the letters: the answers with their labels."""
    framework = evaluation.framework
    criterion = framework.criteria_in_objective_order[framework.criterion_index[moderation["criterion_id"]]]

    def answer(written) -> str:
        if written is None:
            return "unanswered"
        if criterion.numeric is not None:
            return f"{written:g} {criterion.numeric.unit}"
        if isinstance(written, int) and 1 <= written <= len(criterion.answers):
            return f"{written} - {criterion.answers[written - 1].label}"
        return str(written)
    qualities = (moderation["claimed_evidence_quality"], moderation["assessed_evidence_quality"])
    return {"criterion": criterion.id, "title": criterion.title, "claimed": answer(moderation["claimed"]),
            "assessed": answer(moderation["assessed"]), "assessors": ", ".join(moderation["assessors"]),
            "justification": " / ".join(moderation["justifications"]), "stage": moderation["stage"],
            "quality": f"evidence {qualities[0] or 'not stated'} → {qualities[1]}" if qualities[0] != qualities[1]
            else ""}
