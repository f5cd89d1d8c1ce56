"""The tender: the contracting authority's settings, and how they resolve against a framework and flags."""

from dataclasses import dataclass, field
from typing import Annotated, Literal, Self, get_args

import yaml
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from evaluator.errors import ConfigurationError
from evaluator.i18n import N_, _, every_language, known_language
from evaluator.model.certification import CertificationGate, Schemes
from evaluator.model.documents import StrictModel
from evaluator.model.framework import WEIGHT_TOLERANCE, WEIGHT_TOTAL, Framework, _weight, check_weights
from evaluator.model.unanswered import DEFAULT_POLICY, UnknownPolicy

EvidenceQuality = Literal["self_attested", "contractual", "third_party_certified", "independently_audited"]
EVIDENCE_QUALITIES: tuple[EvidenceQuality, ...] = get_args(EvidenceQuality)
EVIDENCE_QUALITY_WORDS: dict[EvidenceQuality, str] = {  # what vendors see, translated with _() where shown;
    "self_attested": N_("self-attested"),  # codes and words in every language are read back
    "contractual": N_("contractual"),
    "third_party_certified": N_("third-party certified"),
    "independently_audited": N_("independently audited"),
}


def evidence_quality_texts() -> dict[str, EvidenceQuality]:
    """Every text that names a quality in a bid file: its code, and its word in every language (self-attested,
    自我声明)."""
    return {text: name for name in EVIDENCE_QUALITIES
            for text in (name, *every_language(EVIDENCE_QUALITY_WORDS[name]))}


TieBreak = Literal["overall_level", "score", "price"]
TIE_BREAKS = {  # translated with _() where shown
    "overall_level": N_("higher overall level first"),
    "score": N_("higher Sovereignty Score first"),
    "price": N_("lower price first"),
}


PriceFormula = Literal["lowest_ratio", "linear"]  # relative (100 × lowest / price) or absolute (floor to ceiling)
PRICE_FORMULAS: tuple[PriceFormula, ...] = get_args(PriceFormula)


class Award(StrictModel):
    """How the award total combines quality (the Sovereignty Score), product capability (a second
    framework's score, in combined tenders) and price, in percent."""

    quality_weight: float = Field(ge=0, le=100, allow_inf_nan=False)
    price_weight: float = Field(ge=0, le=100, allow_inf_nan=False)
    capability_weight: float = Field(default=0, ge=0, le=100, allow_inf_nan=False)
    price_formula: PriceFormula = "lowest_ratio"
    floor_price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    ceiling_price: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _formula(self) -> Self:
        total = self.quality_weight + self.capability_weight + self.price_weight
        if abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
            raise ValueError(_("quality_weight, capability_weight and price_weight must sum to 100; they sum to "
                               "{total}").format(total=f"{total:g}"))
        if self.price_formula == "linear":
            if self.floor_price is None or self.ceiling_price is None:
                raise ValueError(_("the linear price formula needs floor_price and ceiling_price"))
            if self.floor_price >= self.ceiling_price:
                raise ValueError(_("floor_price must be below ceiling_price"))
        elif self.floor_price is not None or self.ceiling_price is not None:
            raise ValueError(_("floor_price and ceiling_price belong to the linear price formula only"))
        return self

    def describe(self) -> str:
        price = (_("100 × lowest price / price") if self.price_formula == "lowest_ratio" else
                 _("100 at {floor} or less, 0 at {ceiling} or more, linear between").format(
                     floor=f"{self.floor_price:,.2f}", ceiling=f"{self.ceiling_price:,.2f}"))
        total = _("total = {quality} % × Sovereignty Score + {capability} % × capability score + {price_weight} % × "
                  "price points ({price})") if self.capability_weight else \
            _("total = {quality} % × Sovereignty Score + {price_weight} % × price points ({price})")
        return total.format(quality=f"{self.quality_weight:g}", capability=f"{self.capability_weight:g}",
                            price_weight=f"{self.price_weight:g}", price=price)


class TieRule(StrictModel):
    decimals: int = Field(default=2, ge=0, le=9)
    tie_break: tuple[TieBreak, ...] = ()

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len(set(self.tie_break)) != len(self.tie_break):
            raise ValueError(_("a tie-break key is listed twice"))
        return self

    def describe(self) -> str:
        chain = _("; then ").join(_(TIE_BREAKS[key]) for key in self.tie_break) or _("none: tied bids share a rank")
        return _("totals equal to {decimals} decimals are tied; tie-break: {chain}").format(
            decimals=self.decimals, chain=chain)


class Capability(StrictModel):
    """A second framework that scores product capability (e.g. frameworks/apc-product-2026.yaml)."""

    framework: str  # the framework file, relative to where the evaluation runs
    weight_profile: str | None = None


class EvidenceRule(StrictModel):
    """Answers at or above `from_level` need evidence of at least `minimum_quality`."""

    minimum_quality: EvidenceQuality
    from_level: int = Field(ge=1)
    action: Literal["cap", "exclude"] = "cap"


class ReportOptions(StrictModel):
    """How report.pdf scales: a full section (charts, objective table, the answers that set each level) for
    the first `full_sections` bids, ranked bids first by rank, and one line of a compact table for each other
    bid. The cap keeps the renderer within its time and memory limits."""

    full_sections: int = Field(default=25, ge=0, le=500)


class Contact(StrictModel):
    """Whom bidders write to about the evaluation, printed in every letter."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class Signatory(StrictModel):
    """Who signs the letters for the contracting authority."""

    name: str
    title: str | None = None


class Panel(StrictModel):
    """The evaluation panel: members assess the bids' claims one by one, the chair records consensus where
    they differ. `conflicts`: for a member (or the chair), the bid IDs they declared a conflict of interest
    with; they may not assess those bids."""

    chair: str = Field(min_length=1)
    members: tuple[Annotated[str, Field(min_length=1)], ...] = Field(min_length=1)
    conflicts: dict[str, tuple[str, ...]] = {}

    @model_validator(mode="after")
    def _known_people(self) -> Self:
        repeated = sorted({member for member in self.members if self.members.count(member) > 1})
        if repeated:
            raise ValueError(_("panel member {members} is listed twice").format(members=", ".join(repeated)))
        strangers = [name for name in self.conflicts if not self.sits(name)]
        if strangers:
            raise ValueError(_("conflicts name {names}, who is neither a member nor the chair").format(
                names=", ".join(strangers)))
        return self

    def sits(self, name: str) -> bool:
        """The person is the chair or a member."""
        return name == self.chair or name in self.members

    def conflicted(self, name: str, bid_id: str) -> bool:
        return bid_id in self.conflicts.get(name, ())

    def describe(self) -> str:
        return f"chair {self.chair}, members {', '.join(self.members)}"


def _letter_template_name(value: str | None) -> str | None:
    """A file beside the tender (or below its folder): never absolute, never `..`, no backslashes."""
    if value is None:
        return None
    if "\\" in value or ":" in value or any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError(_("letter_template must be a file name relative to the tender file, without '..'"))
    return value


def _language(value: str | None) -> str | None:
    """A language the evaluator speaks (evaluator.i18n.LANGUAGES), or None: English unless a flag says."""
    if value is None:
        return None
    try:
        return known_language(value, "language")
    except ConfigurationError as error:
        raise ValueError(error.message) from None


class Tender(StrictModel):
    schema_version: Literal[1] = 1
    name: str = ""
    reference: str = ""
    authority: str = ""
    deadline: str = ""
    framework: str | None = None
    # the framework version by the SHA-256 of its file: an evaluation under any other file is refused
    framework_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    weight_profile: str | None = None
    weights: dict[str, Annotated[float, BeforeValidator(_weight)]] | None = None
    minimum_level: int | str | None = None
    minimum_levels: dict[str, int | str] = {}
    unknown: UnknownPolicy = DEFAULT_POLICY
    award: Award | None = None
    ties: TieRule = TieRule()
    evidence: EvidenceRule | None = None
    formulas: Literal["refuse", "cached_value"] = "refuse"  # formula cells in bid workbooks
    certifications: CertificationGate | None = None
    capability: Capability | None = None
    report: ReportOptions = ReportOptions()
    standstill_days: int = Field(default=10, ge=0, le=365)  # tender cases: days from the award decision
    contact: Contact | None = None  # printed in every letter
    signatory: Signatory | None = None  # the letters' signature block
    # a Jinja2 letter template of the buyer's own, relative to the tender file (default: templates/letter.html.j2);
    # rendered sandboxed with autoescape, and recorded as an input of the evaluation like the tender
    letter_template: Annotated[str | None, AfterValidator(_letter_template_name)] = None
    panel: Panel | None = None  # who assesses the bids' claims (see scoring.moderation)
    # the language of the tender's outputs and messages (en, zh-CN); --language wins; default English
    language: Annotated[str | None, AfterValidator(_language)] = None

    def to_yaml(self) -> str:
        """The tender as YAML: only the settings that differ from the defaults, in a stable order."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump({"schema_version": 1, **data}, sort_keys=False, allow_unicode=True)

    @model_validator(mode="after")
    def _one_weight_source(self) -> Self:
        if self.weights is not None and self.weight_profile is not None:
            raise ValueError(_("give either weight_profile or weights, not both"))
        weighted = bool(self.award and self.award.capability_weight)
        if weighted != (self.capability is not None):
            raise ValueError(_("a capability framework and a capability_weight above 0 go together"))
        return self


@dataclass(frozen=True)
class Overrides:
    """Settings given on the command line; each one wins over the tender file."""

    weight_profile: str | None = None
    minimum_level: str | None = None
    minimum_levels: dict[str, str] = field(default_factory=dict)
    unknown: UnknownPolicy | None = None


@dataclass(frozen=True)
class Settings:
    """Everything the evaluation needs besides the bids, fully resolved against one framework."""

    weights: dict[str, float]
    weight_source: str
    minimum_levels: dict[str, int]
    unknown: UnknownPolicy
    award: Award | None = None
    ties: TieRule = TieRule()
    evidence: EvidenceRule | None = None
    tender: Tender = Tender()
    schemes: Schemes | None = None  # the certification schemes, when the tender has a certification gate


def resolve_settings(framework: Framework, tender: Tender | None = None, overrides: Overrides = Overrides(),
                     tender_where: str = "tender", schemes: Schemes | None = None,
                     framework_sha256: str | None = None) -> Settings:
    """Framework defaults, then the tender, then the flags. Refuses names the framework does not know.
    `schemes`: the certification schemes, needed when the tender has a certification gate (the caller
    loads them: evaluator.loading.load_schemes, or a stored evaluation's copy). `framework_sha256`: the SHA-256
    of the framework's file, checked against the version the tender names, if it names one."""
    tender = tender or Tender()
    derived_from = framework.derived_from.id if framework.derived_from else None
    if tender.framework and tender.framework not in (framework.id, derived_from):  # a version of its own id or
        # derived from the tender's framework
        raise ConfigurationError(tender_where, _("the tender is for framework {framework}, not {expected}").format(
            framework=tender.framework, expected=framework.id))
    if framework_sha256 and tender.framework_sha256 and tender.framework_sha256 != framework_sha256:
        raise ConfigurationError(tender_where, _("the tender is for the framework version with SHA-256 {wanted}, "
                                                 "not {given}").format(wanted=tender.framework_sha256,
                                                                       given=framework_sha256))
    weights, weight_source = _weights(framework, tender, overrides, tender_where)
    if tender.evidence and tender.evidence.from_level > framework.level_scale.top:
        raise ConfigurationError(tender_where, _("evidence.from_level {level} is above the top level {top}").format(
            level=tender.evidence.from_level, top=framework.level_scale.top))
    schemes = _check_certifications(tender, tender_where, schemes)
    return Settings(
        weights=weights, weight_source=weight_source, schemes=schemes,
        minimum_levels=_minimum_levels(framework, tender, overrides, tender_where),
        unknown=overrides.unknown or tender.unknown,
        award=tender.award, ties=tender.ties, evidence=tender.evidence, tender=tender)


def _check_certifications(tender: Tender, where: str, schemes: Schemes | None) -> Schemes | None:
    if tender.certifications is None:
        return None
    if schemes is None:
        raise ConfigurationError(where, _("the tender has a certification gate, but no certification schemes "
                                          "were given to check it against"))
    for rule in tender.certifications.rules:
        if rule.scheme not in schemes.schemes:
            raise ConfigurationError(where, _("certification scheme {scheme} is unknown (schemes: {schemes})").format(
                scheme=rule.scheme, schemes=", ".join(schemes.schemes)))
        if schemes.schemes[rule.scheme].rank(rule.minimum) is None:
            raise ConfigurationError(where, _("{level} is not a level of {scheme} (levels: {levels})").format(
                level=repr(rule.minimum), scheme=rule.scheme, levels=", ".join(schemes.schemes[rule.scheme].levels)))
    return schemes


def _weights(framework: Framework, tender: Tender, overrides: Overrides, where: str) -> tuple[dict[str, float], str]:
    if overrides.weight_profile or tender.weights is None:
        name = overrides.weight_profile or tender.weight_profile or framework.default_weight_profile
        origin = "--weights" if overrides.weight_profile else where
        if name not in framework.weight_profiles:
            raise ConfigurationError(origin, _("weight profile {name} does not exist in {framework} (profiles: "
                                               "{profiles})").format(
                name=name, framework=framework.id, profiles=", ".join(framework.weight_profiles)))
        profile = framework.weight_profiles[name].weights
        return {oid: float(profile[oid]) for oid in framework.objective_ids}, _("profile {name}").format(name=name)
    try:
        check_weights(tender.weights, framework.objective_ids, _("the tender's weights"))
    except ValueError as error:
        raise ConfigurationError(where, str(error)) from None
    return {oid: float(tender.weights[oid]) for oid in framework.objective_ids}, _("tender weights")


def _minimum_levels(framework: Framework, tender: Tender, overrides: Overrides, where: str) -> dict[str, int]:
    def level(value: int | str, origin: str) -> int:
        parsed = framework.level_scale.parse(value)
        if parsed is None:
            codes = ", ".join(level.code for level in framework.level_scale.levels)
            raise ConfigurationError(origin, _("{value} is not a level of the {scale} scale ({codes}, or "
                                               "0..{top})").format(
                value=repr(value), scale=framework.level_scale.name, codes=codes, top=framework.level_scale.top))
        return parsed

    def objective(oid: str, origin: str) -> str:
        if oid not in framework.objective_ids:
            raise ConfigurationError(origin, _("objective {objective} does not exist in {framework} (objectives: "
                                               "{objectives})").format(
                objective=oid, framework=framework.id, objectives=", ".join(framework.objective_ids)))
        return oid

    everywhere = overrides.minimum_level if overrides.minimum_level is not None else tender.minimum_level
    if everywhere is None:  # the framework's defaults (a derived version may set them), else 0
        minimum = {oid: framework.minimum_levels.get(oid, 0) for oid in framework.objective_ids}
    else:
        minimum = dict.fromkeys(framework.objective_ids,
                                level(everywhere, "--min-level" if overrides.minimum_level is not None else where))
    if overrides.minimum_level is None:  # a global flag replaces the tender's per-objective minimums too
        for oid, value in tender.minimum_levels.items():
            minimum[objective(oid, where)] = level(value, where)
    for oid, value in overrides.minimum_levels.items():
        minimum[objective(oid, "--min-level")] = level(value, "--min-level")
    return minimum
