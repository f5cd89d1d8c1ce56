"""Bids as read from files: one header per bid and column-wise answer matrices for the whole batch.

Answers are kept as matrices (bids × criteria, columns in the framework's objective order) rather than
one object per answer, so that 10,000 bids score in a few vectorised operations.
"""

from dataclasses import dataclass, field

import numpy as np

from evaluator.errors import Problem
from evaluator.model.certification import Certificate
from evaluator.model.unanswered import UNANSWERED

QUALITY_NOT_STATED = 0  # evidence quality codes: 0 = not stated, then EVIDENCE_QUALITIES in order from 1


@dataclass(frozen=True, slots=True)
class SourceFile:
    file: str
    sha256: str


@dataclass(frozen=True, slots=True)
class RegistryCitation:
    """The registry entry a bid was built from, or that a vendor's submitted bid updates (`updated`: the
    criteria whose submitted answer differs from the registered one, as (criterion, registered, submitted))."""

    file: str
    sha256: str
    provider: str
    assessor: str
    kind: str
    assessed_on: str
    valid_until: str
    as_of: str
    updated: tuple[tuple[str, str | None, str | None], ...] | None = None  # None: the bid is the entry itself

    def as_dict(self) -> dict[str, object]:
        cited: dict[str, object] = {
            "entry": self.file, "sha256": self.sha256, "provider": self.provider, "assessor": self.assessor,
            "kind": self.kind, "assessed_on": self.assessed_on, "valid_until": self.valid_until, "as_of": self.as_of}
        if self.updated is not None:
            cited["updated_answers"] = [{"criterion": criterion, "registered": registered, "submitted": submitted}
                                        for criterion, registered, submitted in self.updated]
        return cited


@dataclass(frozen=True, slots=True)
class Bid:
    bid_id: str | None
    vendor: str | None
    source: SourceFile
    errors: tuple[Problem, ...] = ()
    service: str | None = None
    price: float | None = None
    currency: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # a workbook's other Bid-sheet keys
    certificates: tuple[Certificate, ...] = ()  # from a certificates CSV naming this bid
    registry: RegistryCitation | None = None  # built from a registry entry, or updating one

    @property
    def invalid(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class BidSet:
    """A batch of bids and their answers. Row i of every matrix belongs to bids[i]."""

    bids: tuple[Bid, ...]
    ranks: np.ndarray  # int16, UNANSWERED or the chosen answer's rank; all UNANSWERED for invalid bids
    evidence_quality: np.ndarray  # int8 quality codes
    evidence: np.ndarray  # object: evidence text or None
    notes: np.ndarray  # object: notes or None
    values: np.ndarray  # float: the value given for a numeric criterion, NaN elsewhere

    @classmethod
    def empty(cls, criteria: int) -> "BidSet":
        return cls.of_rows((), criteria)

    @classmethod
    def of_rows(cls, bids: tuple[Bid, ...], criteria: int) -> "BidSet":
        n = len(bids)
        return cls(bids, np.zeros((n, criteria), np.int16), np.zeros((n, criteria), np.int8),
                   np.full((n, criteria), None, object), np.full((n, criteria), None, object),
                   np.full((n, criteria), np.nan))

    @classmethod
    def concatenate(cls, parts: list["BidSet"], criteria: int) -> "BidSet":
        if not parts:
            return cls.empty(criteria)
        return cls(tuple(b for part in parts for b in part.bids),
                   *(np.concatenate([getattr(p, name) for p in parts]) for name in
                     ("ranks", "evidence_quality", "evidence", "notes", "values")))

    def take(self, rows: np.ndarray) -> "BidSet":
        return BidSet(tuple(self.bids[i] for i in rows.tolist()), self.ranks[rows], self.evidence_quality[rows],
                      self.evidence[rows], self.notes[rows], self.values[rows])

    def with_bids(self, bids: tuple[Bid, ...]) -> "BidSet":
        """The same answers with replaced headers (e.g. errors added); invalid rows lose their answers."""
        invalid = np.array([bid.invalid for bid in bids], bool)
        ranks = self.ranks.copy()
        ranks[invalid] = UNANSWERED
        values = self.values.copy()
        values[invalid] = np.nan
        return BidSet(bids, ranks, self.evidence_quality, self.evidence, self.notes, values)
