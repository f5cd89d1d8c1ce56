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


def quoted(text, limit: int = 80) -> str:
    """A short, escaped excerpt of text from a submitted file, for messages: quoted, control and invisible
    characters escaped, clipped to `limit` characters, so a refused file is never copied into the outputs."""
    text = str(text)
    clipped = text if len(text) <= limit else text[:limit - 1] + "…"
    return repr(clipped)


@dataclass(frozen=True, slots=True)
class Problem:
    """A located, readable reason why a bid could not be read or validated."""

    location: str
    message: str

    def as_dict(self) -> dict:
        return {"location": self.location, "message": self.message}
