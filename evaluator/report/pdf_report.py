"""The procurement report, the one-page summary and the bidder letters as HTML, ready for WeasyPrint.

Everything shown comes from the results document (so the PDF cannot disagree with results.json), plus the
answers and evidence behind each capping criterion, taken from the evaluation. Vendor text is escaped by
Jinja2's autoescape, clipped to a readable length, and tagged lang="zh-Hans" when it holds CJK characters.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from evaluator.model.bid import UNANSWERED
from evaluator.model.evaluation import Evaluation
from evaluator.model.tender import EVIDENCE_QUALITIES, TIE_BREAKS
from evaluator.report import charts

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
QUALITY_NAMES = ("not stated", *EVIDENCE_QUALITIES)
CLIP = {"name": 120, "evidence": 300, "label": 160}


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
    audit_head: str = ""  # the audit chain head when the evaluation was made
    robustness: dict | None = None  # the robustness analysis shown in the report's section


def vendor_text(value, limit: str = "name") -> Markup:
    """Escaped, clipped, and marked as Chinese when it contains CJK characters (so CJK forms are used)."""
    text = "" if value is None else str(value)
    if len(text) > CLIP[limit]:
        text = text[: CLIP[limit] - 1] + "…"
    escaped = escape(text)
    return Markup(f'<span lang="zh-Hans">{escaped}</span>') if CJK.search(text) else escaped


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["vendor"] = vendor_text
    env.filters["pct"] = lambda value: "–" if value is None else f"{value:.4f}"
    env.filters["num"] = lambda value, digits=2: "–" if value is None else f"{value:,.{digits}f}"
    return env


def report_html(document: dict, evaluation: Evaluation, info: ReportInfo) -> str:
    return environment().get_template("report.html.j2").render(**_context(document, evaluation, info))


def summary_html(document: dict, evaluation: Evaluation, info: ReportInfo) -> str:
    return environment().get_template("summary.html.j2").render(**_context(document, evaluation, info))


def letter_htmls(document: dict, evaluation: Evaluation, info: ReportInfo) -> dict[str, str]:
    """One letter per bid that can be addressed (it has a bid_id), keyed by bid_id."""
    context = _context(document, evaluation, info)
    template = environment().get_template("letter.html.j2")
    return {bid["bid_id"]: template.render(**context, bid=bid) for bid in context["bids"] if bid["bid_id"]}


def report_context_for_bid(document: dict, evaluation: Evaluation, position: int) -> dict:
    """The document's bid at `position`, with its charts and the answers that set its levels: the same
    pieces the report shows, for the app."""
    framework = document["framework"]
    objective_ids = list(framework["objectives"])
    weights = [document["settings"]["weights"][oid] for oid in objective_ids]
    bid = document["bids"][position]
    entry = dict(bid, anchor=f"bid-{position + 1}")
    if bid["status"] != "invalid":
        row = evaluation.order[position]  # the document lists bids in the evaluation's output order
        levels = [bid["objectives"][oid]["level"] for oid in objective_ids]
        required = [bid["objectives"][oid]["required"] for oid in objective_ids]
        entry["profile_svg"] = Markup(charts.level_profile(objective_ids, levels, required, framework["level_codes"])) \
            if len(framework["level_codes"]) > 1 else ""  # a framework without levels has no level profile
        entry["contribution_svg"] = Markup(charts.weighted_contributions(
            objective_ids, [bid["objectives"][oid]["weighted"] for oid in objective_ids], weights))
        entry["capping"] = _capping_answers(evaluation, row, bid, objective_ids)
    return entry


def _context(document: dict, evaluation: Evaluation, info: ReportInfo) -> dict:
    framework = document["framework"]
    bids = [report_context_for_bid(document, evaluation, position) for position in range(len(document["bids"]))]
    ranked = [bid for bid in bids if bid["status"] == "ranked"]
    scores = [bid["score"] for bid in bids if bid["score"] is not None]
    return {
        "document": document, "framework": framework, "settings": document["settings"],
        "codes": framework["level_codes"], "objective_ids": list(framework["objectives"]),
        "objective_names": framework["objectives"], "bids": bids,
        "ranked": ranked, "excluded": [b for b in bids if b["status"] == "excluded"],
        "invalid": [b for b in bids if b["status"] == "invalid"],
        "winners": [bid for bid in ranked if bid["rank"] == 1], "tender": document["tender"], "info": info,
        "tie_names": TIE_BREAKS, "summary": document["summary"],
        "distribution_svg": Markup(charts.score_distribution(scores)) if len(scores) > 1 else "",
        "robustness": info.robustness,
        "acceptability_svg": _acceptability_chart(info.robustness),
    }


def _acceptability_chart(analysis: dict | None) -> Markup | str:
    if not analysis or not analysis["acceptability"]["bids"]:
        return ""
    best = sorted(analysis["acceptability"]["bids"].items(), key=lambda item: -item[1]["wins"])[:15]
    return Markup(charts.rank_acceptability([bid_id for bid_id, _ in best], [entry["ranks"] for _, entry in best]))


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
