"""Framework versions derived from a base: a framework is never edited in place.

An analyst's edits (weight profiles, answer points, default minimum levels, labels, the default profile),
each with its reason, give a new version that names its base by SHA-256 and lists every change. The checks
locate each error at the edit that caused it; `check_derivation` applies the same rules to any file that
claims a base (a version written by hand, or uploaded to be published).
"""

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from evaluator.errors import ConfigurationError
from evaluator.i18n import _
from evaluator.model.framework import Change, DerivedFrom, Framework, LevelScale, check_weights

EditKind = Literal["profile", "points", "minimum", "label", "default_profile"]
DERIVED_NOTE = ("A derived version: where the changes it lists (from the base named in derived_from) apply, its "
                "figures are not those of its source.")
ChangeValue = int | float | str | dict[str, float]  # what Change.value holds
LABEL_LIMIT = 300  # characters: an answer label, a title, a name


@dataclass(frozen=True)
class Edit:
    """One change an analyst asks for, and why.

    profile: `target` a weight profile's name (new or existing), `value` its weights {objective: percent};
    points: `target` "CRITERION:ANSWER" (SOV-3.1:2), `value` the answer's points;
    minimum: `target` an objective, `value` its default minimum level (a code such as SEAL-2, or a number);
    label: `target` an objective (its name), a criterion (its title) or "CRITERION:ANSWER" (the answer's label);
    default_profile: `value` the weight profile tenders get when they name none."""

    kind: EditKind
    target: str
    value: object
    reason: str


def major(version: str) -> str:
    """A version's major part: what comes before its first dot (2026 of 2026.06)."""
    return version.split(".", 1)[0]


def derive(base: Framework, base_sha256: str, edits: Iterable[Edit], framework_id: str | None = None,
           version: str | None = None) -> Framework:
    """The version of `base` with the edits applied, linked to it and listing each change with its reason.
    Nothing is rescaled or corrected: a profile that does not sum to 100, points that break a criterion's
    ladder, a level outside the scale are refused where they were given (ConfigurationError)."""
    edits = list(edits)
    if not edits:
        raise ConfigurationError("derive", _("no change was given: a derived version changes something"))
    data = base.model_dump(mode="python")
    changes = [_apply(base, data, edit) for edit in edits]
    new_version = version or f"{base.version}-1"
    if new_version == base.version and (framework_id or base.id) == base.id:
        raise ConfigurationError("--version", _("the derived version needs a version of its own, not the base's "
                                                "{version}").format(version=base.version))
    wording = data["source"]["wording"]
    data["source"]["wording"] = wording if wording.startswith(DERIVED_NOTE) else f"{DERIVED_NOTE} {wording}".strip()
    data.update(id=framework_id or base.id, version=new_version,
                derived_from=DerivedFrom(id=base.id, version=base.version, sha256=base_sha256),
                changes=(*base.changes, *changes))
    try:
        derived = Framework.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError("derive", "; ".join(str(e["msg"]).removeprefix("Value error, ")
                                                     for e in error.errors())) from None
    _keeps_the_rules(base, derived)
    return derived


def _apply(base: Framework, data: dict[str, Any], edit: Edit) -> Change:
    if not edit.reason.strip():
        raise ConfigurationError(_where(edit), _("every change needs a reason"))
    what, value = {"profile": _profile, "points": _points, "minimum": _minimum, "label": _label,
                   "default_profile": _default_profile}[edit.kind](base, data, edit)
    return Change(what=what, reason=" ".join(edit.reason.split()), kind=edit.kind, target=edit.target, value=value)


def _figure(value: float) -> str:
    """A number as a change names it: short, but never rounded to look unchanged (50.0000000000001)."""
    return f"{value:.15g}"


def _where(edit: Edit) -> str:
    return {"profile": "--profile {target}", "points": "--points {target}", "minimum": "--minimum {target}",
            "label": "--label {target}", "default_profile": "--default-profile"}[edit.kind].format(target=edit.target)


def _profile(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[str, ChangeValue]:
    weights = {oid: float(weight) for oid, weight in dict(edit.value).items()}  # type: ignore[call-overload]
    try:
        check_weights(weights, base.objective_ids, _("weight profile {name}").format(name=edit.target))
    except ValueError as error:
        raise ConfigurationError(_where(edit), str(error)) from None
    ordered = {oid: weights[oid] for oid in base.objective_ids}
    old = data["weight_profiles"].get(edit.target)
    data["weight_profiles"][edit.target] = {"description": old["description"] if old else "", "weights": ordered}
    if old is None:
        return f"weight profile {edit.target}: added (" + ", ".join(
            f"{oid} {_figure(w)}" for oid, w in ordered.items()) + ")", ordered
    moved = [f"{oid} {_figure(old['weights'][oid])} -> {_figure(w)}" for oid, w in ordered.items()
             if old["weights"][oid] != w]
    if not moved:
        raise ConfigurationError(_where(edit), _("the weights are the profile's own: nothing changes"))
    return f"weight profile {edit.target}: " + ", ".join(moved), ordered


def _answer(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The criterion (as data) and the answer an edit's "CRITERION:ANSWER" names, and the answer's rank."""
    criterion_id, _sep, rank_text = edit.target.rpartition(":")
    criteria = {c["id"]: c for c in data["criteria"]}
    if criterion_id not in criteria:
        raise ConfigurationError(_where(edit), _("no criterion {id} in {framework}").format(
            id=criterion_id or edit.target, framework=base.id))
    criterion = criteria[criterion_id]
    if criterion["numeric"] is not None:
        raise ConfigurationError(_where(edit), _("{id} is a numeric criterion: it has no answers to give points "
                                                 "to").format(id=criterion_id))
    count = len(criterion["answers"])
    if not rank_text.isdigit() or not 1 <= int(rank_text) <= count:
        raise ConfigurationError(_where(edit), _("{id} has answers 1 to {count}, not {answer}").format(
            id=criterion_id, count=count, answer=repr(rank_text)[:20]))
    return criterion, criterion["answers"][int(rank_text) - 1], int(rank_text)


def _points(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[str, ChangeValue]:
    criterion, answer, rank = _answer(base, data, edit)
    points = edit.value
    if not isinstance(points, int | float) or isinstance(points, bool) or not math.isfinite(points):
        raise ConfigurationError(_where(edit), _("points must be a number, not {value}").format(
            value=repr(points)[:20]))
    if not 0 <= points <= base.score_divisor:
        raise ConfigurationError(_where(edit), _("points must lie between 0 and {top} (an objective's whole "
                                                 "share), not {points}").format(
            top=f"{base.score_divisor:g}", points=f"{points:g}"))
    old, answer["points"] = answer["points"], float(points)
    ladder = [a["points"] for a in criterion["answers"]]
    for worse, better in zip(ladder, ladder[1:], strict=False):
        if better < worse:
            raise ConfigurationError(_where(edit), _(
                "with {points} points, {id} would score a better answer lower than a worse one ({ladder}); "
                "answers must keep their order").format(
                points=f"{points:g}", id=criterion["id"], ladder=", ".join(f"{p:g}" for p in ladder)))
    if old == points:
        raise ConfigurationError(_where(edit), _("answer {answer} of {id} has {points} points already").format(
            answer=rank, id=criterion["id"], points=f"{points:g}"))
    return f"{criterion['id']} answer {rank}: {_figure(old)} -> {_figure(points)} points", float(points)


def _minimum(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[str, ChangeValue]:
    if edit.target not in base.objective_ids:
        raise ConfigurationError(_where(edit), _("no objective {id} in {framework} (objectives: {known})").format(
            id=edit.target, framework=base.id, known=", ".join(base.objective_ids)))
    scale = base.level_scale
    level = scale.parse(edit.value) if isinstance(edit.value, int | str) else None
    if level is None:
        raise ConfigurationError(_where(edit), _("{value} is not a level of the {scale} scale ({codes}, or "
                                                 "0..{top})").format(
            value=repr(edit.value)[:40], scale=scale.name, codes=", ".join(lv.code for lv in scale.levels),
            top=scale.top))
    old = data["minimum_levels"].get(edit.target, 0)
    if old == level:
        raise ConfigurationError(_where(edit), _("the default minimum of {id} is {level} already").format(
            id=edit.target, level=scale.code(level)))
    data["minimum_levels"] = {oid: (level if oid == edit.target else data["minimum_levels"][oid])
                              for oid in base.objective_ids
                              if oid == edit.target or oid in data["minimum_levels"]}
    return f"minimum level {edit.target}: {scale.code(old)} -> {scale.code(level)}", scale.code(level)


def _label(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[str, ChangeValue]:
    """A new English wording; the translations of the text give way to it (a reader of another language sees
    the new wording, not a translation of the old one) until they are translated again."""
    label = " ".join(str(edit.value).split())
    if not label:
        raise ConfigurationError(_where(edit), _("a label cannot be empty"))
    if len(label) > LABEL_LIMIT or any(unicodedata.category(character).startswith("C") for character in label):
        raise ConfigurationError(_where(edit), _("a label has at most {limit} characters and no control or "
                                                 "formatting characters").format(limit=LABEL_LIMIT))
    translations = data["translations"].values()
    if ":" in edit.target:
        criterion, answer, rank = _answer(base, data, edit)
        item, key, named = answer, "label", f"{criterion['id']} answer {rank} label"
        for text in (t["criteria"].get(criterion["id"]) for t in translations):
            if text and text["answers"]:
                text["answers"] = tuple(label if index == rank - 1 else answer_text
                                        for index, answer_text in enumerate(text["answers"]))
    elif edit.target in base.objective_ids:
        item = next(o for o in data["objectives"] if o["id"] == edit.target)
        key, named = "name", f"{edit.target} name"
        for text in (t["objectives"].get(edit.target) for t in translations):
            if text:
                text["name"] = ""
    elif edit.target in base.criterion_index:
        item = next(c for c in data["criteria"] if c["id"] == edit.target)
        key, named = "title", f"{edit.target} title"
        for text in (t["criteria"].get(edit.target) for t in translations):
            if text:
                text["title"] = ""
    else:
        raise ConfigurationError(_where(edit), _("no objective, criterion or answer {target} in {framework}").format(
            target=edit.target, framework=base.id))
    old, item[key] = item[key], label
    if old == label:
        raise ConfigurationError(_where(edit), _("the label is {label} already").format(label=repr(label)))
    return f"{named}: {old!r} -> {label!r}", label


def _default_profile(base: Framework, data: dict[str, Any], edit: Edit) -> tuple[str, ChangeValue]:
    name = str(edit.value)
    if name not in data["weight_profiles"]:
        raise ConfigurationError(_where(edit), _("weight profile {name} does not exist (profiles: {known})").format(
            name=name, known=", ".join(data["weight_profiles"])))
    old, data["default_weight_profile"] = data["default_weight_profile"], name
    if old == name:
        raise ConfigurationError(_where(edit), _("{name} is the default weight profile already").format(name=name))
    return f"default weight profile: {old} -> {name}", name


def check_derivation(base: Framework, base_sha256: str, derived: Framework) -> None:
    """The rules a derived version keeps towards its base, whoever wrote the file (publishing checks them): it
    names the base by id, version and SHA-256, keeps the base's own changes and lists its own, each with a
    reason; and, within the same major version, its changes applied to the base give exactly this file's
    framework (nothing changed that is not listed) under the rules of `derive`. A new major version may
    change more (answers, criteria); its listed changes are then not replayed."""
    where = f"{derived.id} {derived.version}"
    named = derived.derived_from
    if named is None or (named.id, named.version, named.sha256) != (base.id, base.version, base_sha256):
        raise ConfigurationError(where, _("it does not name {framework} {version} as its base (derived_from)").format(
            framework=base.id, version=base.version))
    if derived.changes[:len(base.changes)] != base.changes:
        raise ConfigurationError(where, _("it drops or rewrites the changes its base records"))
    own = derived.changes[len(base.changes):]
    if not own:
        raise ConfigurationError(where, _("it lists no change of its own"))
    _keeps_the_rules(base, derived)
    if major(derived.version) != major(base.version):
        return
    try:
        replayed = derive(base, base_sha256, [Edit(c.kind, c.target, c.value, c.reason) for c in own], derived.id,
                          derived.version)
    except ConfigurationError as error:
        raise ConfigurationError(where, _("its changes cannot be applied to its base: {error}").format(
            error=error)) from None
    if replayed != derived:
        unlisted = differences(replayed, derived)[1:4] or [_("its texts or settings")]
        raise ConfigurationError(where, _("it differs from what its listed changes give from its base: {found}").format(
            found="; ".join(line.strip() for line in unlisted)))


def _keeps_the_rules(base: Framework, derived: Framework) -> None:
    """A version of the same major version keeps the base's objectives, criteria, answers, score divisor and
    scale; no objective's best answers are worth more than its whole share (the score divisor, or the base's
    own sum where the official figures round above it). Weights summing to 100, ladders in order and levels
    within the scale are the framework's own rules (Framework)."""
    where = f"{derived.id} {derived.version}"
    if (derived.id, derived.version) == (base.id, base.version):
        raise ConfigurationError(where, _("a derived version needs a version of its own"))
    if major(derived.version) == major(base.version):
        _same_shape(base, derived, where)
    shares = _best_sums(base)
    for oid, best in _best_sums(derived).items():
        allowed = max(derived.score_divisor, shares.get(oid, 0.0))
        if best > allowed + 1e-9:
            raise ConfigurationError(f"{where}, {oid}", _(
                "the best answers of {id} are worth {points} points together, more than its share of {share}"
            ).format(id=oid, points=f"{best:g}", share=f"{allowed:g}"))


def _same_shape(base: Framework, derived: Framework, where: str) -> None:
    if (derived.score_divisor, derived.answer_format, derived.level_scale.model_dump(include={"levels"})) != \
            (base.score_divisor, base.answer_format, base.level_scale.model_dump(include={"levels"})):
        raise ConfigurationError(where, _("its score divisor, answer format or level scale differs from the base "
                                          "{version}: only a new major version may change them").format(
            version=base.version))
    if derived.objective_ids != base.objective_ids or list(derived.criterion_index) != list(base.criterion_index):
        raise ConfigurationError(where, _("objectives or criteria differ from the base {version}: only a new major "
                                          "version may add, remove or reorder them").format(version=base.version))
    for old, new in zip(base.criteria, derived.criteria, strict=True):
        if len(old.answers) != len(new.answers) or (old.numeric is None) != (new.numeric is None):
            raise ConfigurationError(f"{where}, {new.id}", _(
                "{count} answers where the base has {base_count}: vendors' templates depend on the count; only a "
                "new major version (not {major}.…) may change it").format(
                count=len(new.answers), base_count=len(old.answers), major=major(base.version)))


def _best_sums(framework: Framework) -> dict[str, float]:
    sums = dict.fromkeys(framework.objective_ids, 0.0)
    for criterion in framework.criteria:
        best = criterion.answers[-1].points if criterion.answers else \
            (criterion.numeric.linear.points if criterion.numeric and criterion.numeric.linear
             else max((band.points for band in criterion.numeric.bands), default=0.0) if criterion.numeric else 0.0)
        sums[criterion.objective] += best
    return sums


# -- what changed -----------------------------------------------------------------------------------
def differences(old: Framework, new: Framework) -> list[str]:
    """What differs from `old` to `new`, a line each: the framework's identity, the weight profiles, then per
    objective (its name, weights, default minimum) and per criterion (title, answers' labels and points),
    and last the reasons `new` records for its changes beyond those `old` records."""
    lines = [f"{old.id} {old.version} -> {new.id} {new.version}"]
    if old.title != new.title:
        lines.append(_("title: {old} -> {new}").format(old=repr(old.title), new=repr(new.title)))
    for name in sorted(set(old.weight_profiles) - set(new.weight_profiles)):
        lines.append(_("weight profile {name}: removed").format(name=name))
    for name, profile in new.weight_profiles.items():
        if name not in old.weight_profiles:
            lines.append(_("weight profile {name}: added ({weights})").format(
                name=name, weights=", ".join(f"{oid} {w:g}" for oid, w in profile.weights.items())))
    if old.default_weight_profile != new.default_weight_profile:
        lines.append(_("default weight profile: {old} -> {new}").format(old=old.default_weight_profile,
                                                                       new=new.default_weight_profile))
    scale = new.level_scale
    for objective in new.objectives:
        before = next((o for o in old.objectives if o.id == objective.id), None)
        found = _objective_differences(old, new, objective.id, before.name if before else None, objective.name, scale)
        if found:
            lines.append(f"{objective.id} {objective.name}:")
            lines.extend(f"  {line}" for line in found)
    for oid in (o for o in old.objective_ids if o not in new.objective_ids):
        lines.append(_("{id}: removed").format(id=oid))
    recorded = [change for change in new.changes if change not in old.changes]
    if recorded:
        lines.append(_("reasons:"))
        lines.extend(f"  - {change.what}: {change.reason}" for change in recorded)
    return lines


def _objective_differences(old: Framework, new: Framework, oid: str, old_name: str | None, new_name: str,
                           scale: LevelScale) -> list[str]:
    if old_name is None:
        return [_("added")]
    lines = [_("name: {old} -> {new}").format(old=repr(old_name), new=repr(new_name))] if old_name != new_name else []
    for name, profile in new.weight_profiles.items():
        old_profile = old.weight_profiles.get(name)
        if old_profile is not None and old_profile.weights[oid] != profile.weights[oid]:
            lines.append(_("weight in profile {name}: {old} -> {new}").format(
                name=name, old=f"{old_profile.weights[oid]:g}", new=f"{profile.weights[oid]:g}"))
    low, high = old.minimum_levels.get(oid, 0), new.minimum_levels.get(oid, 0)
    if low != high:
        lines.append(_("default minimum level: {old} -> {new}").format(old=scale.code(low), new=scale.code(high)))
    criteria = {c.id: c for c in old.criteria}
    for criterion in (c for c in new.criteria if c.objective == oid):
        before = criteria.get(criterion.id)
        if before is None:
            lines.append(_("{id}: added").format(id=criterion.id))
            continue
        found = []
        if before.title != criterion.title:
            found.append(_("title: {old} -> {new}").format(old=repr(before.title), new=repr(criterion.title)))
        if len(before.answers) != len(criterion.answers):
            found.append(_("{old} answers -> {new}").format(old=len(before.answers), new=len(criterion.answers)))
        for was, became in zip(before.answers, criterion.answers, strict=False):
            if was.label != became.label:
                found.append(_("answer {rank} label: {old} -> {new}").format(rank=became.rank, old=repr(was.label),
                                                                             new=repr(became.label)))
            if was.points != became.points:
                found.append(_("answer {rank}: {old} -> {new} points").format(
                    rank=became.rank, old=f"{was.points:g}", new=f"{became.points:g}"))
            if was.level != became.level:
                found.append(_("answer {rank}: level {old} -> {new}").format(
                    rank=became.rank, old=scale.code(was.level), new=scale.code(became.level)))
        if found:
            lines.append(f"{criterion.id}: " + "; ".join(found))
    return lines


# -- the file -------------------------------------------------------------------------------------
def framework_yaml(framework: Framework) -> str:
    """The framework as a YAML file of the bundled files' form (validate-framework and the JSON Schema accept
    it): its fields in the model's order, only those that differ from their defaults."""
    data = framework.model_dump(mode="json", exclude_defaults=True)
    data = {"schema_version": 1, **data}
    header = ""
    if framework.derived_from is not None:
        base = framework.derived_from
        header = (f"# Derived from {base.id} {base.version} (sha256 {base.sha256}) by\n"
                  f"# python -m evaluator framework derive; `changes` lists each change with its reason.\n"
                  f"# The JSON Schema for this file is frameworks/framework.schema.json.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
