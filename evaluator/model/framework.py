"""The framework model: objectives, criteria with ranked answers, a level scale and weight profiles.

A framework's texts are English; its `translations` carry them in other languages (evaluator.i18n.LANGUAGES),
and `Framework.translated(language)` is the same framework with those texts. Numbers, IDs, codes, weights and
answer ranks are the same in every language.
"""

import math
import re
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from evaluator.i18n import LANGUAGES, SOURCE_LANGUAGE, _
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
            raise ValueError(_("level values must run 0, 1, 2, … in order; found {values}").format(values=values))
        codes = [level.code.casefold() for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError(_("two levels share a code"))
        return self

    @cached_property
    def _names_in_every_language(self) -> dict[int, tuple[str, ...]]:
        """Level value -> its names and aliases in the framework's other languages (filled by Framework)."""
        return {}

    @property
    def top(self) -> int:
        return self.levels[-1].value

    def code(self, value: int) -> str:
        return self.levels[value].code

    def parse(self, text: int | str) -> int | None:
        """A level from its code (SEAL-2), its number (2) or its name or alias in any of the framework's languages
        (Data Sovereignty, 数据主权); None if unknown."""
        cleaned = " ".join(str(text).casefold().split())
        for level in self.levels:
            names = (level.code, str(level.value), level.name, *level.aliases,
                     *self._names_in_every_language.get(level.value, ()))
            if cleaned in (" ".join(name.casefold().split()) for name in names):
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
            raise ValueError(_("worst and best must differ"))
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
            raise ValueError(_("a numeric criterion is scored either linearly or by bands, not both or neither"))
        if self.linear and (self.linear.best > self.linear.worst) != (self.direction == "higher"):
            raise ValueError(_("best must be above worst when higher is better") if self.direction == "higher"
                             else _("best must be below worst when lower is better"))
        order = [band.threshold for band in self.bands]
        if order != sorted(order, reverse=self.direction == "lower") or len(set(order)) != len(order):
            raise ValueError(_("bands must go from the easiest threshold to the hardest"))
        if [b.points for b in self.bands] != sorted(b.points for b in self.bands) or \
                [b.level for b in self.bands] != sorted(b.level for b in self.bands):
            raise ValueError(_("a harder band may not be worth fewer points or a lower level"))
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
                raise ValueError(_("criterion {id}: a numeric criterion has no answer list").format(id=self.id))
            return self
        if len(self.answers) < 2:
            raise ValueError(_("criterion {id}: needs at least two answers, or a numeric scoring").format(id=self.id))
        ranks = [answer.rank for answer in self.answers]
        if ranks != list(range(1, len(ranks) + 1)):
            raise ValueError(_("criterion {id}: answer ranks must run 1, 2, … worst to best; found {ranks}").format(
                id=self.id, ranks=ranks))
        for worse, better in zip(self.answers, self.answers[1:], strict=False):  # consecutive pairs
            if better.points < worse.points or better.level < worse.level:
                raise ValueError(_(
                    "criterion {id}: answer {better} is worth less (points or level) than answer {worse}; answers "
                    "must be ordered worst to best").format(id=self.id, better=better.rank, worse=worse.rank))
        return self


def _weight(value: object) -> object:
    """A weight in percent: a number, or a fraction such as "100/6" (equal weights that sum to 100 exactly)."""
    if isinstance(value, str) and "/" in value:
        numerator, __, denominator = (part.strip() for part in value.partition("/"))
        if not (_PLAIN_NUMBER.fullmatch(numerator) and _PLAIN_NUMBER.fullmatch(denominator)):
            raise ValueError(_("weight {value} is not a fraction of two plain numbers such as \"100/6\"").format(
                value=repr(value[:40])))
        if Fraction(denominator) == 0:
            raise ValueError(_("weight {value} divides by zero").format(value=repr(value[:40])))
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
        raise ValueError(_("{owner} names unknown objective {unknown} (known: {known})").format(
            owner=owner, unknown=", ".join(unknown), known=", ".join(objective_ids)))
    missing = [oid for oid in objective_ids if oid not in weights]
    if missing:
        raise ValueError(_("{owner} gives no weight for {missing}").format(owner=owner, missing=", ".join(missing)))
    for oid, weight in weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(_("{owner}: the weight of {id} must be a number of at least 0, not {weight}").format(
                owner=owner, id=oid, weight=weight))
    total = sum(weights.values())
    if abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
        raise ValueError(_("{owner}: weights must sum to 100; they sum to {total}").format(
            owner=owner, total=f"{total:g}"))


class LevelText(StrictModel):
    """A level's texts in one language."""

    name: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""


class LevelScaleText(StrictModel):
    """The level scale's texts in one language."""

    name: str = ""
    description: str = ""
    levels: dict[str, LevelText] = Field(default={}, description="By level code (SEAL-2).")


class ObjectiveText(StrictModel):
    """An objective's texts in one language."""

    name: str = ""
    description: str = ""
    contributing_factors: tuple[str, ...] = Field(default=(), description="All of them, in the order of the "
                                                  "framework's own, or none.")


class CriterionText(StrictModel):
    """A criterion's texts in one language."""

    title: str = ""
    question: str = ""
    note: str = ""
    answers: tuple[str, ...] = Field(default=(), description="The labels of answers 1, 2, … (worst to best): all "
                                     "of them or none. A bid file may write an answer's number with its label in "
                                     "any of the framework's languages.")
    unit: str = Field(default="", description="A numeric criterion's unit.")


class Translation(StrictModel):
    """A framework's texts in one language, by ID; a text left out (or empty) stays English. Only texts are
    translated: IDs, codes, numbers, levels and weights are the framework's own."""

    origin: str = Field(min_length=1, description="Who wrote the texts: an official translation, or this "
                        "project's own (and what keeps its original names).")
    title: str = ""
    source_wording: str = Field(default="", description="The translation of source.wording.")
    level_scale: LevelScaleText = LevelScaleText()
    objectives: dict[str, ObjectiveText] = Field(default={}, description="By objective ID.")
    criteria: dict[str, CriterionText] = Field(default={}, description="By criterion ID.")
    weight_profiles: dict[str, str] = Field(default={}, description="Weight profile name -> its description.")


def _normalised(label: str) -> str:
    """A label as bid files are compared with it: case-folded, runs of white space made one space."""
    return " ".join(label.casefold().split())


def _or(translated: str, original: str) -> str:
    return translated or original


class DerivedFrom(StrictModel):
    """The framework version another one was derived from (evaluator.model.derivation)."""

    id: str
    version: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Change(StrictModel):
    """One change of a derived framework version from its base, and why it was made: `what` says it in words;
    `kind`, `target` and `value` are the edit itself (evaluator.model.derivation.Edit), so that the changes
    give the version again from its base, and a file whose changes do not is refused when published."""

    what: str = Field(min_length=1)
    reason: str = Field(min_length=1, pattern=r"\S")
    kind: Literal["profile", "points", "minimum", "label", "default_profile"]
    target: str = ""
    value: int | float | str | dict[str, float]


class _Versions(dict[str, "Framework"]):
    """A framework's versions by language. Derived data, not part of a framework's value: two of them compare
    equal, so that comparing two frameworks never compares (or recurses into) their translated copies."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Versions)

    __hash__ = None  # a dict: not hashable


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
    minimum_levels: dict[str, int] = Field(default={}, description=(
        "Default minimum level per objective ID (a level value) for tenders that set none; 0 where absent."))
    derived_from: DerivedFrom | None = Field(default=None, description=(
        "The version this one was derived from: `python -m evaluator framework derive`."))
    changes: tuple[Change, ...] = Field(default=(), description=(
        "What changed from the base version (and from its own base, for a version derived twice), each with "
        "its reason."))
    translations: dict[str, Translation] = Field(default={}, description=(
        "The framework's texts in other languages, by language code (zh-CN); the framework's own texts are "
        "English."))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        objective_ids = _unique([o.id for o in self.objectives], _("objective ID {id} is used twice"))
        _unique([c.id for c in self.criteria], _("criterion ID {id} is used twice"))
        for criterion in self.criteria:
            if criterion.objective not in objective_ids:
                raise ValueError(_("criterion {id} belongs to unknown objective {objective}").format(
                    id=criterion.id, objective=criterion.objective))
            levels = [band.level for band in criterion.numeric.bands] if criterion.numeric else []
            if criterion.numeric and self.answer_format == "level":
                raise ValueError(_("criterion {id}: a framework answered with levels has no numeric criteria").format(
                    id=criterion.id))
            if any(level > self.level_scale.top for level in levels):
                raise ValueError(_("criterion {id}: a band's level is outside the {scale} scale (0..{top})").format(
                    id=criterion.id, scale=self.level_scale.name, top=self.level_scale.top))
            for answer in criterion.answers:
                if answer.level > self.level_scale.top:
                    raise ValueError(_(
                        "criterion {id}, answer {rank}: level {level} is outside the {scale} scale (0..{top})").format(
                        id=criterion.id, rank=answer.rank, level=answer.level, scale=self.level_scale.name,
                        top=self.level_scale.top))
            if self.answer_format == "level":
                levels = [answer.level for answer in criterion.answers]
                if len(set(levels)) != len(levels):
                    raise ValueError(_("criterion {id}: answers given as levels need one level per answer").format(
                        id=criterion.id))
        for oid in objective_ids:
            if not any(c.objective == oid for c in self.criteria):
                raise ValueError(_("objective {id} has no criterion").format(id=oid))
        for name, profile in self.weight_profiles.items():
            check_weights(profile.weights, objective_ids, _("weight profile {name}").format(name=name))
        for oid, level in self.minimum_levels.items():
            if oid not in objective_ids:
                raise ValueError(_("minimum_levels names unknown objective {id}").format(id=oid))
            if not 0 <= level <= self.level_scale.top:
                raise ValueError(_("minimum_levels: {id} at level {level} is outside the {scale} scale "
                                   "(0..{top})").format(id=oid, level=level, scale=self.level_scale.name,
                                                        top=self.level_scale.top))
        if self.default_weight_profile not in self.weight_profiles:
            raise ValueError(_("default_weight_profile {name} is not among the weight profiles ({known})").format(
                name=self.default_weight_profile, known=", ".join(self.weight_profiles)))
        for language, translation in self.translations.items():
            self._check_translation(language, translation)
        if self.translations:
            self._name_levels_in_every_language()
        return self

    def _check_translation(self, language: str, translation: Translation) -> None:
        """The translation is in a language the evaluator speaks and names only what the framework has."""
        if language not in LANGUAGES or language == SOURCE_LANGUAGE:
            raise ValueError(_("translations: {language} is not a language to translate into (known: {known})").format(
                language=repr(language)[:40], known=", ".join(k for k in LANGUAGES if k != SOURCE_LANGUAGE)))
        where = f"translations.{language}"
        codes = [level.code for level in self.level_scale.levels]
        criteria = {c.id: c for c in self.criteria}
        objectives = {o.id: o for o in self.objectives}
        for kind, given, known in (("level_scale.levels", translation.level_scale.levels, codes),
                                   ("objectives", translation.objectives, list(objectives)),
                                   ("criteria", translation.criteria, list(criteria)),
                                   ("weight_profiles", translation.weight_profiles, list(self.weight_profiles))):
            unknown = [key for key in given if key not in known]
            if unknown:
                raise ValueError(_("{where}.{kind}: {unknown} is not in the framework").format(
                    where=where, kind=kind, unknown=", ".join(unknown)[:200]))
        for oid, objective_text in translation.objectives.items():
            factors = objectives[oid].contributing_factors
            given_factors = objective_text.contributing_factors
            if given_factors and len(given_factors) != len(factors):
                raise ValueError(_("{where}.objectives.{id}: {given} contributing factors for the {count} of the "
                                   "framework").format(where=where, id=oid, given=len(given_factors),
                                                       count=len(factors)))
        for cid, text in translation.criteria.items():
            criterion = criteria[cid]
            if text.answers and len(text.answers) != len(criterion.answers):
                raise ValueError(_("{where}.criteria.{id}: {given} answer labels for the {count} answers of the "
                                   "criterion").format(where=where, id=cid, given=len(text.answers),
                                                       count=len(criterion.answers)))
            if text.unit and criterion.numeric is None:
                raise ValueError(_("{where}.criteria.{id}: a unit for a criterion that is not numeric").format(
                    where=where, id=cid))

    def _name_levels_in_every_language(self) -> None:
        """Let the level scale read a level from its name in any of the framework's languages. The scale is
        copied first: another framework may have been built around the same scale object."""
        scale = self.level_scale.model_copy()
        names: dict[int, tuple[str, ...]] = {}
        for level in scale.levels:
            texts = [(translation.level_scale.levels.get(level.code) or LevelText())
                     for translation in self.translations.values()]
            names[level.value] = (level.name, *level.aliases,
                                  *[name for text in texts for name in (text.name, *text.aliases) if name])
        scale.__dict__["_names_in_every_language"] = names  # the cached_property's value
        self.__dict__["level_scale"] = scale  # frozen: set once, while validating

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

    @cached_property
    def _versions(self) -> _Versions:
        """language -> the framework in that language; one dict shared by all of a framework's versions."""
        return _Versions({SOURCE_LANGUAGE: self})

    def translated(self, language: str) -> "Framework":
        """The framework with its texts in `language` where the framework has them (English elsewhere): the
        same IDs, numbers, levels, weights and answer ranks. For English, or a language without a translation,
        the framework itself; each language's version is built once."""
        versions = self._versions
        if language not in versions:
            translation = self.translations.get(language)
            versions[language] = versions[SOURCE_LANGUAGE] if translation is None else \
                versions[SOURCE_LANGUAGE]._build_translation(translation, versions)
        return versions[language]

    def _build_translation(self, translation: Translation, versions: _Versions) -> "Framework":
        """This (English) framework with the translation's texts; not validated again (only texts change)."""
        scale_text = translation.level_scale
        levels = tuple(level.model_copy(update={
            "name": _or(text.name, level.name), "aliases": text.aliases or level.aliases,
            "description": _or(text.description, level.description)})
            if (text := scale_text.levels.get(level.code)) else level for level in self.level_scale.levels)
        objective_texts = translation.objectives
        scale = self.level_scale.model_copy(update={
            "name": _or(scale_text.name, self.level_scale.name),
            "description": _or(scale_text.description, self.level_scale.description), "levels": levels})
        objectives = tuple(objective.model_copy(update={
            "name": _or(named.name, objective.name), "description": _or(named.description, objective.description),
            "contributing_factors": named.contributing_factors or objective.contributing_factors})
            if (named := objective_texts.get(objective.id)) else objective for objective in self.objectives)
        criteria = tuple(self._translated_criterion(criterion, translation.criteria.get(criterion.id))
                         for criterion in self.criteria)
        profiles = {name: profile.model_copy(update={"description": translation.weight_profiles[name]})
                    if translation.weight_profiles.get(name) else profile
                    for name, profile in self.weight_profiles.items()}
        source = self.source.model_copy(update={"wording": _or(translation.source_wording, self.source.wording)})
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        copy = type(self).model_construct(
            _fields_set=self.model_fields_set,
            **{**fields, "title": _or(translation.title, self.title), "source": source, "level_scale": scale,
               "objectives": objectives, "criteria": criteria, "weight_profiles": profiles})
        copy.__dict__["_versions"] = versions
        return copy

    @staticmethod
    def _translated_criterion(criterion: Criterion, text: CriterionText | None) -> Criterion:
        if text is None:
            return criterion
        answers = tuple(answer.model_copy(update={"label": label}) if label else answer
                        for answer, label in zip(criterion.answers, text.answers or [""] * len(criterion.answers),
                                                 strict=True))
        numeric = criterion.numeric.model_copy(update={"unit": text.unit}) \
            if criterion.numeric is not None and text.unit else criterion.numeric
        return criterion.model_copy(update={
            "title": _or(text.title, criterion.title), "question": _or(text.question, criterion.question),
            "note": _or(text.note, criterion.note), "answers": answers, "numeric": numeric})

    @cached_property
    def _answer_labels(self) -> dict[str, tuple[frozenset[str], ...]]:
        original = self._versions[SOURCE_LANGUAGE]
        labels = {}
        for criterion in original.criteria:
            texts = [text for translation in original.translations.values()
                     if (text := translation.criteria.get(criterion.id)) and text.answers]
            labels[criterion.id] = tuple(
                frozenset(_normalised(label) for label in (answer.label, *[text.answers[index] for text in texts])
                          if label.strip())
                for index, answer in enumerate(criterion.answers))
        return labels

    def answer_labels(self, criterion_id: str) -> tuple[frozenset[str], ...]:
        """The labels of a criterion's answers 1, 2, … in every language of the framework, each case-folded
        with runs of white space made one space: what a bid file may write after an answer's number."""
        return self._answer_labels[criterion_id]


def _unique(ids: list[str], message: str) -> list[str]:
    seen = set()
    for item in ids:
        if item in seen:
            raise ValueError(message.format(id=item))
        seen.add(item)
    return ids

