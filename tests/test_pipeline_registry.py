"""Registered assessments reused in evaluations and tender cases: bids citing the stored entry by SHA-256,
expired and unknown providers invalid with their reason, reproduction after the registry moved on, a
vendor's update of its registered answers, and a case's registry bids with their notices."""

import dataclasses
import datetime as dt
import hashlib
import json

import pytest

from evaluator.application import Desk, Store, User
from evaluator.errors import ConfigurationError
from evaluator.loading import load_framework
from evaluator.pipeline import Request, evaluate_request

from conftest import CSF_PATH, SAMPLES

FRAMEWORK, _ = load_framework(CSF_PATH)
REGISTRY = SAMPLES / "registry"
TENDER = SAMPLES / "registry-tender.yaml"
UPDATE = SAMPLES / "registry-update" / "carpathia-edge.csv"
AS_OF = dt.date(2026, 11, 26)
PROVIDERS = ["alpine-sovereign", "baltic-compute", "carpathia-edge", "nobody", "nordlys-cloud"]


pytestmark = pytest.mark.usefixtures("private_store")


def desk(at: str = "2026-11-26T09:00:00Z") -> Desk:
    return Desk(Store(), User("alice", frozenset({"officer", "auditor"})), lambda: at)


def registered() -> Desk:
    officer = desk()
    added, refused = officer.import_entries([(p.name, p.read_bytes()) for p in sorted(REGISTRY.iterdir())],
                                            FRAMEWORK)
    assert (len(added), refused) == (8, [])
    return officer


def newer(provider: str, assessed_on: str, **answers) -> bytes:
    entry = json.loads((REGISTRY / f"{provider}.json").read_bytes())
    return json.dumps({**entry, "assessed_on": assessed_on, "answers": {
        **entry["answers"], **{k: {"answer": v} for k, v in answers.items()}}}).encode()


def request(references, *inputs: str) -> Request:
    return Request(framework=str(CSF_PATH), tender=str(TENDER), inputs=inputs, registry=references,
                   as_of=AS_OF.isoformat(), formats=("json",), evaluated_at="2026-11-26T09:00:00Z")


def by_id(document: dict) -> dict[str, dict]:
    return {bid["bid_id"]: bid for bid in document["bids"]}


def test_bids_from_the_registry_cite_the_stored_entries_and_reproduce_after_a_new_version(backend):
    officer = registered()
    references, entries = officer.registry_bids(PROVIDERS, AS_OF, FRAMEWORK)
    assert references == ("alpine-sovereign@1", "baltic-compute@1", "carpathia-edge@1", "nobody", "nordlys-cloud@1")
    assert sorted(entries) == ["registry/alpine-sovereign@1.json", "registry/baltic-compute@1.json",
                               "registry/carpathia-edge@1.json", "registry/nordlys-cloud@1.json"]
    outcome, evaluation_id = officer.evaluate(request(references), entries=entries)
    bids = by_id(outcome.document)
    assert list(bids) == ["alpine-sovereign", "nordlys-cloud", "carpathia-edge", "baltic-compute", "nobody"]
    for provider in ("alpine-sovereign", "baltic-compute", "carpathia-edge", "nordlys-cloud"):
        name, content = officer.registry_file(provider, 1)
        stored_sha = officer.registry_entry(provider, 1)["sha256"]
        assert hashlib.sha256(content).hexdigest() == stored_sha
        assert bids[provider]["registry"]["sha256"] == stored_sha
        assert bids[provider]["registry"]["entry"] == f"registry/{name}"
        assert bids[provider]["source"] == {"file": f"registry/{name}", "sha256": stored_sha}
        assert bids[provider]["registry"]["as_of"] == "2026-11-26"
    assert bids["baltic-compute"]["errors"] == [{"location": "registry", "message": (
        "the registered assessment of baltic-compute by Assessor Nord (fictitious) expired on 2026-08-31 "
        "(as of 2026-11-26)")}]
    assert bids["nobody"]["errors"] == [{"location": "registry", "message":
                                         "the registry holds no assessment of nobody made on or before 2026-11-26"}]
    assert "registry" not in bids["nobody"]
    assert bids["nobody"]["source"] == {"file": "registry/nobody.json", "sha256": ""}
    assert [(bid, bids[bid]["rank"], bids[bid]["status"]) for bid in bids] == [
        ("alpine-sovereign", 1, "ranked"), ("nordlys-cloud", 2, "ranked"), ("carpathia-edge", 3, "ranked"),
        ("baltic-compute", None, "invalid"), ("nobody", None, "invalid")]
    inputs = officer.files_of(evaluation_id)["input"]
    assert {name: sha for name, sha in inputs.items() if name.startswith("registry/")} == {
        f"registry/{p}@1.json": officer.registry_entry(p, 1)["sha256"]
        for p in ("alpine-sovereign", "baltic-compute", "carpathia-edge", "nordlys-cloud")}
    assert "--from-registry alpine-sovereign@1,baltic-compute@1,carpathia-edge@1,nobody,nordlys-cloud@1 " \
           "--as-of 2026-11-26" in request(references).command()

    officer.register("n2.json", newer("nordlys-cloud", "2026-10-01", **{"SOV-1.1": "1"}), FRAMEWORK)
    officer.register("nobody.json", newer("iberia-nube", "2026-01-01") .replace(b'"iberia-nube"', b'"nobody"'),
                     FRAMEWORK)
    assert officer.registry_bids(PROVIDERS, AS_OF, FRAMEWORK)[0][3:] == ("nobody@1", "nordlys-cloud@2")
    rows = officer.reproduce(evaluation_id)
    assert [name for name, _, _ in rows] == ["results.json"]
    assert all(recorded == again for _, recorded, again in rows)
    assert rows[0][1] == hashlib.sha256(outcome.files["results.json"]).hexdigest()


def test_a_vendors_update_is_evaluated_citing_the_answers_it_changes():
    officer = registered()
    references, entries = officer.registry_bids(["carpathia-edge", "alpine-sovereign"], AS_OF, FRAMEWORK)
    outcome, evaluation_id = officer.evaluate(request(references, str(UPDATE)), entries=entries)
    bids = by_id(outcome.document)
    assert list(bids) == ["alpine-sovereign", "carpathia-edge"]
    carpathia = bids["carpathia-edge"]
    assert carpathia["source"] == {"file": str(UPDATE), "sha256": hashlib.sha256(UPDATE.read_bytes()).hexdigest()}
    assert carpathia["registry"]["sha256"] == officer.registry_entry("carpathia-edge")["sha256"]
    assert carpathia["registry"]["updated_answers"] == [
        {"criterion": "SOV-1.3", "registered": "2", "submitted": "4"},
        {"criterion": "SOV-4.4", "registered": "2", "submitted": "3"},
        {"criterion": "SOV-6.3", "registered": "2", "submitted": "3"}]
    results = json.loads(outcome.files["results.json"])
    assert by_id(results)["carpathia-edge"]["registry"]["updated_answers"] == carpathia["registry"]["updated_answers"]
    assert "updated_answers" not in bids["alpine-sovereign"]["registry"]
    plain, _ = officer.evaluate(request(references), entries=entries)
    assert by_id(plain.document)["carpathia-edge"]["score"] < carpathia["score"]  # the update raised answers
    assert all(a == b for _, a, b in officer.reproduce(evaluation_id))


def test_a_request_naming_an_entry_it_was_not_given_is_refused():
    with pytest.raises(ConfigurationError) as refused:
        evaluate_request(request(("nordlys-cloud@1",)), entries={})
    assert refused.value.message == "the registry holds no entry registry/nordlys-cloud@1.json"
    with pytest.raises(ConfigurationError, match="'26/11/2026' is not a date"):
        evaluate_request(dataclasses.replace(request(("nobody",)), as_of="26/11/2026"))


def test_a_provider_asked_for_twice_is_one_bid():
    officer = registered()
    references, entries = officer.registry_bids(["nordlys-cloud", "NORDLYS-CLOUD"], AS_OF, FRAMEWORK)
    outcome, _ = officer.evaluate(request(references), entries=entries)
    assert [bid["bid_id"] for bid in outcome.document["bids"]] == ["nordlys-cloud"]


# -- tender cases ----------------------------------------------------------------------------------

def new_case(officer: Desk) -> str:
    return officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()), (TENDER.name, TENDER.read_bytes()))


def test_a_case_takes_registry_bids_as_of_one_date_and_notices_changes_and_expiry(backend):
    officer = registered()
    case_id = new_case(officer)
    added = officer.add_case_registry(case_id, ["alpine-sovereign,lusitania-data", "nobody", "baltic-compute"],
                                      AS_OF)
    sha = {p: officer.registry_entry(p)["sha256"] for p in ("alpine-sovereign", "lusitania-data", "baltic-compute")}
    assert added == [
        {"provider": "alpine-sovereign", "version": 1, "file": "alpine-sovereign@1.json", "sha256": sha[
            "alpine-sovereign"], "already": False},
        {"provider": "lusitania-data", "version": 1, "file": "lusitania-data@1.json", "sha256": sha["lusitania-data"],
         "already": False},
        {"provider": "nobody", "version": None},
        {"provider": "baltic-compute", "version": 1, "file": "baltic-compute@1.json", "sha256": sha["baltic-compute"],
         "already": False}]
    case = officer.case(case_id)
    assert case["state"] == "bids received"
    assert [(bid["file"], bid["sha256"]) for bid in case["bids"]] == [
        ("alpine-sovereign@1.json", sha["alpine-sovereign"]), ("lusitania-data@1.json", sha["lusitania-data"]),
        ("baltic-compute@1.json", sha["baltic-compute"])]
    assert case["registry"] == [{"provider": p, "version": v, "as_of": "2026-11-26"} for p, v in (
        ("alpine-sovereign", 1), ("baltic-compute", 1), ("lusitania-data", 1), ("nobody", None))]
    assert case["registry_notices"] == [{"case": case_id, "provider": "baltic-compute", "version": 1, "notice": (
        "the assessment of baltic-compute the case relies on (version 1) expired on 2026-08-31 (as of 2026-11-26)")}]

    with pytest.raises(ConfigurationError) as other_date:
        officer.add_case_registry(case_id, ["iberia-nube"], dt.date(2026, 11, 27))
    assert other_date.value.message == "the case takes its registry bids as of 2026-11-26, not 2026-11-27"
    with pytest.raises(ConfigurationError) as again:
        officer.add_case_registry(case_id, ["Alpine-Sovereign"], AS_OF)
    assert again.value.message == "the case has registry bids of alpine-sovereign already"
    assert len(officer.case(case_id)["registry"]) == 4

    officer.open_case(case_id)
    outcome, evaluation_id = officer.evaluate_case(case_id, formats=("json",))
    bids = by_id(outcome.document)
    assert [(b, bids[b]["source"]["file"], bids[b]["rank"]) for b in bids] == [
        ("alpine-sovereign", "bids/alpine-sovereign@1.json", 1), ("lusitania-data", "bids/lusitania-data@1.json", 2),
        ("baltic-compute", "bids/baltic-compute@1.json", None), ("nobody", "registry/nobody.json", None)]
    assert bids["nobody"]["errors"] == [{"location": "registry", "message":
                                         "the registry holds no assessment of nobody made on or before 2026-11-26"}]
    assert bids["baltic-compute"]["errors"][0]["message"].endswith("expired on 2026-08-31 (as of 2026-11-26)")
    assert bids["alpine-sovereign"]["registry"]["sha256"] == sha["alpine-sovereign"]
    assert all(a == b for _, a, b in officer.reproduce(evaluation_id))

    officer.register("a2.json", newer("alpine-sovereign", "2026-11-20", **{"SOV-1.1": "1"}), FRAMEWORK)
    notices = officer.case(case_id)["registry_notices"]
    assert [n["notice"] for n in notices] == [
        "alpine-sovereign has a newer assessment (version 2, assessed 2026-11-20) than the case relies on (version 1)",
        "the assessment of baltic-compute the case relies on (version 1) expired on 2026-08-31 (as of 2026-11-26)"]
    later = desk("2026-12-11T08:00:00Z").case(case_id)["registry_notices"]
    assert [n["provider"] for n in later] == ["alpine-sovereign", "baltic-compute", "lusitania-data"]
    assert later[2]["notice"] == ("the assessment of lusitania-data the case relies on (version 1) expired on "
                                  "2026-12-10 (as of 2026-12-11)")
    on_last_day = desk("2026-12-10T23:59:59Z").case(case_id)["registry_notices"]  # lusitania's last valid day
    assert [n["provider"] for n in on_last_day] == ["alpine-sovereign", "baltic-compute"]
    watch = officer.registry_monitor(FRAMEWORK, dt.date(2026, 12, 11), 30)
    assert [(n["case"], n["provider"]) for n in watch["case_notices"]] == [
        (case_id, "alpine-sovereign"), (case_id, "baltic-compute"), (case_id, "lusitania-data")]


def test_an_opened_case_takes_no_more_registry_bids():
    officer = registered()
    case_id = new_case(officer)
    officer.add_case_registry(case_id, ["alpine-sovereign"], AS_OF)
    officer.open_case(case_id)
    with pytest.raises(ConfigurationError) as refused:
        officer.add_case_registry(case_id, ["nordlys-cloud"], AS_OF)
    assert refused.value.message == "the case is opened: bids can no longer be added"


def test_the_case_bids_read_registry_entries_as_of_the_cases_date():
    officer = registered()
    case_id = new_case(officer)
    officer.add_case_registry(case_id, ["alpine-sovereign"], AS_OF)
    officer.add_case_bids(case_id, [("baltic.json", (REGISTRY / "baltic-compute.json").read_bytes())])
    alpine, baltic = officer.case_bids(case_id).bids
    assert (alpine.bid_id, alpine.source.file, [p.message for p in alpine.errors]) == (
        "alpine-sovereign", "bids/alpine-sovereign@1.json", [])
    assert alpine.registry.as_of == "2026-11-26"
    assert (baltic.bid_id, [p.message for p in baltic.errors]) == ("baltic-compute", [
        "the registered assessment of baltic-compute by Assessor Nord (fictitious) expired on 2026-08-31 "
        "(as of 2026-11-26)"])


def test_a_provider_given_twice_in_different_case_is_taken_once():
    officer = registered()
    case_id = new_case(officer)
    added = officer.add_case_registry(case_id, ["alpine-sovereign", "ALPINE-SOVEREIGN"], AS_OF)
    assert [(found["provider"], found["version"]) for found in added] == [("alpine-sovereign", 1)]


def test_an_update_giving_the_providers_id_in_another_case_updates_it(tmp_path):
    officer = registered()
    shouted = tmp_path / "carpathia-upper.csv"
    shouted.write_text(UPDATE.read_text().replace("carpathia-edge,", "CARPATHIA-EDGE,"))
    references, entries = officer.registry_bids(["carpathia-edge"], AS_OF, FRAMEWORK)
    outcome, _ = officer.evaluate(request(references, str(shouted)), entries=entries)
    [bid] = outcome.document["bids"]
    assert bid["bid_id"] == "CARPATHIA-EDGE" and bid["source"]["file"] == str(shouted)
    assert [row["criterion"] for row in bid["registry"]["updated_answers"]] == ["SOV-1.3", "SOV-4.4", "SOV-6.3"]


def test_another_providers_file_is_not_registered_under_an_id_without_renaming_it():
    officer = registered()
    given = {"provider": "alpine-sovereign", "assessor": "X", "kind": "self",
             "assessed_on": dt.date(2026, 11, 20), "valid_until": dt.date(2027, 11, 19)}
    with pytest.raises(ConfigurationError) as refused:
        officer.register(UPDATE.name, UPDATE.read_bytes(), FRAMEWORK, **given)
    assert refused.value.message == ("the file names the provider Carpathia Edge S.R.L., but alpine-sovereign is "
                                     "registered as Alpine Sovereign Cloud AG (give the provider's name explicitly "
                                     "to rename it)")
    assert officer.registry_entry("alpine-sovereign")["versions"] == 1
    renamed = officer.register(UPDATE.name, UPDATE.read_bytes(), FRAMEWORK, provider_name="Alpine (renamed)", **given)
    assert renamed["version"] == 2
