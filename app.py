"""Streamlit entry point: `streamlit run app.py`. Four workspaces, one per role; a user sees those their
roles open (the local user, who holds every role, sees all four)."""

import streamlit as st

from evaluator.ui.common import signed_in_desk

PAGES = "evaluator/ui/pages"
WORKSPACES = (  # page, title, address, the action it needs
    ("officer.py", "Procurement officer", "officer", "evaluate"),
    ("analyst.py", "Policy analyst", "analyst", "analyse the award"),
    ("auditor.py", "Auditor", "auditor", "reproduce an evaluation"),
    ("panel.py", "Evaluation panel", "panel", "assess bids"),
)

st.set_page_config(page_title="Sovereignty Procurement Evaluator", layout="wide")
desk = signed_in_desk()
opened = [(page, title, address) for page, title, address, action in WORKSPACES if desk.allowed(action)]
if not opened:
    st.title("Sovereignty Procurement Evaluator")
    st.warning(f"{desk.user.name} has no role that opens a workspace. Ask an administrator for one "
               f"(python -m evaluator users add NAME --role officer|analyst|auditor|evaluator).")
    if not st.session_state.get("no_workspace_logged"):  # once a session, not at every rerun
        desk.note_denied("open a workspace")
        st.session_state.no_workspace_logged = True
    st.stop()
st.navigation([st.Page(f"{PAGES}/{page}", title=title, url_path=address, default=index == 0)
               for index, (page, title, address) in enumerate(opened)]).run()
