"""Marketplace: every registered provider with its levels profile, assessor, kind and validity as of a date
(a buyer's market survey before a tender), filtered by minimum levels per objective, sorted by score under a
weight profile, exported as XLSX and PDF; a provider's level history; what monitoring flags. Officers
register assessments here too. Every figure comes from the registry in the store (Desk)."""

import datetime as dt

import pandas as pd
import streamlit as st

from evaluator.application import REPOSITORY, Desk, read_framework
from evaluator.errors import ConfigurationError, StoreError
from evaluator.i18n import N_, _, ngettext
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides
from evaluator.ui.common import BLANK, act, chart, done, grid, header, literal, opened_workspace, show_notice

REGISTRY_FRAMEWORK = REPOSITORY / "frameworks" / "eu-csf-2026.yaml"  # the framework registry entries answer
SAMPLE_ENTRIES = sorted((REPOSITORY / "samples" / "registry").glob("*.json"))
KINDS = {"self": N_("self-assessment"), "third-party": N_("third-party assessment"),
         "authorised": N_("authorised (panel)")}  # an assessment's kind (a code), translated where shown
ANY = N_("any")  # the minimum-level filter's "no minimum" (a code among the level codes), shown translated
# the column names of this page's tables: the frames keep them (the tests look columns up by them); a table
# shows each translated
COLUMNS = {name: name for name in (
    N_("provider"), N_("name"), N_("overall"), N_("assessor"), N_("kind"), N_("assessed on"), N_("valid until"),
    N_("valid"), N_("version"), N_("answers changed"), N_("levels down"), N_("levels changed"), N_("from file"),
    N_("before"), N_("after"))}


def column_name(column):
    return _(COLUMNS[column]) if isinstance(column, str) and column in COLUMNS else header(column)


def kind_word(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


@st.cache_resource
def _registry_framework() -> Framework:
    return read_framework(REGISTRY_FRAMEWORK)[0]


def page() -> None:
    desk = opened_workspace(_("Marketplace"), _("Providers assessed once and reused by every tender: each one's "
                                                "level profile, assessor and validity as of a date. Filter by the "
                                                "minimum levels a tender would set, sort by score under a weight "
                                                "profile, export the survey."), "read the registry", "marketplace")
    if desk is None:
        return
    show_notice()
    framework = _registry_framework()
    as_of = st.date_input(_("As of"), value=dt.date.fromisoformat(desk.clock()[:10]), key="market-as-of",
                          help=_("Validity is judged on this date; the same date gives the same survey."))
    rows = desk.registry(framework, as_of)
    if not rows:
        _empty(desk, framework)
        return
    profile, minimums = _filters(framework)
    survey = desk.registry(framework, as_of, Overrides(weight_profile=profile, minimum_levels=minimums))
    shown = [row for row in survey if row["meets_minimums"] or not minimums]
    selection = [_("{objective} at least {level}").format(objective=oid, level=code) for oid, code in minimums.items()]
    if st.toggle(_("Valid on that date only"), value=False, key="market-valid-only"):
        shown = [row for row in shown if row["valid"]]
        selection.append(_("valid on {date}").format(date=as_of))
    _survey_table(shown, framework, len(survey))
    _exports(desk, framework, as_of, profile, shown, _("; ").join(selection))
    _provider(desk, framework, [row["provider"] for row in survey])
    _monitoring(desk, framework, as_of)
    if desk.allowed("manage the registry"):
        _register(desk, framework)


def _empty(desk: Desk, framework: Framework) -> None:
    st.info(_("The registry holds no assessment yet. An officer registers providers' assessments here (a published "
              "entry file, or a bid file with who assessed it and until when), or with python -m evaluator registry."))
    if desk.allowed("manage the registry") and st.button(
            _("Import the {count} sample providers").format(count=len(SAMPLE_ENTRIES)), type="primary",
            key="market-samples"):
        added, refused = desk.import_entries([(path.name, path.read_bytes()) for path in SAMPLE_ENTRIES], framework)
        done("error" if refused else "success",
             _("Registered {count} sample providers; refused {files}").format(
                 count=len(added), files=", ".join(name for name, reason in refused)) if refused else
             _("Registered {count} sample providers.").format(count=len(added)))
    if desk.allowed("manage the registry"):
        _register(desk, framework)


def _filters(framework: Framework) -> tuple[str, dict[str, str]]:
    profiles = list(framework.weight_profiles)
    profile = st.selectbox(_("Score under the weight profile"), profiles, key="market-profile",
                           index=profiles.index(framework.default_weight_profile))
    st.write(_("**Minimum level per objective** (a tender's gate; providers below any are left out)"))
    codes = [level.code for level in framework.level_scale.levels]
    minimums = {}
    for column, objective in zip(st.columns(4) * 2, framework.objectives, strict=False):
        chosen = column.selectbox(f"{objective.id} {objective.name}", [ANY, *codes[1:]],
                                  format_func=lambda code: _(ANY) if code == ANY else code,
                                  key=f"market-min-{objective.id}")
        if chosen != ANY:
            minimums[objective.id] = chosen
    return profile, minimums


def _survey_table(rows: list[dict], framework: Framework, total: int) -> None:
    codes = [level.code for level in framework.level_scale.levels]
    st.subheader(_("{shown} of {total} providers").format(shown=len(rows), total=total))
    frame = pd.DataFrame([{
        "provider": row["provider"], "name": row["provider_name"], "score %": row["score"],
        "overall": BLANK if row["overall_level"] is None else codes[row["overall_level"]],
        **{oid: BLANK if level is None else codes[level] for oid, level in row["levels"].items()},
        "assessor": row["assessor"], "kind": kind_word(row["kind"]), "assessed on": row["assessed_on"],
        "valid until": row["valid_until"],
        "valid": _("yes") if row["valid"] else _("no: {reason}").format(reason=row["invalid_reason"]),
        "version": row["version"]} for row in rows])
    if frame.empty:
        st.info(_("No provider reaches these minimum levels."))
        return
    grid(frame.astype({"score %": "float64"}).rename(columns=column_name),
         {column_name("score %"): "%.2f", column_name("version"): "%d"}, wide=(column_name("valid"),))


def _exports(desk: Desk, framework: Framework, as_of: dt.date, profile: str, rows: list[dict], selection: str) -> None:
    key = (as_of, profile, selection, tuple(row["provider"] for row in rows))
    prepared = st.session_state.get("market-export")
    if prepared is None or prepared[0] != key:
        if st.button(_("Prepare the survey as XLSX and PDF"), key="market-prepare", disabled=not rows):
            try:
                st.session_state["market-export"] = (key, desk.registry_exports(framework, as_of, profile, rows,
                                                                                         selection))
            except (ConfigurationError, StoreError) as error:
                st.error(str(error))
                return
            st.rerun()
        return
    left, right = st.columns(2)
    stem = f"market-survey-{as_of.isoformat()}"
    left.download_button(_("Download {name}").format(name="survey.xlsx"), prepared[1]["survey.xlsx"], f"{stem}.xlsx",
                         key="market-xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(_("Download {name}").format(name="survey.pdf"), prepared[1]["survey.pdf"], f"{stem}.pdf",
                          key="market-pdf", mime="application/pdf")


def _provider(desk: Desk, framework: Framework, providers: list[str]) -> None:
    st.header(_("A provider's assessments"))
    provider = st.selectbox(_("Provider"), providers, key="market-provider")
    steps = desk.registry_history(provider, framework)
    left, right = st.columns([1, 2])
    chart(left, desk.level_history_chart(steps, framework),
          _("{provider}: level per objective in each version").format(provider=provider))
    newest = desk.registry_entry(provider)
    right.markdown(ngettext(
        "**{name}**, {count} version. Newest: version {version} by {assessor} ({kind}), assessed {assessed_on}, valid "
        "until {valid_until}; made from {file}. Entry SHA-256 `{sha256}`.",
        "**{name}**, {count} versions. Newest: version {version} by {assessor} ({kind}), assessed {assessed_on}, "
        "valid until {valid_until}; made from {file}. Entry SHA-256 `{sha256}`.", len(steps)).format(
        name=literal(newest["entry"]["provider_name"]), count=len(steps), version=newest["version"],
        assessor=literal(newest["assessor"]), kind=kind_word(newest["kind"]), assessed_on=newest["assessed_on"],
        valid_until=newest["valid_until"], file=literal(newest["source"]["file"]), sha256=newest["sha256"]))
    codes = [level.code for level in framework.level_scale.levels]
    grid(pd.DataFrame([{
        "version": step["version"], "assessed on": step["assessed_on"], "valid until": step["valid_until"],
        "assessor": step["assessor"], "kind": kind_word(step["kind"]), "score %": step["score"],
        "answers changed": len(step.get("answers_changed", [])),
        "levels down": ", ".join(step.get("levels_down", [])) or BLANK,
        "levels changed": "; ".join(f"{c['objective']} {_code(codes, c['before'])} → {_code(codes, c['after'])}"
                                    for c in step.get("levels_changed", [])) or BLANK,
        "from file": step["source"]["file"], "sha256": step["sha256"]} for step in steps]).rename(columns=column_name),
        {column_name("version"): "%d", column_name("score %"): "%.2f"}, wide=(column_name("levels changed"),))
    with st.expander(_("Answers changed in the newest version")):
        changed = steps[-1].get("answers_changed", [])
        st.dataframe(pd.DataFrame(changed, columns=["criterion", "before", "after"]).rename(columns=column_name),
                     hide_index=True) if changed else st.write(_("None (a single version, or the same answers)."))


def _code(codes: list[str], level: int | None) -> str:
    return BLANK if level is None else codes[level]


def _monitoring(desk: Desk, framework: Framework, as_of: dt.date) -> None:
    st.header(_("Monitoring"))
    days = st.number_input(_("Expiring within (days)"), min_value=1, max_value=3650, value=30, key="market-days")
    watch = desk.registry_monitor(framework, as_of, int(days))
    left, middle, right = st.columns(3)
    left.metric(_("Expiring"), len(watch["expiring"]))
    middle.metric(_("Levels gone down"), len(watch["levels_down"]))
    right.metric(_("Case notices"), len(watch["case_notices"]))
    for entry in watch["expiring"]:
        st.warning(_("{provider}: valid until {date}").format(provider=entry["provider"], date=entry["valid_until"]))
    for entry in watch["levels_down"]:
        st.warning(_("{provider} version {version} (assessed {assessed_on}) is lower than version {previous} on "
                     "{objectives}").format(provider=entry["provider"], version=entry["version"],
                                            assessed_on=entry["assessed_on"], previous=entry["previous_version"],
                                            objectives=", ".join(entry["levels_down"])))
    for notice in watch["case_notices"]:
        st.error(_("Case {case}: {notice}").format(case=notice["case"], notice=notice["notice"]))


def _register(desk: Desk, framework: Framework) -> None:
    st.header(_("Register assessments"))
    with st.form("market-import", clear_on_submit=True):
        files = st.file_uploader(_("Published entry files (.json)"), type=["json"], accept_multiple_files=True,
                                 key="market-entry-files")
        if st.form_submit_button(_("Import"), key="market-import-entries") and files:
            added, refused = desk.import_entries([(file.name, file.getvalue()) for file in files], framework)
            said = [_("registered {provider} version {version}").format(provider=a["provider"], version=a["version"])
                    for a in added] + \
                [_("refused {file}: {reason}").format(file=literal(name), reason=literal(reason))
                 for name, reason in refused]
            done("error" if refused else "success", _("; ").join(said))
    with st.form("market-add", clear_on_submit=True):
        st.write(_("**From a bid file** (any format, one provider's bid): a new version, never an overwrite"))
        upload = st.file_uploader(_("Bid file"), type=["xlsx", "csv", "json"], key="market-bid-file")
        left, right = st.columns(2)
        provider = left.text_input(_("Provider id"), key="market-provider-id")
        assessor = right.text_input(_("Assessor"), key="market-assessor")
        kind = left.selectbox(_("Kind"), list(KINDS), format_func=kind_word, key="market-kind")
        assessed_on = right.date_input(_("Assessed on"), value=None, key="market-assessed-on")
        valid_until = left.date_input(_("Valid until"), value=None, key="market-valid-until")
        if st.form_submit_button(_("Register"), key="market-register"):
            if upload is None or not provider or not assessor or assessed_on is None or valid_until is None:
                done("error", _("Give the bid file, the provider id, the assessor and both dates."))
                return
            name, content = upload.name, upload.getvalue()
            act(lambda: desk.register(name, content, framework, provider=provider.strip(),
                                      assessor=assessor.strip(), kind=kind, assessed_on=assessed_on,
                                      valid_until=valid_until),
                _("Registered {provider}.").format(provider=literal(provider)))
