"""Provider assessment registry entries (assess once, reuse many): a provider's answers to one framework
with who assessed them, how, and until when they hold. Pure: validity is always judged as of a date the
caller names (no clock), and a new assessment is a new entry, compared with the one before it."""

import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from evaluator.i18n import _
from evaluator.model.documents import StrictModel

PROVIDER_ID = _IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # providers, frameworks and criteria alike
_TEXT_LIMIT = 2_000
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"  # names: no control characters
_NO_NUL = r"^[^\x00]*$"  # evidence may run over lines


class RegisteredAnswer(StrictModel):
    """One criterion's answer as a bid file gives it (an answer key, or a number for numeric criteria) and
    the evidence the assessor saw."""

    answer: str = Field(min_length=1, max_length=64, pattern=_ONE_LINE)
    evidence: str = Field(default="", max_length=_TEXT_LIMIT, pattern=_NO_NUL)
    evidence_quality: str = Field(default="", max_length=64, pattern=_ONE_LINE)


class RegistryEntry(StrictModel):
    """The exchange format providers and assessors publish (frameworks/registry-entry.schema.json)."""

    format: Literal["evaluator-registry-entry/1"]
    provider: str = Field(pattern=_IDENTIFIER)
    provider_name: str = Field(min_length=1, max_length=200, pattern=_ONE_LINE)
    framework: str = Field(pattern=_IDENTIFIER)
    assessor: str = Field(min_length=1, max_length=200, pattern=_ONE_LINE)
    kind: Literal["self", "third-party", "authorised"]  # authorised: after a tender panel's review
    assessed_on: datetime.date
    valid_until: datetime.date
    answers: dict[Annotated[str, Field(pattern=_IDENTIFIER)], RegisteredAnswer] = Field(min_length=1, max_length=1_000)

    @model_validator(mode="after")
    def _valid_after_assessed(self) -> "RegistryEntry":
        if self.valid_until < self.assessed_on:
            raise ValueError(_("valid_until {valid_until} is before assessed_on {assessed_on}").format(
                valid_until=self.valid_until, assessed_on=self.assessed_on))
        return self


def invalidity(entry: RegistryEntry, as_of: datetime.date) -> str | None:
    """Why the entry cannot be relied on as of that date, or None when it holds (both days included)."""
    if as_of < entry.assessed_on:
        return _("assessed on {assessed_on}, after {as_of}").format(assessed_on=entry.assessed_on, as_of=as_of)
    if as_of > entry.valid_until:
        return _("expired on {valid_until} (as of {as_of})").format(valid_until=entry.valid_until, as_of=as_of)
    return None


def expires_within(entry: RegistryEntry, as_of: datetime.date, days: int) -> bool:
    """Valid as of that date and no longer `days` days later."""
    return invalidity(entry, as_of) is None and lapses_within(entry.valid_until, as_of, days)


def lapses_within(valid_until: datetime.date, as_of: datetime.date, days: int) -> bool:
    """Whether validity up to `valid_until` ends within `days` days of `as_of`."""
    return valid_until < as_of + datetime.timedelta(days=days)


def answer_changes(previous: RegistryEntry, current: RegistryEntry) -> list[dict[str, str | None]]:
    """The criteria whose answer differs between two versions, in criterion order (None: not answered)."""
    changed = []
    for criterion in sorted(set(previous.answers) | set(current.answers)):
        before, after = previous.answers.get(criterion), current.answers.get(criterion)
        if (before and before.answer) != (after and after.answer):
            changed.append({"criterion": criterion, "before": before.answer if before else None,
                            "after": after.answer if after else None})
    return changed
