"""The readable table printed on stdout after an evaluation."""

import unicodedata

from evaluator.errors import terminal_safe
from evaluator.i18n import N_, _
from evaluator.model.evaluation import EXCLUDED, INVALID, PENDING, RANKED
from evaluator.report.results_json import PROVISIONAL

MAX_ROWS = 30
HEAD = (N_("Rank"), N_("Bid"), N_("Vendor"), N_("Level"), N_("Score %"), N_("Total"), N_("Status"))
STATUS_NAMES = {RANKED: N_("ranked"), PENDING: N_("pending"), EXCLUDED: N_("excluded"), INVALID: N_("invalid")}


def summary_text(document: dict) -> str:
    codes = document["framework"]["level_codes"]
    head = [_(word) for word in HEAD]
    rows = []
    for bid in document["bids"][:MAX_ROWS]:
        invalid = bid["status"] == INVALID
        rows.append([
            str(bid["rank"] or "-"), terminal_safe(bid["bid_id"] or "?"),
            terminal_safe(bid["vendor"] or bid["source"]["file"]),
            "-" if invalid or bid["overall_level"] is None else codes[bid["overall_level"]],
            "-" if invalid else f"{bid['score']:.4f}",
            "-" if bid["total"] is None else f"{bid['total']:.4f}",
            _status(bid["status"]) + (_(" (tie)") if bid["tie"] else "") + (" *" if bid.get("provisional") else ""),
        ])
    widths = [max(_width(cell) for cell in column) for column in zip(head, *rows, strict=True)]
    lines = [_line(head, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in rows]
    if len(document["bids"]) > MAX_ROWS:
        lines.append(_("… {count} more bids in results.json").format(count=len(document["bids"]) - MAX_ROWS))
    if any(bid.get("provisional") for bid in document["bids"][:MAX_ROWS]):
        lines.append(_("* {provisional} (a pending bid's level, score and total are not a result)").format(
            provisional=_(PROVISIONAL)))
    counts = document["summary"]
    first = ", ".join(counts["rank_1"]) or _("none")
    if PENDING in counts:
        told = _("{bids} bids: {ranked} ranked, {pending} pending, {excluded} excluded, {invalid} invalid. "
                 "Rank 1: {first}.").format(bids=counts["bids"], ranked=counts[RANKED], pending=counts[PENDING],
                                            excluded=counts[EXCLUDED], invalid=counts[INVALID], first=first)
    else:
        told = _("{bids} bids: {ranked} ranked, {excluded} excluded, {invalid} invalid. Rank 1: {first}.").format(
            bids=counts["bids"], ranked=counts[RANKED], excluded=counts[EXCLUDED], invalid=counts[INVALID], first=first)
    lines.append(terminal_safe(told))
    for bid in document["bids"]:
        if bid["status"] != RANKED and len(lines) < MAX_ROWS + 20:
            said = _("{location}: {message}").format(
                location=f"{bid['bid_id'] or bid['source']['file']} {_status(bid['status'])}", message=_why(bid))
            lines.append(terminal_safe(f"  {said}"))
    return "\n".join(lines) + "\n"


def _status(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def _why(bid: dict) -> str:
    """The first reason a bid is not ranked: pending, excluded or invalid."""
    if bid.get("pending_reasons"):
        return bid["pending_reasons"][0]
    if bid["exclusion_reasons"]:
        return bid["exclusion_reasons"][0]["message"]
    return _("{location}: {message}").format(location=bid["errors"][0]["location"], message=bid["errors"][0]["message"])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(cells: list[str], widths: list[int]) -> str:
    numeric = {0, 4, 5}
    padded = [(" " * (w - _width(c)) + c) if i in numeric else (c + " " * (w - _width(c)))
              for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
    return "  ".join(padded).rstrip()
