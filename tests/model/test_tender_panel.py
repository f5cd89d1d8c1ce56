"""The tender's evaluation panel: validated like the rest of the tender, and written back unchanged."""

import pytest

from evaluator.errors import ConfigurationError
from evaluator.model.documents import parse_document
from evaluator.model.tender import Panel, Tender

PANEL = b"panel: {chair: cleo, members: [ana, ben], conflicts: {ben: [Y-1]}}\n"


def test_the_panel_is_read_from_the_tender():
    tender = parse_document(PANEL, Tender, "tender.yaml")
    assert tender.panel == Panel(chair="cleo", members=("ana", "ben"), conflicts={"ben": ("Y-1",)})
    assert tender.panel.sits("cleo") and tender.panel.sits("ana") and not tender.panel.sits("dan")
    assert tender.panel.conflicted("ben", "Y-1") and not tender.panel.conflicted("ana", "Y-1")


def test_a_tender_without_a_panel_has_none():
    assert Tender().panel is None
    assert "panel" not in Tender().to_yaml()


def test_to_yaml_round_trips_the_panel():
    tender = parse_document(PANEL, Tender, "tender.yaml")
    written = tender.to_yaml()
    assert written == ("schema_version: 1\npanel:\n  chair: cleo\n  members:\n  - ana\n  - ben\n  conflicts:\n"
                       "    ben:\n    - Y-1\n")
    assert parse_document(written.encode(), Tender, "tender.yaml") == tender


@pytest.mark.parametrize(("panel", "message"), [
    (b"panel: {chair: cleo, members: []}",
     "tender.yaml: panel.members: Tuple should have at least 1 item after validation, not 0"),
    (b"panel: {chair: cleo}", "tender.yaml: panel.members: Field required"),
    (b"panel: {chair: cleo, members: [ana, ben, ana]}", "tender.yaml: panel: panel member ana is listed twice"),
    (b"panel: {chair: cleo, members: [ana], conflicts: {dan: [Y-1]}}",
     "tender.yaml: panel: conflicts name dan, who is neither a member nor the chair"),
    (b"panel: {chair: '', members: [ana]}", "tender.yaml: panel.chair: String should have at least 1 character"),
    (b"panel: {chair: cleo, members: [ana], vice: ben}", "tender.yaml: panel.vice: Extra inputs are not permitted"),
])
def test_a_malformed_panel_is_refused(panel, message):
    with pytest.raises(ConfigurationError) as error:
        parse_document(panel, Tender, "tender.yaml")
    assert str(error.value) == message


def test_the_chair_may_declare_conflicts_too():
    panel = Panel(chair="cleo", members=("ana",), conflicts={"cleo": ("Y-2",)})
    assert panel.conflicted("cleo", "Y-2")
    assert panel.describe() == "chair cleo, members ana"
