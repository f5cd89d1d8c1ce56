"""A market survey: registered providers' levels and Sovereignty Scores under a framework's weight
profile, as of a named date (a buyer's look at the market before a tender)."""

import datetime

from evaluator.i18n import _
from evaluator.ingest.registry import registered_bids
from evaluator.model.framework import Framework
from evaluator.model.registry import RegistryEntry, invalidity
from evaluator.model.tender import Overrides, resolve_settings
from evaluator.scoring.evaluate import evaluate

SCORE_DECIMALS = 2


def market_survey(entries: list[RegistryEntry], framework: Framework, as_of: datetime.date,
                  overrides: Overrides | None = None) -> list[dict]:
    """`assessed` rows by score then provider (one entry per provider)."""
    return sorted(assessed(entries, framework, as_of, overrides),
                  key=lambda found: (-(found["score"] or -1), found["provider"]))


def assessed(entries: list[RegistryEntry], framework: Framework, as_of: datetime.date,
             overrides: Overrides | None = None) -> list[dict]:
    """A row per entry (each answering `framework`), in order: its levels per objective and overall (None
    where not levelled), its score under the weight profile, whether it is valid as of `as_of`, whether it
    meets the minimum levels, and the problems the bid reader found in its answers."""
    settings = resolve_settings(framework, overrides=overrides or Overrides())
    evaluation = evaluate(framework, settings, registered_bids(entries, framework))
    has_level = evaluation.has_level()
    objective_ids = [objective.id for objective in framework.objectives]
    rows = []
    for row, entry in enumerate(entries):
        bid = evaluation.bids.bids[row]
        reason = _("its answers were refused (see problems)") if bid.invalid else invalidity(entry, as_of)
        levelled = not bid.invalid and bool(has_level[row].any())
        rows.append({
            "provider": entry.provider, "provider_name": entry.provider_name, "framework": entry.framework,
            "assessor": entry.assessor, "kind": entry.kind, "assessed_on": entry.assessed_on.isoformat(),
            "valid_until": entry.valid_until.isoformat(), "valid": reason is None, "invalid_reason": reason,
            "problems": [f"{problem.location}: {problem.message}" for problem in bid.errors],
            "overall_level": int(evaluation.overall_level[row]) if levelled else None,
            "levels": {oid: int(evaluation.objective_levels[row, column]) if has_level[row, column] and not bid.invalid
                       else None for column, oid in enumerate(objective_ids)},
            "score": None if bid.invalid else round(float(evaluation.score[row]), SCORE_DECIMALS),
            "meets_minimums": not bid.invalid and bool(evaluation.passed[row].all())})
    return rows

