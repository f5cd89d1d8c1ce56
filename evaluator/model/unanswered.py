"""The unanswered-criteria policy, in one place: what a blank cell is, how a blank counts for points and
levels, when it excludes a bid, and the words users read about it (template, app, report).

- `conservative` (the default): a blank counts as the criterion's worst answer (rank 1).
- `calculator`: as the Commission's calculator: 0 points, and left out of the level minimum; an objective
  with nothing answered has no level.
- `strict`: levels and score as under conservative, and a bid with any blank is excluded as incomplete.
"""

from typing import Final, Literal

import numpy as np

from evaluator.i18n import N_, SOURCE_LANGUAGE, _, current

UnknownPolicy = Literal["conservative", "calculator", "strict"]
UNKNOWN_POLICIES: Final[tuple[UnknownPolicy, ...]] = ("conservative", "calculator", "strict")
DEFAULT_POLICY: Final[UnknownPolicy] = "conservative"
UNANSWERED: Final = 0  # the rank stored for a criterion without an answer; real ranks start at 1
BLANK_TEXTS: Final = frozenset({"", "unknown"})  # answer cells that mean "not answered" (after case folding)

NAMES: Final[dict[UnknownPolicy, str]] = {  # each policy's name for people; the codes are the CLI's
    "conservative": N_("Conservative"), "calculator": N_("As the Commission's calculator"), "strict": N_("Strict")}
MEANINGS: Final[dict[UnknownPolicy, str]] = {  # what an unanswered criterion does, completing "it …"
    "conservative": N_("counts as the worst answer of that criterion"),
    "calculator": N_("scores 0 points and is left out of the level, as in the Commission's calculator"),
    "strict": N_("excludes the whole bid as incomplete"),
}


def is_blank(text: str) -> bool:
    return text.strip().casefold() in BLANK_TEXTS


def scored_ranks(ranks: np.ndarray, policy: UnknownPolicy) -> np.ndarray:
    """The ranks to score: under conservative and strict a blank counts as rank 1 (the worst answer); under
    calculator it stays UNANSWERED, whose ladder entry is 0 points and no level."""
    ranks = ranks.astype(np.int64)
    return ranks if policy == "calculator" else np.where(ranks == UNANSWERED, 1, ranks)


def missing_value_level(policy: UnknownPolicy, no_level: int) -> int:
    """The level of a numeric criterion without a usable value: none under calculator, else the lowest."""
    return no_level if policy == "calculator" else 0


def incomplete(ranks: np.ndarray, policy: UnknownPolicy) -> np.ndarray:
    """Per bid: excluded as incomplete (only under strict, when any criterion is unanswered)."""
    if policy != "strict":
        return np.zeros(len(ranks), bool)
    return np.asarray((ranks == UNANSWERED).any(axis=1))


def describe(policy: UnknownPolicy) -> str:
    """One line for settings tables: 'conservative: an unanswered criterion counts as …'."""
    shown = policy if current() == SOURCE_LANGUAGE else \
        _("{name} ({policy})").format(name=_(NAMES[policy]), policy=policy)  # the name, and the code the CLI takes
    return _("{policy}: an unanswered criterion {meaning}").format(policy=shown, meaning=_(MEANINGS[policy]))
