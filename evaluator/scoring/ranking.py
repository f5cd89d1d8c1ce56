"""Ranking with shared ranks for ties (1, 1, 3) and an optional ordered tie-break chain."""

import numpy as np

from evaluator.model.evaluation import Tie
from evaluator.model.tender import TieRule

# For each tie-break key: (value array name, True when higher is better)
TIE_KEYS = {"overall_level": True, "score": True, "price": False}


def rank_bids(total: np.ndarray, competing: np.ndarray, rule: TieRule, key_values: dict[str, np.ndarray],
              bid_ids: list[str | None]) -> tuple[np.ndarray, list[Tie | None]]:
    """Competition ranks for competing bids (0 for the others) and the tie record of each bid."""
    ranks = np.zeros(len(total), np.int64)
    ties: list[Tie | None] = [None] * len(total)
    rows = np.flatnonzero(competing)
    if len(rows) == 0:
        return ranks, ties
    rounded = np.round(total[rows], rule.decimals)
    chain = [key_values[key][rows] * (-1 if TIE_KEYS[key] else 1) for key in rule.tie_break]
    keys = np.column_stack([-rounded, *chain])
    order = np.lexsort(keys.T[::-1])
    sorted_keys = keys[order]
    new_rank = np.ones(len(rows), bool)
    new_rank[1:] = np.any(sorted_keys[1:] != sorted_keys[:-1], axis=1)
    positions = np.arange(1, len(rows) + 1)
    ranks[rows[order]] = np.maximum.accumulate(np.where(new_rank, positions, 0))
    for value in np.unique(rounded):
        group = rows[rounded == value]
        if len(group) > 1:
            decided = next((key for key in rule.tie_break if len(np.unique(key_values[key][group])) > 1), None)
            for row in group:
                others = sorted(str(bid_ids[g]) for g in group if g != row)
                ties[row] = Tie(tuple(others), decided)
    return ranks, ties
