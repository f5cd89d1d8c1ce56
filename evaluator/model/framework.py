"""The framework model: objectives, criteria with ranked answers, a level scale and weight profiles."""

import math
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from evaluator.model.documents import StrictModel, load_document

WEIGHT_TOTAL = 100.0
WEIGHT_TOLERANCE = 1e-9


class SourceDocument(StrictModel):
    title: str
    date: str
    url: str


class Source(StrictModel):
    publisher: str
    documents: tuple[SourceDocument, ...] = ()
    wording: str = ""


class Level(StrictModel):
    value: int = Field(ge=0)
    code: str = Field(min_length=1)
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""


class LevelScale(StrictModel):
    name: str
    description: str = ""
    levels: tuple[Level, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _consecutive(self):
        values = [level.value for level in self.levels]
        if values != list(range(len(values))):
            raise ValueError(f"level values must run 0, 1, 2, … in order; found {values}")
        codes = [level.code.casefold() for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError("two levels share a code")
        return self

    @property
    def top(self) -> int:
        return self.levels[-1].value

    def code(self, value: int) -> str:
        return self.levels[value].code

    def parse(self, text: str) -> int | None:
        """A level from its code (SEAL-2), its number (2) or its name or alias; None if unknown."""
        cleaned = str(text).strip().casefold()
        for level in self.levels:
            names = (level.code, str(level.value), level.name, *level.aliases)
            if cleaned in (name.casefold() for name in names):
                return level.value
        return None


class Objective(StrictModel):
    id: str = Field(min_length=1)
    name: str
    description: str = ""
    contributing_factors: tuple[str, ...] = ()


class Answer(StrictModel):
    rank: int = Field(ge=1)
    label: str = Field(min_length=1)
    points: float = Field(ge=0, allow_inf_nan=False)
    level: int = Field(ge=0)


class Criterion(StrictModel):
    id: str = Field(min_length=1)
    objective: str
    title: str
    question: str
    note: str = ""
    answers: tuple[Answer, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _ladder(self):
        ranks = [answer.rank for answer in self.answers]
        if ranks != list(range(1, len(ranks) + 1)):
            raise ValueError(f"criterion {self.id}: answer ranks must run 1, 2, … worst to best; found {ranks}")
        for worse, better in zip(self.answers, self.answers[1:]):
            if better.points < worse.points or better.level < worse.level:
                raise ValueError(
                    f"criterion {self.id}: answer {better.rank} is worth less (points or level) than answer "
                    f"{worse.rank}; answers must be ordered worst to best")
        return self


class WeightProfile(StrictModel):
    description: str = ""
    weights: dict[str, float]


def check_weights(weights: dict[str, float], objective_ids: list[str], owner: str) -> None:
    """Weights name every objective exactly once, each is a finite number >= 0, and they sum to 100."""
    unknown = sorted(set(weights) - set(objective_ids))
    if unknown:
        raise ValueError(f"{owner} names unknown objective {', '.join(unknown)} (known: {', '.join(objective_ids)})")
    missing = [oid for oid in objective_ids if oid not in weights]
    if missing:
        raise ValueError(f"{owner} gives no weight for {', '.join(missing)}")
    for oid, weight in weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{owner}: the weight of {oid} must be a number of at least 0, not {weight}")
    total = sum(weights.values())
    if abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
        raise ValueError(f"{owner}: weights must sum to 100; they sum to {total:g}")


class Framework(StrictModel):
    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    version: str
    title: str
    source: Source
    answer_format: Literal["rank", "level"] = "rank"
    score_divisor: float = Field(gt=0, allow_inf_nan=False)
    level_scale: LevelScale
    objectives: tuple[Objective, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    weight_profiles: dict[str, WeightProfile] = Field(min_length=1)
    default_weight_profile: str

    @model_validator(mode="after")
    def _consistent(self):
        objective_ids = _unique([o.id for o in self.objectives], "objective")
        _unique([c.id for c in self.criteria], "criterion")
        for criterion in self.criteria:
            if criterion.objective not in objective_ids:
                raise ValueError(f"criterion {criterion.id} belongs to unknown objective {criterion.objective}")
            for answer in criterion.answers:
                if answer.level > self.level_scale.top:
                    raise ValueError(
                        f"criterion {criterion.id}, answer {answer.rank}: level {answer.level} is outside the "
                        f"{self.level_scale.name} scale (0..{self.level_scale.top})")
            if self.answer_format == "level":
                levels = [answer.level for answer in criterion.answers]
                if len(set(levels)) != len(levels):
                    raise ValueError(f"criterion {criterion.id}: answers given as levels need one level per answer")
        for oid in objective_ids:
            if not any(c.objective == oid for c in self.criteria):
                raise ValueError(f"objective {oid} has no criterion")
        for name, profile in self.weight_profiles.items():
            check_weights(profile.weights, objective_ids, f"weight profile {name}")
        if self.default_weight_profile not in self.weight_profiles:
            raise ValueError(f"default_weight_profile {self.default_weight_profile} is not among the weight "
                             f"profiles ({', '.join(self.weight_profiles)})")
        return self

    @cached_property
    def objective_ids(self) -> list[str]:
        return [o.id for o in self.objectives]

    @cached_property
    def criteria_in_objective_order(self) -> list[Criterion]:
        """Criteria grouped by objective in objective order: the column order of every answer matrix."""
        order = {oid: i for i, oid in enumerate(self.objective_ids)}
        return sorted(self.criteria, key=lambda c: order[c.objective])

    @cached_property
    def criterion_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.criteria_in_objective_order)}


def _unique(ids: list[str], kind: str) -> list[str]:
    seen = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{kind} ID {item} is used twice")
        seen.add(item)
    return ids


def load_framework(path: str | Path) -> tuple[Framework, str]:
    """Load and validate a framework file; returns it with the SHA-256 of its bytes."""
    return load_document(path, Framework)
