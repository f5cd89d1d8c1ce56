"""Small deterministic SVG charts for the report: fixed sizes, rounded coordinates, escaped text."""

from html import escape

from evaluator.i18n import _

PASS, FAIL, REQUIRED, MUTED, INK = "#2F6DB5", "#C0392B", "#222222", "#E3E7ED", "#333333"


def level_profile(objective_ids: list[str], levels: list[int | None], required: list[int], codes: list[str]) -> str:
    """One bar per objective, its height the level reached; a black tick marks the required level."""
    top = len(codes) - 1
    width, height, left, bottom, step = 330, 132, 30, 22, 37
    plot = height - bottom - 8
    parts = [_open(width, height)]
    for level in range(top + 1):
        y = height - bottom - plot * level / top
        parts.append(f'<line x1="{left}" y1="{_r(y)}" x2="{width}" y2="{_r(y)}" stroke="{MUTED}" stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{_r(y + 3)}" text-anchor="end" font-size="7">{escape(codes[level])}'
                     f'</text>')
    for i, (oid, offered, minimum) in enumerate(zip(objective_ids, levels, required, strict=True)):
        x = left + 6 + i * step
        reached = offered or 0  # no level (calculator policy, nothing answered): no bar, passes a minimum of 0 only
        bar = plot * reached / top
        colour = PASS if reached >= minimum else FAIL
        parts.append(f'<rect x="{x}" y="{_r(height - bottom - bar)}" width="24" height="{_r(bar)}" fill="{colour}"/>')
        tick = _r(height - bottom - plot * minimum / top)
        parts.append(f'<line x1="{x - 3}" y1="{tick}" x2="{x + 27}" y2="{tick}" stroke="{REQUIRED}" '
                     f'stroke-width="1.6"/>')
        parts.append(f'<text x="{x + 12}" y="{height - 8}" text-anchor="middle" font-size="7">{escape(oid)}</text>')
    return "".join(parts) + "</svg>"


def weighted_contributions(objective_ids: list[str], weighted: list[float], weights: list[float]) -> str:
    """One row per objective: the grey bar is its weight (the most it can add), the blue part what it added."""
    width, row, left = 330, 15, 42
    height = row * len(objective_ids) + 4
    scale = (width - left - 40) / max(max(weights), 1e-9)
    parts = [_open(width, height)]
    for i, (oid, value, weight) in enumerate(zip(objective_ids, weighted, weights, strict=True)):
        y = 2 + i * row
        parts.append(f'<text x="{left - 4}" y="{y + 10}" text-anchor="end" font-size="7">{escape(oid)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{_r(weight * scale)}" height="10" fill="{MUTED}"/>')
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{_r(min(value, weight * 1.01) * scale)}" height="10" '
                     f'fill="{PASS}"/>')
        parts.append(f'<text x="{_r(left + weight * scale + 4)}" y="{y + 10}" font-size="7">{value:.2f} / '
                     f'{weight:g}</text>')
    return "".join(parts) + "</svg>"


def score_distribution(scores: list[float], bins: int = 10) -> str:
    """How the Sovereignty Scores of all scored bids spread: a histogram in 10-point bins from 0 to 100+."""
    counts = [0] * bins
    for score in scores:
        counts[min(max(int(score // (100 / bins)), 0), bins - 1)] += 1
    width, height, left, bottom = 330, 116, 24, 26  # the axis title a line below the ticks (CJK glyphs are tall)
    plot, step, tallest = height - bottom - 10, (width - left) / bins, max(counts)
    parts = [_open(width, height)]
    for i, count in enumerate(counts):
        bar = plot * count / tallest
        x = left + i * step
        parts.append(f'<rect x="{_r(x + 2)}" y="{_r(height - bottom - bar)}" width="{_r(step - 4)}" '
                     f'height="{_r(bar)}" fill="{PASS}"/>')
        if count:
            parts.append(f'<text x="{_r(x + step / 2)}" y="{_r(height - bottom - bar - 2)}" text-anchor="middle" '
                         f'font-size="7">{count}</text>')
        parts.append(f'<text x="{_r(x + step / 2)}" y="{height - 14}" text-anchor="middle" font-size="7">'
                     f'{i * 100 // bins}</text>')
    axis = _("Sovereignty Score, % (bins of {size})").format(size=100 // bins)
    parts.append(f'<text x="{left}" y="{height - 1}" font-size="7">{escape(axis)}</text>')
    return "".join(parts) + "</svg>"


def rank_acceptability(bid_ids: list[str], shares: list[list[float]]) -> str:
    """One row per bid: its share of weight draws at rank 1 (darkest), 2, 3, … as a stacked bar."""
    width, row, left = 330, 14, 58
    ranks = max((len(s) for s in shares), default=1)
    height = row * len(bid_ids) + 16
    span = width - left - 8
    parts = [_open(width, height)]
    for i, (bid_id, bid_shares) in enumerate(zip(bid_ids, shares, strict=True)):
        y, x = 2 + i * row, float(left)
        parts.append(f'<text x="{left - 4}" y="{y + 9}" text-anchor="end" font-size="7">{escape(bid_id)}</text>')
        for rank, share in enumerate(bid_shares):
            if share > 0:
                shade = 35 + int(55 * rank / max(ranks - 1, 1))
                parts.append(f'<rect x="{_r(x)}" y="{y}" width="{_r(share * span)}" height="10" '
                             f'fill="hsl(212, 55%, {shade}%)"/>')
                x += share * span
    legend = _("darkest: rank 1; lighter: lower ranks")
    parts.append(f'<text x="{left}" y="{height - 2}" font-size="7">{escape(legend)}</text>')
    return "".join(parts) + "</svg>"


SERIES = ("#2F6DB5", "#C0392B", "#2E8B57", "#D68910", "#7D3C98", "#17A2B8", "#8B5A2B", "#555555")


def level_history(objective_ids: list[str], versions: list[tuple[str, list[int | None]]],
                  codes: list[str] | None = None) -> str:
    """One line per objective across a provider's entry versions (in the order given, left to right): its level
    in each version, a dot at each, a gap where a version gives it no level. `versions` are (label, a level per
    objective); the y axis runs from level 0 to the top of `codes` (by default 0..4, labelled with numbers).
    Lines at the same level are drawn 1.2 px apart, so that none hides another."""
    codes = codes or [str(level) for level in range(5)]
    for label, levels in versions:
        if len(levels) != len(objective_ids):
            raise ValueError(f"version {label!r} gives {len(levels)} levels for {len(objective_ids)} objectives")
    top = max(len(codes) - 1, 1)
    step, left, legend, bottom, above = 64, 36, 54, 22, 8
    span = step * max(len(versions) - 1, 1)
    width, height = left + 18 + span + 18 + legend, max(150, 16 + 11 * len(objective_ids))
    plot = height - bottom - above
    parts = [_open(width, height)]
    for level in range(len(codes)):
        y = height - bottom - plot * level / top
        parts.append(f'<line x1="{left}" y1="{_r(y)}" x2="{left + 18 + span + 18}" y2="{_r(y)}" stroke="{MUTED}" '
                     f'stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{_r(y + 3)}" text-anchor="end" font-size="7">{escape(codes[level])}'
                     f'</text>')
    single = len(versions) == 1
    xs = [left + 18 + (span / 2 if single else step * i) for i in range(len(versions))]
    for x, (label, __) in zip(xs, versions, strict=True):
        shown = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{_r(x)}" y="{height - 8}" text-anchor="middle" font-size="7">{escape(shown)}</text>')
    for i, oid in enumerate(objective_ids):
        colour, dodge = SERIES[i % len(SERIES)], 1.2 * (i - (len(objective_ids) - 1) / 2)
        given = [levels[i] for __, levels in versions]
        points = [None if level is None else (x, height - bottom - plot * min(max(level, 0), top) / top + dodge)
                  for x, level in zip(xs, given, strict=True)]
        run: list[tuple[float, float]] = []
        for point in [*points, None]:  # a None ends a run; each run of two or more points is a polyline
            if point is not None:
                run.append(point)
                continue
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(f"{_r(x)},{_r(y)}" for x, y in run)}" fill="none" '
                             f'stroke="{colour}" stroke-width="1.4" data-objective="{escape(oid)}"/>')
            run = []
        for point in points:
            if point is not None:
                parts.append(f'<circle cx="{_r(point[0])}" cy="{_r(point[1])}" r="1.8" fill="{colour}"/>')
        y = above + 2 + i * 11
        legend_x = width - legend + 6
        parts.append(f'<line x1="{legend_x}" y1="{y}" x2="{legend_x + 10}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="1.8"/>')
        parts.append(f'<text x="{legend_x + 13}" y="{y + 2.5}" font-size="7">{escape(oid)}</text>')
    return "".join(parts) + "</svg>"


FONTS = "DejaVu Sans, Noto Sans CJK SC GB, Noto Sans CJK SC, sans-serif"  # as report.css's chain


def _open(width: int, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONTS}" fill="{INK}">')


def _r(value: float) -> str:
    return f"{value:.1f}"
