"""Price points and the award total. Absolute formulas (linear) cannot reverse ranks; relative ones can."""

import numpy as np

from evaluator.i18n import _
from evaluator.model.tender import Award


def price_points(prices: np.ndarray, competing: np.ndarray, award: Award | None) -> np.ndarray:
    """Points 0..100 for each competing bid's price (NaN elsewhere, and everywhere without an award)."""
    points = np.full(len(prices), np.nan)
    if award is None or not competing.any():
        return points
    price = prices[competing]
    if award.price_formula == "lowest_ratio":
        points[competing] = 100.0 * price.min() / price
    else:
        floor, ceiling = award.floor_price, award.ceiling_price
        if floor is None or ceiling is None:  # Award's validator requires both for the linear formula
            raise ValueError(_("the linear price formula needs floor_price and ceiling_price"))
        span = ceiling - floor
        points[competing] = np.clip(100.0 * (ceiling - price) / span, 0.0, 100.0)
    return points


def award_total(score: np.ndarray, points: np.ndarray, award: Award | None,
                capability: np.ndarray | None = None) -> np.ndarray:
    if award is None:
        return score.copy()
    total: np.ndarray = award.quality_weight * score + award.price_weight * np.nan_to_num(points)
    if award.capability_weight:
        if capability is None:  # evaluate() gives NaN scores (and so an exclusion) when none were read
            raise ValueError("a tender that weighs capability needs each bid's capability score")
        total = total + award.capability_weight * capability
    return total / 100.0
