"""OIDC claims to roles, and token expiry (the parts of sign-in that do not need an identity provider)."""

from evaluator.ui.signin import roles_from_claims, token_expired

MAP = {"procurement": "officer", "policy": "analyst", "audit": "auditor", "it-admins": "admin"}


def test_a_list_claim_maps_to_roles():
    assert roles_from_claims({"groups": ["procurement", "audit", "marketing"]}, "groups", MAP) == {"officer",
                                                                                                   "auditor"}


def test_a_string_claim_and_a_custom_claim_name():
    assert roles_from_claims({"roles": "policy, it-admins"}, "roles", MAP) == {"analyst", "admin"}


def test_no_claim_or_unknown_groups_give_no_role():
    assert roles_from_claims({}, "groups", MAP) == frozenset()
    assert roles_from_claims({"groups": ["procurement"]}, "groups", {"procurement": "superuser"}) == frozenset()


def test_expired_or_undated_tokens_are_refused():
    assert token_expired({"exp": 1000}, now=1001)
    assert token_expired({}, now=0)
    assert not token_expired({"exp": 2000}, now=1001)
