"""Streamlit entry point: `streamlit run app.py`. A workspace per role and the Marketplace (the provider
registry); a user sees those their roles open (the local user, who holds every role, sees all six)."""

import time
from urllib.parse import urlparse

import streamlit as st

from evaluator.application import configure_logs
from evaluator.ui.common import signed_in_desk

PAGES = "evaluator/ui/pages"
WORKSPACES = (  # page, title, address, the action it needs, the role it is made for
    ("officer.py", "Procurement officer", "officer", "evaluate", "officer"),
    ("analyst.py", "Policy analyst", "analyst", "analyse the award", "analyst"),
    ("auditor.py", "Auditor", "auditor", "reproduce an evaluation", "auditor"),
    ("panel.py", "Evaluation panel", "panel", "assess bids", "evaluator"),
    ("marketplace.py", "Marketplace", "marketplace", "read the registry", None),  # everyone's, nobody's first
    ("admin.py", "Administrator", "admin", "manage users", "admin"),
)

st.set_page_config(page_title="Sovereignty Procurement Evaluator", layout="wide")
configure_logs()
desk = signed_in_desk()
opened = [(page, title, address, role) for page, title, address, action, role in WORKSPACES if desk.allowed(action)]
if not opened:
    st.title("Sovereignty Procurement Evaluator")
    st.warning(f"{desk.user.name} has no role that opens a workspace. Ask an administrator to give you one "
               f"(in the Administrator workspace, or with python -m evaluator users add).")
    if not st.session_state.get("no_workspace_logged"):  # once a session, not at every rerun
        desk.note_denied("open a workspace")
        st.session_state.no_workspace_logged = True
    st.stop()
asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
open_addresses = {address for _, _, address, _ in opened}
closed = {address: title for _, title, address, _, _ in WORKSPACES if address not in open_addresses}
if asked in closed and (desk.user, asked) not in st.session_state.setdefault("addresses_refused", set()):
    desk.note_denied(f"open the {closed[asked]} workspace")  # typed its address: logged once a session
    st.session_state.addresses_refused.add((desk.user, asked))
# a user opens on the first workspace made for one of their roles (an auditor on Auditor, not Policy analyst)
first = next((page for page, _, _, role in opened if role in desk.user.roles), opened[0][0])
shown = st.navigation([st.Page(f"{PAGES}/{page}", title=title, url_path=address, default=page == first)
                       for page, title, address, _ in opened])
started, outcome = time.perf_counter(), "shown"
try:
    shown.run()
except BaseException as error:  # st.rerun and st.stop end a run by raising: logged as such, not as failures
    outcome = {"RerunException": "rerun", "StopException": "stopped"}.get(type(error).__name__,
                                                                          f"failed: {type(error).__name__}")
    raise
finally:
    desk.log_request(shown.title, 1000 * (time.perf_counter() - started), outcome)
