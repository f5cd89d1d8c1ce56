"""Bidder letters: one per bid, and no bid can take another bid's letter."""

import shutil
import subprocess

import pytest

from evaluator.__main__ import main

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


def test_a_reused_bid_id_gets_its_own_letter_and_never_replaces_the_real_one(tmp_path, hostile_csv):
    honest = letters_for(tmp_path / "honest", BIDS / "b-001.xlsx", BIDS / "b-002.xlsx")
    attacked = letters_for(tmp_path / "attacked", BIDS / "b-001.xlsx", BIDS / "b-002.xlsx", hostile_csv)
    assert sorted(honest) == ["B-001.pdf", "B-002.pdf"]
    assert len(attacked) == 3  # one letter per bid, always
    assert "B-001.pdf" in attacked and "B-002.pdf" in attacked
    [hostile] = [name for name in attacked if name not in honest]
    assert hostile.startswith("B-001--file-")
    if shutil.which("pdftotext"):
        def text(content: bytes) -> str:
            return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
        assert "Nordlicht Cloud GmbH" in text(attacked["B-001.pdf"])
        assert "Hostile Vendor" not in text(attacked["B-001.pdf"])
        assert "Hostile Vendor" in text(attacked[hostile]) and "already used" in text(attacked[hostile])


def test_a_file_that_names_no_bid_still_gets_a_letter(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("this is not a bid file\n1,2\n")
    letters = letters_for(tmp_path, BIDS / "b-001.xlsx", broken)
    assert len(letters) == 2 and "B-001.pdf" in letters
    assert any(name.startswith("bid--file-") for name in letters)
