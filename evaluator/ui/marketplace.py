"""Marketplace: every registered provider with its levels profile, assessor, kind and validity as of a date
(a buyer's market survey before a tender), filtered by minimum levels per objective, sorted by score under a
weight profile, exported as XLSX and PDF; a provider's level history; what monitoring flags. Officers
register assessments here too. Every figure comes from the registry in the store (Desk)."""

import datetime as dt

import pandas as pd
import streamlit as st

from evaluator.application import REPOSITORY, Desk, read_framework
from evaluator.errors import ConfigurationError, StoreError
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides
from evaluator.ui.common import BLANK, act, chart, done, grid, literal, opened_workspace, show_notice

REGISTRY_FRAMEWORK = REPOSITORY / "frameworks" / "eu-csf-2026.yaml"  # the framework registry entries answer
SAMPLE_ENTRIES = sorted((REPOSITORY / "samples" / "registry").glob("*.json"))
KINDS = {"self": "self-assessment", "third-party": "third-party assessment", "authorised": "authorised (panel)"}
ANY = "any"


@st.cache_resource
def _registry_framework() -> Framework:
    return read_framework(REGISTRY_FRAMEWORK)[0]


def page() -> None:
    desk = opened_workspace("Marketplace", "Providers assessed once and reused by every tender: each one's level "
                            "profile, assessor and validity as of a date. Filter by the minimum levels a tender would "
                            "set, sort by score under a weight profile, export the survey.", "read the registry",
                            "marketplace")
    if desk is None:
        return
    show_notice()
    framework = _registry_framework()
    as_of = st.date_input("As of", value=dt.date.fromisoformat(desk.clock()[:10]), key="market-as-of",
                          help="Validity is judged on this date; the same date gives the same survey.")
    rows = desk.registry(framework, as_of)
    if not rows:
        _empty(desk, framework)
        return
    profile, minimums = _filters(framework)
    survey = desk.registry(framework, as_of, Overrides(weight_profile=profile, minimum_levels=minimums))
    shown = [row for row in survey if row["meets_minimums"] or not minimums]
    selection = [f"{oid} at least {code}" for oid, code in minimums.items()]
    if st.toggle("Valid on that date only", value=False, key="market-valid-only"):
        shown = [row for row in shown if row["valid"]]
        selection.append(f"valid on {as_of}")
    _survey_table(shown, framework, len(survey))
    _exports(desk, framework, as_of, profile, shown, "; ".join(selection))
    _provider(desk, framework, [row["provider"] for row in survey])
    _monitoring(desk, framework, as_of)
    if desk.allowed("manage the registry"):
        _register(desk, framework)


def _empty(desk: Desk, framework: Framework) -> None:
    st.info("The registry holds no assessment yet. An officer registers providers' assessments here (a published "
            "entry file, or a bid file with who assessed it and until when), or with python -m evaluator registry.")
    if desk.allowed("manage the registry") and st.button(f"Import the {len(SAMPLE_ENTRIES)} sample providers",
                                                          type="primary", key="market-samples"):
        added, refused = desk.import_entries([(path.name, path.read_bytes()) for path in SAMPLE_ENTRIES], framework)
        done("error" if refused else "success", f"Registered {len(added)} sample providers"
             + (f"; refused {', '.join(name for name, _ in refused)}" if refused else "."))
    if desk.allowed("manage the registry"):
        _register(desk, framework)


def _filters(framework: Framework) -> tuple[str, dict[str, str]]:
    profiles = list(framework.weight_profiles)
    profile = st.selectbox("Score under the weight profile", profiles, key="market-profile",
                           index=profiles.index(framework.default_weight_profile))
    st.write("**Minimum level per objective** (a tender's gate; providers below any are left out)")
    codes = [level.code for level in framework.level_scale.levels]
    minimums = {}
    for column, objective in zip(st.columns(4) * 2, framework.objectives, strict=False):
        chosen = column.selectbox(f"{objective.id} {objective.name}", [ANY, *codes[1:]],
                                  key=f"market-min-{objective.id}")
        if chosen != ANY:
            minimums[objective.id] = chosen
    return profile, minimums


def _survey_table(rows: list[dict], framework: Framework, total: int) -> None:
    codes = [level.code for level in framework.level_scale.levels]
    st.subheader(f"{len(rows)} of {total} providers")
    frame = pd.DataFrame([{
        "provider": row["provider"], "name": row["provider_name"], "score %": row["score"],
        "overall": BLANK if row["overall_level"] is None else codes[row["overall_level"]],
        **{oid: BLANK if level is None else codes[level] for oid, level in row["levels"].items()},
        "assessor": row["assessor"], "kind": KINDS[row["kind"]], "assessed on": row["assessed_on"],
        "valid until": row["valid_until"], "valid": "yes" if row["valid"] else f"no: {row['invalid_reason']}",
        "version": row["version"]} for row in rows])
    if frame.empty:
        st.info("No provider reaches these minimum levels.")
        return
    grid(frame.astype({"score %": "float64"}), {"score %": "%.2f", "version": "%d"}, wide=("valid",))


def _exports(desk: Desk, framework: Framework, as_of: dt.date, profile: str, rows: list[dict], selection: str) -> None:
    key = (as_of, profile, selection, tuple(row["provider"] for row in rows))
    prepared = st.session_state.get("market-export")
    if prepared is None or prepared[0] != key:
        if st.button("Prepare the survey as XLSX and PDF", key="market-prepare", disabled=not rows):
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
    left.download_button("Download survey.xlsx", prepared[1]["survey.xlsx"], f"{stem}.xlsx", key="market-xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button("Download survey.pdf", prepared[1]["survey.pdf"], f"{stem}.pdf", key="market-pdf",
                          mime="application/pdf")


def _provider(desk: Desk, framework: Framework, providers: list[str]) -> None:
    st.header("A provider's assessments")
    provider = st.selectbox("Provider", providers, key="market-provider")
    steps = desk.registry_history(provider, framework)
    left, right = st.columns([1, 2])
    chart(left, desk.level_history_chart(steps, framework), f"{provider}: level per objective in each version")
    newest = desk.registry_entry(provider)
    right.markdown(f"**{literal(newest['entry']['provider_name'])}**, {len(steps)} version{'s' * (len(steps) > 1)}. "
                   f"Newest: version {newest['version']} by {literal(newest['assessor'])} ({KINDS[newest['kind']]}), "
                   f"assessed {newest['assessed_on']}, valid until {newest['valid_until']}; made from "
                   f"{literal(newest['source']['file'])}. Entry SHA-256 `{newest['sha256']}`.")
    codes = [level.code for level in framework.level_scale.levels]
    grid(pd.DataFrame([{
        "version": step["version"], "assessed on": step["assessed_on"], "valid until": step["valid_until"],
        "assessor": step["assessor"], "kind": KINDS[step["kind"]], "score %": step["score"],
        "answers changed": len(step.get("answers_changed", [])),
        "levels down": ", ".join(step.get("levels_down", [])) or BLANK,
        "levels changed": "; ".join(f"{c['objective']} {_code(codes, c['before'])} → {_code(codes, c['after'])}"
                                    for c in step.get("levels_changed", [])) or BLANK,
        "from file": step["source"]["file"], "sha256": step["sha256"]} for step in steps]),
        {"version": "%d", "score %": "%.2f"}, wide=("levels changed",))
    with st.expander("Answers changed in the newest version"):
        changed = steps[-1].get("answers_changed", [])
        st.dataframe(pd.DataFrame(changed, columns=["criterion", "before", "after"]), hide_index=True) if changed \
            else st.write("None (a single version, or the same answers).")


def _code(codes: list[str], level: int | None) -> str:
    return BLANK if level is None else codes[level]


def _monitoring(desk: Desk, framework: Framework, as_of: dt.date) -> None:
    st.header("Monitoring")
    days = st.number_input("Expiring within (days)", min_value=1, max_value=3650, value=30, key="market-days")
    watch = desk.registry_monitor(framework, as_of, int(days))
    left, middle, right = st.columns(3)
    left.metric("Expiring", len(watch["expiring"]))
    middle.metric("Levels gone down", len(watch["levels_down"]))
    right.metric("Case notices", len(watch["case_notices"]))
    for entry in watch["expiring"]:
        st.warning(f"{entry['provider']}: valid until {entry['valid_until']}")
    for entry in watch["levels_down"]:
        st.warning(f"{entry['provider']} version {entry['version']} (assessed {entry['assessed_on']}) is lower than "
                   f"version {entry['previous_version']} on {', '.join(entry['levels_down'])}")
    for notice in watch["case_notices"]:
        st.error(f"Case {notice['case']}: {notice['notice']}")


def _register(desk: Desk, framework: Framework) -> None:
    st.header("Register assessments")
    with st.form("market-import", clear_on_submit=True):
        files = st.file_uploader("Published entry files (.json)", type=["json"], accept_multiple_files=True)
        if st.form_submit_button("Import") and files:
            added, refused = desk.import_entries([(file.name, file.getvalue()) for file in files], framework)
            said = [f"registered {a['provider']} version {a['version']}" for a in added] + \
                [f"refused {literal(name)}: {literal(reason)}" for name, reason in refused]
            done("error" if refused else "success", "; ".join(said))
    with st.form("market-add", clear_on_submit=True):
        st.write("**From a bid file** (any format, one provider's bid): a new version, never an overwrite")
        upload = st.file_uploader("Bid file", type=["xlsx", "csv", "json"])
        left, right = st.columns(2)
        provider = left.text_input("Provider id")
        assessor = right.text_input("Assessor")
        kind = left.selectbox("Kind", list(KINDS), format_func=lambda key: KINDS[key])
        assessed_on = right.date_input("Assessed on", value=None)
        valid_until = left.date_input("Valid until", value=None)
        if st.form_submit_button("Register"):
            if upload is None or not provider or not assessor or assessed_on is None or valid_until is None:
                done("error", "Give the bid file, the provider id, the assessor and both dates.")
                return
            name, content = upload.name, upload.getvalue()
            act(lambda: desk.register(name, content, framework, provider=provider.strip(),
                                      assessor=assessor.strip(), kind=kind, assessed_on=assessed_on,
                                      valid_until=valid_until), f"Registered {literal(provider)}.")
