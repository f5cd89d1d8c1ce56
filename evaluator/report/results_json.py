"""results.json, exactly as docs/contract.md describes it (fields may be added, never renamed)."""

import json
import math

from evaluator.model.evaluation import INVALID, Evaluation

SCHEMA_VERSION = 1
PRECISION = 6  # objective scores and contributions: removes binary floating-point noise, loses nothing


def results_document(evaluation: Evaluation, framework_sha256: str, tender_sha256: str | None = None) -> dict:
    framework, settings = evaluation.framework, evaluation.settings
    tender = settings.tender
    return {
        "schema_version": SCHEMA_VERSION,
        "framework": {"id": framework.id, "version": framework.version, "sha256": framework_sha256,
                      "title": framework.title,
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
        },
        "summary": _summary(evaluation),
        "bids": [_bid(evaluation, row) for row in evaluation.order],
    }


def render_results_json(document: dict) -> bytes:
    """One bid per line: readable and diffable, and fast (the C encoder serves each line)."""
    head = {key: value for key, value in document.items() if key != "bids"}
    text = json.dumps(head, ensure_ascii=False, indent=2, allow_nan=False)[:-2]
    bids = ",\n    ".join(json.dumps(bid, ensure_ascii=False, allow_nan=False) for bid in document["bids"])
    return f'{text},\n  "bids": [\n    {bids}\n  ]\n}}\n'.encode() if bids else \
        f'{text},\n  "bids": []\n}}\n'.encode()


def _summary(evaluation: Evaluation) -> dict:
    counts = {status: evaluation.status.count(status) for status in ("ranked", "excluded", "invalid")}
    winners = [evaluation.bids.bids[i].bid_id for i in evaluation.order if evaluation.rank[i] == 1]
    return {"bids": len(evaluation.status), **counts, "rank_1": winners}


def _bid(evaluation: Evaluation, row: int) -> dict:
    bid = evaluation.bids.bids[row]
    status = evaluation.status[row]
    entry = {
        "bid_id": bid.bid_id, "vendor": bid.vendor, "service": bid.service,
        "price": bid.price, "currency": bid.currency,
        "source": {"file": bid.source.file, "sha256": bid.source.sha256},
        "status": status,
        "errors": [problem.as_dict() for problem in bid.errors],
    }
    if status == INVALID:
        return {**entry, "objectives": {}, "overall_level": None, "score": None, "exclusion_reasons": [],
                "price_points": None, "total": None, "rank": None, "tie": None}
    tie = evaluation.ties[row]
    return {
        **entry,
        "objectives": _objectives(evaluation, row),
        "overall_level": int(evaluation.overall_level[row]),
        "score": float(evaluation.score[row]),
        "exclusion_reasons": [reason.as_dict() for reason in evaluation.exclusion_reasons[row]],
        "price_points": _number(evaluation.price_points[row]),
        "total": _number(evaluation.total[row]),
        "rank": int(evaluation.rank[row]) or None,
        "tie": None if tie is None else tie.as_dict(),
    }


def _objectives(evaluation: Evaluation, row: int) -> dict:
    framework = evaluation.framework
    criteria = framework.criteria_in_objective_order
    unanswered = set(evaluation.unanswered(row))
    capped = evaluation.capped_by(row)
    scores = evaluation.objective_scores[row].round(PRECISION).tolist()
    weighted = evaluation.weighted[row].round(PRECISION).tolist()
    levels = evaluation.objective_levels[row].tolist()
    required = evaluation.required.tolist()
    result = {}
    for o, (oid, columns) in enumerate(zip(framework.objective_ids, evaluation.objective_criteria())):
        ids = [criteria[c].id for c in range(columns.start, columns.stop)]
        result[oid] = {
            "level": levels[o], "score": scores[o], "weighted": weighted[o], "required": required[o],
            "passed": levels[o] >= required[o],
            "unanswered": [cid for cid in ids if cid in unanswered],
            "capped_by": capped[o],
            "evidence_lacking": [criteria[c].id for c in range(columns.start, columns.stop)
                                if evaluation.evidence_lacking[row, c]],
        }
    return result


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
