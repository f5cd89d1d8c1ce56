"""The PDF report, the one-page summary and the letters: structure, determinism, fonts and safety."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from conftest import CSF_PATH, ROOT, SAMPLES
from evaluator.report import charts
from evaluator.report.render import ReportError, bundled_asset, render_pdfs
from factories import csv_text, long_rows

EVALUATED_AT = "2026-11-26T09:00:00Z"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")
pytestmark = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed (setup.sh --tests installs it)")


def evaluate_samples(out: Path, *extra: str) -> None:
    """In a new process with an empty store of its own (the report prints the audit chain head)."""
    store = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--tender",
                    str(SAMPLES / "tender.yaml"), "--letters", "--evaluated-at", EVALUATED_AT, *extra,
                    "--out", str(out), str(SAMPLES / "bids")], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "EVALUATOR_DATA": str(store)})


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    evaluate_samples(out)
    return out


def text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


class TestStructure:
    def test_sections_award_and_page_numbers(self, sample_run):
        report = sample_run / "report.pdf"
        pages = int(info(report)["Pages"])
        content = text(report)
        for heading in ("Sovereignty evaluation report", "Contents", "Executive summary", "Evaluation settings",
                        "Gate matrix", "Bids one by one", "Robustness of the award", "Reproducing this evaluation"):
            assert heading in content
        assert "Recommended award: B-001 (Nordlicht Cloud GmbH)" in content
        assert f"page 2 of {pages}" in content and f"page {pages} of {pages}" in content
        assert "SOV-3 Data & AI Sovereignty is at SEAL-1, below the required SEAL-2; capped by SOV-3.4" in content

    def test_table_of_contents_points_at_the_right_pages(self, sample_run):
        report = sample_run / "report.pdf"
        contents = text(report, 1)
        for heading in ("Gate matrix", "Bids one by one", "Reproducing this evaluation"):
            page = int(re.search(rf"{heading}[ .]*(\d+)", contents).group(1))
            assert heading in text(report, page)

    def test_every_number_can_be_traced(self, sample_run):
        report = re.sub(r"\s+", "", text(sample_run / "report.pdf"))
        results = (sample_run / "results.json").read_bytes()
        assert hashlib.sha256(results).hexdigest() in report
        document = json.loads(results)
        assert document["framework"]["sha256"] in report and document["tender"]["sha256"] in report
        for bid in document["bids"]:
            assert bid["source"]["sha256"] in report
        assert f"--evaluated-at{EVALUATED_AT}" in report and "--letters" in report

    def test_metadata(self, sample_run):
        meta = info(sample_run / "report.pdf")
        assert meta["Title"] == "Sovereignty evaluation report: Sovereign cloud services for public administrations (sample)"
        assert meta["Author"] == "Ministry of Digital Affairs (fictitious)"
        assert meta["CreationDate"].endswith("09:00:00 2026 UTC") and "Nov 26" in meta["CreationDate"]
        assert meta["Creator"].startswith("Sovereignty Procurement Evaluator")

    def test_summary_is_one_page(self, sample_run):
        summary = sample_run / "summary.pdf"
        assert info(summary)["Pages"] == "1"
        assert "Recommended award: B-001" in text(summary)


class TestLetters:
    def test_one_letter_per_bidder(self, sample_run):
        assert sorted(p.name for p in (sample_run / "letters").iterdir()) == [f"B-00{n}.pdf" for n in range(1, 9)]

    def test_excluded_bidder_sees_the_gate_and_the_shortfall(self, sample_run):
        letter = " ".join(text(sample_run / "letters" / "B-002.pdf").split())
        assert "was excluded" in letter
        assert "SOV-3 Data & AI Sovereignty is at SEAL-1, below the required SEAL-2; capped by SOV-3.4: 1 level short" \
            in letter

    def test_ranked_bidder_is_compared_with_the_winner(self, sample_run):
        letter = " ".join(text(sample_run / "letters" / "B-003.pdf").split())
        assert "Your bid is ranked 6 of 6" in letter and "The recommended bid, B-001 (Nordlicht Cloud GmbH)" in letter
        assert "Recommended bid's level" in letter

    def test_winner_and_invalid_bidder(self, sample_run):
        assert "ranked first of 6" in " ".join(text(sample_run / "letters" / "B-001.pdf").split())
        invalid = " ".join(text(sample_run / "letters" / "B-008.pdf").split())
        assert "could not be evaluated" in invalid and "Responses!B22" in invalid


def test_same_inputs_give_byte_identical_pdfs(tmp_path, sample_run):
    out = tmp_path / "out"
    evaluate_samples(out)  # a second process, with the same command (the command is printed in the report)
    first = tmp_path / "first"
    shutil.move(out, first)
    evaluate_samples(out)
    for name in ("report.pdf", "summary.pdf", "letters/B-006.pdf", "letters/B-002.pdf"):
        assert (first / name).read_bytes() == (out / name).read_bytes(), name


class TestChinese:
    def test_a_cjk_font_is_embedded(self, sample_run):
        fonts = subprocess.run(["pdffonts", str(sample_run / "report.pdf")], capture_output=True, text=True).stdout
        cjk = [line for line in fonts.splitlines() if "CJK" in line]
        assert cjk and all(" yes yes " in line for line in cjk)

    def test_cjk_vendor_name_renders_as_distinct_glyphs(self, sample_run, tmp_path):
        """Missing glyphs render as identical boxes; real glyphs differ from each other and are not blank."""
        report = sample_run / "report.pdf"
        page = next(p for p in range(1, int(info(report)["Pages"]) + 1) if "华为云" in text(report, p))
        layout = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(report), "-"],
                                capture_output=True, text=True, check=True).stdout
        word = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">华为云</word>', layout)
        box = [float(value) * 300 / 72 for value in word.groups()]  # points to pixels at 300 dpi
        subprocess.run(["pdftoppm", "-r", "300", "-f", str(page), "-l", str(page), "-png", "-singlefile",
                        str(report), str(tmp_path / "page")], check=True)
        image = Image.open(tmp_path / "page.png").convert("L")
        width = (box[2] - box[0]) / 3  # CJK glyphs are full-width: one equal cell each
        glyphs = [image.crop((int(box[0] + i * width), int(box[1]), int(box[0] + (i + 1) * width), int(box[3])))
                  for i in range(3)]
        assert all(glyph.getextrema()[0] < 100 for glyph in glyphs)  # ink on each
        for a, b in ((0, 1), (1, 2), (0, 2)):
            difference = ImageChops.difference(glyphs[a], glyphs[b].resize(glyphs[a].size))
            assert sum(difference.histogram()[64:]) > 50, "two glyphs look the same: boxes, not characters"

    def test_cjk_text_is_marked_as_chinese(self):
        from evaluator.report.pdf_report import vendor_text
        assert vendor_text("华为云 Stack") == '<span lang="zh-Hans">华为云 Stack</span>'
        assert vendor_text("Nordlicht") == "Nordlicht"


class TestSafety:
    def test_vendor_text_cannot_inject_markup(self, tmp_path):
        hostile = '<img src="http://example.invalid/x.png"><b>Bold</b> & <link rel=stylesheet href="file:///etc/passwd">'
        (tmp_path / "bids.csv").write_text(csv_text(long_rows({"B-1": (hostile, {"SOV-1.1": 1})})))
        out = tmp_path / "out"
        subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--formats",
                        "pdf", "--evaluated-at", EVALUATED_AT, "--out", str(out), str(tmp_path / "bids.csv")],
                       check=True, capture_output=True, cwd=ROOT)
        content = " ".join(text(out / "report.pdf").split())
        assert '<img src="http://example.invalid/x.png"><b>Bold</b> &' in content
        assert b"/Image" not in (out / "report.pdf").read_bytes()

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.invalid/x.css", "data:text/css,x",
                                     "asset:../evaluator/__init__.py", "asset:report.css?x"])
    def test_only_bundled_assets_are_served(self, url):
        with pytest.raises(ValueError, match="only use bundled assets"):
            bundled_asset(url)
        assert bundled_asset("asset:report.css")[1] == "text/css"

    def test_documents_cannot_fetch_anything(self):
        pdf, = render_pdfs(['<p>x</p><img src="file:///etc/hostname"><img src="http://example.invalid/a.png">'
                            '<link rel="stylesheet" href="file:///etc/passwd">'])
        assert pdf.startswith(b"%PDF") and b"/Image" not in pdf

    def test_rendering_has_a_time_limit(self):
        heavy = "<table>" + "<tr><td>x</td></tr>" * 20000 + "</table>"
        with pytest.raises(ReportError, match="longer than 0.5 s"):
            render_pdfs([heavy], time_limit=0.5)

    def test_rendering_has_a_memory_limit(self):
        with pytest.raises(ReportError, match="rendering failed"):
            render_pdfs(["<p>x</p>"], memory_limit=64 * 2**20)


def test_charts_are_deterministic_and_escaped():
    first = charts.level_profile(["SOV-1", "<x>"], [2, 3], [2, 4], ["L0", "L1", "L2", "L3", "L4"])
    assert first == charts.level_profile(["SOV-1", "<x>"], [2, 3], [2, 4], ["L0", "L1", "L2", "L3", "L4"])
    assert "&lt;x&gt;" in first and "<x>" not in first
    assert charts.FAIL in first and charts.PASS in first
