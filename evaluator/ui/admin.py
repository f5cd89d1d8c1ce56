"""Administrator workspace: who may do what. Users sign in with the organisation's identity provider; the
store's users table decides their roles and grants (a provider's claim only seeds a user it does not hold).
Every change is audited and listed here."""

import pandas as pd
import streamlit as st

from evaluator.application import GRANTS, ROLES, Desk
from evaluator.i18n import N_, _
from evaluator.ui.common import act, literal, opened_workspace, show_notice, verify_audit_log

ROLE_HELP = N_("officer: tender cases, bids, evaluations, award, letters · analyst: what-ifs on weights and minimum "
               "levels · auditor: reproduce evaluations, verify the audit log · evaluator: assess bids on a "
               "tender's panel · admin: this workspace")  # the roles by their codes, as an administrator gives them
# the column names of this page's tables: the frames keep them (the tests look columns up by them); a table
# shows each translated
COLUMNS = {name: name for name in (N_("user"), N_("roles"), N_("grants"), N_("when"), N_("by"), N_("roles since"),
                                   N_("grants since"))}


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names as a table shows them."""
    return frame.rename(columns=lambda column: _(COLUMNS[column]) if column in COLUMNS else column)


def page() -> None:
    desk = opened_workspace(_("Administrator"), _("Give the people who sign in their roles and grants. The store "
                                                  "decides: the roles the identity provider claims are stored at a "
                                                  "user's first sign-in; a user added here before that gets only "
                                                  "the roles given here."), "manage users", "administrator")
    if desk is None:
        return
    show_notice()
    users = desk.users()
    _users(users)
    _change_form(desk)
    if users:
        _revoke(desk, users)
    _changes(desk)
    st.subheader(_("Audit log"))
    verify_audit_log(desk)


def _users(users: list[dict]) -> None:
    st.subheader(_("Users"))
    if not users:
        st.info(_("No user is listed yet. A user who signs in is added with the roles the identity provider "
                  "claims for them; add one below to decide their roles first."))
        return
    st.dataframe(shown(pd.DataFrame([{"user": user["name"], "roles": ", ".join(user["roles"]) or _("no role"),
                                      "grants": ", ".join(user["grants"])} for user in users])),
                 hide_index=True, key="users")


def _change_form(desk: Desk) -> None:
    st.subheader(_("Add a user, or give roles and grants"))
    with st.form("change-user", clear_on_submit=True):
        name = st.text_input(_("User to add or change"), placeholder=_("the e-mail address they sign in with"),
                             key="user-name")
        roles = st.multiselect(_("Roles to give"), ROLES, help=_(ROLE_HELP), key="user-roles")
        grants = st.multiselect(_("Grants to give"), GRANTS, key="user-grants",
                                help=_("bid_identities: an analyst sees bidders and prices unredacted"))
        if st.form_submit_button(_("Save"), type="primary", key="save-user"):
            given = ", ".join([*roles, *grants]) or _("no role yet")
            act(lambda: desk.change_user(name, tuple(roles), tuple(grants)),
                _("{user}: given {given}.").format(user=literal(name.strip()), given=given))


def _revoke(desk: Desk, users: list[dict]) -> None:
    st.subheader(_("Take a role or grant away"))
    held = {user["name"]: [*user["roles"], *user["grants"]] for user in users}
    left, right = st.columns(2)
    name = left.selectbox(_("Take from"), list(held), key="revoke-user")
    what = right.selectbox(_("Role or grant"), held[name], key="revoke-what", placeholder=_("holds nothing"))
    if st.button(_("Take it away"), disabled=not what, key="revoke"):
        act(lambda: desk.change_user(name, remove=(what,)),
            _("{what} taken away from {user}.").format(what=what, user=literal(name)))


def _changes(desk: Desk) -> None:
    changes = desk.user_changes()
    st.subheader(_("Changes"))
    if not changes:
        st.caption(_("No change to the users yet."))
        return
    st.dataframe(shown(pd.DataFrame([{"when": change["at"], "by": change["by"], "user": change["user"],
                                      "roles since": ", ".join(change["roles"]),
                                      "grants since": ", ".join(change["grants"])} for change in reversed(changes)])),
                 hide_index=True, key="user-changes")
