"""Answer ladders as lookup tables: table[criterion column, rank] gives points or level in one gather."""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from evaluator.model.framework import Framework, Numeric


@dataclass(frozen=True, eq=False)
class Ladders:
    points: np.ndarray  # C × (max rank + 1); column 0 (unanswered) is worth 0 points
    levels: np.ndarray  # C × (max rank + 1); column 0 holds `ignored`, above every real level
    starts: np.ndarray  # first column of each objective (criteria are grouped by objective)
    ignored: int
    criterion_ids: tuple[tuple[str, ...], ...]  # per objective, its criteria in column order
    numeric: tuple[tuple[int, Numeric], ...]  # (column, Numeric) of every numeric criterion

    @classmethod
    def of(cls, framework: Framework) -> "Ladders":
        criteria = framework.criteria_in_objective_order
        width = max(len(c.answers) for c in criteria) + 2  # column 0: unanswered; a numeric answer is rank 1
        ignored = framework.level_scale.top + 1
        points = np.zeros((len(criteria), width))
        levels = np.full((len(criteria), width), ignored, np.int64)
        for i, criterion in enumerate(criteria):
            for answer in criterion.answers:
                points[i, answer.rank] = answer.points
                levels[i, answer.rank] = answer.level
        ids = tuple(tuple(c.id for c in criteria if c.objective == oid) for oid in framework.objective_ids)
        starts = np.cumsum([0] + [len(group) for group in ids[:-1]])
        numeric = tuple((i, c.numeric) for i, c in enumerate(criteria) if c.numeric is not None)
        return cls(points, levels, starts, ignored, ids, numeric)

    def lookup(self, table: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        found: np.ndarray = table[np.arange(table.shape[0])[None, :], ranks]
        return found

    @property
    def columns(self) -> list[slice]:
        return [slice(start, start + len(ids))
                for start, ids in zip(self.starts.tolist(), self.criterion_ids, strict=True)]

    def per_column(self, per_objective: np.ndarray) -> np.ndarray:
        """Spread an N × O matrix to N × C: each criterion column gets its objective's value."""
        return np.repeat(per_objective, [len(ids) for ids in self.criterion_ids], axis=1)

    def masks(self, flags: np.ndarray) -> np.ndarray:
        """N × O integers: bit j of [n, o] is set when flags[n, column of objective o's j-th criterion]."""
        bits = np.zeros(flags.shape[1], np.int64)
        for columns in self.columns:
            bits[columns] = 1 << np.arange(columns.stop - columns.start)
        weighted = flags.astype(np.int64) * bits[None, :]
        return np.add.reduceat(weighted, self.starts, axis=1)

    def named(self, objective: int, mask: int) -> tuple[str, ...]:
        """The criterion IDs that a mask from `masks` names (cached: bids share few patterns)."""
        return _names(self.criterion_ids[objective], mask)


@lru_cache(maxsize=65536)
def _names(ids: tuple[str, ...], mask: int) -> tuple[str, ...]:
    return tuple(cid for j, cid in enumerate(ids) if mask >> j & 1)
