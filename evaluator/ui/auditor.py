"""Auditor workspace: the stored evaluations, their inputs and hashes, reproducing them, and the audit log."""

import json

import pandas as pd
import streamlit as st

from evaluator.i18n import N_, _
from evaluator.ui.common import opened_workspace, verify_audit_log
from evaluator.ui.officer import state_word

# the kinds of audit entry (codes in the store, written by evaluator.application), as a person reads them
EVENT_WORDS = {event: event for event in (
    N_("case created"), N_("tender version"), N_("bid added"), N_("bid withdrawn"), N_("case opened"),
    N_("case evaluated"), N_("award approved"), N_("letters issued"), N_("case exported"), N_("case refused"),
    N_("case registry bids added"), N_("conflicts declared"), N_("assessment submitted"), N_("evaluation"),
    N_("report generated"), N_("report failed"), N_("validation"), N_("analysis"), N_("reproduce"),
    N_("download"), N_("permission denied"), N_("sign-in"), N_("user changed"), N_("registry entry added"),
    N_("registry refused"), N_("registry survey exported"))}
# the column names of this page's tables: the frames keep them (the tests look columns up by them); a table
# shows each translated
COLUMNS = {name: name for name in (
    N_("input"), N_("output"), N_("identical"), N_("recorded"), N_("reproduced"), N_("seq"), N_("when"),
    N_("who"), N_("what"), N_("reason"), N_("detail"), N_("hash"))}


def event_word(event: str) -> str:
    """An audit entry's kind in the page's language (the store keeps the English code)."""
    return _(EVENT_WORDS[event]) if event in EVENT_WORDS else event


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names as a table shows them."""
    return frame.rename(columns=lambda column: _(COLUMNS[column]) if column in COLUMNS else column)


def page() -> None:
    desk = opened_workspace(_("Auditor"), _("Every evaluation is stored with its inputs, settings and the SHA-256 "
                                            "of every output. Reproducing one runs it again from the stored inputs "
                                            "and compares the hashes."), "reproduce an evaluation", "auditor")
    if desk is None:
        return
    verify_audit_log(desk)
    _case_history(desk)
    stored = desk.evaluations()
    if not stored:
        st.info(_("No evaluation has been stored yet. Evaluate bids in the officer workspace."))
        return
    labels = {row["id"]: _("{evaluated_at} · {id} · by {user}").format(
        evaluated_at=row["evaluated_at"], id=row["id"], user=row["created_by"]) for row in stored}
    evaluation_id = st.selectbox(_("Evaluation"), list(labels), format_func=labels.__getitem__, key="evaluation")
    request = next(row["request"] for row in stored if row["id"] == evaluation_id)
    files = desk.files_of(evaluation_id)
    st.subheader(_("The command that reproduces it"))
    st.code(request.command(), language="bash")
    st.subheader(_("Inputs"))
    st.dataframe(shown(pd.DataFrame([{"input": name, "sha256": sha} for name, sha in files["input"].items()])),
                 hide_index=True, key="inputs")
    st.subheader(_("Outputs"))
    st.dataframe(shown(pd.DataFrame([{"output": name, "sha256": sha} for name, sha in files["output"].items()])),
                 hide_index=True, key="outputs")
    for name in ("report.pdf", "results.json"):
        if name in files["output"]:
            content = desk.output(evaluation_id, name)
            st.download_button(_("Download {name}").format(name=name), content, name, key=f"audit-{name}",
                               on_click=desk.note_download, args=(evaluation_id, name, content))
    if st.button(_("Reproduce this evaluation"), type="primary", key="reproduce"):
        with st.spinner(_("Running the evaluation again from the stored inputs…")):
            rows = desk.reproduce(evaluation_id)
        table = pd.DataFrame([{"output": name, "identical": recorded == again, "recorded": recorded,
                               "reproduced": again} for name, recorded, again in rows])  # the verdict before the hashes
        st.dataframe(shown(table), hide_index=True, key="reproduced")
        if table["identical"].all():
            st.success(_("All {count} outputs were reproduced byte for byte.").format(count=len(table)))
        else:
            st.error(_("{count} outputs differ from the stored ones.").format(count=int((~table["identical"]).sum())))


def _case_history(desk) -> None:
    """The chosen tender case's history (every audit entry about it), filtered by any text, and its dossier.
    The case chosen in the officer workspace is preselected."""
    cases = list(reversed(desk.cases()))
    if not cases:
        return
    st.subheader(_("Tender case history"))
    ids = [row["id"] for row in cases]
    wanted = st.session_state.get("case_id")
    if wanted in ids and st.session_state.get("audit-case") is None:
        st.session_state["audit-case"] = wanted
    labels = {row["id"]: f"{row['id']} · {row['name']} · {state_word(row['state'])}" for row in cases}
    case_id = st.selectbox(_("Tender case"), ids, format_func=labels.__getitem__, key="audit-case")
    history = desk.case(case_id)["history"]
    words = st.text_input(_("Filter the entries (any text: who, what, a file, a reason, a hash)"), key="audit-filter")
    rows = [{"seq": entry["seq"], "when": entry["when"], "who": entry["who"], "what": entry["what"],
             "reason": entry["reason"] or "", "detail": json.dumps(entry["detail"], ensure_ascii=False),
             "hash": entry["hash"]} for entry in history]
    wanted_text = words.strip().casefold()  # found in the entry as stored, or in its kind as the page says it
    kept = [row for row in rows
            if wanted_text in " ".join([*map(str, row.values()), event_word(row["what"])]).casefold()]
    st.caption(_("{shown} of {total} entries.").format(shown=len(kept), total=len(rows)))
    st.dataframe(shown(pd.DataFrame([{**row, "what": event_word(row["what"])} for row in kept],
                                    columns=["seq", "when", "who", "what", "reason", "detail", "hash"])),
                 hide_index=True, key="case-history")
    if kept:  # the grid cuts a long detail and the hash: one entry in full, the latest unless chosen
        entries = {row["seq"]: row for row in kept}
        seq = st.selectbox(_("Read an entry in full"), list(reversed(entries)), key="audit-entry",
                           format_func=lambda n: f"{n} · {entries[n]['when']} · {event_word(entries[n]['what'])}")
        st.json({**entries[seq], "detail": json.loads(entries[seq]["detail"])})
    st.download_button(_("Download the dossier (.zip)"), lambda: desk.export_case(case_id), f"{case_id}.zip",
                       "application/zip", key="audit-dossier")
