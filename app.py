"""Streamlit entry point. A minimal page until the app issue: evaluate the bundled samples in one click."""

from pathlib import Path

import streamlit as st

from evaluator.service import Request, run_evaluation

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Sovereignty Procurement Evaluator", layout="wide")
st.title("Sovereignty Procurement Evaluator")
st.write("Ranks cloud bids under the EU Cloud Sovereignty Framework: a minimum SEAL per objective, "
         "then the weighted Sovereignty Score.")
if st.button("Evaluate the bundled sample bids"):
    outcome = run_evaluation(Request(framework=str(HERE / "frameworks" / "eu-csf-2026.yaml"),
                                     tender=str(HERE / "samples" / "tender.yaml"),
                                     inputs=(str(HERE / "samples" / "bids"),), formats=("json", "xlsx", "pdf")))
    st.dataframe([{key: bid[key] for key in ("rank", "bid_id", "vendor", "status", "overall_level", "score", "total")}
                  for bid in outcome.document["bids"]], hide_index=True)
    st.download_button("results.json", outcome.files["results.json"], "results.json", "application/json")
    st.download_button("results.xlsx", outcome.files["results.xlsx"], "results.xlsx")
    st.download_button("report.pdf", outcome.files["report.pdf"], "report.pdf", "application/pdf")
