"""The two kinds of trouble the evaluator reports.

A `ConfigurationError` stops a run before anything is written (bad framework, tender or flag; exit 2).
A `Problem` is a value: something wrong with one bid, with the place it was found. It never stops a batch.
"""

from dataclasses import dataclass


class ConfigurationError(Exception):
    """A framework, tender or command-line setting the evaluator cannot use."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message


class StoreError(Exception):
    """The store cannot do what was asked (read-only, full, unreachable); the message says why."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A located, readable reason why a bid could not be read or validated."""

    location: str
    message: str

    def as_dict(self) -> dict:
        return {"location": self.location, "message": self.message}
