"""Streamlit entry point: `streamlit run app.py`. A workspace per role and the Marketplace (the provider
registry); a user sees those their roles open (the local user, who holds every role, sees all six)."""

import time
from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from evaluator import i18n
from evaluator.application import Desk, configure_logs
from evaluator.i18n import N_, _
from evaluator.ui.common import signed_in_desk
from evaluator.ui.signin import show_local_mode

PAGES = "evaluator/ui/pages"
WORKSPACES = (  # page, title, address, the action it needs, the role it is made for
    ("officer.py", N_("Procurement officer"), "officer", "evaluate", "officer"),
    ("analyst.py", N_("Policy analyst"), "analyst", "analyse the award", "analyst"),
    ("framework_editor.py", N_("Framework editor"), "frameworks", "publish a framework version", "analyst"),
    ("auditor.py", N_("Auditor"), "auditor", "reproduce an evaluation", "auditor"),
    ("panel.py", N_("Evaluation panel"), "panel", "assess bids", "evaluator"),
    ("marketplace.py", N_("Marketplace"), "marketplace", "read the registry", None),  # everyone's, nobody's first
    ("admin.py", N_("Administrator"), "admin", "manage users", "admin"),
)


def browser_language() -> str:
    """The first visit's language when the user never chose one: Chinese for a browser that asks for it."""
    return "zh-CN" if (st.context.locale or "").lower().startswith("zh") else i18n.SOURCE_LANGUAGE


def session_language() -> str | None:
    """The language of the session whose script thread asks (a widget callback); None outside a session."""
    return st.session_state.get("language") if get_script_run_ctx(suppress_warning=True) else None


def language_switch(desk: Desk) -> None:
    """The language of every page for this user: chosen in the sidebar and remembered in the store, so a
    reload or another session opens in it; the page run speaks it from here on."""
    session = st.session_state
    if session.get("language") not in i18n.LANGUAGES:
        session.language = desk.language() or browser_language()
    i18n.use(session.language)
    i18n.fall_back_on(session_language)
    st.sidebar.selectbox("Language · 语言", list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.__getitem__,
                         key="language", on_change=lambda: desk.choose_language(session.language))


st.set_page_config(page_title="Sovereignty Procurement Evaluator", layout="wide")
configure_logs()
chosen = st.session_state.get("language")
i18n.use(chosen if chosen in i18n.LANGUAGES else browser_language())  # before sign-in: its page speaks it too
desk = signed_in_desk()
language_switch(desk)
show_local_mode()
st.set_page_config(page_title=_("Sovereignty Procurement Evaluator"))
opened = [(page, title, address, role) for page, title, address, action, role in WORKSPACES if desk.allowed(action)]
if not opened:
    st.title(_("Sovereignty Procurement Evaluator"))
    st.warning(_("{user} has no role that opens a workspace. Ask an administrator to give you one (in the "
                 "Administrator workspace, or with python -m evaluator users add).").format(user=desk.user.name))
    if not st.session_state.get("no_workspace_logged"):  # once a session, not at every rerun
        desk.note_denied("open a workspace")
        st.session_state.no_workspace_logged = True
    st.stop()
asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
open_addresses = {opened_page[2] for opened_page in opened}
closed = {address: title for page, title, address, action, role in WORKSPACES if address not in open_addresses}
if asked in closed and (desk.user, asked) not in st.session_state.setdefault("addresses_refused", set()):
    desk.note_denied(f"open the {closed[asked]} workspace")  # typed its address: logged once a session
    st.session_state.addresses_refused.add((desk.user, asked))
# a user opens on the first workspace made for one of their roles (an auditor on Auditor, not Policy analyst)
first = next((page for page, title, address, role in opened if role in desk.user.roles), opened[0][0])
shown = st.navigation([st.Page(f"{PAGES}/{page}", title=_(title), url_path=address, default=page == first)
                       for page, title, address, role in opened])
english_titles = {_(title): title for page, title, address, role in opened}  # the logs stay in English
started, outcome = time.perf_counter(), "shown"
try:
    shown.run()
except BaseException as error:  # st.rerun and st.stop end a run by raising: logged as such, not as failures
    outcome = {"RerunException": "rerun", "StopException": "stopped"}.get(type(error).__name__,
                                                                          f"failed: {type(error).__name__}")
    raise
finally:
    desk.log_request(english_titles.get(shown.title, shown.title), 1000 * (time.perf_counter() - started), outcome)
