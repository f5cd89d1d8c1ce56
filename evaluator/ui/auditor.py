"""Auditor workspace: the recorded evaluations, their inputs and hashes, and reproducing them."""

import json

import pandas as pd
import streamlit as st

from evaluator.ui.common import root
from evaluator.workspace import load_request, recorded_evaluations, reproduce


def page() -> None:
    st.title("Auditor")
    st.caption("Every evaluation is recorded with its inputs, settings and the SHA-256 of every output. "
               "Reproducing one runs it again from the stored inputs and compares the hashes; it changes nothing.")
    folders = recorded_evaluations(root())
    if not folders:
        st.info("No evaluation has been recorded yet. Evaluate bids in the officer workspace.")
        return
    labels = {folder: _label(folder) for folder in folders}
    folder = st.selectbox("Evaluation", folders, format_func=labels.__getitem__, key="evaluation")
    request = load_request(folder)
    results = json.loads((folder / "results.json").read_text()) if (folder / "results.json").exists() else None
    st.subheader("The command that reproduces it")
    st.code(request.command(), language="bash")
    if results:
        st.subheader("Inputs")
        inputs = [{"input": "framework", "file": request.framework, "sha256": results["framework"]["sha256"]}]
        if results["tender"]:
            inputs.append({"input": "tender", "file": request.tender, "sha256": results["tender"]["sha256"]})
        files = sorted({(bid["source"]["file"], bid["source"]["sha256"]) for bid in results["bids"]})
        inputs += [{"input": "bid file", "file": file, "sha256": sha} for file, sha in files]
        st.dataframe(pd.DataFrame(inputs), hide_index=True, key="inputs")
    st.subheader("Outputs")
    manifest = json.loads((folder / "manifest.json").read_text())
    st.dataframe(pd.DataFrame([{"output": name, "sha256": sha} for name, sha in manifest.items()]),
                 hide_index=True, key="outputs")
    for name in ("report.pdf", "results.json"):
        if (folder / name).exists():
            st.download_button(f"Download {name}", (folder / name).read_bytes(), name, key=f"audit-{name}")
    if st.button("Reproduce this evaluation", type="primary", key="reproduce"):
        with st.spinner("Running the evaluation again from the stored inputs…"):
            rows = reproduce(folder)
        table = pd.DataFrame([{"output": name, "recorded": recorded, "reproduced": again,
                               "identical": recorded == again} for name, recorded, again in rows])
        st.dataframe(table, hide_index=True, key="reproduced")
        if table["identical"].all():
            st.success(f"All {len(table)} outputs were reproduced byte for byte.")
        else:
            st.error(f"{int((~table['identical']).sum())} outputs differ from the recorded ones.")


def _label(folder) -> str:
    request = load_request(folder)
    results = folder / "results.json"
    name = json.loads(results.read_text())["tender"]["name"] if results.exists() and \
        json.loads(results.read_text())["tender"] else "no tender"
    return f"{request.evaluated_at} · {name} · {folder.name}"
