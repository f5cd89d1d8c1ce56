"""The error tree and the excerpts messages quote from submitted files."""

from evaluator import errors
from evaluator.errors import EvaluatorError, Problem, quoted


def test_every_error_the_evaluator_raises_is_an_evaluator_error():
    kinds = [kind for kind in vars(errors).values() if isinstance(kind, type) and issubclass(kind, Exception)]
    assert kinds and all(issubclass(kind, EvaluatorError) for kind in kinds)


def test_a_quoted_excerpt_is_short_and_escaped():
    assert quoted("3 - Shared keys") == "'3 - Shared keys'"
    assert quoted("x" * 500) == repr("x" * 79 + "…")
    assert quoted("\x1b[31mred\u202eevil") == "'\\x1b[31mred\\u202eevil'"  # no terminal or bidi control


def test_a_problem_is_a_located_value():
    assert Problem("Responses!B7", "answer '9' is out of range").as_dict() == \
        {"location": "Responses!B7", "message": "answer '9' is out of range"}
