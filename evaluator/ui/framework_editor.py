"""Framework editor: an analyst derives a framework version from a base (weight profiles, answer points,
default minimum levels, labels, each change with its reason), sees what changed and its effect on bids, and
publishes it for officers' cases. The draft lives in the store: a reload goes on where the analyst left."""

import datetime as dt

import pandas as pd
import streamlit as st

from evaluator.application import Desk
from evaluator.errors import ConfigurationError, StoreError
from evaluator.i18n import N_, _, current
from evaluator.model.derivation import differences, framework_yaml
from evaluator.model.framework import Framework
from evaluator.model.tender import Tender
from evaluator.ui.common import (
    FRAMEWORKS,
    SAMPLE_BIDS,
    SCORE_FORMAT,
    act,
    done,
    framework_at,
    grid,
    opened_workspace,
    sample_tender,
    show_notice,
    status_word,
    weight_inputs,
)

NEW_PROFILE = N_("(a new profile)")
# the change forms' widgets (by key prefix): cleared once a change is added or undone
FORM_KEYS = ("editor-profile", "editor-weight-", "editor-reason-", "editor-default-profile", "editor-table-",
             "editor-criterion", "editor-minimum-", "editor-label-")
SAMPLES = N_("the bundled sample bids")
REGISTRY = "@registry"  # the effect's bids: the registry's providers (no evaluation id has an @)


def page() -> None:
    desk = opened_workspace(_("Framework editor"), _(
        "A framework is never edited in place: derive a version from a base, each change with its reason, see "
        "what it does to the bids, then publish it for officers' cases."), "publish a framework version",
        N_("framework editor"))
    if desk is None:
        return
    show_notice()
    draft = desk.framework_draft()
    if draft is None:
        _start(desk)
    else:
        _edit(desk, draft)
    _published(desk)


def _bases(desk: Desk) -> dict[str, str]:
    """SHA-256 -> how to name it, for every version a new one may start from: bundled and published."""
    bases = {}
    for path in FRAMEWORKS:
        framework, sha = framework_at(str(path))
        bases[sha] = _("{framework} {version} (bundled {file})").format(framework=framework.id,
                                                                        version=framework.version, file=path.name)
    for version in desk.framework_versions():
        bases.setdefault(version["sha256"], _("{framework} {version} (stored, sha256 {sha256}…)").format(
            framework=version["id"], version=version["version"], sha256=version["sha256"][:12]))
    return bases


def _start(desk: Desk) -> None:
    st.header(_("1. Start a new version"))
    bases = _bases(desk)
    default = next(sha for sha, name in bases.items() if "eu-csf-2026.yaml" in name)
    base_sha = st.selectbox(_("Base version"), list(bases), index=list(bases).index(default),
                            format_func=bases.__getitem__, key="editor-base")
    base = desk.framework_version(base_sha)[0]
    left, right = st.columns(2)
    framework_id = left.text_input(_("Framework id of the new version (default: the base's)"), key="editor-id",
                                   placeholder=base.id)
    version = right.text_input(_("Version (default: the base's with -1)"), key="editor-version",
                               placeholder=f"{base.version}-1")
    if st.button(_("Start the new version"), type="primary", key="editor-start"):
        act(lambda: desk.save_framework_draft({"base_sha256": base_sha, "id": framework_id.strip(),
                                               "version": version.strip(), "edits": []}),
            _("A new version of {framework} {version} is open: add its changes below.").format(
                framework=base.id, version=base.version))


def _edit(desk: Desk, draft: dict) -> None:
    try:
        base, derived = desk.derived_version(draft)
    except ConfigurationError as error:  # the rules changed since the draft was kept: say so, keep the draft
        st.error(_("The draft cannot be derived: {error}").format(error=error))
        _discard(desk)
        return
    current_version = derived or base
    st.header(_("1. The new version"))
    st.caption(_("{framework} {version}, derived from {base} {base_version} (sha256 {sha256}…). Every change is kept "
                 "in the store as you add it: a reload goes on from here.").format(
        framework=draft["id"] or base.id, version=draft["version"] or f"{base.version}-1", base=base.id,
        base_version=base.version, sha256=draft["base_sha256"][:12]))
    _discard(desk)
    st.header(_("2. Changes"))
    weights, points, minimums, labels = st.tabs([_("Weight profiles"), _("Answer points"), _("Minimum levels"),
                                                 _("Labels")])
    with weights:
        _weights(desk, draft, current_version)
    with points:
        _points(desk, draft, current_version)
    with minimums:
        _minimums(desk, draft, current_version)
    with labels:
        _labels(desk, draft, current_version)
    if derived is None:
        st.info(_("No change yet: each change above asks for its reason."))
        return
    _changes(desk, draft, base, derived)
    st.header(_("3. What changed"))
    st.code("\n".join(differences(base, derived)), language=None, wrap_lines=True)
    _effect(desk, draft, base, derived)
    _publish(desk, derived)


def _discard(desk: Desk) -> None:
    if st.button(_("Discard this draft"), key="editor-discard"):
        _changed(desk, None, _("The draft was discarded."))


def _add(desk: Desk, draft: dict, kind: str, target: str, value: object, reason: str) -> None:
    """Add one change to the draft and keep it; refused (and not kept) when a rule forbids it."""
    _add_many(desk, draft, [{"kind": kind, "target": target, "value": value, "reason": reason.strip()}])


def _changed(desk: Desk, draft: dict | None, message: str) -> None:
    """Keep the draft as changed (or drop it), and show the page again with every change form cleared: its
    widgets start again from the version as it now is, and no reason is carried over to the next change."""
    try:
        desk.save_framework_draft(draft)
    except (ConfigurationError, StoreError) as error:
        st.error(_("The change was not added: {error}").format(error=error))
        return
    for key in [key for key in st.session_state if str(key).startswith(FORM_KEYS)]:
        del st.session_state[key]
    done("success", message)


def _reason(key: str) -> str:
    return st.text_input(_("Reason for this change (required; recorded with it)"), key=f"editor-reason-{key}")


def _weights(desk: Desk, draft: dict, framework: Framework) -> None:
    profiles = list(framework.weight_profiles)
    chosen = st.selectbox(_("Weight profile"), [*profiles, NEW_PROFILE], key="editor-profile",
                          format_func=lambda name: _(NEW_PROFILE) if name == NEW_PROFILE else name)
    name = st.text_input(_("Name of the new profile"), key="editor-profile-name").strip() \
        if chosen == NEW_PROFILE else chosen
    start = framework.weight_profiles[chosen if chosen != NEW_PROFILE else framework.default_weight_profile].weights
    weights, balanced = weight_inputs(framework, start, f"editor-weight-{chosen}")
    if not balanced:
        st.error(_("The weights sum to {total}, not 100. Nothing is rescaled for you.").format(
            total=f"{sum(weights.values()):g}"))
    reason = _reason("weights")
    if st.button(_("Add this profile change"), key="editor-add-weights",
                 disabled=not (balanced and reason.strip() and name)):
        _add(desk, draft, "profile", name, weights, reason)
    st.subheader(_("Default profile"))
    default = st.selectbox(_("The profile tenders get when they name none"), profiles,
                           index=profiles.index(framework.default_weight_profile), key="editor-default-profile")
    default_reason = _reason("default-profile")
    if st.button(_("Make it the default"), key="editor-add-default",
                 disabled=default == framework.default_weight_profile or not default_reason.strip()):
        _add(desk, draft, "default_profile", "", default, default_reason)


def _points(desk: Desk, draft: dict, framework: Framework) -> None:
    shown = framework.translated(current())
    criteria = [c for c in shown.criteria_in_objective_order if c.numeric is None]
    titles = {c.id: f"{c.id} {c.title}" for c in criteria}
    criterion_id = st.selectbox(_("Criterion"), list(titles), format_func=titles.__getitem__, key="editor-criterion")
    criterion = next(c for c in criteria if c.id == criterion_id)
    scale = framework.level_scale
    table = pd.DataFrame([{"answer": a.rank, "label": a.label, "level": scale.code(a.level), "points": a.points}
                          for a in criterion.answers])
    points = st.column_config.NumberColumn(_("points"), min_value=0.0, max_value=framework.score_divisor)
    edited = st.data_editor(table, hide_index=True, disabled=["answer", "label", "level"],
                            key=f"editor-table-{criterion_id}",
                            column_config={"answer": _("answer"), "label": _("label"), "level": _("level"),
                                           "points": points})
    changed = [(answer.rank, float(points)) for points, answer in zip(edited["points"], criterion.answers, strict=True)
               if float(points) != answer.points]
    st.caption(_("Points lie between 0 and {share} (an objective's whole share); a better answer never scores less "
                 "than a worse one.").format(share=f"{framework.score_divisor:g}"))
    reason = _reason("points")
    if st.button(_("Add these points"), key="editor-add-points", disabled=not (changed and reason.strip())):
        edits = [{"kind": "points", "target": f"{criterion_id}:{rank}", "value": value, "reason": reason.strip()}
                 for rank, value in sorted(changed, key=lambda change: -change[1])]  # raise the top first
        _add_many(desk, draft, edits)


def _add_many(desk: Desk, draft: dict, edits: list[dict]) -> None:
    _changed(desk, {**draft, "edits": [*draft["edits"], *edits]}, _("Change added."))


def _minimums(desk: Desk, draft: dict, framework: Framework) -> None:
    st.caption(_("The minimum level per objective that tenders get when they set none (a tender's own minimum "
                 "wins)."))
    codes = [level.code for level in framework.level_scale.levels]
    left, right = st.columns(2)
    objective = left.selectbox(_("Objective"), framework.objective_ids, key="editor-minimum-objective")
    level = right.selectbox(_("Default minimum level"), codes, key=f"editor-minimum-{objective}",
                            index=framework.minimum_levels.get(objective, 0))
    reason = _reason("minimum")
    if st.button(_("Add this minimum"), key="editor-add-minimum",
                 disabled=codes.index(level) == framework.minimum_levels.get(objective, 0) or not reason.strip()):
        _add(desk, draft, "minimum", objective, level, reason)


def _labels(desk: Desk, draft: dict, framework: Framework) -> None:
    targets = {o.id: f"{o.id} {o.name}" for o in framework.objectives}
    for criterion in framework.criteria_in_objective_order:
        targets[criterion.id] = f"{criterion.id} {criterion.title}"
        targets.update({f"{criterion.id}:{a.rank}": f"{criterion.id} · {a.rank}. {a.label}" for a in criterion.answers})
    target = st.selectbox(_("Objective, criterion or answer"), list(targets), format_func=targets.__getitem__,
                          key="editor-label-target")
    label = st.text_input(_("New wording (English; the Chinese translation shows it too until it is translated "
                            "again)"),
                          key=f"editor-label-{target}")
    reason = _reason("label")
    if st.button(_("Add this label"), key="editor-add-label", disabled=not (label.strip() and reason.strip())):
        _add(desk, draft, "label", target, label, reason)


def _changes(desk: Desk, draft: dict, base: Framework, derived: Framework) -> None:
    st.subheader(_("The changes so far"))
    added = derived.changes[len(base.changes):]
    st.dataframe(pd.DataFrame([{_("change"): change.what, _("reason"): change.reason} for change in added]),
                 hide_index=True, key="editor-changes")
    if st.button(_("Undo the last change"), key="editor-undo"):
        _changed(desk, {**draft, "edits": draft["edits"][:-1]}, _("The last change was undone."))


def _effect(desk: Desk, draft: dict, base: Framework, derived: Framework) -> None:
    st.header(_("4. The effect on bids"))
    base_sha = draft["base_sha256"]
    profiles = list(derived.weight_profiles)
    edited = [edit["target"] for edit in draft["edits"] if edit["kind"] == "profile"]  # the last one edited first
    shown = edited[-1] if edited else derived.default_weight_profile
    source_choices = {"": _(SAMPLES), REGISTRY: _("the provider registry (valid today)")}
    source_choices.update({row["id"]: f"{row['evaluated_at']} · {row['id']}" for row in desk.evaluations()
                           if desk.files_of(row["id"])["input"].get(row["request"].framework) == base_sha})
    left, right = st.columns(2)
    source = left.selectbox(_("Bids"), list(source_choices), format_func=source_choices.__getitem__,
                            key="editor-bids")
    profile = right.selectbox(_("Profile of the new version"), profiles, index=profiles.index(shown),
                              key=f"editor-effect-profile-{len(draft['edits'])}")
    try:
        if source == REGISTRY:
            tender = sample_tender()
            bids = desk.registry_as_bids(base, dt.date.fromisoformat(desk.clock()[:10]))
        elif source:
            stored = desk.analysis_bids(source)
            bids, tender = stored.bids, stored.tender or Tender()
        else:
            tender = sample_tender()
            bids = desk.sample_bids([str(path) for path in SAMPLE_BIDS], tender, base)[0]
        if not bids.bids:
            st.info(_("There are no bids to compare here."))
            return
        effect = desk.framework_effect(base, derived, bids, tender, profile)
    except (ConfigurationError, StoreError) as error:
        st.error(_("The effect cannot be shown: {error}").format(error=error))
        return
    settings = effect["settings"]
    st.caption(_("Base: {base}. New version: {new}. The tender's own award rules and minimum levels apply to both "
                 "(the new version's default minimums where the tender sets none).").format(
        base=settings["base"]["weight_source"], new=settings["new"]["weight_source"]))
    case = settings["case"]
    if (case["weights"], case["minimum_levels"]) != (settings["new"]["weights"], settings["new"]["minimum_levels"]):
        st.warning(_("A case under the new version with this tender would use {weights} and minimum levels "
                     "{minimums}: the tender's own choices win. To use {new}, the case's tender must name it.").format(
            weights=case["weight_source"], new=settings["new"]["weight_source"],
            minimums=", ".join(f"{oid} {code}" for oid, code in case["minimum_levels"].items())))
    rows = [{"bid": row["bid"] or "—", "rank before": row["base"]["rank"], "rank now": row["new"]["rank"],
             "total before": row["base"]["total"], "total now": row["new"]["total"],
             "level before": row["base"]["level"] or "—", "level now": row["new"]["level"] or "—",
             "status now": status_word(row["new"]["status"])} for row in effect["bids"]]
    frame = pd.DataFrame(rows).astype({"rank before": "Int64", "rank now": "Int64", "total before": "float64",
                                       "total now": "float64"})
    moved = [row["moved"] for row in effect["bids"]]
    with st.container(key="editor-effect"):
        grid(frame.rename(columns=lambda column: _(column)).style.apply(
            lambda row: ["background-color: #fff3c4" if moved[row.name] else ""] * len(row), axis=1),
            {_("rank before"): "%d", _("rank now"): "%d", _("total before"): SCORE_FORMAT,
             _("total now"): SCORE_FORMAT})
    winners = effect["winner"]
    st.write(_("Winner under the base: {base}; under the new version: {new}. {count} bids change rank or status "
               "(highlighted).").format(base=", ".join(winners["base"]) or "—", new=", ".join(winners["new"]) or "—",
                                        count=sum(moved)))
    if effect["stability"]:
        st.subheader(_("Weight stability of the new profile"))
        st.dataframe(pd.DataFrame([{_("objective"): oid, _("weight %"): interval["weight"],
                                    _("winner stays first (weight %)"): _span(interval["winner_stays"]),
                                    _("ranking unchanged (weight %)"): _span(interval["ranking_stays"])}
                                   for oid, interval in effect["stability"].items()]),
                     hide_index=True, key="editor-stability")


def _span(interval: list[float]) -> str:
    return f"{interval[0]:g} – {interval[1]:g}" if interval else _("none")


def _publish(desk: Desk, derived: Framework) -> None:
    st.header(_("5. Publish"))
    name = f"{derived.id}-{derived.version}.yaml"
    left, right = st.columns(2)
    # the file is written when asked for (about 0.13 s for the CSF), not at every run of the page
    left.download_button(_("Download the new version (YAML)"), lambda: framework_yaml(derived).encode(), name,
                         "application/x-yaml", key="editor-download")
    if right.button(_("Publish version {version}").format(version=derived.version), type="primary",
                    key="editor-publish"):
        def publish() -> None:
            desk.publish_framework(name, framework_yaml(derived).encode())
            desk.save_framework_draft(None)
        act(publish, _("{framework} {version} is published: officers can create cases under it.").format(
            framework=derived.id, version=derived.version))


def _published(desk: Desk) -> None:
    st.header(_("Stored framework versions"))
    versions = desk.framework_versions()
    if not versions:
        st.caption(_("None yet: a version is stored when it is published, or when a case is created under it."))
        return
    st.dataframe(pd.DataFrame([{
        _("framework"): v["id"], _("version"): v["version"], _("sha256"): v["sha256"][:12],
        _("base"): (v["previous"] or "")[:12] or _("original"), _("stored by"): v["stored_by"],
        _("stored at"): v["stored_at"], _("changes"): len(v["changes"])} for v in versions]),
        hide_index=True, key="editor-versions")
