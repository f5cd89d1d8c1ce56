import json

from evaluator.ingest.registry import read_entries, registered_bids
from evaluator.ingest.registry_bid import MAX_ENTRY_BYTES, entry_csv
from evaluator.loading import load_framework
from evaluator.model.registry import RegistryEntry

from conftest import ROOT

FRAMEWORK, _ = load_framework(str(ROOT / "frameworks" / "eu-csf-2026.yaml"))
SAMPLE = json.loads((ROOT / "samples" / "registry" / "nordlys-cloud.json").read_text())


def entry(**answers) -> RegistryEntry:
    return RegistryEntry.model_validate({**SAMPLE, "answers": {**SAMPLE["answers"], **answers}})


def test_a_registered_entry_reads_as_one_valid_bid_of_its_provider():
    bids = registered_bids([entry()], FRAMEWORK)
    [bid] = bids.bids
    assert (bid.bid_id, bid.vendor, bid.invalid, bid.source.file) == (
        "nordlys-cloud", "Nordlys Cloud AS", False, "registry/nordlys-cloud.csv")
    assert bids.ranks[0].tolist() == [int(SAMPLE["answers"][c.id]["answer"]) for c in FRAMEWORK.criteria]


def test_registered_answers_meet_the_bid_readers_checks():
    [bid] = registered_bids([entry(**{"SOV-1.1": {"answer": "9"}})], FRAMEWORK).bids
    assert bid.invalid
    assert any("SOV-1.1" in f"{problem.location} {problem.message}" for problem in bid.errors)


def test_evidence_with_separators_quotes_and_formulas_stays_text():
    evidence = 'Annex "A", line 1\n=HYPERLINK("http://x")'
    content = entry_csv(entry(**{"SOV-1.1": {"answer": "3", "evidence": evidence}}))
    [bid] = registered_bids([entry(**{"SOV-1.1": {"answer": "3", "evidence": evidence}})], FRAMEWORK).bids
    assert not bid.invalid
    assert content.count(b"\n=HYPERLINK") == 1


def test_oversized_entry_files_are_refused_unparsed(tmp_path):
    (tmp_path / "huge.json").write_bytes(b" " * (MAX_ENTRY_BYTES + 1))
    assert read_entries([str(tmp_path)], FRAMEWORK) == ([], [(f"{tmp_path.as_posix()}/huge.json",
                                                    "the file is 1,048,577 bytes; an entry may be at most 1,048,576")])


def test_entries_of_another_framework_or_sharing_a_provider_id_are_refused_naming_each_other(tmp_path):
    for name, changes in (("a.json", {}), ("b.json", {"provider": "Nordlys-Cloud"}),
                          ("c.json", {"provider": "other", "framework": "apc-product-2026"}),
                          ("d.json", {"provider": "fine"})):
        (tmp_path / name).write_text(json.dumps({**SAMPLE, **changes}))
    entries, refused = read_entries([str(tmp_path)], FRAMEWORK)
    folder = tmp_path.as_posix()
    assert [entry.provider for entry in entries] == ["fine"]
    assert refused == [
        (f"{folder}/a.json", f"provider nordlys-cloud is also given by {folder}/b.json; a provider has one current "
                             f"entry, so none of them is listed"),
        (f"{folder}/b.json", f"provider Nordlys-Cloud is also given by {folder}/a.json; a provider has one current "
                             f"entry, so none of them is listed"),
        (f"{folder}/c.json", "the entry answers framework apc-product-2026, not eu-csf-2026")]
