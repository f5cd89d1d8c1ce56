"""The framework model: objectives, criteria with ranked answers, a level scale and weight profiles."""

import math
import re
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from evaluator.model.documents import StrictModel

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
    levels: tuple[Level, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consecutive(self) -> Self:
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

    def parse(self, text: int | str) -> int | None:
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


class Linear(StrictModel):
    """Points grow linearly from 0 at `worst` to `points` at `best` (worst > best when lower is better)."""

    worst: float = Field(allow_inf_nan=False)
    best: float = Field(allow_inf_nan=False)
    points: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.worst == self.best:
            raise ValueError("worst and best must differ")
        return self


class Band(StrictModel):
    """Reaching `threshold` (at least it when higher is better, at most it when lower is) earns the band."""

    threshold: float = Field(allow_inf_nan=False)
    points: float = Field(ge=0, allow_inf_nan=False)
    level: int = Field(default=0, ge=0)


class Numeric(StrictModel):
    """A measured value instead of a chosen answer, scored linearly or by bands."""

    unit: str
    direction: Literal["higher", "lower"]
    valid: tuple[float, float] | None = None  # values outside are treated as unanswered
    linear: Linear | None = None
    bands: tuple[Band, ...] = ()

    @model_validator(mode="after")
    def _one_scoring(self) -> Self:
        if (self.linear is None) == (not self.bands):
            raise ValueError("a numeric criterion is scored either linearly or by bands, not both or neither")
        if self.linear and (self.linear.best > self.linear.worst) != (self.direction == "higher"):
            raise ValueError(f"best must be {'above' if self.direction == 'higher' else 'below'} worst when "
                             f"{self.direction} is better")
        order = [band.threshold for band in self.bands]
        if order != sorted(order, reverse=self.direction == "lower") or len(set(order)) != len(order):
            raise ValueError("bands must go from the easiest threshold to the hardest")
        if [b.points for b in self.bands] != sorted(b.points for b in self.bands) or \
                [b.level for b in self.bands] != sorted(b.level for b in self.bands):
            raise ValueError("a harder band may not be worth fewer points or a lower level")
        return self


class Criterion(StrictModel):
    id: str = Field(min_length=1)
    objective: str
    title: str
    question: str
    note: str = ""
    answers: tuple[Answer, ...] = ()
    numeric: Numeric | None = None

    @model_validator(mode="after")
    def _ladder(self) -> Self:
        if self.numeric is not None:
            if self.answers:
                raise ValueError(f"criterion {self.id}: a numeric criterion has no answer list")
            return self
        if len(self.answers) < 2:
            raise ValueError(f"criterion {self.id}: needs at least two answers, or a numeric scoring")
        ranks = [answer.rank for answer in self.answers]
        if ranks != list(range(1, len(ranks) + 1)):
            raise ValueError(f"criterion {self.id}: answer ranks must run 1, 2, … worst to best; found {ranks}")
        for worse, better in zip(self.answers, self.answers[1:], strict=False):  # consecutive pairs
            if better.points < worse.points or better.level < worse.level:
                raise ValueError(
                    f"criterion {self.id}: answer {better.rank} is worth less (points or level) than answer "
                    f"{worse.rank}; answers must be ordered worst to best")
        return self


def _weight(value: object) -> object:
    """A weight in percent: a number, or a fraction such as "100/6" (equal weights that sum to 100 exactly)."""
    if isinstance(value, str) and "/" in value:
        numerator, _, denominator = (part.strip() for part in value.partition("/"))
        if not (_PLAIN_NUMBER.fullmatch(numerator) and _PLAIN_NUMBER.fullmatch(denominator)):
            raise ValueError(f"weight {value[:40]!r} is not a fraction of two plain numbers such as \"100/6\"")
        if Fraction(denominator) == 0:
            raise ValueError(f"weight {value[:40]!r} divides by zero")
        return float(Fraction(numerator) / Fraction(denominator))
    return value


_PLAIN_NUMBER = re.compile(r"\d{1,15}(\.\d{1,15})?")  # no sign, no exponent: a weight is a plain share


class WeightProfile(StrictModel):
    description: str = ""
    weights: dict[str, Annotated[float, BeforeValidator(_weight)]]


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
    def _consistent(self) -> Self:
        objective_ids = _unique([o.id for o in self.objectives], "objective")
        _unique([c.id for c in self.criteria], "criterion")
        for criterion in self.criteria:
            if criterion.objective not in objective_ids:
                raise ValueError(f"criterion {criterion.id} belongs to unknown objective {criterion.objective}")
            levels = [band.level for band in criterion.numeric.bands] if criterion.numeric else []
            if criterion.numeric and self.answer_format == "level":
                raise ValueError(f"criterion {criterion.id}: a framework answered with levels has no numeric criteria")
            if any(level > self.level_scale.top for level in levels):
                raise ValueError(f"criterion {criterion.id}: a band's level is outside the {self.level_scale.name} "
                                 f"scale (0..{self.level_scale.top})")
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

