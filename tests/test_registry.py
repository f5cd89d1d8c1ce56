"""The registry's pure rules, without a clock or a store: validity as of a date (both days included), the
version chosen as of a date, canonical bytes, entries made from bid files, and history diffs."""

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

import pytest

from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.model.registry import RegistryEntry, answer_changes, expires_within, invalidity, lapses_within
from evaluator.registry import canonical, entry_from_file, expiring, history, version_as_of

from conftest import CSF_PATH, SAMPLES

FRAMEWORK, _ = load_framework(CSF_PATH)
NORDLYS = json.loads((SAMPLES / "registry" / "nordlys-cloud.json").read_text(encoding="utf-8"))
D = dt.date.fromisoformat


def entry(**fields) -> RegistryEntry:
    return RegistryEntry.model_validate({**NORDLYS, **fields})


def with_answers(**answers) -> RegistryEntry:
    criteria = {key.replace("_", "-", 1).replace("_", "."): {"answer": value} for key, value in answers.items()}
    return entry(answers={**NORDLYS["answers"], **criteria})


# -- validity by date --------------------------------------------------------------------------------

def test_an_entry_holds_from_its_assessment_day_to_its_last_valid_day_both_included():
    nordlys = entry()  # assessed 2026-03-02, valid until 2027-03-01
    assert invalidity(nordlys, D("2026-03-02")) is None
    assert invalidity(nordlys, D("2027-03-01")) is None
    assert invalidity(nordlys, D("2026-11-26")) is None
    assert invalidity(nordlys, D("2026-03-01")) == "assessed on 2026-03-02, after 2026-03-01"
    assert invalidity(nordlys, D("2027-03-02")) == "expired on 2027-03-01 (as of 2027-03-02)"


def test_a_one_day_entry_holds_on_that_day_only():
    single = entry(assessed_on="2026-06-01", valid_until="2026-06-01")
    assert [invalidity(single, D(day)) is None for day in ("2026-05-31", "2026-06-01", "2026-06-02")] == \
        [False, True, False]


def test_valid_until_before_assessed_on_is_refused():
    with pytest.raises(ValueError, match="valid_until 2026-03-01 is before assessed_on 2026-03-02"):
        entry(valid_until="2026-03-01")


def test_expiry_within_days_counts_the_last_valid_day_as_valid():
    lusitania = entry(provider="lusitania-data", assessed_on="2025-12-01", valid_until="2026-12-10")
    as_of = D("2026-11-26")
    assert not lapses_within(D("2026-12-10"), as_of, 14)  # 2026-12-10 is still valid, 14 days later
    assert lapses_within(D("2026-12-10"), as_of, 15)
    assert [expires_within(lusitania, as_of, days) for days in (10, 14, 15, 30)] == [False, False, True, True]
    assert not expires_within(lusitania, D("2026-12-11"), 30)  # expired already: not "expiring"
    assert not expires_within(lusitania, D("2025-11-30"), 400)  # not assessed yet


def test_expiring_lists_the_valid_entries_lapsing_soonest_first():
    entries = [entry(provider="a", valid_until="2026-12-20"), entry(provider="b", valid_until="2026-12-05"),
               entry(provider="c", valid_until="2026-11-25"), entry(provider="d", valid_until="2027-12-01"),
               entry(provider="e", valid_until="2026-12-05")]
    assert expiring(entries, D("2026-11-26"), 30) == [
        {"provider": "b", "valid_until": "2026-12-05"}, {"provider": "e", "valid_until": "2026-12-05"},
        {"provider": "a", "valid_until": "2026-12-20"}]


def row(version: int, assessed_on: str):
    return SimpleNamespace(version=version, assessed_on=assessed_on)


def test_the_version_as_of_a_date_is_the_newest_assessed_on_or_before_it():
    rows = [row(1, "2026-01-10"), row(2, "2026-05-01"), row(3, "2026-05-01"), row(4, "2026-09-30")]
    chosen = {day: getattr(version_as_of(rows, D(day)), "version", None)
              for day in ("2026-01-09", "2026-01-10", "2026-04-30", "2026-05-01", "2026-09-29", "2026-09-30",
                          "2030-01-01")}
    assert chosen == {"2026-01-09": None, "2026-01-10": 1, "2026-04-30": 1, "2026-05-01": 3, "2026-09-29": 3,
                      "2026-09-30": 4, "2030-01-01": 4}
    assert version_as_of([], D("2026-01-01")) is None


# -- canonical bytes and entries made from files ---------------------------------------------------

def test_canonical_bytes_are_the_same_whatever_the_file_layout():
    shuffled = json.dumps(dict(reversed(list(NORDLYS.items()))), indent=None).encode()
    a = entry_from_file("a.json", (SAMPLES / "registry" / "nordlys-cloud.json").read_bytes(), FRAMEWORK)
    b = entry_from_file("b.JSON", shuffled, FRAMEWORK)
    assert canonical(a) == canonical(b)
    assert canonical(a).endswith(b"}\n") and json.loads(canonical(a)) == {**NORDLYS, "answers": {
        k: {"evidence": "", "evidence_quality": "", **v} for k, v in NORDLYS["answers"].items()}}
    assert hashlib.sha256(canonical(a)).hexdigest() == hashlib.sha256(canonical(b)).hexdigest()


def test_a_bid_workbook_becomes_an_entry_with_the_given_fields():
    content = (SAMPLES / "bids" / "b-001.xlsx").read_bytes()
    made = entry_from_file("b-001.xlsx", content, FRAMEWORK, provider="nordlicht", assessor="Assessor X",
                           kind="third-party", assessed_on=D("2026-05-01"), valid_until=D("2027-04-30"))
    assert (made.provider, made.provider_name, made.framework, made.kind, made.assessed_on, made.valid_until) == \
        ("nordlicht", "Nordlicht Cloud GmbH", "eu-csf-2026", "third-party", D("2026-05-01"), D("2027-04-30"))
    assert made.answers["SOV-1.1"].answer == "3"
    assert made.answers["SOV-1.1"].evidence == "See annex SOV-1.1 of the technical offer"
    assert made.answers["SOV-1.1"].evidence_quality == "self_attested"
    named = entry_from_file("b-001.xlsx", content, FRAMEWORK, provider="nordlicht", provider_name="Nordlicht",
                            assessor="X", kind="self", assessed_on=D("2026-05-01"), valid_until=D("2027-04-30"))
    assert named.provider_name == "Nordlicht"


def test_a_bid_file_without_the_entry_fields_is_refused_naming_them():
    content = (SAMPLES / "bids" / "b-001.xlsx").read_bytes()
    with pytest.raises(ConfigurationError) as refused:
        entry_from_file("b-001.xlsx", content, FRAMEWORK, provider="nordlicht", assessor="X")
    assert refused.value.message == "a bid file becomes an entry with kind, assessed_on, valid_until given"


def test_a_file_holding_several_bids_is_refused():
    content = (SAMPLES / "bids" / "iberia-baltic-long.csv").read_bytes()
    with pytest.raises(ConfigurationError, match=r"the file holds 2 bids; a registry entry is one provider's"):
        entry_from_file("iberia-baltic-long.csv", content, FRAMEWORK, provider="x", assessor="X", kind="self",
                        assessed_on=D("2026-05-01"), valid_until=D("2027-04-30"))


def test_a_published_entry_is_registered_as_it_is_and_clashing_options_are_refused():
    content = (SAMPLES / "registry" / "nordlys-cloud.json").read_bytes()
    same = entry_from_file("n.json", content, FRAMEWORK, provider="nordlys-cloud", kind="third-party",
                           assessed_on=D("2026-03-02"))
    assert canonical(same) == canonical(entry())
    with pytest.raises(ConfigurationError) as refused:
        entry_from_file("n.json", content, FRAMEWORK, provider="other", kind="self", assessor=None)
    assert refused.value.message == ("the entry gives provider nordlys-cloud, kind third-party; a published entry "
                                     "is registered as it is (leave out the options)")


# -- history ---------------------------------------------------------------------------------------

def test_answer_changes_name_each_changed_criterion_in_order():
    before = entry()
    after = with_answers(SOV_1_1="1", SOV_2_1="1")
    dropped = entry(answers={k: v for k, v in NORDLYS["answers"].items() if k != "SOV-8.1"})
    assert answer_changes(before, after) == [{"criterion": "SOV-1.1", "before": "4", "after": "1"},
                                             {"criterion": "SOV-2.1", "before": "3", "after": "1"}]
    assert answer_changes(before, dropped) == [{"criterion": "SOV-8.1", "before": "5", "after": None}]
    assert answer_changes(before, entry(assessor="Someone else")) == []


def stored(version: int, item: RegistryEntry):
    return SimpleNamespace(version=version, sha256=f"sha{version}", assessed_on=item.assessed_on.isoformat(),
                           valid_until=item.valid_until.isoformat(), added_by="alice", added_at="2026-11-26T09:00:00Z",
                           source_name=f"v{version}.json", source_sha256=f"src{version}")


def test_history_gives_levels_and_what_changed_between_versions():
    first = entry()
    second = with_answers(SOV_1_1="1", SOV_1_2="1")
    second = RegistryEntry.model_validate({**second.model_dump(mode="json"), "assessed_on": "2026-10-01",
                                           "valid_until": "2027-09-30"})
    steps = history([(stored(1, first), first), (stored(2, second), second)], FRAMEWORK)
    assert [step["version"] for step in steps] == [1, 2]
    assert "answers_changed" not in steps[0]
    assert steps[0]["levels"] == {"SOV-1": 4, "SOV-2": 3, "SOV-3": 3, "SOV-4": 3, "SOV-5": 2, "SOV-6": 3,
                                  "SOV-7": 3, "SOV-8": 3}
    assert steps[1]["levels"] == {**steps[0]["levels"], "SOV-1": 1}
    assert (steps[1]["overall_level"], steps[1]["score"]) == (1, 76.56)
    assert steps[1]["answers_changed"] == [{"criterion": "SOV-1.1", "before": "4", "after": "1"},
                                           {"criterion": "SOV-1.2", "before": "5", "after": "1"}]
    assert steps[1]["levels_changed"] == [{"objective": "SOV-1", "before": 4, "after": 1}]
    assert steps[1]["levels_down"] == ["SOV-1"]
    assert steps[1]["source"] == {"file": "v2.json", "sha256": "src2"}
    up = history([(stored(1, second), second), (stored(2, first), first)], FRAMEWORK)
    assert (up[1]["levels_changed"], up[1]["levels_down"]) == ([{"objective": "SOV-1", "before": 1, "after": 4}], [])
    assert history([], FRAMEWORK) == []
