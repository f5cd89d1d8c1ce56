"""Structured logs: a JSON line for every committed audit entry and every page run, naming the user and the
instance; nothing for a change that was rolled back."""

import io
import json

import pytest

from evaluator import logs
from evaluator.application import Desk, Store, User
from evaluator.errors import ConfigurationError


@pytest.fixture
def lines():
    logs.configure()
    logs.configure()  # once per process: a second call adds no second handler
    (handler,) = [handler for handler in logs.LOGGER.handlers if getattr(handler, "evaluator", False)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def test_every_committed_action_is_a_json_line_with_the_user(lines, tmp_path):
    admin = Desk(Store(f"sqlite:///{tmp_path / 'evaluator.db'}"), User("ada@example.org", frozenset({"admin"})))
    admin.change_user("cleo@example.org", ("auditor",))
    with pytest.raises(ConfigurationError):
        admin.change_user("cleo@example.org", remove=("officer",))  # refused: she does not hold it
    (entry,) = lines()
    assert {key: entry[key] for key in ("message", "level", "event", "user", "seq", "about")} == {
        "message": "action", "level": "INFO", "event": "user changed", "user": "ada@example.org", "seq": 1,
        "about": "cleo@example.org"}
    assert entry["instance"] == logs.INSTANCE and entry["time"]


def test_a_page_run_is_a_json_line(lines, tmp_path):
    Desk(Store(f"sqlite:///{tmp_path / 'evaluator.db'}"), User.local()).log_request("Auditor", 12.345, "rerun")
    (entry,) = lines()
    assert {key: entry[key] for key in ("message", "user", "page", "ms", "outcome")} == {
        "message": "request", "user": "local", "page": "Auditor", "ms": 12.3, "outcome": "rerun"}
