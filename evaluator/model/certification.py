"""Certification schemes, the certificates a bid states, and the tender's certification gate."""

import datetime as dt
from dataclasses import dataclass
from typing import Self

from pydantic import Field, model_validator

from evaluator.i18n import _
from evaluator.model.documents import StrictModel

SCHEMES_NAME = "frameworks/schemes/certifications.yaml"  # the bundled file, as evaluations record it


class Scheme(StrictModel):
    name: str
    levels: tuple[str, ...] = Field(min_length=1)
    aliases: dict[str, str] = {}
    note: str = ""

    @model_validator(mode="after")
    def _aliases_name_levels(self) -> Self:
        unknown = sorted(set(self.aliases.values()) - set(self.levels))
        if unknown:
            raise ValueError(_("aliases name unknown levels: {levels}").format(levels=", ".join(unknown)))
        return self

    def rank(self, level: str) -> int | None:
        """The level's position (0 = least assurance), from its name or an alias; None if unknown."""
        wanted = str(level).strip().casefold()
        names = {name.casefold(): name for name in self.levels}
        names.update({alias.casefold(): target for alias, target in self.aliases.items()})
        return self.levels.index(names[wanted]) if wanted in names else None


class Schemes(StrictModel):
    schemes: dict[str, Scheme]


class CertificateRule(StrictModel):
    scheme: str
    minimum: str
    max_age_days: int | None = Field(default=None, gt=0)
    max_open_high_findings: int = Field(default=0, ge=0)


class CertificationGate(StrictModel):
    """Certificates a bid must hold, judged on `as_of` (a date in the tender: no clock)."""

    as_of: dt.date
    rules: tuple[CertificateRule, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Certificate:
    scheme: str
    level: str
    issued: dt.date
    issuer: str = ""
    reference: str = ""
    open_high_findings: int = 0

    def describe(self) -> str:
        if self.open_high_findings:
            return _("{scheme} {level} issued {issued} with {findings} open high-risk findings").format(
                scheme=self.scheme, level=self.level, issued=self.issued.isoformat(), findings=self.open_high_findings)
        return _("{scheme} {level} issued {issued}").format(scheme=self.scheme, level=self.level,
                                                            issued=self.issued.isoformat())


def certificate_failures(gate: CertificationGate, schemes: Schemes, held: tuple[Certificate, ...]) -> list[str]:
    """One sentence for each rule that no certificate satisfies."""
    failures = []
    for rule in gate.rules:
        scheme = schemes.schemes[rule.scheme]
        needed = scheme.rank(rule.minimum)
        if needed is None:  # resolve_settings refuses a tender whose minimum is not a level of the scheme
            raise ValueError(_("{level} is not a level of {scheme}").format(level=repr(rule.minimum),
                                                                            scheme=rule.scheme))
        matching = [c for c in held if c.scheme == rule.scheme]
        if any(rank is not None and rank >= needed
               and (rule.max_age_days is None or (gate.as_of - c.issued).days <= rule.max_age_days)
               and c.issued <= gate.as_of and c.open_high_findings <= rule.max_open_high_findings
               for c, rank in ((c, scheme.rank(c.level)) for c in matching)):
            continue
        found = "; ".join(c.describe() for c in matching) or _("none")
        if rule.max_age_days:
            failure = _("needs a certificate under {scheme} at {level} or above issued within {days} days of {date}, "
                        "with at most {findings} open high-risk findings (held: {held})")
        else:
            failure = _("needs a certificate under {scheme} at {level} or above, with at most {findings} open "
                        "high-risk findings (held: {held})")
        failures.append(failure.format(scheme=scheme.name, level=scheme.levels[needed], days=rule.max_age_days,
                                       date=gate.as_of.isoformat(), findings=rule.max_open_high_findings, held=found))
    return failures
