"""Bidder letters: one per bid, and no bid can take another bid's letter."""

import hashlib
import shutil
import subprocess

import pytest

from evaluator.__main__ import main
from evaluator.pipeline import Request, evaluate_request, run_evaluation

from conftest import CSF_PATH, SAMPLES

BIDS = SAMPLES / "bids"


def letters_for(tmp_path, *inputs) -> dict[str, bytes]:
    out = tmp_path / "out"
    assert main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"), "--letters",
                 "--formats", "json", "--evaluated-at", "2026-11-26T09:00:00Z", "--out", str(out),
                 *map(str, inputs)]) == 0
    return {path.name: path.read_bytes() for path in (out / "letters").iterdir()}


@pytest.fixture
def hostile_csv(tmp_path):
    path = tmp_path / "hostile.csv"
    path.write_text("bid_id,vendor,criterion_id,answer\nB-001,Hostile Vendor Ltd,SOV-1.1,1\n")
    return path


@pytest.mark.parametrize("hostile_first", [False, True])
def test_a_reused_bid_id_never_takes_the_real_bidders_place_or_letter(tmp_path, hostile_csv, hostile_first):
    """Whichever file comes first (a vendor chooses its file name), neither bid holds B-001: both are invalid
    until the officer withdraws one, and each gets a letter of its own, named by its file."""
    honest = letters_for(tmp_path / "honest", BIDS / "b-001.xlsx", BIDS / "b-002.xlsx")
    inputs = [BIDS / "b-001.xlsx", BIDS / "b-002.xlsx"]
    ordered = [hostile_csv, *inputs] if hostile_first else [*inputs, hostile_csv]
    attacked = letters_for(tmp_path / "attacked", *ordered)
    assert sorted(honest) == ["B-001.pdf", "B-002.pdf"]
    assert len(attacked) == 3 and "B-002.pdf" in attacked and "B-001.pdf" not in attacked  # one letter per bid
    real = f"B-001--file-{hashlib.sha256((BIDS / 'b-001.xlsx').read_bytes()).hexdigest()[:12]}.pdf"
    hostile = f"B-001--file-{hashlib.sha256(hostile_csv.read_bytes()).hexdigest()[:12]}.pdf"
    assert {real, hostile} <= set(attacked)
    if shutil.which("pdftotext"):
        def text(content: bytes) -> str:
            done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
            return done.stdout.decode()
        assert "Nordlicht Cloud GmbH" in text(attacked[real]) and "Hostile Vendor" not in text(attacked[real])
        assert "Hostile Vendor" in text(attacked[hostile]) and "also given by a bid in" in text(attacked[hostile])


def test_bid_ids_that_are_not_file_names_cannot_pose_as_one_another(tmp_path):
    wide = tmp_path / "ids.csv"
    wide.write_text("bid_id,vendor,SOV-1.1\na/b,Slash Vendor,1\na:b,Colon Vendor,1\na_b,Real a_b Vendor,1\n")
    letters = letters_for(tmp_path, wide)
    assert "a_b.pdf" in letters and len(letters) == 3  # the plain name belongs to the bid whose id it is
    assert sum(name.startswith("a_b--file-") for name in letters) == 2


def test_a_file_that_names_no_bid_still_gets_a_letter(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("this is not a bid file\n1,2\n")
    letters = letters_for(tmp_path, BIDS / "b-001.xlsx", broken)
    assert len(letters) == 2 and "B-001.pdf" in letters
    assert any(name.startswith("bid--file-") for name in letters)


def panel_request(**changes) -> Request:
    return Request(framework=str(CSF_PATH), inputs=(str(BIDS),), tender=str(SAMPLES / "panel-tender.yaml"),
                   assessments=(str(SAMPLES / "assessments.csv"),), evaluated_at="2026-11-26T09:00:00Z", **changes)


def test_assessments_are_kept_as_inputs_and_reproduce_byte_for_byte(tmp_path):
    request = panel_request(formats=("json", "xlsx"))
    outcome = evaluate_request(request)
    name = str(SAMPLES / "assessments.csv")
    assert outcome.submissions[outcome.inputs[name]] == (SAMPLES / "assessments.csv").read_bytes()
    assert f"--assessments {name} --out results" in request.command()
    for sha, content in outcome.submissions.items():
        (tmp_path / sha).write_bytes(content)
    again = evaluate_request(request, base={name: tmp_path / sha for name, sha in outcome.inputs.items()})
    assert again.files == outcome.files and again.inputs == outcome.inputs


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")
def test_the_report_and_the_letters_show_the_panel(tmp_path):
    outcome = run_evaluation(panel_request(formats=("json", "pdf"), letters=True))

    def text(name: str) -> str:
        done = subprocess.run(["pdftotext", "-", "-"], input=outcome.files[name], capture_output=True, check=True)
        return " ".join(done.stdout.decode().split())
    report = text("report.pdf")
    assert "Moderation: answers the panel assessed differently" in report and "ana, ben (individual)" in report
    assert "cleo (consensus)" in report and "Evaluation panel Chair: cleo" in report
    assert "ben with B-007 (may not assess it)" in report and "overall 0.600" in report
    assert "SOV-2.2: ana 3, ben 4 (open: no consensus recorded)" in report
    assert "Pending: SOV-2.2: ana assessed 3, ben accepted the claimed 4" in report
    letter = text("letters/B-001.pdf")
    assert "Answers the evaluation panel assessed differently" in letter
    assert "5 - The customer alone; the provider cannot read the data" in letter
    assert "support staff can read customer data during incident handling" in letter
    assert "The evaluation of your bid is not finished" in text("letters/B-004.pdf")
    assert "assessed differently" not in text("letters/B-007.pdf")
