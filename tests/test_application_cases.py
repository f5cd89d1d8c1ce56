"""Tender cases: the stored lifecycle through the CLI (every transition and every refusal), the four-eyes
rule through two Desk users, the standstill period, and the evaluation dossier checked with `sha256sum -c`."""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from evaluator.__main__ import main
from evaluator.application import Desk, PermissionDenied, Store, User
from evaluator.errors import ConfigurationError
from evaluator.model.tender import Tender

from conftest import CSF_PATH, ROOT, SAMPLES

BIDS = SAMPLES / "bids"
TENDER = SAMPLES / "tender.yaml"


pytestmark = pytest.mark.usefixtures("private_store")


def cli(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["case", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def refused(capsys, *argv, says: str) -> str:
    status, out, err = cli(capsys, *argv)
    assert status == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err
    return err


def shown(capsys, case_id) -> dict:
    status, out, _ = cli(capsys, "show", case_id, "--format", "json")
    assert status == 0
    return json.loads(out)


def new_case(capsys, tender=TENDER) -> str:
    status, out, _ = cli(capsys, "new", "--framework", CSF_PATH, "--tender", tender, "--name", "Cloud 2026")
    assert status == 0
    return out.splitlines()[-1]


def changed_tender(folder: Path, name="tender.yaml", **changes) -> Path:
    data = yaml.safe_load(TENDER.read_text(encoding="utf-8"))
    path = folder / name
    path.write_text(yaml.safe_dump({**data, **changes}, sort_keys=False), encoding="utf-8")
    return path


def add_user(name: str, *roles: str) -> None:
    Desk(Store(), User.local()).set_user(name, list(roles))


def test_the_whole_lifecycle_through_the_cli(backend, capsys, tmp_path):
    case_id = new_case(capsys)
    assert cli(capsys, "list")[1].split()[:2] == [case_id, "draft"]
    case = shown(capsys, case_id)
    assert {"id", "state", "tender_versions", "bids", "evaluations", "history"} <= set(case)
    assert (case["id"], case["state"], case["name"], len(case["tender_versions"])) == \
        (case_id, "draft", "Cloud 2026", 1)

    # draft: the tender is editable; each version is linked to the previous one
    assert cli(capsys, "set-tender", case_id, changed_tender(tmp_path, standstill_days=14))[0] == 0
    versions = shown(capsys, case_id)["tender_versions"]
    assert versions[1]["previous"] == versions[0]["sha256"] and versions[1]["reason"] is None
    assert not versions[1]["after_opening"]

    # bids received: files added and withdrawn, each with who and when
    assert cli(capsys, "add-bids", case_id, BIDS / "b-001.xlsx", BIDS / "b-002.xlsx", BIDS / "b-007.xlsx")[0] == 0
    withdrawn = hashlib.sha256((BIDS / "b-007.xlsx").read_bytes()).hexdigest()
    status, out, _ = cli(capsys, "remove-bid", case_id, withdrawn[:10])
    assert status == 0 and withdrawn in out
    case = shown(capsys, case_id)
    assert case["state"] == "bids received"
    assert [(bid["file"], bid["current"]) for bid in case["bids"]] == [
        ("b-001.xlsx", True), ("b-002.xlsx", True), ("b-007.xlsx", False)]
    assert case["bids"][2]["withdrawn_by"] == "local" and case["bids"][2]["withdrawn_at"]
    assert all(bid["sha256"] == hashlib.sha256((BIDS / bid["file"]).read_bytes()).hexdigest() for bid in case["bids"])

    # opened: bids fixed, the tender locked unless a reason is given, which is recorded and flagged
    assert cli(capsys, "open", case_id)[0] == 0
    assert shown(capsys, case_id)["state"] == "opened"
    refused(capsys, "set-tender", case_id, changed_tender(tmp_path, "t3.yaml", standstill_days=12), says="reason")
    assert cli(capsys, "set-tender", case_id, tmp_path / "t3.yaml", "--reason", "Corrigendum 2: standstill")[0] == 0
    case = shown(capsys, case_id)
    assert [t["reason"] for t in case["changes_after_opening"]] == ["Corrigendum 2: standstill"]
    assert "CHANGED AFTER OPENING: Corrigendum 2" in cli(capsys, "show", case_id)[1]

    # evaluated: any number of evaluations, each stored and reproducible, with the original file names
    status, out, _ = cli(capsys, "evaluate", case_id, "--out", tmp_path / "first", "--formats", "json")
    assert status == 0, out
    results = json.loads((tmp_path / "first" / "results.json").read_text())
    assert sorted(bid["source"]["file"] for bid in results["bids"]) == ["bids/b-001.xlsx", "bids/b-002.xlsx"]
    assert sorted(path.name for path in (tmp_path / "first" / "letters").iterdir()) == ["B-001.pdf", "B-002.pdf"]
    case = shown(capsys, case_id)
    assert case["state"] == "evaluated" and len(case["evaluations"]) == 1
    assert main(["reproduce", case["evaluations"][0]["id"]]) == 0

    # award decided: never by the officer who ran the evaluation (four-eyes), only once
    refused(capsys, "approve", case_id, says="four-eyes")
    add_user("bob", "officer")
    status, out, _ = cli(capsys, "approve", case_id, "--as", "bob")
    assert status == 0 and "approved by bob" in out
    refused(capsys, "approve", case_id, "--as", "bob", says="approved already")

    # letters issued, with the standstill end: the issue date + the tender's standstill_days (12)
    status, out, _ = cli(capsys, "letters", case_id, "--out", tmp_path / "letters", "--as", "bob")
    case = shown(capsys, case_id)
    issued = case["letters"]["issued_at"][:10]
    assert status == 0 and case["state"] == "letters issued"
    assert case["letters"]["standstill_days"] == 12 and case["letters"]["standstill_end"] in out
    assert case["letters"]["standstill_end"] == (dt.date.fromisoformat(issued) + dt.timedelta(days=12)).isoformat()
    assert sorted(path.name for path in (tmp_path / "letters").iterdir()) == ["B-001.pdf", "B-002.pdf"]

    # the history: who, when, what and any reason, for every step
    history = case["history"]
    assert [entry["what"] for entry in history if entry["what"] != "case refused"] == [
        "case created", "tender version", "bid added", "bid added", "bid added", "bid withdrawn", "case opened",
        "tender version", "case evaluated", "award approved", "letters issued"]
    assert all(entry["who"] and entry["when"] for entry in history)
    assert [entry["reason"] for entry in history if entry["what"] == "tender version"] == [
        None, "Corrigendum 2: standstill"]
    assert [entry["who"] for entry in history if entry["what"] in ("award approved", "letters issued")] == ["bob"] * 2
    assert main(["audit", "verify"]) == 0

    # the dossier
    assert cli(capsys, "export", case_id, "--out", tmp_path / "dossier.zip")[0] == 0
    folder = unzipped(tmp_path / "dossier.zip", tmp_path / "check") / case_id
    assert sha256sum_check(folder).returncode == 0


def unzipped(archive: Path, folder: Path) -> Path:
    with zipfile.ZipFile(archive) as dossier:
        dossier.extractall(folder)
    return folder


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("sha256sum") or "sha256sum", "-c", "MANIFEST.sha256"], cwd=folder,
                          capture_output=True, text=True, check=False)


def test_every_refusal_is_exit_2_with_one_line_and_changes_nothing(capsys, tmp_path):
    refused(capsys, "show", "C2026-9999", says="no such case")
    refused(capsys, "new", "--framework", CSF_PATH, "--tender", tmp_path / "missing.yaml", says="not a regular file")
    case_id = new_case(capsys)
    refused(capsys, "open", case_id, says="no bids received yet")
    refused(capsys, "evaluate", case_id, "--out", tmp_path / "out", says="not opened yet")
    refused(capsys, "set-tender", case_id, TENDER, says="current tender already")
    refused(capsys, "set-tender", case_id, changed_tender(tmp_path, framework="eu-csf-levels"), says="eu-csf-levels")
    refused(capsys, "set-tender", case_id, changed_tender(tmp_path, "bad.yaml", standstill_days=-1),
            says="standstill_days")
    assert cli(capsys, "add-bids", case_id, BIDS / "b-001.xlsx", BIDS / "b-002.xlsx")[0] == 0
    refused(capsys, "add-bids", case_id, BIDS / "b-001.xlsx", says="same content")
    sha_1, sha_2 = (hashlib.sha256((BIDS / name).read_bytes()).hexdigest() for name in ("b-001.xlsx", "b-002.xlsx"))
    common = os.path.commonprefix([sha_1, sha_2])
    refused(capsys, "remove-bid", case_id, common or "zz", says="ambiguous" if common else "not the start")
    refused(capsys, "remove-bid", case_id, next(c for c in "0123456789abcdef" if not sha_1.startswith(c)
                                                and not sha_2.startswith(c)), says="no current bid")
    refused(capsys, "evaluate", case_id, "--out", tmp_path / "out", says="not opened yet")
    refused(capsys, "approve", case_id, says="no evaluation to approve")
    refused(capsys, "letters", case_id, "--out", tmp_path / "letters", says="not approved yet")
    assert cli(capsys, "open", case_id)[0] == 0
    refused(capsys, "open", case_id, says="opened already")
    refused(capsys, "add-bids", case_id, BIDS / "b-007.xlsx", says="can no longer be added")
    refused(capsys, "remove-bid", case_id, sha_1, says="can no longer be withdrawn")
    refused(capsys, "approve", case_id, says="no evaluation to approve")
    refused(capsys, "letters", case_id, "--out", tmp_path / "letters", says="not approved yet")
    refused(capsys, "set-tender", case_id, changed_tender(tmp_path, standstill_days=5), "--reason", " ",
            says="needs a reason")
    refused(capsys, "approve", case_id, "--as", "nobody", says="may not approve an award")

    case = shown(capsys, case_id)
    assert case["state"] == "opened" and len(case["tender_versions"]) == 1
    assert [bid["file"] for bid in case["bids"]] == ["b-001.xlsx", "b-002.xlsx"]
    assert not (tmp_path / "letters").exists() and not (tmp_path / "out").exists()
    refusals = [entry for entry in case["history"] if entry["what"] == "case refused"]
    assert len(refusals) >= 15 and all(entry["reason"] for entry in refusals)
    assert main(["audit", "verify"]) == 0

    # after an evaluation, a tender change (with a reason) asks for a new evaluation before the approval
    assert cli(capsys, "evaluate", case_id, "--out", tmp_path / "out", "--formats", "json")[0] == 0
    assert cli(capsys, "set-tender", case_id, tmp_path / "tender.yaml", "--reason", "Corrigendum 1")[0] == 0
    assert shown(capsys, case_id)["state"] == "opened"
    add_user("bob", "officer")
    refused(capsys, "approve", case_id, "--as", "bob", says="evaluate again first")
    assert cli(capsys, "evaluate", case_id, "--out", tmp_path / "again", "--formats", "json")[0] == 0
    assert cli(capsys, "approve", case_id, "--as", "bob")[0] == 0
    refused(capsys, "set-tender", case_id, changed_tender(tmp_path, "late.yaml", standstill_days=3), "--reason", "x",
            says="award is decided")
    refused(capsys, "evaluate", case_id, "--out", tmp_path / "late", says="can no longer be evaluated")


def clock():
    return "2026-11-26T09:00:00Z"


def desk(name: str, *roles: str) -> Desk:
    return Desk(Store(), User(name, frozenset(roles)), clock)


def opened_case(officer: Desk, tender: bytes | None = None) -> str:
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("tender.yaml", tender or TENDER.read_bytes()))
    officer.add_case_bids(case_id, [(name, (BIDS / name).read_bytes()) for name in ("b-001.xlsx", "b-002.xlsx")])
    officer.open_case(case_id)
    return case_id


def test_four_eyes_the_award_needs_an_officer_who_did_not_run_the_evaluation():
    alice, bob, carol = desk("alice", "officer"), desk("bob", "analyst", "auditor"), desk("carol", "officer")
    case_id = opened_case(alice)
    _, evaluation_id = alice.evaluate_case(case_id, ("json",))
    with pytest.raises(PermissionDenied, match="four-eyes"):
        alice.approve_award(case_id)
    with pytest.raises(PermissionDenied, match="needs the role officer"):
        bob.approve_award(case_id)
    assert alice.case(case_id)["state"] == "evaluated"
    # carol runs the latest evaluation: now she may not approve, and alice may
    _, again = carol.evaluate_case(case_id, ("json",))
    assert again == evaluation_id  # the same settings, inputs and time: the same stored evaluation
    with pytest.raises(PermissionDenied, match="four-eyes"):
        carol.approve_award(case_id)
    assert alice.approve_award(case_id) == evaluation_id
    case = alice.case(case_id)
    assert case["award"] == {"evaluation": evaluation_id, "approved_by": "alice", "approved_at": clock()}
    assert [e["by"] for e in case["evaluations"]] == ["alice", "carol"]
    # an auditor reproduces the case's evaluation byte for byte from the store
    assert all(recorded == reproduced for _, recorded, reproduced in bob.reproduce(evaluation_id))


def test_the_letters_are_rendered_when_issued_and_count_the_standstill_from_that_date(tmp_path):
    """Evaluated and approved on 2026-11-26, issued on 2026-11-30: the letters are dated 2026-11-30 and the
    14-day standstill runs from the day after, to 2026-12-14, the date recorded; copies keep those dates; the
    letters come from the store and render again byte for byte from the stored inputs and the issue time."""
    tender = Tender.model_validate({**yaml.safe_load(TENDER.read_text(encoding="utf-8")), "standstill_days": 14})
    assert Tender.model_validate(yaml.safe_load(TENDER.read_text(encoding="utf-8"))).standstill_days == 10
    with pytest.raises(ValueError, match="standstill_days"):
        Tender.model_validate({"standstill_days": -1})
    alice, carol = desk("alice", "officer"), desk("carol", "officer")
    case_id = opened_case(alice, tender.to_yaml().encode())
    outcome, evaluation_id = alice.evaluate_case(case_id, ("json",))
    carol.approve_award(case_id)
    issuer = Desk(Store(), User("carol", frozenset({"officer"})), lambda: ISSUED_AT)
    letters, end = issuer.issue_letters(case_id, tmp_path / "letters")
    assert end == "2026-12-14" and sorted(letters) == ["letters/B-001.pdf", "letters/B-002.pdf"]
    assert {name: (tmp_path / name).read_bytes() for name in letters} == letters
    shutil.rmtree(tmp_path / "letters")  # the copies come from the store, not from a disk
    later = Desk(Store(), User("carol", frozenset({"officer"})), lambda: "2026-12-02T10:00:00Z")
    again, end_again = later.issue_letters(case_id, tmp_path / "copies")
    assert (again, end_again) == (letters, end)
    assert carol.issued_letters(case_id) == letters  # what the app offers for download
    case = carol.case(case_id)
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in letters.items()}
    assert case["letters"] == {"issued_at": ISSUED_AT, "standstill_days": 14, "standstill_end": "2026-12-14",
                               "files": hashes}
    issued = [entry["detail"] for entry in case["history"] if entry["what"] == "letters issued"]
    assert [(d.get("copy", False), d["issued_at"], d["standstill_end"]) for d in issued] == \
        [(False, ISSUED_AT, "2026-12-14"), (True, ISSUED_AT, "2026-12-14")]
    assert carol._letters_as_issued(evaluation_id, ISSUED_AT) == (letters, 14)  # reproducible
    if shutil.which("pdftotext"):
        text = pdf_words(letters["letters/B-002.pdf"], tmp_path)
        assert "Date of this letter: 30 November 2026" in text and "Draft" not in text
        assert "has ended, on 14 December 2026 (the period runs from the day after the date of this letter, " \
            "30 November 2026)" in text and "at the earliest" not in text
        draft = pdf_words(outcome.files["letters/B-002.pdf"], tmp_path)  # made with the evaluation
        assert "Draft: not issued" in draft and "at the earliest on 10 December 2026" in draft
    assert main(["audit", "verify"]) == 0


ISSUED_AT = "2026-11-30T08:15:00Z"


def pdf_words(pdf: bytes, folder: Path) -> str:
    path = folder / "words.pdf"
    path.write_bytes(pdf)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_the_dossier_holds_every_file_and_a_manifest_sha256sum_checks(tmp_path):
    alice, carol = desk("alice", "officer"), desk("carol", "officer")
    case_id = alice.create_case((CSF_PATH.name, CSF_PATH.read_bytes()), ("tender.yaml", TENDER.read_bytes()))
    alice.add_case_bids(case_id, [(name, (BIDS / name).read_bytes()) for name in ("b-001.xlsx", "b-002.xlsx",
                                                                                  "b-008.xlsx")])
    withdrawn = hashlib.sha256((BIDS / "b-008.xlsx").read_bytes()).hexdigest()
    alice.withdraw_case_bid(case_id, withdrawn)
    alice.open_case(case_id)
    _, evaluation_id = alice.evaluate_case(case_id, ("json",))
    carol.approve_award(case_id)
    carol.issue_letters(case_id, tmp_path / "letters")
    with pytest.raises(PermissionDenied):
        desk("dave", "analyst").export_case(case_id)
    dossier = desk("erin", "auditor").export_case(case_id)
    folder = unzipped(_written(tmp_path / "dossier.zip", dossier), tmp_path / "check") / case_id

    names = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    for bid in ("b-001.xlsx", "b-002.xlsx", "b-008.xlsx"):  # the withdrawn bid too: every submitted file
        content = (BIDS / bid).read_bytes()
        member = f"submissions/{hashlib.sha256(content).hexdigest()}-{bid}"
        assert member in names and (folder / member).read_bytes() == content
    assert f"framework/{hashlib.sha256(CSF_PATH.read_bytes()).hexdigest()}-eu-csf-2026.yaml" in names
    assert any(name.startswith("tender/001-") for name in names)
    assert {f"evaluations/{evaluation_id}/{name}" for name in ("request.json", "inputs.json", "outputs.json",
                                                               "outputs/results.json", "outputs/letters/B-001.pdf")} \
        <= names
    issued = carol.case(case_id)["letters"]["files"]  # the letters as issued, besides the evaluation's drafts
    assert {(folder / "letters" / name.removeprefix("letters/")).read_bytes() for name in issued} == \
        {stored_file(carol, sha) for sha in issued.values()}
    case = json.loads((folder / "case.json").read_text())
    assert case["state"] == "letters issued" and [b["current"] for b in case["bids"]] == [True, True, False]
    assert json.loads((folder / "history.json").read_text()) == case["history"]
    assert "sha256sum -c MANIFEST.sha256" in (folder / "VERIFY.txt").read_text()
    manifest = (folder / "MANIFEST.sha256").read_text().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == sorted(names - {"MANIFEST.sha256"})

    checked = sha256sum_check(folder)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == len(manifest)
    (folder / "case.json").write_text(json.dumps({**case, "state": "draft"}))
    failed = sha256sum_check(folder)
    assert failed.returncode != 0 and "case.json: FAILED" in failed.stdout
    assert carol.case(case_id)["history"][-1]["what"] == "case exported"

    with pytest.raises(ConfigurationError, match="no such case"):
        carol.export_case("C1999-0001")


def stored_file(officer: Desk, sha: str) -> bytes:
    from evaluator.store import records
    from evaluator.store.database import reading
    with reading(officer.store.engine) as connection:
        return records.file_content(connection, sha)


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_a_case_runs_anywhere_and_never_names_a_server_path(capsys, tmp_path):
    case_id = new_case(capsys)
    assert cli(capsys, "add-bids", case_id, BIDS)[0] == 0  # a folder: its files
    assert cli(capsys, "open", case_id)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    assert cli(capsys, "evaluate", case_id, "--out", "out", "--formats", "json")[0] == 0
    document = (elsewhere / "out" / "results.json").read_text()
    assert str(ROOT) not in document and str(tmp_path) not in document and "evaluator-case-" not in document
    assert len(json.loads(document)["bids"]) == len(list(BIDS.iterdir())) + 2  # two CSVs with two bids each


def test_a_tender_change_after_opening_is_flagged_in_the_report_and_reproduced(tmp_path):
    alice = desk("alice", "officer", "auditor")
    case_id = opened_case(alice)
    changed = TENDER.read_bytes() + b"standstill_days: 12\n"
    alice.set_case_tender(case_id, ("tender-v2.yaml", changed), reason="Corrigendum 1: standstill")
    outcome, evaluation_id = alice.evaluate_case(case_id, ("json", "pdf"))
    assert outcome.report_error is None
    assert [dict(change) for change in load_request_of(alice, evaluation_id).tender_changes] == \
        [{"reason": "Corrigendum 1: standstill", "by": "alice", "at": clock()}]
    if shutil.which("pdftotext"):
        report = tmp_path / "report.pdf"
        report.write_bytes(outcome.files["report.pdf"])
        text = " ".join(subprocess.run(["pdftotext", str(report), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "The tender was changed after the bids were opened" in text
        assert f"{clock()}, by alice: Corrigendum 1: standstill" in text
        letter = tmp_path / "letter.pdf"
        letter.write_bytes(outcome.files["letters/B-002.pdf"])
        assert "at the earliest on 8 December 2026" in " ".join(subprocess.run(
            ["pdftotext", str(letter), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert all(recorded == again for _, recorded, again in alice.reproduce(evaluation_id))


def load_request_of(officer: Desk, evaluation_id: str):
    from evaluator.application import load_request
    from evaluator.store import records
    from evaluator.store.database import reading
    with reading(officer.store.engine) as connection:
        return load_request(records.evaluation_row(connection, evaluation_id).request)


def test_the_sample_case_is_made_once_with_the_bundled_bids(capsys):
    """The README's first command runs `case sample` before the app, so a new user opens on a sample case."""
    status, out, _ = cli(capsys, "sample")
    case_id = out.strip().splitlines()[-1]
    assert status == 0 and case_id.startswith("C")
    case = json.loads(cli(capsys, "show", case_id, "--format", "json")[1])
    assert case["state"] == "bids received" and case["name"] == "Sample case"
    assert sorted(bid["file"] for bid in case["bids"]) == sorted(path.name for path in BIDS.iterdir())
    status, out, _ = cli(capsys, "sample")  # never a second one, never touching existing cases
    assert status == 0 and "no sample case was made" in out
    assert len(cli(capsys, "list")[1].strip().splitlines()) == 1


def test_a_combined_tender_case_records_its_capability_framework_and_reproduces(tmp_path):
    """The case runs from any folder (the fixture moves elsewhere): the capability framework the tender names
    is the bundled one, recorded with its SHA-256 in the evaluation's inputs."""
    officer, auditor = desk("alice", "officer"), desk("bob", "auditor")
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("tender-combined.yaml", (SAMPLES / "tender-combined.yaml").read_bytes()))
    officer.add_case_bids(case_id, [(path.name, path.read_bytes()) for path in
                                    [*sorted(BIDS.iterdir()), SAMPLES / "certificates.csv",
                                     SAMPLES / "product" / "capability-wide.csv"]])
    officer.open_case(case_id)
    outcome, evaluation_id = officer.evaluate_case(case_id, ("json",))
    product = ROOT / "frameworks" / "apc-product-2026.yaml"
    assert outcome.inputs["frameworks/apc-product-2026.yaml"] == hashlib.sha256(product.read_bytes()).hexdigest()
    assert len(outcome.document["bids"]) == 8 and "capability" in outcome.document
    assert all(recorded == again for _, recorded, again in auditor.reproduce(evaluation_id))


LETTER = ('{% import "_macros.html.j2" as m with context %}<html><body><p>Dear {{ bid.vendor | vendor }}, from the '
          '{{ version }} template: standstill until {{ letter.standstill_end }}</p></body></html>')


def test_a_tenders_own_letter_template_is_stored_with_the_case_and_used_from_the_store(capsys, tmp_path):
    """`case new` reads the template the tender names beside it, checks and stores it with the version; the
    evaluation and the letters use the stored bytes, whatever happens to the file later."""
    folder = tmp_path / "tender"
    tender = changed_tender(_made(folder), letter_template="letter.html.j2")
    template = folder / "letter.html.j2"
    template.write_text("<p>\n{% if %}</p>")
    refused(capsys, "new", "--framework", CSF_PATH, "--tender", tender, says="error at line 2")
    template.write_text(LETTER.replace("{{ version }}", "first"))
    case_id = new_case(capsys, tender)
    template.write_text(LETTER.replace("{{ version }}", "changed on disk"))
    version = shown(capsys, case_id)["tender_versions"][0]
    sha = hashlib.sha256(LETTER.replace("{{ version }}", "first").encode()).hexdigest()
    assert version["letter_template"] == {"file": "letter.html.j2", "sha256": sha} and version["capability"] is None
    assert f"with letter template letter.html.j2 {sha[:12]}" in cli(capsys, "show", case_id)[1]
    template.unlink()
    with pytest.raises(ConfigurationError, match="not given with it"):
        Desk(Store(), User.local()).create_case((CSF_PATH.name, CSF_PATH.read_bytes()), (tender.name,
                                                                                          tender.read_bytes()))
    assert cli(capsys, "add-bids", case_id, BIDS / "b-001.xlsx", BIDS / "b-002.xlsx")[0] == 0
    assert cli(capsys, "open", case_id)[0] == 0
    status, out, err = cli(capsys, "evaluate", case_id, "--out", tmp_path / "out", "--formats", "json")
    assert status == 0, err
    evaluation_id = shown(capsys, case_id)["evaluations"][0]["id"]
    assert load_inputs_of(evaluation_id)["tender/letter.html.j2"] == sha
    add_user("bob", "officer")
    assert cli(capsys, "approve", case_id, "--as", "bob")[0] == 0
    assert cli(capsys, "letters", case_id, "--out", tmp_path / "letters", "--as", "bob")[0] == 0
    if shutil.which("pdftotext"):
        text = pdf_words((tmp_path / "letters" / "B-002.pdf").read_bytes(), tmp_path)
        assert "from the first template: standstill until" in text and "Draft" not in text
        assert "from the first template" in pdf_words((tmp_path / "out" / "letters" / "B-002.pdf").read_bytes(),
                                                      tmp_path)
    assert cli(capsys, "export", case_id, "--out", tmp_path / "dossier.zip")[0] == 0
    folder = unzipped(tmp_path / "dossier.zip", tmp_path / "check") / case_id
    assert (folder / "tender" / f"001-letter-template-{sha}-letter.html.j2").read_text() == \
        LETTER.replace("{{ version }}", "first")
    assert sha256sum_check(folder).returncode == 0
    status, _, err = cli(capsys, "set-tender", case_id, changed_tender(tmp_path, "t2.yaml", letter_template="x.j2"))
    assert status == 2 and "letter_template is not a file" in err


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_inputs_of(evaluation_id: str) -> dict[str, str]:
    return Desk(Store(), User.local()).files_of(evaluation_id)["input"]


def test_a_combined_tenders_capability_framework_is_frozen_with_the_case(tmp_path, monkeypatch):
    """Stored with the tender version when the case is made: evaluations (and the case's bid list) read the
    stored bytes, never the bundled file again; the dossier holds it."""
    import evaluator.application as application
    officer = desk("alice", "officer")
    product = ROOT / "frameworks" / "apc-product-2026.yaml"
    case_id = officer.create_case((CSF_PATH.name, CSF_PATH.read_bytes()),
                                  ("tender-combined.yaml", (SAMPLES / "tender-combined.yaml").read_bytes()))
    monkeypatch.setattr(application, "REPOSITORY", tmp_path / "no-frameworks-here")  # the bundled file is gone
    sha = hashlib.sha256(product.read_bytes()).hexdigest()
    assert officer.case(case_id)["tender_versions"][0]["capability"] == \
        {"file": "frameworks/apc-product-2026.yaml", "sha256": sha}
    officer.add_case_bids(case_id, [(path.name, path.read_bytes()) for path in
                                    [*sorted(BIDS.iterdir()), SAMPLES / "product" / "capability-wide.csv"]])
    assert len(officer.case_bids(case_id).bids) == len(list(BIDS.iterdir())) + 2  # not the capability answers
    officer.open_case(case_id)
    outcome, evaluation_id = officer.evaluate_case(case_id, ("json",))
    assert outcome.inputs["frameworks/apc-product-2026.yaml"] == sha and "capability" in outcome.document
    folder = unzipped(_written(tmp_path / "dossier.zip", officer.export_case(case_id)), tmp_path / "check") / case_id
    assert (folder / "tender" / f"001-capability-{sha}-frameworks_apc-product-2026.yaml").read_bytes() == \
        product.read_bytes()
    history = officer.case(case_id)["history"]
    assert history[0]["detail"]["tender"]["capability_sha256"] == sha


def test_an_evaluation_where_no_bid_passes_has_no_award_to_approve(tmp_path):
    """Minimum SEAL-4 on every objective: no bid passes, so approving (and letters with a standstill period)
    is refused, and the refusal is in the case's history."""
    alice, carol = desk("alice", "officer"), desk("carol", "officer")
    case_id = opened_case(alice, changed_tender(tmp_path, minimum_level="SEAL-4").read_bytes())
    outcome, _ = alice.evaluate_case(case_id, ("json",))
    assert outcome.document["summary"]["rank_1"] == []
    with pytest.raises(ConfigurationError, match="no bid passed the gate, so there is no award to approve"):
        carol.approve_award(case_id)
    case = carol.case(case_id)
    assert case["state"] == "evaluated" and case["award"] is None
    assert [entry["detail"]["action"] for entry in case["history"] if entry["what"] == "case refused"] == [
        "approve the award"]
