"""Auditor workspace: the stored evaluations, their inputs and hashes, reproducing them, and the audit log."""

import pandas as pd
import streamlit as st

from evaluator.ui.common import may_use, workspace


def page() -> None:
    desk = workspace()
    st.title("Auditor")
    st.caption("Every evaluation is stored with its inputs, settings and the SHA-256 of every output. "
               "Reproducing one runs it again from the stored inputs and compares the hashes.")
    if not may_use(desk, "reproduce an evaluation", "auditor"):
        return
    _audit_log(desk)
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
        table = pd.DataFrame([{"output": name, "recorded": recorded, "reproduced": again,
                               "identical": recorded == again} for name, recorded, again in rows])
        st.dataframe(table, hide_index=True, key="reproduced")
        if table["identical"].all():
            st.success(f"All {len(table)} outputs were reproduced byte for byte.")
        else:
            st.error(f"{int((~table['identical']).sum())} outputs differ from the stored ones.")


def _audit_log(desk) -> None:
    if st.button("Verify the audit log", key="verify"):
        checked, broken, head = desk.verify_audit()
        if broken:
            st.error(f"The audit log is broken at {broken.where}: {broken.reason}.")
        else:
            st.success(f"The audit log is intact: {checked} entries, chain head {head}.")
