"""Auditor workspace: the stored evaluations, their inputs and hashes, reproducing them, and the audit log."""

import json

import pandas as pd
import streamlit as st

from evaluator.ui.common import opened_workspace, verify_audit_log


def page() -> None:
    desk = opened_workspace("Auditor", "Every evaluation is stored with its inputs, settings and the SHA-256 of "
                            "every output. Reproducing one runs it again from the stored inputs and compares the "
                            "hashes.", "reproduce an evaluation", "auditor")
    if desk is None:
        return
    verify_audit_log(desk)
    _case_history(desk)
    stored = desk.evaluations()
    if not stored:
        st.info("No evaluation has been stored yet. Evaluate bids in the officer workspace.")
        return
    labels = {row["id"]: f"{row['evaluated_at']} · {row['id']} · by {row['created_by']}" for row in stored}
    evaluation_id = st.selectbox("Evaluation", list(labels), format_func=labels.__getitem__, key="evaluation")
    request = next(row["request"] for row in stored if row["id"] == evaluation_id)
    files = desk.files_of(evaluation_id)
    st.subheader("The command that reproduces it")
    st.code(request.command(), language="bash")
    st.subheader("Inputs")
    st.dataframe(pd.DataFrame([{"input": name, "sha256": sha} for name, sha in files["input"].items()]),
                 hide_index=True, key="inputs")
    st.subheader("Outputs")
    st.dataframe(pd.DataFrame([{"output": name, "sha256": sha} for name, sha in files["output"].items()]),
                 hide_index=True, key="outputs")
    for name in ("report.pdf", "results.json"):
        if name in files["output"]:
            content = desk.output(evaluation_id, name)
            st.download_button(f"Download {name}", content, name, key=f"audit-{name}", on_click=desk.note_download,
                               args=(evaluation_id, name, content))
    if st.button("Reproduce this evaluation", type="primary", key="reproduce"):
        with st.spinner("Running the evaluation again from the stored inputs…"):
            rows = desk.reproduce(evaluation_id)
        table = pd.DataFrame([{"output": name, "identical": recorded == again, "recorded": recorded,
                               "reproduced": again} for name, recorded, again in rows])  # the verdict before the hashes
        st.dataframe(table, hide_index=True, key="reproduced")
        if table["identical"].all():
            st.success(f"All {len(table)} outputs were reproduced byte for byte.")
        else:
            st.error(f"{int((~table['identical']).sum())} outputs differ from the stored ones.")


def _case_history(desk) -> None:
    """The chosen tender case's history (every audit entry about it), filtered by any text, and its dossier.
    The case chosen in the officer workspace is preselected."""
    cases = list(reversed(desk.cases()))
    if not cases:
        return
    st.subheader("Tender case history")
    ids = [row["id"] for row in cases]
    wanted = st.session_state.get("case_id")
    if wanted in ids and st.session_state.get("audit-case") is None:
        st.session_state["audit-case"] = wanted
    labels = {row["id"]: f"{row['id']} · {row['name']} · {row['state']}" for row in cases}
    case_id = st.selectbox("Tender case", ids, format_func=labels.__getitem__, key="audit-case")
    history = desk.case(case_id)["history"]
    words = st.text_input("Filter the entries (any text: who, what, a file, a reason, a hash)", key="audit-filter")
    rows = [{"seq": entry["seq"], "when": entry["when"], "who": entry["who"], "what": entry["what"],
             "reason": entry["reason"] or "", "detail": json.dumps(entry["detail"], ensure_ascii=False),
             "hash": entry["hash"]} for entry in history]
    shown = [row for row in rows if words.strip().casefold() in " ".join(map(str, row.values())).casefold()]
    st.caption(f"{len(shown)} of {len(rows)} entries.")
    st.dataframe(pd.DataFrame(shown, columns=["seq", "when", "who", "what", "reason", "detail", "hash"]),
                 hide_index=True, key="case-history")
    if shown:  # the grid cuts a long detail and the hash: one entry in full, the latest unless chosen
        entries = {row["seq"]: row for row in shown}
        seq = st.selectbox("Read an entry in full", list(reversed(entries)), key="audit-entry",
                           format_func=lambda n: f"{n} · {entries[n]['when']} · {entries[n]['what']}")
        st.json({**entries[seq], "detail": json.loads(entries[seq]["detail"])})
    st.download_button("Download the dossier (.zip)", lambda: desk.export_case(case_id), f"{case_id}.zip",
                       "application/zip", key="audit-dossier")
