"""Structured logs: one JSON object per line on stderr, for every request the app serves (a page run) and every
action stored with its audit entry, each naming the user and the instance (host:pid) that served it, so the
logs of several instances behind one proxy can be merged and followed."""

import logging
import os
import socket
import sys

from pythonjsonlogger.json import JsonFormatter

LOGGER = logging.getLogger("evaluator")
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def configure() -> None:
    """Send the evaluator's log records to stderr as JSON lines (once per process; a rerun changes nothing)."""
    if any(getattr(handler, "evaluator", False) for handler in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{message}", style="{", rename_fields={
        "asctime": "time", "levelname": "level"}, static_fields={"instance": INSTANCE}))
    handler.evaluator = True  # type: ignore[attr-defined]
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


def action(event: str, user: str, seq: int, detail: dict) -> None:
    """An audit entry that was committed: what, by whom, its place in the chain, and the case, evaluation, file
    or user (`about`, for a user changed) it concerns."""
    LOGGER.info("action", extra={"event": event, "user": user, "seq": seq,
                                 **{key: detail[key] for key in ("case", "evaluation", "file") if key in detail},
                                 **({"about": detail["user"]} if "user" in detail else {})})


def request(user: str, page: str, milliseconds: float, outcome: str) -> None:
    """A page run: who, which workspace, how long it took, and how it ended (shown, rerun, stopped, failed)."""
    LOGGER.info("request", extra={"user": user, "page": page, "ms": round(milliseconds, 1), "outcome": outcome})
