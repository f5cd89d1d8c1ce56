"""Who is using the app: an identity provider's user through Streamlit's OIDC support when
`.streamlit/secrets.toml` configures [auth], else the single local user (every role), clearly labelled."""

import time

import streamlit as st

from evaluator.application import ROLES, Store, User, signed_in_user
from evaluator.i18n import N_, _

LOCAL_MODE = N_("Single-user local mode: no sign-in is configured, so you act as officer, analyst, auditor, "
                "panel evaluator and admin. Configure [auth] in .streamlit/secrets.toml to sign users in.")


def roles_from_claims(claims: dict, claim: str, mapping: dict[str, str]) -> frozenset[str]:
    """The evaluator roles named by an identity-provider claim (a list or a space/comma-separated string),
    through `mapping` (provider group -> role); unknown groups give nothing."""
    value = claims.get(claim, [])
    groups = value if isinstance(value, list) else str(value).replace(",", " ").split()
    return frozenset(mapping[group] for group in groups if mapping.get(group) in ROLES)


def token_expired(claims: dict, now: float) -> bool:
    """A token without an expiry, or past it, is not accepted."""
    expiry = claims.get("exp")
    return not isinstance(expiry, (int, float)) or expiry <= now


def show_local_mode() -> None:
    """Say so in the sidebar when nobody signs in (after the language switch: in the user's language)."""
    if not _sign_in_configured():
        st.sidebar.info(_(LOCAL_MODE))


def current_user(store: Store) -> User:
    """The local user, or the signed-in one with the roles and grants the store's users table gives them
    (the identity provider's role claim only seeds a user the table does not hold)."""
    if not _sign_in_configured():
        return User.local()
    if not st.user.is_logged_in:
        st.title(_("Sovereignty Procurement Evaluator"))
        st.button(_("Sign in"), on_click=st.login, type="primary", key="sign-in")
        st.stop()
    claims = st.user.to_dict()
    if token_expired(claims, time.time()):
        st.logout()
        st.stop()
    settings = st.secrets.get("evaluator", {})
    roles = roles_from_claims(claims, settings.get("roles_claim", "groups"), dict(settings.get("role_map", {})))
    name = str(claims.get("email") or claims.get("sub") or "unknown")
    user = signed_in_user(store, User(name, roles), seed=True)
    held = ", ".join(sorted(user.roles)) or _("no role")
    st.sidebar.caption((_("Signed in as {user}: {roles} (granted {grants})") if user.grants else
                        _("Signed in as {user}: {roles}")).format(user=name, roles=held,
                                                                  grants=", ".join(sorted(user.grants))))
    st.sidebar.button(_("Sign out"), on_click=st.logout, key="sign-out")
    return user


def _sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
