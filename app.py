"""Streamlit entry point: `streamlit run app.py`. Four workspaces, one per role."""

import streamlit as st

PAGES = "evaluator/ui/pages"

st.set_page_config(page_title="Sovereignty Procurement Evaluator", layout="wide")
st.navigation([
    st.Page(f"{PAGES}/officer.py", title="Procurement officer", url_path="officer", default=True),
    st.Page(f"{PAGES}/analyst.py", title="Policy analyst", url_path="analyst"),
    st.Page(f"{PAGES}/auditor.py", title="Auditor", url_path="auditor"),
    st.Page(f"{PAGES}/panel.py", title="Evaluation panel", url_path="panel"),
]).run()
