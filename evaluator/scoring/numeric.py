"""Points and levels for measured values: linear between declared bounds, or by bands."""

import numpy as np

from evaluator.model.framework import Numeric


def numeric_points_and_levels(numeric: Numeric, values: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and level for each value (NaN values get 0 and 0; the caller applies the unknown policy).
    A linear criterion without bands does not limit the level (it counts as the top level)."""
    if numeric.linear is not None:
        span = numeric.linear.best - numeric.linear.worst
        fraction = np.clip((values - numeric.linear.worst) / span, 0.0, 1.0)
        return np.nan_to_num(fraction * numeric.linear.points), np.full(len(values), top, np.int64)
    thresholds = np.array([band.threshold for band in numeric.bands])
    with np.errstate(invalid="ignore"):
        reached = values[:, None] >= thresholds[None, :] if numeric.direction == "higher" else \
            values[:, None] <= thresholds[None, :]
    count = reached.sum(axis=1)  # bands run from the easiest to the hardest, so reaching is monotone
    points = np.array([0.0, *[band.points for band in numeric.bands]])[count]
    levels = np.array([0, *[band.level for band in numeric.bands]], np.int64)[count]
    return points, levels
