"""What the three workspaces share: the session's state, and tables made from a results document."""

from pathlib import Path

import pandas as pd
import streamlit as st

from evaluator.application import PERMISSIONS, Desk, Store, data_root, default_store_url, read_framework, read_tender
from evaluator.model.framework import Framework
from evaluator.model.tender import Tender
from evaluator.ui.signin import current_user

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = sorted(p for p in (ROOT / "frameworks").glob("*.yaml"))
SAMPLE_TENDER = ROOT / "samples" / "tender.yaml"
SAMPLE_BIDS = sorted((ROOT / "samples" / "bids").iterdir())
SAMPLE_TENDERS = {path.name: path for path in sorted((ROOT / "samples").glob("*.yaml"))}
SAMPLE_CERTIFICATES = ROOT / "samples" / "certificates.csv"
SAMPLE_CAPABILITY = ROOT / "samples" / "product" / "capability-wide.csv"
MAX_FILES = 200


@st.cache_resource
def framework_at(path: str) -> tuple[Framework, str]:
    return read_framework(path)


def capability_framework_at(path: str) -> tuple[Framework, str]:
    """A combined tender's capability framework: its path is relative to where the app runs, as for an
    evaluation, or else to the repository (the bundled tenders name frameworks/…)."""
    return framework_at(path if Path(path).exists() else str(ROOT / path))


def sample_tender() -> Tender:
    return read_tender(SAMPLE_TENDER)[0]


def state():
    """The session's working state, with defaults on first use."""
    session = st.session_state
    session.setdefault("framework_path", str(ROOT / "frameworks" / "eu-csf-2026.yaml"))
    session.setdefault("tender", sample_tender())
    session.setdefault("stored_uploads", {})  # (file name, sha256) -> stored path: each kept once a session
    session.setdefault("outcome", None)  # the last evaluation's Outcome
    session.setdefault("evaluation_id", None)  # its id in the store
    return session


def root() -> Path:
    return data_root()


@st.cache_resource
def store_at(url: str) -> Store:
    return Store(url)


def workspace() -> Desk:
    """The signed-in (or local) user's access to the store, with the roles and grants the users table
    holds; signs in once per session in the audit log (again if an admin changed the user's roles)."""
    store = store_at(default_store_url())
    user = current_user(store)
    desk = Desk(store, user)
    if st.session_state.get("signed_in_as") != user:
        desk.sign_in()
        st.session_state.signed_in_as = user
    return desk


def may_use(desk: Desk, action: str, workspace_name: str) -> bool:
    """Whether the user may use this workspace (it needs `action`). If not, the page says why, and the
    refusal is logged once a session, not at every rerun."""
    if desk.allowed(action):
        return True
    roles = ", ".join(sorted(desk.user.roles)) or "no role"
    needed = " or ".join(sorted(PERMISSIONS[action]))
    st.warning(f"The {workspace_name} workspace is closed to {desk.user.name} ({roles}): it needs the role {needed}. "
               f"Ask an administrator for the role.")
    logged = st.session_state.setdefault("denials_logged", set())
    if (desk.user, action) not in logged:
        desk.note_denied(action)
        logged.add((desk.user, action))
    return False



def ranking_frame(document: dict) -> pd.DataFrame:
    codes = document["framework"]["level_codes"]
    rows = [{"rank": bid["rank"], "bid": bid["bid_id"], "vendor": bid["vendor"], "status": bid["status"],
             "level": None if bid["overall_level"] is None else codes[bid["overall_level"]],
             "score %": bid["score"],
             **({"capability %": (bid.get("capability") or {}).get("score")} if "capability" in document else {}),
             "price": bid["price"], "total": bid["total"],
             "tie": ", ".join(bid["tie"]["tied_with"]) if bid["tie"] else "",
             "why not ranked": "; ".join([r["message"] for r in bid["exclusion_reasons"]] +
                                         [f"{e['location']}: {e['message']}" for e in bid["errors"]])}
            for bid in document["bids"]]
    frame = pd.DataFrame(rows)
    frame["rank"] = frame["rank"].astype("Int64")  # blank, not "None", for bids without a rank
    return frame


def gate_frame(document: dict):
    """Bids × objectives, each cell the offered level, coloured green (passed) or red (failed)."""
    codes = document["framework"]["level_codes"]
    bids = [bid for bid in document["bids"] if bid["status"] != "invalid"]
    objectives = list(document["framework"]["objectives"])

    def shown(level: int | None) -> str:
        return "—" if level is None else codes[level]
    levels = pd.DataFrame([[shown(bid["objectives"][o]["level"]) for o in objectives] for bid in bids],
                          index=[bid["bid_id"] for bid in bids], columns=objectives)
    passed = pd.DataFrame([[bid["objectives"][o]["passed"] for o in objectives] for bid in bids],
                          index=levels.index, columns=objectives)
    colours = passed.map(lambda ok: "background-color: #dcebfa" if ok else "background-color: #f6d5d1; "
                                                                          "color: #8e1c10; font-weight: bold")
    return levels.style.apply(lambda _: colours, axis=None)

