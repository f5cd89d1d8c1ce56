import json
import os

from evaluator.__main__ import main

from conftest import ROOT

REGISTRY = str(ROOT / "samples" / "registry")


def survey(capsys, *arguments) -> tuple[int, list, str]:
    status = main(["registry", "list", *arguments])
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else [], err


def test_the_sample_market_survey(capsys):
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", REGISTRY)
    assert (status, err) == (0, "")
    assert [row["provider"] for row in rows][:2] == ["alpine-sovereign", "nordlys-cloud"]
    assert {"provider", "assessor", "valid_until", "valid", "overall_level", "levels", "score"} <= set(rows[0])
    assert [row["provider"] for row in rows if not row["valid"]] == ["baltic-compute"]


def test_minimum_levels_filter_the_survey_and_weights_change_the_score(capsys):
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--min-level", "2", "--min-level", "SOV-5=3", REGISTRY)
    assert [row["provider"] for row in rows] == ["alpine-sovereign", "carpathia-edge"]
    _, weighted, _ = survey(capsys, "--as-of", "2026-11-26", "--weights", "guidance-2026", REGISTRY)
    assert weighted[0]["score"] != 90.92


def test_a_bad_entry_file_is_named_and_the_others_still_listed(capsys, tmp_path):
    (tmp_path / "good.json").write_bytes((ROOT / "samples" / "registry" / "nordlys-cloud.json").read_bytes())
    (tmp_path / "broken.json").write_text('{"format": "evaluator-registry-entry/1", "provider": ')
    os.symlink("/etc/passwd", tmp_path / "link.json")
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", str(tmp_path))
    assert status == 1
    assert [row["provider"] for row in rows] == ["nordlys-cloud"]
    assert "broken.json: line 2: did not find expected node content" in err and "link.json: not a regular file" in err


def test_the_date_is_required_and_checked(capsys):
    assert main(["registry", "list", REGISTRY]) == 2
    assert main(["registry", "list", "--as-of", "26/11/2026", REGISTRY]) == 2
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_control_characters_in_an_entry_cannot_forge_error_lines(capsys, tmp_path):
    forged = {**json.loads((ROOT / "samples" / "registry" / "nordlys-cloud.json").read_text()),
              "x\nerror: alpine-sovereign.json: expired\u001b[2J": 1}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    status, rows, err = survey(capsys, "--as-of", "2026-11-26", str(tmp_path))
    assert (status, rows, err.count("\n")) == (1, [], 1)
    assert "\x1b" not in err and "\\x1b[2J" in err


def test_entries_expiring_within_days(capsys):
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--expiring-within", "60", REGISTRY)
    assert [(row["provider"], row["valid_until"]) for row in rows] == [("iberia-nube", "2027-01-14"),
                                                                       ("lusitania-data", "2026-12-10")]
    _, rows, _ = survey(capsys, "--as-of", "2026-11-26", "--expiring-within", "14", REGISTRY)
    assert [row["provider"] for row in rows] == []


# -- the registry in the store, through the CLI ----------------------------------------------------

import hashlib  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

from evaluator.loading import load_framework  # noqa: E402
from evaluator.registry import canonical, entry_from_file  # noqa: E402

from conftest import CSF_PATH, SAMPLES  # noqa: E402

BIDS = SAMPLES / "bids"


@pytest.fixture
def store_in(tmp_path, monkeypatch):
    """Every store command writes into this test's own data folder, never data/."""
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("EVALUATOR_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def row_sha(rows: list[dict], provider: str) -> str:
    return next(row["sha256"] for row in rows if row["provider"] == provider)


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(word) for word in argv])
    out, err = capsys.readouterr()
    return status, out, err


def add(capsys, bid_file, provider="b-001", assessed_on="2026-05-01", valid_until="2027-04-30", *extra) -> str:
    status, out, err = run(capsys, "registry", "add", "--provider", provider, "--assessor", "Assessor X",
                           "--assessed-on", assessed_on, "--valid-until", valid_until, "--kind", "third-party",
                           *extra, bid_file)
    assert (status, err) == (0, ""), err
    found = re.fullmatch(rf"Registered {provider} version (\d+) \(sha256 ([0-9a-f]{{64}})\)\n", out)
    assert found, out
    return found.group(2)


def test_add_show_history_and_export_a_workbook_assessment(capsys, store_in):
    first = add(capsys, BIDS / "b-001.xlsx")
    second = add(capsys, BIDS / "b-002.xlsx", "b-001", "2026-09-01", "2027-08-31", "--provider-name", "Renamed")
    status, out, _ = run(capsys, "registry", "show", "b-001", "--version", "1")
    shown = json.loads(out)
    assert status == 0
    assert (shown["version"], shown["versions"], shown["sha256"], shown["previous"], shown["kind"]) == (
        1, 2, first, None, "third-party")
    assert shown["source"] == {"file": "b-001.xlsx", "sha256": hashlib.sha256((BIDS / "b-001.xlsx").read_bytes())
                               .hexdigest()}
    assert shown["entry"]["provider_name"] == "Nordlicht Cloud GmbH"
    assert shown["entry"]["answers"]["SOV-1.1"] == {"answer": "3", "evidence": "See annex SOV-1.1 of the technical "
                                                    "offer", "evidence_quality": "self_attested"}
    newest = json.loads(run(capsys, "registry", "show", "b-001")[1])
    assert (newest["version"], newest["sha256"], newest["previous"], newest["entry"]["provider_name"]) == (
        2, second, first, "Renamed")
    status, out, _ = run(capsys, "registry", "history", "b-001")
    steps = json.loads(out)
    assert status == 0 and [(s["version"], s["sha256"], s["assessed_on"]) for s in steps] == [
        (1, first, "2026-05-01"), (2, second, "2026-09-01")]
    assert steps[1]["answers_changed"] and all(set(c) == {"criterion", "before", "after"}
                                               for c in steps[1]["answers_changed"])
    for version, sha in ((1, first), (2, second)):
        target = store_in / f"v{version}.json"
        status, out, _ = run(capsys, "registry", "export", "b-001", "--version", version, "--out", target)
        assert (status, out) == (0, f"Wrote b-001@{version}.json to {target} (sha256 {sha})\n")
        assert hashlib.sha256(target.read_bytes()).hexdigest() == sha
    status, out, err = run(capsys, "registry", "add", "--provider", "b-001", "--assessor", "Assessor X",
                           "--assessed-on", "2026-09-01", "--valid-until", "2027-08-31", "--kind", "third-party",
                           "--provider-name", "Renamed", BIDS / "b-002.xlsx")
    assert (status, out) == (2, "")
    assert err == f"error: b-001: this assessment is registered already (version 2, sha256 {second})\n"


def test_list_from_the_store_filters_by_minimum_level_and_cites_versions(capsys, store_in):
    status, out, err = run(capsys, "registry", "import", REGISTRY)
    assert (status, err, out.count("Registered ")) == (0, "", 8)
    status, out, _ = run(capsys, "registry", "list", "--as-of", "2026-11-26", "--min-level", "SOV-1=3")
    rows = json.loads(out)
    assert [(row["provider"], row["levels"]["SOV-1"], row["valid"], row["version"]) for row in rows] == [
        ("alpine-sovereign", 4, True, 1), ("nordlys-cloud", 4, True, 1), ("iberia-nube", 3, True, 1),
        ("baltic-compute", 3, False, 1), ("lusitania-data", 3, True, 1), ("danubia-cloud", 3, True, 1)]
    for row in rows:
        content = (SAMPLES / "registry" / f"{row['provider']}.json").read_bytes()
        assert row["sha256"] == hashlib.sha256(canonical(entry_from_file(
            "x.json", content, load_framework(CSF_PATH)[0]))).hexdigest()
    _, from_files, _ = survey(capsys, "--as-of", "2026-11-26", "--min-level", "SOV-1=3", REGISTRY)
    assert [{k: v for k, v in row.items() if k not in ("version", "sha256")} for row in rows] == from_files
    status, out, err = run(capsys, "registry", "import", REGISTRY)
    assert (status, out, err.count("\n")) == (1, "", 8)
    alpine = row_sha(rows, "alpine-sovereign")
    assert err.splitlines()[0] == (f"error: {REGISTRY}/alpine-sovereign.json: this assessment is registered already "
                                   f"(version 1, sha256 {alpine})")


def test_evaluate_from_the_registry_prints_why_bids_are_invalid(capsys, store_in):
    assert run(capsys, "registry", "import", REGISTRY)[0] == 0
    status, out, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--tender", SAMPLES / "registry-tender.yaml",
                           "--from-registry", "alpine-sovereign,baltic-compute", "--from-registry", "nobody",
                           "--as-of", "2026-11-26", "--formats", "json", "--evaluated-at", "2026-11-26T09:00:00Z",
                           "--out", store_in / "out")
    assert (status, err) == (0, "")
    assert ("  baltic-compute invalid: registry: the registered assessment of baltic-compute by Assessor Nord "
            "(fictitious) expired on 2026-08-31 (as of 2026-11-26)\n") in out
    assert ("  nobody invalid: registry: the registry holds no assessment of nobody made on or before "
            "2026-11-26\n") in out
    assert "3 bids: 1 ranked, 0 excluded, 2 invalid. Rank 1: alpine-sovereign" in out
    results = json.loads((store_in / "out" / "results.json").read_bytes())
    cited = {bid["bid_id"]: bid.get("registry", {}).get("sha256") for bid in results["bids"]}
    exported = store_in / "alpine.json"
    assert run(capsys, "registry", "export", "alpine-sovereign", "--out", exported)[0] == 0
    assert cited["alpine-sovereign"] == hashlib.sha256(exported.read_bytes()).hexdigest()
    evaluation_id = re.search(r"reproduce it with: python -m evaluator reproduce (\w+)\)", out).group(1)
    status, out, _ = run(capsys, "reproduce", evaluation_id)
    assert status == 0 and out.endswith("1 of 1 outputs reproduced byte for byte.\n") and "DIFFERS" not in out


def test_a_pinned_version_is_read_as_that_version(capsys, store_in):
    add(capsys, BIDS / "b-001.xlsx")
    status, out, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry", "b-001@1",
                           "--as-of", "2027-05-01", "--formats", "json", "--out", store_in / "o")
    assert (status, err) == (0, "")
    assert ("  b-001 invalid: registry: the registered assessment of b-001 by Assessor X expired on 2027-04-30 "
            "(as of 2027-05-01)\n") in out
    status, _, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry", "b-001@7",
                         "--as-of", "2027-05-01", "--formats", "json", "--out", store_in / "o2")
    assert (status, err) == (2, "error: --from-registry: b-001 has no version 7 for eu-csf-2026\n")
    status, _, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry", "b-001@x",
                         "--as-of", "2027-05-01", "--formats", "json", "--out", store_in / "o3")
    assert (status, err) == (2, "error: --from-registry: 'b-001@x' is not a provider id (letters, digits, . _ -), "
                                "or one with a version (provider@3)\n")


def test_evaluate_from_the_registry_needs_an_as_of_date(capsys, store_in):
    status, out, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry", "alpine-sovereign",
                           "--formats", "json", "--out", store_in / "out")
    assert (status, out) == (2, "")
    assert err == "error: --from-registry: needs --as-of DATE: a registered assessment holds for a period\n"
    assert not (store_in / "out").exists()
    status, _, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry", "alpine-sovereign",
                         "--as-of", "2026-13-01", "--formats", "json", "--out", store_in / "out")
    assert (status, err) == (2, "error: --as-of: '2026-13-01' is not a date (YYYY-MM-DD)\n")


def test_case_add_registry_through_the_cli(capsys, store_in):
    assert run(capsys, "registry", "import", REGISTRY)[0] == 0
    status, out, _ = run(capsys, "case", "new", "--framework", CSF_PATH, "--tender", SAMPLES / "registry-tender.yaml")
    case_id = out.splitlines()[-1]
    status, out, err = run(capsys, "case", "add-registry", case_id, "nordlys-cloud", "nobody", "--as-of", "2026-11-26")
    sha = json.loads(run(capsys, "registry", "show", "nordlys-cloud")[1])["sha256"]
    assert (status, err) == (0, "")
    assert out == (f"added {sha}  nordlys-cloud@1.json\n"
                   "no assessment of nobody was made by 2026-11-26: it will be an invalid bid\n")
    status, _, err = run(capsys, "case", "add-registry", case_id, "iberia-nube", "--as-of", "2026-11-27")
    assert (status, err) == (2, f"error: case {case_id}: the case takes its registry bids as of 2026-11-26, "
                                f"not 2026-11-27\n")


def test_case_add_registry_does_not_deny_an_entry_already_among_the_bids(capsys, store_in):
    assert run(capsys, "registry", "import", REGISTRY)[0] == 0
    case_id = run(capsys, "case", "new", "--framework", CSF_PATH, "--tender",
                  SAMPLES / "registry-tender.yaml")[1].splitlines()[-1]
    exported = store_in / "nordlys.json"
    assert run(capsys, "registry", "export", "nordlys-cloud", "--out", exported)[0] == 0
    assert run(capsys, "case", "add-bids", case_id, exported)[0] == 0
    status, out, _ = run(capsys, "case", "add-registry", case_id, "nordlys-cloud", "--as-of", "2026-11-26")
    assert status == 0
    assert "no assessment of nordlys-cloud holds" not in out


def test_an_analyst_may_not_register_through_the_cli(capsys, store_in):
    from evaluator.application import Desk, Store, User
    Desk(Store(), User.local()).set_user("bob", ["analyst"])
    status, out, err = run(capsys, "registry", "add", "--as", "bob", "--provider", "b-001", "--assessor", "X",
                           "--assessed-on", "2026-05-01", "--valid-until", "2027-04-30", BIDS / "b-001.xlsx")
    assert (status, out) == (2, "")
    assert err == "error: bob (analyst) may not manage the registry: that needs the role officer\n"
    assert run(capsys, "registry", "import", "--as", "bob", REGISTRY)[0] == 2
    assert run(capsys, "registry", "list", "--as", "bob", "--as-of", "2026-11-26")[1].strip() == "[]"


def test_a_provider_asked_for_and_pinned_is_evaluated_once(capsys, store_in):
    assert run(capsys, "registry", "import", REGISTRY)[0] == 0
    status, _, err = run(capsys, "evaluate", "--framework", CSF_PATH, "--from-registry",
                         "nordlys-cloud,nordlys-cloud@1", "--as-of", "2026-11-26", "--formats", "json",
                         "--out", store_in / "out")
    assert (status, err) == (0, "")
    results = json.loads((store_in / "out" / "results.json").read_bytes())
    assert [bid["bid_id"] for bid in results["bids"]] == ["nordlys-cloud"]


def test_a_number_of_days_beyond_a_century_is_a_usage_error(capsys, store_in):
    status, out, err = run(capsys, "registry", "monitor", "--as-of", "2026-11-26", "--within", "99999999999")
    assert (status, out) == (2, "")
    assert err == "error: usage: argument --within: '99999999999' is not a number of days from 0 to 36500\n"
