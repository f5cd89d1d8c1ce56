"""Invariants of derived framework versions over generated edits (hypothesis, derandomised): a version that
derive accepts survives its YAML file unchanged, passes the publishing check (its listed changes give it
exactly), and a weight profile change moves a bid's score by exactly the weighted difference."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.model.derivation import Edit, check_derivation, derive, framework_yaml
from evaluator.model.framework import Framework

from conftest import CSF_PATH, run, top_ranks

CSF, CSF_SHA = load_framework(CSF_PATH)
LADDERS = [c for c in CSF.criteria if c.numeric is None]
PROPERTY = settings(max_examples=40, derandomize=True, deadline=None)


@st.composite
def profiles(draw) -> dict[str, float]:
    """Eight whole-number weights summing to 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=7, max_size=7)))
    bounds = [0, *cuts, 100]
    return {oid: float(high - low) for oid, low, high in zip(CSF.objective_ids, bounds[:-1], bounds[1:], strict=True)}


@st.composite
def point_edits(draw) -> list[Edit]:
    """New points for one answer of a few criteria, each within its neighbours (the ladder keeps its order)."""
    edits = []
    for criterion in draw(st.lists(st.sampled_from(LADDERS), min_size=1, max_size=4, unique_by=lambda c: c.id)):
        rank = draw(st.integers(1, len(criterion.answers)))
        low = criterion.answers[rank - 2].points if rank > 1 else 0.0
        high = criterion.answers[rank].points if rank < len(criterion.answers) else criterion.answers[-1].points
        points = draw(st.floats(low, high, allow_nan=False).map(lambda value: round(value, 2)))
        edits.append(Edit("points", f"{criterion.id}:{rank}", points, "adapted"))
    return edits


@PROPERTY
@given(weights=profiles(), edits=point_edits())
def test_an_accepted_version_survives_its_file_and_its_publishing_check(weights, edits):
    try:
        derived = derive(CSF, CSF_SHA, [Edit("profile", "p", weights, "policy"), *edits], version="2026.06-x")
    except ConfigurationError as error:  # an edit that changes nothing is refused: the only refusal expected
        assert "already" in error.message
        return
    again = Framework.model_validate(yaml.safe_load(framework_yaml(derived)))
    assert again == derived
    check_derivation(CSF, CSF_SHA, again)


@PROPERTY
@given(weights=profiles())
def test_a_profile_moves_the_score_by_the_weighted_difference(weights):
    derived = derive(CSF, CSF_SHA, [Edit("profile", "p", weights, "policy"),
                                    Edit("default_profile", "", "p", "policy")])
    answers = top_ranks(CSF)
    maxima = {oid: sum(c.answers[-1].points for c in CSF.criteria if c.objective == oid) for oid in CSF.objective_ids}
    expected = sum(maxima[oid] * weights[oid] for oid in CSF.objective_ids) / CSF.score_divisor
    assert run(derived, [answers]).score[0] == pytest.approx(expected, abs=1e-9)
