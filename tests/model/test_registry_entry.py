import datetime
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluator.errors import ConfigurationError
from evaluator.model.documents import parse_document
from evaluator.model.registry import RegistryEntry, answer_changes, expires_within, invalidity

ROOT = Path(__file__).resolve().parents[2]
ENTRY = {"format": "evaluator-registry-entry/1", "provider": "nordlys-cloud", "provider_name": "Nordlys Cloud AS",
         "framework": "eu-csf-2026", "assessor": "Assessor One (fictitious)", "kind": "third-party",
         "assessed_on": "2026-03-01", "valid_until": "2027-02-28",
         "answers": {"SOV-1.1": {"answer": "3", "evidence": "Annex A"}, "SOV-2.1": {"answer": "2"}}}


def entry(**changes) -> RegistryEntry:
    return RegistryEntry.model_validate({**ENTRY, **changes})


def parsed(document) -> RegistryEntry:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_document(content, RegistryEntry, "nordlys.json")


@pytest.mark.parametrize(("as_of", "reason"), [
    ("2026-02-28", "assessed on 2026-03-01, after 2026-02-28"),
    ("2026-03-01", None), ("2027-02-28", None),
    ("2027-03-01", "expired on 2027-02-28 (as of 2027-03-01)")])
def test_an_entry_holds_from_its_assessment_to_its_last_valid_day(as_of, reason):
    assert invalidity(entry(), datetime.date.fromisoformat(as_of)) == reason


@pytest.mark.parametrize(("as_of", "days", "expected"), [
    ("2027-01-29", 30, False), ("2027-01-30", 30, True), ("2027-02-28", 1, True), ("2027-03-01", 30, False)])
def test_expiring_within_days_counts_only_entries_still_valid(as_of, days, expected):
    assert expires_within(entry(), datetime.date.fromisoformat(as_of), days) is expected


def test_answer_changes_name_changed_added_and_dropped_criteria_in_order():
    later = entry(answers={"SOV-1.1": {"answer": "2", "evidence": "Annex B"}, "SOV-3.1": {"answer": "4"}})
    assert answer_changes(entry(), later) == [
        {"criterion": "SOV-1.1", "before": "3", "after": "2"},
        {"criterion": "SOV-2.1", "before": "2", "after": None},
        {"criterion": "SOV-3.1", "before": None, "after": "4"}]
    assert answer_changes(entry(), entry(answers={**ENTRY["answers"], "SOV-1.1": {"answer": "3"}})) == []


@pytest.mark.parametrize(("document", "message"), [
    ({**ENTRY, "valid_until": "2026-02-01"}, "valid_until 2026-02-01 is before assessed_on 2026-03-01"),
    ({**ENTRY, "kind": "vendor"}, "kind"),
    ({**ENTRY, "assessed_on": "2026-02-30"}, "assessed_on"),
    ({**ENTRY, "provider": "../etc/passwd"}, "provider"),
    ({**ENTRY, "answers": {"SOV 1.1; DROP": {"answer": "3"}}}, "answers"),
    ({**ENTRY, "answers": {}}, "answers"),
    ({**ENTRY, "signed_by": "nobody"}, "signed_by"),
    ({**ENTRY, "provider_name": "Nordlys\u0000Cloud"}, "provider_name"),
    ({**ENTRY, "assessor": "Assessor\nerror: forged"}, "assessor"),
    ({**ENTRY, "answers": {"SOV-1.1": {"answer": "3", "evidence": "a\u0000b"}}}, "evidence"),
    ({**ENTRY, "format": "evaluator-registry-entry/2"}, "format"),
    (b'{"provider": "a", "provider": "b"}', "key 'provider' appears twice"),
    (b"[1, 2]", "mapping"),
    (b"[" * 5000 + b"]" * 5000, "nest"),
])
def test_malformed_or_hostile_entries_are_refused_with_the_place_named(document, message):
    with pytest.raises(ConfigurationError) as refused:
        parsed(document)
    assert refused.value.where == "nordlys.json"
    assert message in refused.value.message


def test_an_entry_round_trips_through_its_exchange_format():
    assert parsed(json.loads(entry().model_dump_json())) == entry()


def test_published_schema_is_generated_from_the_model():
    published = json.loads((ROOT / "frameworks" / "registry-entry.schema.json").read_text())
    assert published == RegistryEntry.model_json_schema()


@given(st.dates(), st.integers(0, 4000), st.dates())
def test_an_entry_is_valid_exactly_between_its_two_dates(assessed_on, length, as_of):
    valid_until = min(assessed_on + datetime.timedelta(days=min(length, 3000)), datetime.date.max)
    registered = entry(assessed_on=assessed_on.isoformat(), valid_until=valid_until.isoformat())
    assert (invalidity(registered, as_of) is None) == (assessed_on <= as_of <= valid_until)


def test_sample_registry_holds_eight_valid_providers_answering_every_criterion():
    from evaluator.loading import load_framework

    framework, _ = load_framework(str(ROOT / "frameworks" / "eu-csf-2026.yaml"))
    ladders = {criterion.id: len(criterion.answers) for criterion in framework.criteria}
    samples = [parsed((ROOT / "samples" / "registry" / name).read_bytes())
               for name in sorted(p.name for p in (ROOT / "samples" / "registry").glob("*.json"))]
    assert len({sample.provider for sample in samples}) >= 8
    for sample in samples:
        assert sample.framework == framework.id
        assert {criterion: 1 <= int(given.answer) <= ladders[criterion]
                for criterion, given in sample.answers.items()} == dict.fromkeys(ladders, True)
