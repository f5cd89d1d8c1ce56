"""The registry in the store through Desk: versions linked by SHA-256, refusals (audited, storing nothing),
permissions, history diffs, monitoring, and hostile entry files refused one by one with located reasons."""

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import func, select

from evaluator.application import Desk, PermissionDenied, Store, User
from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.registry import canonical, entry_from_file
from evaluator.store import audit
from evaluator.store import registry as registry_store
from evaluator.store.database import reading
from evaluator.store.schema import files, registry_entries

from conftest import CSF_PATH, ROOT, SAMPLES

FRAMEWORK, _ = load_framework(CSF_PATH)
PRODUCT, _ = load_framework(ROOT / "frameworks" / "apc-product-2026.yaml")
REGISTRY = SAMPLES / "registry"
NORDLYS_BYTES = (REGISTRY / "nordlys-cloud.json").read_bytes()
NORDLYS = json.loads(NORDLYS_BYTES)
AS_OF = dt.date(2026, 11, 26)


pytestmark = pytest.mark.usefixtures("private_store")


def clock():
    return "2026-11-26T09:00:00Z"


def desk(*roles: str, name: str = "alice", at=clock) -> Desk:
    return Desk(Store(), User(name, frozenset(roles)), at)


def changed(**fields) -> bytes:
    answers = fields.pop("answers", {})
    return json.dumps({**NORDLYS, **fields, "answers": {**NORDLYS["answers"], **answers}}).encode()


def canonical_sha(content: bytes) -> str:
    return hashlib.sha256(canonical(entry_from_file("x.json", content, FRAMEWORK))).hexdigest()


def events(event: str) -> list[dict]:
    with reading(Store().engine) as connection:
        return [{"actor": row.actor, **json.loads(row.detail)} for row in audit.entries_of(connection, event)]


def counts() -> tuple[int, int]:
    with reading(Store().engine) as connection:
        return (connection.execute(select(func.count()).select_from(files)).scalar_one(),
                connection.execute(select(func.count()).select_from(registry_entries)).scalar_one())


def test_registering_twice_makes_version_two_linked_to_version_one(backend):
    officer = desk("officer")
    first = officer.register("nordlys-cloud.json", NORDLYS_BYTES, FRAMEWORK)
    v1_sha = canonical_sha(NORDLYS_BYTES)
    assert first == {"provider": "nordlys-cloud", "version": 1, "sha256": v1_sha, "previous": None}
    newer = changed(assessed_on="2026-10-01", valid_until="2027-09-30", answers={"SOV-1.1": {"answer": "1"}})
    second = officer.register("nordlys-2.json", newer, FRAMEWORK)
    assert second == {"provider": "nordlys-cloud", "version": 2, "sha256": canonical_sha(newer), "previous": v1_sha}
    shown = officer.registry_entry("nordlys-cloud")
    assert (shown["version"], shown["versions"], shown["previous"], shown["sha256"]) == (2, 2, v1_sha,
                                                                                          second["sha256"])
    assert shown["source"] == {"file": "nordlys-2.json", "sha256": hashlib.sha256(newer).hexdigest()}
    assert (shown["added_by"], shown["added_at"], shown["assessed_on"]) == ("alice", clock(), "2026-10-01")
    name, content = officer.registry_file("nordlys-cloud", 1)
    assert name == "nordlys-cloud@1.json" and hashlib.sha256(content).hexdigest() == v1_sha
    assert content == canonical(entry_from_file("x.json", NORDLYS_BYTES, FRAMEWORK))
    added = events("registry entry added")
    assert [(e["actor"], e["provider"], e["version"], e["sha256"], e["previous"]) for e in added] == [
        ("alice", "nordlys-cloud", 1, v1_sha, None), ("alice", "nordlys-cloud", 2, second["sha256"], v1_sha)]
    assert added[1]["source"] == {"file": "nordlys-2.json", "sha256": hashlib.sha256(newer).hexdigest()}
    assert (added[1]["assessed_on"], added[1]["valid_until"], added[1]["kind"]) == ("2026-10-01", "2027-09-30",
                                                                                    "third-party")


def test_the_same_content_a_case_variant_of_an_id_and_an_older_assessment_are_refused_and_audited(backend):
    officer = desk("officer")
    officer.register("nordlys-cloud.json", NORDLYS_BYTES, FRAMEWORK)
    v1_sha = canonical_sha(NORDLYS_BYTES)
    before = counts()
    relaid = json.dumps(NORDLYS, indent=None, sort_keys=True).encode()  # other bytes, the same entry
    with pytest.raises(ConfigurationError) as again:
        officer.register("again.json", relaid, FRAMEWORK)
    assert again.value.message == f"this assessment is registered already (version 1, sha256 {v1_sha})"
    with pytest.raises(ConfigurationError) as cased:
        officer.register("cased.json", changed(provider="Nordlys-Cloud", assessed_on="2026-10-01"), FRAMEWORK)
    assert cased.value.message == ("the registry holds this provider as nordlys-cloud; provider ids are matched "
                                   "whatever their case")
    with pytest.raises(ConfigurationError) as older:
        officer.register("older.json", changed(assessed_on="2026-03-01", answers={"SOV-1.1": {"answer": "1"}}),
                         FRAMEWORK)
    assert older.value.message == ("assessed on 2026-03-01, before version 1 (assessed 2026-03-02): versions follow "
                                   "the assessments")
    assert counts() == before
    assert [(e["action"], e["subject"]) for e in events("registry refused")] == [
        ("register", "again.json"), ("register", "cased.json"), ("register", "older.json")]
    assert events("registry refused")[0]["reason"] == f"nordlys-cloud: {again.value.message}"
    same_day = officer.register("same-day.json", changed(answers={"SOV-1.1": {"answer": "1"}}), FRAMEWORK)
    assert same_day["version"] == 2  # assessed the same day as version 1: allowed


def test_an_analyst_reads_the_registry_but_may_not_register():
    desk("officer").register("nordlys-cloud.json", NORDLYS_BYTES, FRAMEWORK)
    for role in ("analyst", "auditor", "evaluator"):
        reader = desk(role, name=f"a-{role}")
        assert reader.registry_entry("nordlys-cloud")["version"] == 1
        assert [row["provider"] for row in reader.registry(FRAMEWORK, AS_OF)] == ["nordlys-cloud"]
        with pytest.raises(PermissionDenied, match=f"a-{role} \\({role}\\) may not manage the registry: that needs "
                                                   "the role officer"):
            reader.register("x.json", changed(assessed_on="2026-10-01", answers={"SOV-1.1": {"answer": "1"}}),
                            FRAMEWORK)
        with pytest.raises(PermissionDenied):
            reader.import_entries([("x.json", NORDLYS_BYTES)], FRAMEWORK)
    with pytest.raises(PermissionDenied, match="may not read the registry"):
        desk("bidder-of-nothing").registry_entry("nordlys-cloud")
    assert [e["action"] for e in events("permission denied")] == ["manage the registry"] * 6 + ["read the registry"]
    assert counts()[1] == 1


def test_a_workbook_registers_and_exports_the_bytes_it_cites(tmp_path):
    officer = desk("officer")
    workbook = (SAMPLES / "bids" / "b-001.xlsx").read_bytes()
    added = officer.register(str(SAMPLES / "bids" / "b-001.xlsx"), workbook, FRAMEWORK, provider="nordlicht",
                             assessor="Assessor X", kind="third-party", assessed_on=dt.date(2026, 5, 1),
                             valid_until=dt.date(2027, 4, 30), provider_name=None)
    made = entry_from_file("b-001.xlsx", workbook, FRAMEWORK, provider="nordlicht", assessor="Assessor X",
                           kind="third-party", assessed_on=dt.date(2026, 5, 1), valid_until=dt.date(2027, 4, 30))
    assert added["sha256"] == hashlib.sha256(canonical(made)).hexdigest()
    assert officer.registry_file("nordlicht") == ("nordlicht@1.json", canonical(made))
    assert officer.registry_entry("nordlicht")["source"] == {"file": "b-001.xlsx",
                                                             "sha256": hashlib.sha256(workbook).hexdigest()}


def test_history_names_the_answers_and_levels_that_changed(backend):
    officer = desk("officer")
    officer.import_entries([(path.name, path.read_bytes()) for path in sorted(REGISTRY.iterdir())], FRAMEWORK)
    down = changed(assessed_on="2026-10-01", valid_until="2027-09-30",
                   answers={"SOV-1.1": {"answer": "1"}, "SOV-1.2": {"answer": "1"}})
    officer.register("nordlys-2.json", down, FRAMEWORK)
    steps = officer.registry_history("nordlys-cloud", FRAMEWORK)
    assert [(s["version"], s["assessed_on"], s["overall_level"]) for s in steps] == [(1, "2026-03-02", 2),
                                                                                     (2, "2026-10-01", 1)]
    survey = {row["provider"]: row for row in officer.registry(FRAMEWORK, dt.date(2026, 9, 1))}
    assert steps[0]["levels"] == survey["nordlys-cloud"]["levels"]
    assert steps[0]["score"] == survey["nordlys-cloud"]["score"]
    assert steps[1]["levels"] == {**steps[0]["levels"], "SOV-1": 1}
    assert steps[1]["score"] == 76.56
    assert steps[1]["answers_changed"] == [{"criterion": "SOV-1.1", "before": "4", "after": "1"},
                                           {"criterion": "SOV-1.2", "before": "5", "after": "1"}]
    assert steps[1]["levels_changed"] == [{"objective": "SOV-1", "before": 4, "after": 1}]
    assert steps[1]["levels_down"] == ["SOV-1"]
    assert [s["sha256"] for s in steps] == [canonical_sha(NORDLYS_BYTES), canonical_sha(down)]
    chart = officer.level_history_chart(steps, FRAMEWORK)
    assert chart.startswith("<svg") and "v2 2026-10-01" in chart

    watch = officer.registry_monitor(FRAMEWORK, AS_OF, 30)
    assert watch["levels_down"] == [{"provider": "nordlys-cloud", "version": 2, "previous_version": 1,
                                     "assessed_on": "2026-10-01", "levels_down": ["SOV-1"],
                                     "levels_changed": [{"objective": "SOV-1", "before": 4, "after": 1}]}]
    assert watch["expiring"] == [{"provider": "lusitania-data", "valid_until": "2026-12-10"}]
    assert officer.registry_monitor(FRAMEWORK, AS_OF, 10)["expiring"] == []
    assert officer.registry_monitor(FRAMEWORK, AS_OF, 14)["expiring"] == []  # still valid on 2026-12-10
    assert officer.registry_monitor(FRAMEWORK, AS_OF, 15)["expiring"] == [
        {"provider": "lusitania-data", "valid_until": "2026-12-10"}]
    assert (watch["as_of"], watch["within_days"], watch["case_notices"]) == ("2026-11-26", 30, [])


def test_the_survey_as_of_a_date_cites_the_version_that_holds_then():
    officer = desk("officer")
    officer.register("v1.json", NORDLYS_BYTES, FRAMEWORK)
    newer = changed(assessed_on="2026-10-01", valid_until="2027-09-30", answers={"SOV-1.1": {"answer": "1"}})
    officer.register("v2.json", newer, FRAMEWORK)

    def cited(day: str):
        [row] = officer.registry(FRAMEWORK, dt.date.fromisoformat(day))
        return row["version"], row["sha256"], row["valid"]
    assert cited("2026-09-30") == (1, canonical_sha(NORDLYS_BYTES), True)
    assert cited("2026-10-01") == (2, canonical_sha(newer), True)
    assert cited("2026-03-01") == (1, canonical_sha(NORDLYS_BYTES), False)  # nothing assessed yet: the first
    refs, entries = officer.registry_bids(["nordlys-cloud"], dt.date(2026, 9, 30), FRAMEWORK)
    assert refs == ("nordlys-cloud@1",)
    assert hashlib.sha256(entries["registry/nordlys-cloud@1.json"]).hexdigest() == canonical_sha(NORDLYS_BYTES)
    assert officer.registry_bids(["NORDLYS-CLOUD", "unknown"], dt.date(2026, 3, 1), FRAMEWORK) == (
        ("NORDLYS-CLOUD", "unknown"), {})  # nothing assessed on or before that date


def hostile_files() -> list[tuple[str, bytes]]:
    return [
        ("not-json.json", b"this is { not json"),
        ("array.json", b"[1, 2, 3]"),
        ("format.json", changed(format="evaluator-registry-entry/2")),
        ("extra.json", changed(extra_key=1)),
        ("control.json", changed(provider_name="Nordlys\x1b[2JCloud")),
        ("nul.json", changed(answers={"SOV-1.1": {"answer": "4", "evidence": "a\x00b"}})),
        ("newline.json", changed(answers={"SOV-1.1": {"answer": "4\n"}})),
        ("traversal.json", changed(provider="../etc")),
        ("dates.json", changed(assessed_on="2026-03-02", valid_until="2026-03-01")),
        ("big.json", b" " * (2 * 2**20)),
        ("range.json", changed(answers={"SOV-2.1": {"answer": "9"}})),
        ("product.json", changed(framework="apc-product-2026")),
        ("entry.csv", NORDLYS_BYTES),
        ("good.json", (REGISTRY / "iberia-nube.json").read_bytes()),
    ]


def test_hostile_entry_files_are_refused_with_located_reasons_and_the_good_one_registered(backend):
    officer = desk("officer")
    before = counts()
    added, refused = officer.import_entries(hostile_files(), FRAMEWORK)
    assert [(a["provider"], a["version"]) for a in added] == [("iberia-nube", 1)]
    assert refused == [
        ("not-json.json", "the file must be a YAML mapping of keys to values"),
        ("array.json", "the file must be a YAML mapping of keys to values"),
        ("format.json", "format: Input should be 'evaluator-registry-entry/1'"),
        ("extra.json", "extra_key: Extra inputs are not permitted"),
        ("control.json", "provider_name: String should match pattern '^[^\\x00-\\x1f\\x7f]*$'"),
        ("nul.json", "answers.SOV-1.1.evidence: String should match pattern '^[^\\x00]*$'"),
        ("newline.json", "answers.SOV-1.1.answer: String should match pattern '^[^\\x00-\\x1f\\x7f]*$'"),
        ("traversal.json", "provider: String should match pattern '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'"),
        ("dates.json", "valid_until 2026-03-01 is before assessed_on 2026-03-02"),
        ("big.json", "the file is 2,097,152 bytes; an entry may be at most 1,048,576"),
        ("range.json", "answers.SOV-2.1.answer: answer '9' is out of range: SOV-2.1 has answers 1 to 3"),
        ("product.json", "the entry answers framework apc-product-2026, not eu-csf-2026"),
        ("entry.csv", "not a registry entry file (.json)")]
    iberia = (REGISTRY / "iberia-nube.json").read_bytes()
    assert counts() == (before[0] + 2, 1)  # the good entry (canonical bytes and its source file) only
    with reading(Store().engine) as connection:
        [row] = registry_store.entry_rows(connection)
    assert (row.provider, row.sha256, row.source_sha256) == ("iberia-nube", canonical_sha(iberia),
                                                             hashlib.sha256(iberia).hexdigest())
    assert [e["subject"] for e in events("registry refused")] == [name for name, _ in refused
                                                                  if name.endswith(".json")]


def test_an_entry_of_another_framework_is_refused_against_this_one():
    officer = desk("officer")
    with pytest.raises(ConfigurationError) as refused:
        officer.register("n.json", NORDLYS_BYTES, PRODUCT)
    assert refused.value.message == "the entry answers framework eu-csf-2026, not apc-product-2026"
    assert counts()[1] == 0


def test_unknown_providers_and_versions_are_named():
    officer = desk("officer")
    officer.register("n.json", NORDLYS_BYTES, FRAMEWORK)
    with pytest.raises(ConfigurationError, match="no provider of this id is registered"):
        officer.registry_entry("nobody")
    with pytest.raises(ConfigurationError) as missing:
        officer.registry_file("nordlys-cloud", 3)
    assert missing.value.message == "has no version 3 (versions 1 to 1)"
    with pytest.raises(ConfigurationError, match="no provider of this id is registered"):
        officer.registry_history("nobody", FRAMEWORK)
    with pytest.raises(ConfigurationError, match=r"'\.\./x' is not a provider id"):
        officer.registry_bids(["../x"], AS_OF, FRAMEWORK)


def product_entry(assessed_on: str) -> bytes:
    return json.dumps({**NORDLYS, "framework": PRODUCT.id, "assessed_on": assessed_on,
                       "answers": {criterion.id: {"answer": "1"} for criterion in PRODUCT.criteria}}).encode()


def test_a_version_for_another_framework_does_not_count_as_levels_gone_down():
    officer = desk("officer")
    officer.register("n.json", NORDLYS_BYTES, FRAMEWORK)
    officer.register("p.json", product_entry("2026-06-01"), PRODUCT)
    assert officer.registry_bids(["nordlys-cloud"], AS_OF, FRAMEWORK)[0] == ("nordlys-cloud@1",)  # filtered here
    assert officer.registry_monitor(FRAMEWORK, AS_OF, 30)["levels_down"] == []
    assert [step["version"] for step in officer.registry_history("nordlys-cloud", FRAMEWORK)] == [1]
