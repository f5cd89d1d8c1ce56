"""Analyst workspace: change weights and minimum levels, watch the bids re-rank, compare, save a version."""

import difflib
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from evaluator.application import (
    DEFAULT_CONCENTRATION,
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    Desk,
    certification_schemes,
)
from evaluator.i18n import N_, _
from evaluator.model.tender import Tender, resolve_settings
from evaluator.ui.common import (
    SAMPLE_BIDS,
    SAMPLE_CAPABILITY,
    SAMPLE_CERTIFICATES,
    SCORE_FORMAT,
    capability_framework_at,
    chart,
    framework_at,
    grid,
    header,
    listed,
    may_use,
    sample_tender,
    state,
    status_word,
    text,
    weight_inputs,
    workspace,
)

TENDER_WEIGHTS = N_("the tender's weights")  # the first "Start from" option (a code, and a widget key's part)
# the column names of the analyst's tables: the frames keep them (the code and the tests look columns up by
# them); a table shows each translated
COLUMNS = {name: name for name in (
    N_("rank before"), N_("rank now"), N_("status now"), N_("move"), N_("total before"), N_("total now"),
    N_("weight %"), N_("winner stays first (weight %)"), N_("ranking unchanged (weight %)"), N_("wins %"))}


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names as a table shows them (this page's, and common's headers)."""
    return frame.rename(columns=lambda column: _(COLUMNS[column]) if column in COLUMNS else header(column))


def page() -> None:
    session = state()
    desk = workspace()
    st.title(_("Policy analyst"))
    if not may_use(desk, "analyse the award", "policy analyst"):
        return
    st.caption(_("Weights and minimum levels are policy choices. Change them and see what the ranking does, "
                 "without reading any file again."))
    outcome = session.get("outcome")  # the officer's evaluation: under its own framework file, which may be a
    # derived version sharing the bundled framework's id but not its points
    framework = outcome.evaluation.framework if outcome is not None else framework_at(session.framework_path)[0]
    inputs = _inputs(session, desk, framework)
    if inputs is None:
        return
    bids, capability, capability_bids = inputs
    tender = session.tender
    if capability is not None and tender.capability is None:  # the bids came with another tender
        capability = capability_bids = None
    baseline = resolve_settings(framework, tender, schemes=certification_schemes())
    codes = [level.code for level in framework.level_scale.levels]

    st.header(_("Weights"))
    start = st.selectbox(_("Start from"), [TENDER_WEIGHTS, *framework.weight_profiles], key="start",
                         format_func=lambda choice: _(TENDER_WEIGHTS) if choice == TENDER_WEIGHTS else choice)
    initial = baseline.weights if start == TENDER_WEIGHTS else framework.weight_profiles[start].weights
    weights, balanced = weight_inputs(framework, initial, f"weight-{start}")
    total = sum(weights.values())
    st.header(_("Minimum levels"))
    columns = st.columns(4)
    minimums = {objective.id: columns[i % 4].selectbox(
        objective.id, codes, index=baseline.minimum_levels[objective.id], key=f"minimum-{objective.id}")
        for i, objective in enumerate(framework.objectives)}
    if not balanced:
        st.error(_("The weights sum to {total}, not 100. Nothing is rescaled for you: change them until they "
                   "sum to 100 and the ranking appears.").format(total=f"{total:g}"))
        return
    edited = _edited(tender, baseline, weights, minimums, codes)
    started = time.perf_counter()
    before = desk.reevaluate(framework, baseline, bids, capability, capability_bids)
    edited_settings = resolve_settings(framework, edited, schemes=certification_schemes())
    after = desk.reevaluate(framework, edited_settings, bids, capability, capability_bids)
    elapsed = (time.perf_counter() - started) * 1000
    st.header(_("The ranking, before and after"))
    st.caption(_("{count} bids evaluated twice in {milliseconds} ms, from the answers already read.").format(
        count=len(bids.bids), milliseconds=f"{elapsed:.0f}"))
    comparison = _comparison(before, after)
    changed = comparison["move"] != ""
    grid(shown(comparison).style.apply(lambda row: ["background-color: #fff3c4" if changed[row.name] else ""] *
                                       len(row), axis=1),
         {_(COLUMNS[column]): shown_format for column, shown_format in (
             ("rank before", "%d"), ("rank now", "%d"), ("total before", SCORE_FORMAT), ("total now", SCORE_FORMAT))},
         key="comparison")
    st.caption(_("{count} bids change rank or status (highlighted).").format(count=int(changed.sum())))
    _robustness(desk, after)
    _save(tender, edited)


def _edited(tender, baseline, weights: dict, minimums: dict, codes: list[str]):
    """The tender with the analyst's choices, written as a profile or one global minimum where they still
    are one, so the new version differs from the current one only where something changed."""
    update: dict[str, object] = {}
    if weights != baseline.weights:
        update.update(weights=weights, weight_profile=None)
    if {oid: codes.index(code) for oid, code in minimums.items()} != baseline.minimum_levels:
        levels = set(minimums.values())
        update.update(minimum_level=levels.pop(), minimum_levels={}) if len(levels) == 1 else \
            update.update(minimum_level=None, minimum_levels=minimums)
    return tender.model_copy(update=update)


def _inputs(session, desk, framework):
    """This session's evaluation, a stored one (redacted without the bid_identities grant), or the samples:
    (bids, capability part, capability answers), the last two in combined tenders only; None without bids."""
    outcome = session.outcome
    if outcome is not None and outcome.evaluation.framework.id == framework.id:
        case_id = session.get("case_id")
        if case_id and st.query_params.get("case") != case_id:
            st.query_params["case"] = case_id  # the address keeps naming the case the officer chose
        st.caption((_("Working on evaluation {evaluation} of case {case}, as the officer workspace shows it; "
                      "nothing here changes it.") if case_id else
                    _("Working on evaluation {evaluation}, as the officer workspace shows it; nothing here "
                      "changes it.")).format(evaluation=session.evaluation_id, case=case_id))
        return desk.session_bids(outcome, session.tender)
    framework_file = Path(session.framework_path).name  # a case names it framework/<file>, the CLI as given
    stored = [row for row in desk.evaluations() if Path(row["request"].framework).name == framework_file]
    choices = {"": "—", **{row["id"]: f"{row['evaluated_at']} · {row['id']}" for row in stored}}
    chosen = st.selectbox(_("Work on a stored evaluation"), list(choices), format_func=choices.__getitem__,
                          key="analyst-evaluation")
    if chosen and session.get("analyst_source") != chosen:
        stored_inputs = desk.analysis_bids(chosen)
        session.analyst_inputs = (stored_inputs.bids, stored_inputs.capability, stored_inputs.capability_bids)
        session.tender = stored_inputs.tender or Tender()
        session.analyst_source = chosen
    st.info(_("Or evaluate bids in the officer workspace first, or work on the bundled samples."))
    if st.button(_("Work on the bundled sample bids"), key="analyst-samples"):
        if session.tender.framework not in (None, framework.id):
            session.tender = sample_tender()
        session.analyst_inputs = _samples(desk, session.tender, framework)
        session.analyst_source = "samples"
    return session.get("analyst_inputs")


def _samples(desk: Desk, tender, framework):
    """The bundled sample bids for this tender: its certificates and capability answers too, where it
    asks for them, each read under the framework whose criteria it answers."""
    paths = [str(path) for path in SAMPLE_BIDS] + ([str(SAMPLE_CERTIFICATES)] if tender.certifications else [])
    if tender.capability is None:
        return desk.sample_bids(paths, tender, framework)
    return desk.sample_bids(paths + [str(SAMPLE_CAPABILITY)], tender, framework,
                            capability_framework_at(tender.capability.framework))


def _comparison(before, after) -> pd.DataFrame:
    """One row per bid: its rank and total before and now (numbers, none when not ranked), its status now and
    its move, ranked bids first in their new order."""
    rows = []
    for row, bid in enumerate(before.bids.bids):
        rank_before, rank_after = int(before.rank[row]) or None, int(after.rank[row]) or None
        rows.append(((rank_after is None, rank_after or 0, bid.bid_id or ""), {
            "bid": text(bid.bid_id), "vendor": text(bid.vendor), "rank before": rank_before, "rank now": rank_after,
            "status now": status_word(str(after.status[row])), "move": _move(rank_before, rank_after),
            "total before": None if rank_before is None else float(before.total[row]),
            "total now": None if rank_after is None else float(after.total[row])}))
    frame = pd.DataFrame([row for order, row in sorted(rows, key=lambda item: item[0])])
    return frame.astype({"rank before": "Int64", "rank now": "Int64", "total before": "float64",
                         "total now": "float64"})


def _move(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return "" if before == after else (_("now ranked") if after else _("no longer ranked"))
    return "" if before == after else (f"↑ {before - after}" if after < before else f"↓ {after - before}")


def _robustness(desk: Desk, evaluation) -> None:
    """How sure is the award under these weights: stability, acceptability, what-ifs, reversal."""
    st.header(_("How sure is the award?"))
    left, middle, right = st.columns(3)
    draws = left.number_input(_("Random weight draws"), 100, 50_000, DEFAULT_DRAWS, 1000, key="draws")
    concentration = middle.number_input(_("Concentration (higher: closer to these weights)"), 1.0, 10_000.0,
                                        DEFAULT_CONCENTRATION, 10.0, key="concentration")
    seed = right.number_input(_("Seed"), 0, 2**31 - 1, DEFAULT_SEED, key="seed")
    analysis = desk.robustness(evaluation, int(draws), float(concentration), int(seed))
    st.subheader(_("Weight stability"))
    st.dataframe(shown(pd.DataFrame([{"objective": oid, "weight %": interval["weight"],
                                      "winner stays first (weight %)": _span(interval["winner_stays"]),
                                      "ranking unchanged (weight %)": _span(interval["ranking_stays"])}
                                     for oid, interval in analysis["stability"].items()])),
                 hide_index=True, key="stability")
    acceptability = analysis["acceptability"]["bids"]
    if acceptability:
        st.subheader(_("Rank acceptability"))
        shares = [{"bid": bid_id, "wins %": round(100 * entry["wins"], 2),
                   **{_("rank {rank} %").format(rank=r + 1): round(100 * share, 2)
                      for r, share in enumerate(entry["ranks"])}}
                  for bid_id, entry in acceptability.items()]
        st.dataframe(shown(pd.DataFrame(shares)), hide_index=True, key="acceptability")
        left = st.columns(2)[0]
        chart(left, desk.acceptability_chart(acceptability), _("Share of weight draws at each rank"))
    what_if = analysis["what_if"]
    st.subheader(_("Minimum levels one lower or one higher"))
    admitted = ", ".join(what_if["lowered_by_one_admits"]["all objectives"]) or _("no excluded bid")
    dropped = ", ".join(what_if["raised_by_one_drops"]["all objectives"]) or _("none")
    st.write(_("Lowering every minimum by one level would admit: {admitted}. Raising every minimum by one level "
               "would drop: {dropped}.").format(admitted=admitted, dropped=dropped))
    for bid_id, lift in what_if["excluded"].items():
        changes = listed(f"{c['criterion']}: {c['current']} → {c['needed']}" for c in lift["answer_changes"])
        line = _("**{bid}** would reach every minimum with: {changes}").format(
            bid=bid_id, changes=changes or _("no answer change"))
        if lift["not_fixable_by_answers"]:
            line += _(" (answers alone cannot fix: {reasons})").format(reasons=listed(lift["not_fixable_by_answers"]))
        st.write(line)
    reversal = analysis["rank_reversal"]
    message = _("Removing any other ranked bid never changes the winner.") if not reversal["any_reversal"] else \
        _("Removing {bids} would change the winner (the price formula is relative).").format(
            bids=", ".join(b for b, entry in reversal["without"].items() if entry["changes"]))
    (st.warning if reversal["any_reversal"] else st.success)(message)


def _span(interval: list[float]) -> str:
    return f"{interval[0]:g} – {interval[1]:g}" if interval else _("none")


def _save(tender, edited) -> None:
    st.header(_("Save as a new tender version"))
    old, new = tender.to_yaml(), edited.to_yaml()
    diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), _("tender (current)"),
                                        _("tender (new version)")))
    st.code(diff or _("No change."), language="diff")
    st.download_button(_("Download the new tender version (YAML)"), new, "tender.yaml", "application/x-yaml",
                       key="save-tender", disabled=not diff)
