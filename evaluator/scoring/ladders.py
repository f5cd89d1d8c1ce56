"""Answer ladders as lookup tables: table[criterion column, rank] gives points or level in one gather."""

from dataclasses import dataclass

import numpy as np

from evaluator.model.framework import Framework


@dataclass(frozen=True)
class Ladders:
    points: np.ndarray  # C × (max rank + 1); column 0 (unanswered) is worth 0 points
    levels: np.ndarray  # C × (max rank + 1); column 0 holds `ignored`, above every real level
    answers: np.ndarray  # C: number of answers of each criterion
    starts: np.ndarray  # first column of each objective (criteria are grouped by objective)
    ignored: int

    @classmethod
    def of(cls, framework: Framework) -> "Ladders":
        criteria = framework.criteria_in_objective_order
        width = max(len(c.answers) for c in criteria) + 1
        ignored = framework.level_scale.top + 1
        points = np.zeros((len(criteria), width))
        levels = np.full((len(criteria), width), ignored, np.int64)
        for i, criterion in enumerate(criteria):
            for answer in criterion.answers:
                points[i, answer.rank] = answer.points
                levels[i, answer.rank] = answer.level
        objective_of = [framework.objective_ids.index(c.objective) for c in criteria]
        starts = np.searchsorted(objective_of, np.arange(len(framework.objective_ids)))
        return cls(points, levels, np.array([len(c.answers) for c in criteria]), starts, ignored)

    def lookup(self, table: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        return table[np.arange(table.shape[0])[None, :], ranks]
