"""The trouble the evaluator reports: one tree of exceptions, each a sentence for the user, and `Problem`.

`EvaluatorError` and its kinds stop an action; the command line maps each kind to its exit status in one
place (evaluator/__main__.py, EXIT_STATUS): a ConfigurationError, a StoreError, a PermissionDenied and an
UnknownEvaluation are the user's to fix (exit 2); a ReportError is ours (exit 1). A `Problem` is a value:
something wrong with one bid, with the place it was found. It never stops a batch.
"""

from dataclasses import dataclass


def terminal_safe(text: str) -> str:
    """Outside text bound for a terminal: control characters (escape sequences, newlines that would forge
    another line) are shown escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class EvaluatorError(Exception):
    """Any error the evaluator reports with a sentence (the message), never a traceback. The message is in the
    user's language; `english`, when set, is its English text (what the audit log records of a refusal)."""

    english: str | None = None

    def __init__(self, *args: object):
        super().__init__(*args)
        if args and hasattr(args[0], "english"):  # a message made with i18n._: its English text
            self.english = args[0].english


class ConfigurationError(EvaluatorError):
    """A framework, tender or command-line setting the evaluator cannot use."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message
        if hasattr(message, "english"):
            self.english = f"{getattr(where, 'english', where)}: {message.english}" if where else message.english


class StoreError(EvaluatorError):
    """The store cannot do what was asked (read-only, full, unreachable); the message says why."""


class PermissionDenied(EvaluatorError):
    """The user's roles do not allow the action; the attempt is in the audit log."""


class UnknownEvaluation(EvaluatorError):
    """No stored evaluation has the id asked for."""


class ReportError(EvaluatorError):
    """The PDFs could not be rendered (time limit, memory limit, a crash); the message says why."""


def quoted(text: object, limit: int = 80) -> str:
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

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "message": self.message}
