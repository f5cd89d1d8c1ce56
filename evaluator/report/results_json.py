"""results.json, exactly as docs/contract.md describes it (fields may be added, never renamed)."""

import math
from typing import Any

import numpy as np
import orjson

from evaluator.model.evaluation import INVALID, PENDING, Evaluation
from evaluator.scoring.review import Review

SCHEMA_VERSION = 1
PRECISION = 6  # objective scores and contributions: removes binary floating-point noise, loses nothing


def results_document(evaluation: Evaluation, framework_sha256: str, tender_sha256: str | None = None,
                     capability: dict | None = None, review: Review | None = None) -> dict:
    """`capability`: in a combined tender, the capability framework, its weights and each bid's scores;
    `review`: the evaluation panel's part, when the tender declares a panel or assessments were given."""
    framework, settings = evaluation.framework, evaluation.settings
    tender = settings.tender
    return {
        "schema_version": SCHEMA_VERSION,
        "framework": {"id": framework.id, "version": framework.version, "sha256": framework_sha256,
                      "title": framework.title, "score_divisor": framework.score_divisor,
                      "level_codes": [level.code for level in framework.level_scale.levels],
                      "objectives": {o.id: o.name for o in framework.objectives}},
        "tender": None if tender_sha256 is None else {
            "name": tender.name, "reference": tender.reference, "authority": tender.authority, "sha256": tender_sha256},
        "settings": {
            "weights": settings.weights,
            "weight_source": settings.weight_source,
            "min_level": settings.minimum_levels,
            "unknown": settings.unknown,
            "award": None if settings.award is None else {
                **settings.award.model_dump(), "rule": settings.award.describe()},
            "ties": {**settings.ties.model_dump(mode="json"), "rule": settings.ties.describe()},
            "evidence": None if settings.evidence is None else settings.evidence.model_dump(),
            "certifications": None if tender.certifications is None else tender.certifications.model_dump(mode="json"),
        },
        "summary": _summary(evaluation, review is not None),
        **({"capability": {key: value for key, value in capability.items() if key != "bids"}} if capability else {}),
        **({"panel": panel_block(review)} if review is not None else {}),
        "bids": _with_review(_bids(evaluation, capability["bids"] if capability else None), evaluation, review),
    }


def render_results_json(document: dict) -> bytes:
    """Header indented, then one bid per line: readable, diffable, and fast to write with orjson."""
    head = orjson.dumps({key: value for key, value in document.items() if key != "bids"}, option=orjson.OPT_INDENT_2)
    if not document["bids"]:
        return head[:-2] + b',\n  "bids": []\n}\n'
    parts = [head[:-2] + b',\n  "bids": [\n    ']
    for bid in document["bids"]:  # joined once: the file is copied once, not three times
        parts += (orjson.dumps(bid), b",\n    ")
    parts[-1] = b"\n  ]\n}\n"
    return b"".join(parts)


def _summary(evaluation: Evaluation, with_panel: bool = False) -> dict:
    """The counts per status; `pending` only in an evaluation with a panel (the others keep their bytes)."""
    statuses = ("ranked", "pending", "excluded", "invalid") if with_panel else ("ranked", "excluded", "invalid")
    counts = {status: evaluation.status.count(status) for status in statuses}
    winners = [evaluation.bids.bids[i].bid_id for i in evaluation.order if evaluation.rank[i] == 1]
    return {"bids": len(evaluation.status), **counts, "rank_1": winners}


def _bids(evaluation: Evaluation, capability: dict | None) -> list[dict]:
    """Per-bid entries in output order. Matrices become Python lists once, not once per bid."""
    has_level = evaluation.has_level()
    columns = {
        "level": np.where(has_level, evaluation.objective_levels, -1).tolist(),
        "passed": evaluation.passed.tolist(),
        "score": evaluation.objective_scores.round(PRECISION).tolist(),
        "weighted": evaluation.weighted.round(PRECISION).tolist(),
        **{name: masks.tolist() for name, masks in evaluation.criteria_masks().items()},
    }
    overall = np.where(has_level.any(axis=1), evaluation.overall_level, -1).tolist()
    score = evaluation.score.tolist()
    price_points, total, rank = evaluation.price_points.tolist(), evaluation.total.tolist(), evaluation.rank.tolist()
    required = evaluation.required.tolist()
    objective_ids = evaluation.framework.objective_ids
    named = evaluation.ladders.named
    with_evidence = evaluation.settings.evidence is not None
    entries = []
    for row in evaluation.order:
        bid = evaluation.bids.bids[row]
        entry: dict[str, Any] = {
            "bid_id": bid.bid_id, "vendor": bid.vendor, "service": bid.service,
            "price": bid.price, "currency": bid.currency,
            "source": {"file": bid.source.file, "sha256": bid.source.sha256},
            "status": evaluation.status[row],
            "errors": [problem.as_dict() for problem in bid.errors],
            **({"registry": bid.registry.as_dict()} if bid.registry is not None else {}),
        }
        if evaluation.status[row] == INVALID:
            entries.append({**entry, "objectives": {}, "overall_level": None, "score": None, "exclusion_reasons": [],
                            "price_points": None, "total": None, "rank": None, "tie": None})
            continue
        objectives = {oid: {
            "level": None if level < 0 else level, "score": score_, "weighted": weighted, "required": minimum,
            "passed": passed,
            "unanswered": named(o, unanswered), "capped_by": named(o, capped),
            **({"evidence_lacking": named(o, lacking)} if with_evidence else {}),
        } for o, oid, level, passed, score_, weighted, minimum, unanswered, capped, lacking in zip(
            range(len(objective_ids)), objective_ids, columns["level"][row], columns["passed"][row],
            columns["score"][row],
            columns["weighted"][row], required, columns["unanswered"][row], columns["capped_by"][row],
            columns["evidence_lacking"][row], strict=True)}
        tie = evaluation.ties[row]
        entries.append({
            **entry,
            "objectives": objectives,
            "overall_level": None if overall[row] < 0 else overall[row],
            "score": score[row],
            "exclusion_reasons": [reason.as_dict() for reason in evaluation.exclusion_reasons[row]],
            "price_points": _number(price_points[row]),
            "total": _number(total[row]),
            "rank": rank[row] or None,
            "tie": None if tie is None else tie.as_dict(),
            **({"capability": capability.get(bid.bid_id)} if capability is not None else {}),
        })
    return entries


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


NO_ASSESSMENT = "no assessment was given: the bids are evaluated on their claims"
PROVISIONAL = "provisional: disputed answers as claimed"  # how a pending bid's figures are labelled


def panel_block(review: Review) -> dict:
    """results.json's `panel`: who sat, what they declared, the assessment files and how far they agreed."""
    panel = review.panel
    return {
        "chair": panel.chair if panel else None, "members": list(panel.members) if panel else [],
        "conflicts": {name: list(bids) for name, bids in sorted(panel.conflicts.items())} if panel else {},
        "assessments": [{"name": name, "sha256": sha256} for name, sha256 in review.files],
        "assessed": review.assessed,
        **({} if review.assessed else {"note": NO_ASSESSMENT}),
        "agreement": None if review.agreement is None else review.agreement.as_dict(),
    }


def _with_review(entries: list[dict], evaluation: Evaluation, review: Review | None) -> list[dict]:
    """Each bid with its claimed figures, its moderations and (when pending) why, after assessments."""
    if review is None or review.moderated is None or review.claimed is None:
        return entries
    moderated, claimed = review.moderated, _claimed_figures(review.claimed)
    for entry, row in zip(entries, evaluation.order, strict=True):
        entry["claimed"] = None if evaluation.status[row] == INVALID else claimed(row)
        entry["moderations"] = [moderation.as_dict() for moderation in moderated.moderations[row]]
        if evaluation.status[row] == PENDING:
            entry["pending_reasons"] = list(moderated.pending[row])
            entry["provisional"] = True  # its figures take the disputed answers as claimed: not a result yet
    return entries


def _claimed_figures(claimed: Evaluation):
    """row -> the bid's figures on its own answers: status, rank, score, total, levels and objective scores."""
    levels = np.where(claimed.has_level(), claimed.objective_levels, -1).tolist()
    scores = claimed.objective_scores.round(PRECISION).tolist()
    objective_ids = claimed.framework.objective_ids

    def figures(row: int) -> dict:
        return {"status": claimed.status[row], "rank": int(claimed.rank[row]) or None,
                "score": float(claimed.score[row]), "total": _number(float(claimed.total[row])),
                "overall_level": None if max(levels[row]) < 0 else int(claimed.overall_level[row]),
                "objectives": {oid: {"level": None if level < 0 else level, "score": score}
                               for oid, level, score in zip(objective_ids, levels[row], scores[row], strict=True)}}
    return figures
