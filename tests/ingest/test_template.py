"""The vendor template: layout, protection, determinism, and round trips through a script and LibreOffice."""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from evaluator.__main__ import main
from evaluator.ingest.files import read_bids
from evaluator.ingest.template import answer_options
from evaluator.pipeline import make_template

from conftest import CSF_PATH, LEVELS_PATH, SAMPLES

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bid-template.xlsx"
    assert main(["template", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"),
                 "--out", str(path)]) == 0
    return path


def fill(template: Path, target: Path, csf, rank_of, bid_id="B-100", vendor="Script Filled GmbH") -> Path:
    """Fill the template as a vendor would, choosing drop-down entries, and save it."""
    book = openpyxl.load_workbook(template)
    bid = book["Bid"]
    values = {"bid_id": bid_id, "vendor": vendor, "service": "Filled Cloud", "price": 5_000_000}
    for row in bid.iter_rows(min_row=1, max_row=bid.max_row):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    responses = book["Responses"]
    header = [cell.value for cell in responses[1]]
    criteria = {c.id: c for c in csf.criteria}
    for row in responses.iter_rows(min_row=2):
        criterion = criteria[row[0].value]
        row[header.index("answer")].value = answer_options(csf, criterion)[rank_of(criterion) - 1]
        row[header.index("evidence")].value = f"Annex {criterion.id}"
        row[header.index("evidence_quality")].value = "contractual"
    book.save(target)
    return target


class TestLayout:
    def test_sheets_and_hidden_sheets(self, template):
        book = openpyxl.load_workbook(template)
        assert book.sheetnames == ["Instructions", "Bid", "Responses", "Options", "Template"]
        assert [book[name].sheet_state for name in book.sheetnames] == ["visible"] * 3 + ["hidden"] * 2
        stamp = {row[0]: row[1] for row in book["Template"].iter_rows(values_only=True)}
        assert stamp["framework_id"] == "eu-csf-2026" and stamp["framework_version"] == "2026.06"
        assert len(stamp["framework_sha256"]) == 64 and stamp["template_version"] == "1"

    def test_instructions_name_the_tender_and_minimums(self, template):
        cells = {row[0]: row[1] for row in openpyxl.load_workbook(template)["Instructions"].iter_rows(values_only=True)}
        assert cells["Name"] == "Sovereign cloud services for public administrations (sample)"
        assert cells["SOV-3 Data & AI Sovereignty"] == "SEAL-2"
        assert cells["third-party certified"].startswith("a certificate from an accredited body")
        assert cells["Tender SHA-256"] == hashlib.sha256((SAMPLES / "tender.yaml").read_bytes()).hexdigest()
        assert cells["Deadline"] == "see the tender documents"  # the sample tender gives none

    def test_responses_rows_dropdowns_and_protection(self, template, csf):
        sheet = openpyxl.load_workbook(template)["Responses"]
        header = [cell.value for cell in sheet[1]]
        assert header[:1] == ["criterion_id"] and {"answer", "evidence", "evidence_quality", "notes"} <= set(header)
        assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == \
            [c.id for c in csf.criteria_in_objective_order]
        assert sheet.freeze_panes == "B2" and sheet.protection.sheet
        answer = header.index("answer")
        assert sheet.cell(2, answer + 1).protection.locked is False  # input cells are editable …
        assert sheet.cell(2, 1).protection.locked is not False  # … the rest is not
        rules = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
        assert rules["E2"] == "Options!$B$1:$E$1"  # SOV-1.1 has four answers
        assert '"self-attested,contractual,third-party certified,independently audited"' in rules.values()

    def test_option_texts_start_with_the_rank(self, csf):
        assert answer_options(csf, csf.criteria[0])[2] == "3 - Mainly inside the EU/EEA"

    def test_same_inputs_same_bytes(self):
        assert make_template(str(CSF_PATH), str(SAMPLES / "tender.yaml")) == \
            make_template(str(CSF_PATH), str(SAMPLES / "tender.yaml"))

    def test_empty_template_is_invalid_with_a_reason(self, template, csf):
        bids = read_bids([str(template)], csf)
        assert [p.message for p in bids.bids[0].errors] == ["bid_id is missing"]


def test_the_stamp_and_instructions_carry_the_tenders_hash_and_deadline(tmp_path):
    tender = tmp_path / "tender.yaml"
    tender.write_bytes((SAMPLES / "tender.yaml").read_bytes() + b'deadline: "2026-12-15 12:00 CET"\n')
    content = make_template(str(CSF_PATH), str(tender))
    (tmp_path / "t.xlsx").write_bytes(content)
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    stamp = {row[0]: row[1] for row in book["Template"].iter_rows(values_only=True)}
    sha = hashlib.sha256(tender.read_bytes()).hexdigest()
    assert stamp["tender_sha256"] == sha and stamp["tender_deadline"] == "2026-12-15 12:00 CET"
    cells = {row[0]: row[1] for row in book["Instructions"].iter_rows(values_only=True)}
    assert cells["Deadline"] == "2026-12-15 12:00 CET" and cells["Tender SHA-256"] == sha
    assert content == make_template(str(CSF_PATH), str(tender))  # byte-identical across runs


class TestRoundTrip:
    def test_filled_by_a_script(self, template, csf, tmp_path):
        filled = fill(template, tmp_path / "filled.xlsx", csf, lambda c: len(c.answers))
        bids = read_bids([str(filled)], csf)
        assert bids.bids[0].errors == () and bids.bids[0].price == 5_000_000
        assert bids.ranks[0].tolist() == [len(c.answers) for c in csf.criteria_in_objective_order]
        assert bids.evidence[0, 0] == "Annex SOV-1.1" and (bids.evidence_quality[0] == 2).all()

    @pytest.mark.parametrize(("given", "code"), [("self-attested", 1), ("Third-party certified", 3),
                                                 ("independently audited", 4), ("third_party_certified", 3),
                                                 ("contractual", 2), ("", 0)])
    def test_evidence_quality_words_and_codes_are_read(self, template, csf, tmp_path, given, code):
        filled = fill(template, tmp_path / "filled.xlsx", csf, lambda c: 1)
        book = openpyxl.load_workbook(filled)
        sheet = book["Responses"]
        column = [cell.value for cell in sheet[1]].index("evidence_quality") + 1
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row, column).value = given or None
        book.save(filled)
        bids = read_bids([str(filled)], csf)
        assert bids.bids[0].errors == () and (bids.evidence_quality[0] == code).all()

    def test_drop_downs_are_not_a_control(self, template, csf, tmp_path):
        filled = fill(template, tmp_path / "filled.xlsx", csf, lambda c: 1)
        book = openpyxl.load_workbook(filled)
        book["Responses"]["E4"] = "9 - made up"
        book.save(filled)
        errors = read_bids([str(filled)], csf).bids[0].errors
        assert [(e.location, e.message) for e in errors] == \
            [("Responses!E4", "answer '9 - made up' is out of range: SOV-1.3 has answers 1 to 4")]

    @needs_libreoffice
    def test_saved_again_by_libreoffice_evaluates_the_same(self, template, csf, tmp_path):
        filled = fill(template, tmp_path / "filled.xlsx", csf, lambda c: max(1, len(c.answers) - 1))
        resaved = tmp_path / "libreoffice"
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(resaved), str(filled)],
                       check=True, capture_output=True, timeout=180)
        results = []
        for path in (filled, resaved / "filled.xlsx"):
            out = tmp_path / path.parent.name / "out"
            assert main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"),
                         "--out", str(out), str(path)]) == 0
            bid = json.loads((out / "results.json").read_text())["bids"][0]
            results.append({key: bid[key] for key in ("status", "errors", "objectives", "score", "total")})
        assert results[0]["errors"] == [] and results[0] == results[1]

    @needs_libreoffice
    def test_template_prints_on_four_pages(self, template, tmp_path):
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(template)],
                       check=True, capture_output=True, timeout=180)
        info = subprocess.run(["pdfinfo", str(tmp_path / "bid-template.pdf")], capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == "4"  # instructions, bid, responses on two


class TestWrongTemplate:
    def test_template_of_another_framework_is_refused(self, csf, tmp_path):
        other = tmp_path / "levels.xlsx"
        assert main(["template", "--framework", str(LEVELS_PATH), "--out", str(other)]) == 0
        errors = read_bids([str(other)], csf).bids[0].errors
        assert any(e.location == "Template!B1" and "template for eu-csf-levels version 2026.06" in e.message
                   and "uses eu-csf-2026 version 2026.06" in e.message for e in errors)

    def test_template_of_another_version_is_refused(self, csf, template, tmp_path):
        old = tmp_path / "eu-csf-2025.yaml"
        old.write_text(CSF_PATH.read_text().replace("version: '2026.06'", "version: '2025.10'", 1))
        old_template = tmp_path / "old.xlsx"
        assert main(["template", "--framework", str(old), "--out", str(old_template)]) == 0
        filled = fill(old_template, tmp_path / "old-filled.xlsx", csf, lambda c: 1)
        errors = read_bids([str(filled)], csf).bids[0].errors
        assert [e.message for e in errors] == [
            "this workbook was made from the template for eu-csf-2026 version 2025.10, but the evaluation uses "
            "eu-csf-2026 version 2026.06; fill in the current template"]

    def test_levels_template_round_trip(self, csf_levels, tmp_path):
        path = tmp_path / "levels.xlsx"
        assert main(["template", "--framework", str(LEVELS_PATH), "--out", str(path)]) == 0
        filled = fill(path, tmp_path / "levels-filled.xlsx", csf_levels, lambda c: 3)
        bids = read_bids([str(filled)], csf_levels)
        assert bids.bids[0].errors == () and bids.ranks[0].tolist() == [3] * 8
