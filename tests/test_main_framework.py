"""`python -m evaluator framework derive|diff|effect|publish|versions`: an analyst's framework versions from the
command line, on SQLite and PostgreSQL, and the tender that names a version by its hash."""

import json

import pytest
import yaml

from evaluator.__main__ import main
from evaluator.application import Desk, PermissionDenied, Store, User

from conftest import CSF_PATH, SAMPLES

MINISTRY = "ministry=SOV-1:10,SOV-2:10,SOV-3:30,SOV-4:15,SOV-5:15,SOV-6:5,SOV-7:10,SOV-8:5"
REASON = "Ministry policy 2027: data sovereignty first"


pytestmark = pytest.mark.usefixtures("private_store")


def cli(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["framework", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def derived(capsys, *more) -> str:
    status, out, err = cli(capsys, "derive", "--base", CSF_PATH, "--out", "ministry.yaml", "--name", "ministry-csf",
                           "--version", "2026.06-m1", "--profile", MINISTRY, "--default-profile", "ministry",
                           "--points", "SOV-3.1:2=60", *more, "--reason", REASON)
    assert (status, err) == (0, ""), err
    return out


def test_derive_writes_a_file_that_validates_and_says_what_changed(capsys):
    out = derived(capsys)
    assert out.startswith("Wrote ministry-csf 2026.06-m1 to ministry.yaml (sha256 ")
    assert out.splitlines()[1:] == [
        "  - weight profile ministry: added (SOV-1 10, SOV-2 10, SOV-3 30, SOV-4 15, SOV-5 15, SOV-6 5, SOV-7 10, "
        "SOV-8 5)", "  - default weight profile: v1.2.1 -> ministry", "  - SOV-3.1 answer 2: 50 -> 60 points"]
    assert main(["validate-framework", "ministry.yaml"]) == 0
    data = yaml.safe_load(open("ministry.yaml", encoding="utf-8"))
    assert data["derived_from"]["id"] == "eu-csf-2026" and len(data["changes"]) == 3


@pytest.mark.parametrize(("argument", "says"), [
    (("--profile", "p=SOV-1:50,SOV-2:50"), "error: --profile p: weight profile p gives no weight for SOV-3"),
    (("--profile", "p=SOV-1"), "error: --profile p: 'SOV-1' is not OBJECTIVE:WEIGHT"),
    (("--points", "SOV-3.1:2=x"), "error: --points SOV-3.1:2: 'x' is not a number"),
    (("--points", "SOV-3.1:2=180"), "error: --points SOV-3.1:2: with 180 points, SOV-3.1 would score a better"),
    (("--minimum", "SOV-3=SEAL-7"), "error: --minimum SOV-3: 'SEAL-7' is not a level of the SEAL scale"),
])
def test_derive_refuses_with_the_place_of_the_error_and_writes_nothing(capsys, tmp_path, argument, says):
    status, out, err = cli(capsys, "derive", "--base", CSF_PATH, "--out", "new.yaml", *argument, "--reason", "r")
    assert status == 2 and err.startswith(says) and err.count("\n") == 1, err
    assert not (tmp_path / "new.yaml").exists()


def test_diff_lists_the_changes_per_objective_and_criterion_with_the_reasons(capsys):
    derived(capsys, "--label", "SOV-3=Data sovereignty")
    status, out, _err = cli(capsys, "diff", CSF_PATH, "ministry.yaml")
    assert status == 0 and out.splitlines()[:6] == [
        "eu-csf-2026 2026.06 -> ministry-csf 2026.06-m1",
        "weight profile ministry: added (SOV-1 10, SOV-2 10, SOV-3 30, SOV-4 15, SOV-5 15, SOV-6 5, SOV-7 10, SOV-8 5)",
        "default weight profile: v1.2.1 -> ministry", "SOV-3 Data sovereignty:",
        "  name: 'Data & AI Sovereignty' -> 'Data sovereignty'", "  SOV-3.1: answer 2: 50 -> 60 points"]
    assert f"  - SOV-3.1 answer 2: 50 -> 60 points: {REASON}" in out.splitlines()


def test_effect_on_the_samples_side_by_side(capsys):
    derived(capsys)
    status, out, _err = cli(capsys, "effect", "ministry.yaml", "--format", "json")
    effect = json.loads(out)
    first = effect["bids"][0]
    assert status == 0 and first["bid"] == "B-001" and first["base"]["rank"] == first["new"]["rank"] == 1
    assert effect["settings"]["new"]["weight_source"] == "profile ministry"
    assert effect["settings"]["new"]["weights"]["SOV-3"] == 30.0
    assert set(effect["stability"]) == {f"SOV-{k}" for k in range(1, 9)}
    status, out, _err = cli(capsys, "effect", "ministry.yaml")
    assert "winner: B-001 -> B-001" in out and out.splitlines()[3].startswith("B-001")


def test_publish_then_versions_show_the_lineage(capsys, backend):
    derived(capsys)
    status, out, err = cli(capsys, "publish", "ministry.yaml")
    assert status == 0 and "officers can create cases under it" in out, err
    status, out, _err = cli(capsys, "versions", "--format", "json")
    versions = json.loads(out)
    assert [(v["id"], v["derived"]) for v in versions] == [("eu-csf-2026", False), ("ministry-csf", True)]
    assert versions[1]["previous"] == versions[0]["sha256"] and versions[1]["changes"][0]["reason"] == REASON
    status, out, _err = cli(capsys, "versions")
    assert f"ministry-csf 2026.06-m1  (derived from {versions[0]['sha256'][:12]};" in out


def test_only_an_analyst_publishes_and_a_version_must_name_its_base(capsys, tmp_path):
    derived(capsys)
    Desk(Store(), User.local()).change_user("officer-only", roles=("officer",))
    status, _out, err = cli(capsys, "publish", "ministry.yaml", "--as", "officer-only")
    assert status == 2 and "may not publish a framework version" in err
    with pytest.raises(PermissionDenied):
        Desk(Store(), User("o", frozenset({"officer"}))).publish_framework("m.yaml", b"")
    status, _out, err = cli(capsys, "publish", CSF_PATH)
    assert status == 2 and "it names no base version (derived_from)" in err


def test_a_tender_naming_a_framework_version_by_hash_refuses_any_other(capsys, tmp_path):
    derived(capsys)
    tender = yaml.safe_load((SAMPLES / "tender.yaml").read_text())
    tender.update(framework="ministry-csf", framework_sha256="0" * 64)
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tender))
    capsys.readouterr()
    status = main(["evaluate", "--framework", "ministry.yaml", "--tender", "t.yaml", "--out", "out",
                   str(SAMPLES / "bids")])
    assert status == 2 and "the tender is for the framework version with SHA-256 0000" in capsys.readouterr().err


def test_effect_on_the_registry_as_of_a_date(capsys):
    derived(capsys)
    assert main(["registry", "import", str(SAMPLES / "registry")]) == 0
    status, out, err = cli(capsys, "effect", "ministry.yaml", "--registry", "--as-of", "2026-11-26", "--tender",
                           SAMPLES / "registry-tender.yaml")
    assert status == 0, err
    assert out.splitlines()[3].split() == ["alpine-sovereign", "1", "->", "1", "90.92", "->", "91.99", "SEAL-3", "->",
                                           "SEAL-3", "ranked"]
    assert "winner: alpine-sovereign -> alpine-sovereign" in out
    status, out, err = cli(capsys, "effect", "ministry.yaml", SAMPLES / "bids" / "b-001.xlsx", "--registry")
    assert status == 2 and "give bid files or --registry, not both" in err


def test_publish_refuses_unlisted_changes_and_a_second_file_under_one_version(capsys, tmp_path):
    derived(capsys)
    text = (tmp_path / "ministry.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["score_divisor"] = 500
    (tmp_path / "divisor.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    status, _out, err = cli(capsys, "publish", "divisor.yaml")
    assert status == 2 and "its score divisor, answer format or level scale differs" in err
    (tmp_path / "reworded.yaml").write_text(text.replace(REASON, "another reason"), encoding="utf-8")
    assert cli(capsys, "publish", "ministry.yaml")[0] == 0
    status, out, _err = cli(capsys, "publish", "ministry.yaml")
    assert status == 0 and out.startswith("ministry.yaml is published already")
    status, _out, err = cli(capsys, "publish", "reworded.yaml")
    assert status == 2 and "another file is stored as ministry-csf 2026.06-m1" in err
