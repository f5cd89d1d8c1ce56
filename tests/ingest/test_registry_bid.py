"""A registry entry (.json) read as a bid file: valid only as of a named date, answers located in the entry,
hostile files refused as a "file" problem, and a vendor's submitted bid updating its registered answers."""

import datetime as dt
import hashlib
import json

from evaluator.ingest.files import read_bid_contents
from evaluator.ingest.responses import ReadOptions
from evaluator.loading import load_framework
from evaluator.registry import canonical, entry_from_file

from conftest import CSF_PATH, SAMPLES

FRAMEWORK, _ = load_framework(CSF_PATH)
NORDLYS_BYTES = (SAMPLES / "registry" / "nordlys-cloud.json").read_bytes()
NORDLYS = json.loads(NORDLYS_BYTES)
UPDATE = SAMPLES / "registry-update" / "carpathia-edge.csv"


def read(*files: tuple[str, bytes], as_of: str | None = "2026-11-26"):
    options = ReadOptions(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return read_bid_contents(list(files), FRAMEWORK, options)


def problems(bid) -> list[tuple[str, str]]:
    return [(problem.location, problem.message) for problem in bid.errors]


def entry_bytes(**fields) -> bytes:
    return json.dumps({**NORDLYS, **fields}).encode()


def test_a_valid_entry_is_one_valid_bid_citing_the_file_it_came_from():
    bids = read(("registry/nordlys-cloud@1.json", NORDLYS_BYTES))
    [bid] = bids.bids
    assert (bid.bid_id, bid.vendor, bid.invalid) == ("nordlys-cloud", "Nordlys Cloud AS", False)
    cited = bid.registry
    assert (cited.file, cited.sha256, cited.provider, cited.kind, cited.assessed_on, cited.valid_until, cited.as_of,
            cited.updated) == ("registry/nordlys-cloud@1.json", hashlib.sha256(NORDLYS_BYTES).hexdigest(),
                               "nordlys-cloud", "third-party", "2026-03-02", "2027-03-01", "2026-11-26", None)
    assert bids.ranks[0].tolist() == [int(NORDLYS["answers"][c.id]["answer"]) for c in FRAMEWORK.criteria]


def test_validity_as_of_the_first_and_last_day_and_the_days_outside():
    def reading(as_of):
        [bid] = read(("n.json", NORDLYS_BYTES), as_of=as_of).bids
        return problems(bid)
    assert reading("2026-03-02") == [] and reading("2027-03-01") == []
    assert reading("2026-03-01") == [("registry", "the registered assessment of nordlys-cloud by Assessor Nord "
                                                  "(fictitious) assessed on 2026-03-02, after 2026-03-01")]
    assert reading("2027-03-02") == [("registry", "the registered assessment of nordlys-cloud by Assessor Nord "
                                                  "(fictitious) expired on 2027-03-01 (as of 2027-03-02)")]
    assert reading(None) == [("registry", "the registered assessment of nordlys-cloud by Assessor Nord (fictitious) "
                                          "was read without an as-of date (evaluate with --as-of DATE)")]


def test_the_expired_sample_entry_is_an_invalid_bid_saying_when_it_expired():
    [bid] = read(("baltic-compute.json", (SAMPLES / "registry" / "baltic-compute.json").read_bytes())).bids
    assert (bid.bid_id, bid.invalid) == ("baltic-compute", True)
    assert problems(bid) == [("registry", "the registered assessment of baltic-compute by Assessor Nord (fictitious) "
                                          "expired on 2026-08-31 (as of 2026-11-26)")]
    assert bid.registry.as_of == "2026-11-26"


def test_answers_are_located_in_the_entry():
    bad = entry_bytes(answers={**NORDLYS["answers"], "SOV-2.1": {"answer": "9"}})
    [bid] = read(("n.json", bad)).bids
    assert problems(bid) == [("answers.SOV-2.1.answer", "answer '9' is out of range: SOV-2.1 has answers 1 to 3")]
    unknown = entry_bytes(answers={**NORDLYS["answers"], "SOV-99.1": {"answer": "1"}})
    [bid] = read(("n.json", unknown)).bids
    assert problems(bid) == [("answers.SOV-99.1.criterion_id",
                              "criterion 'SOV-99.1' is not in framework eu-csf-2026 version 2026.06")]


def test_oversized_and_malformed_entries_are_invalid_bids_with_a_file_problem():
    big = b" " * (2 * 2**20)
    just_over = NORDLYS_BYTES + b" " * (2**20 + 1 - len(NORDLYS_BYTES))
    found = read(("big.json", big), ("over.json", just_over), ("array.json", b"[1, 2]"),
                 ("extra.json", entry_bytes(extra=1)), ("ok.json", NORDLYS_BYTES)).bids
    assert [(bid.source.file, bid.bid_id, problems(bid)) for bid in found] == [
        ("big.json", None, [("file", "the file is 2.0 MiB; .json bid files may be at most 1 MiB")]),
        ("over.json", None, [("file", "the file is 1.0 MiB; .json bid files may be at most 1 MiB")]),
        ("array.json", None, [("file", "the file must be a YAML mapping of keys to values")]),
        ("extra.json", None, [("file", "extra: Extra inputs are not permitted")]),
        ("ok.json", "nordlys-cloud", [])]


def test_an_entry_of_another_framework_is_refused_naming_it():
    [bid] = read(("p.json", entry_bytes(framework="apc-product-2026"))).bids
    assert problems(bid) == [("framework", "the registry entry answers framework apc-product-2026, not eu-csf-2026")]


def test_exactly_the_limit_is_read():
    padded = NORDLYS_BYTES.rstrip() + b" " * (2**20 - len(NORDLYS_BYTES.rstrip()))
    assert len(padded) == 2**20
    [bid] = read(("n.json", padded)).bids
    assert (bid.bid_id, problems(bid)) == ("nordlys-cloud", [])


def test_a_vendors_submitted_bid_updates_its_registered_answers():
    entry = (SAMPLES / "registry" / "carpathia-edge.json").read_bytes()
    bids = read(("registry/carpathia-edge@1.json", entry), (UPDATE.name, UPDATE.read_bytes()))
    [bid] = bids.bids
    assert (bid.bid_id, bid.source.file, bid.invalid) == ("carpathia-edge", "carpathia-edge.csv", False)
    assert bid.registry.file == "registry/carpathia-edge@1.json"
    assert bid.registry.sha256 == hashlib.sha256(entry).hexdigest()
    assert bid.registry.updated == (("SOV-1.3", "2", "4"), ("SOV-4.4", "2", "3"), ("SOV-6.3", "2", "3"))
    assert bid.registry.as_dict()["updated_answers"] == [
        {"criterion": "SOV-1.3", "registered": "2", "submitted": "4"},
        {"criterion": "SOV-4.4", "registered": "2", "submitted": "3"},
        {"criterion": "SOV-6.3", "registered": "2", "submitted": "3"}]
    assert bids.ranks[0, FRAMEWORK.criterion_index["SOV-1.3"]] == 4


def test_an_update_identical_to_the_entry_changes_nothing():
    entry = (SAMPLES / "registry" / "carpathia-edge.json").read_bytes()
    made = entry_from_file("c.json", entry, FRAMEWORK)
    from evaluator.ingest.registry_bid import entry_csv
    [bid] = read(("registry/carpathia-edge@1.json", entry), ("same.csv", entry_csv(made))).bids
    assert (bid.source.file, bid.registry.updated) == ("same.csv", ())


def test_two_submitted_bids_with_the_entrys_id_are_both_refused_as_reused_ids():
    entry = (SAMPLES / "registry" / "carpathia-edge.json").read_bytes()
    update = UPDATE.read_bytes()
    found = read(("registry/carpathia-edge@1.json", entry), ("a.csv", update), ("b.csv", update)).bids
    assert [bid.source.file for bid in found] == ["registry/carpathia-edge@1.json", "a.csv", "b.csv"]
    assert all(bid.invalid for bid in found)
    assert problems(found[1])[0] == ("bid_id", "bid_id carpathia-edge is also given by a bid in "
                                               "b.csv, registry/carpathia-edge@1.json; a bid_id identifies one bid, so "
                                               "none of them is evaluated until only one remains")


def test_an_update_of_an_expired_entry_cites_it_with_no_changes():
    entry = json.loads((SAMPLES / "registry" / "carpathia-edge.json").read_bytes())
    expired = json.dumps({**entry, "valid_until": "2026-11-25"}).encode()
    [bid] = read(("registry/carpathia-edge@1.json", expired), (UPDATE.name, UPDATE.read_bytes())).bids
    assert (bid.source.file, bid.invalid, bid.registry.valid_until, bid.registry.updated) == \
        ("carpathia-edge.csv", False, "2026-11-25", ())


def test_canonical_bytes_read_back_as_the_same_bid():
    made = entry_from_file("n.json", NORDLYS_BYTES, FRAMEWORK)
    a = read(("n.json", NORDLYS_BYTES))
    b = read(("n.json", canonical(made)))
    assert a.ranks.tolist() == b.ranks.tolist()
    assert a.evidence.tolist() == b.evidence.tolist()
