"""The PDF report, the one-page summary and the letters: structure, determinism, fonts and safety."""

import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import select

from evaluator.report import charts
from evaluator.report.render import ReportError, bundled_asset, render_pdfs
from evaluator.store.schema import audit_log

from conftest import CSF_PATH, ROOT, SAMPLES
from factories import csv_text, long_rows

EVALUATED_AT = "2026-11-26T09:00:00Z"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed (setup.sh --tests installs it)")


def evaluate_samples(out: Path, *extra: str) -> Path:
    """In a new process with an empty store of its own (the report prints the audit chain head); returns the
    store's folder."""
    store = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--tender",
                    str(SAMPLES / "tender.yaml"), "--letters", "--evaluated-at", EVALUATED_AT, *extra,
                    "--out", str(out), str(SAMPLES / "bids")], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "EVALUATOR_DATA": str(store)})
    return store


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


@needs_poppler
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
        assert meta["Title"] == ("Sovereignty evaluation report: Sovereign cloud services for public administrations "
                                 "(sample)")
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

    @needs_poppler
    def test_excluded_bidder_sees_the_gate_and_the_shortfall(self, sample_run):
        letter = " ".join(text(sample_run / "letters" / "B-002.pdf").split())
        assert "was excluded" in letter
        assert "SOV-3 Data & AI Sovereignty is at SEAL-1, below the required SEAL-2; capped by SOV-3.4: 1 level short" \
            in letter

    @needs_poppler
    def test_ranked_bidder_is_compared_with_the_winner(self, sample_run):
        letter = " ".join(text(sample_run / "letters" / "B-003.pdf").split())
        assert "Your bid is ranked 6 of 6" in letter and "The recommended bid, B-001 (Nordlicht Cloud GmbH)" in letter
        assert "Recommended bid's level" in letter

    @needs_poppler
    def test_winner_and_invalid_bidder(self, sample_run):
        assert "ranked first of 6" in " ".join(text(sample_run / "letters" / "B-001.pdf").split())
        invalid = " ".join(text(sample_run / "letters" / "B-008.pdf").split())
        assert "could not be evaluated" in invalid and "Responses!B22" in invalid


def test_the_printed_command_gives_byte_identical_pdfs(tmp_path):
    """Each report names its own evaluation's audit entry, recorded at the time it was made; the command the
    report prints carries that entry (--audit-head), and gives the same bytes in another process and store."""
    out, first = tmp_path / "out", tmp_path / "first"
    store = evaluate_samples(out)
    shutil.move(out, first)  # the printed command names its output folder
    with sqlite3.connect(store / "evaluator.db") as connection:
        (digest,) = connection.execute("SELECT hash FROM audit_log WHERE seq = 1").fetchone()
    evaluate_samples(out, "--audit-head", f"1 {digest}")
    for name in ("report.pdf", "summary.pdf", "letters/B-006.pdf", "letters/B-002.pdf"):
        assert (first / name).read_bytes() == (out / name).read_bytes(), name


class TestChinese:
    @needs_poppler
    def test_a_cjk_font_is_embedded(self, sample_run):
        fonts = subprocess.run(["pdffonts", str(sample_run / "report.pdf")], capture_output=True, text=True).stdout
        cjk = [line for line in fonts.splitlines() if "CJK" in line]
        assert cjk and all(" yes yes " in line for line in cjk)

    @needs_poppler
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
    @needs_poppler
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
        with pytest.raises(ReportError, match="rendering failed: it needed more memory than its limit of 64 MiB"):
            render_pdfs(["<p>x</p>"], memory_limit=64 * 2**20)

    def test_running_out_of_memory_while_rendering_is_named(self):
        """Past its import, the child runs out of memory in the layout: it says so (it used to die with
        "lost sys.stderr", or in whichever native library failed first)."""
        heavy = "<table>" + "<tr><td>x</td><td>y</td></tr>" * 20000 + "</table>"
        with pytest.raises(ReportError, match="needed more memory than its limit of 400 MiB"):
            render_pdfs([heavy], memory_limit=400 * 2**20)


def test_charts_are_deterministic_and_escaped():
    first = charts.level_profile(["SOV-1", "<x>"], [2, 3], [2, 4], ["L0", "L1", "L2", "L3", "L4"])
    assert first == charts.level_profile(["SOV-1", "<x>"], [2, 3], [2, 4], ["L0", "L1", "L2", "L3", "L4"])
    assert "&lt;x&gt;" in first and "<x>" not in first
    assert charts.FAIL in first and charts.PASS in first


def test_level_history_draws_a_line_per_objective_across_versions():
    from defusedxml.ElementTree import fromstring

    versions = [("v1 2026-01-10", [0, 4, 2]), ("v2 2026-05-05", [1, None, 2]), ("v3 <b>", [2, 3, None])]
    svg = charts.level_history(["SOV-1", "SOV-2", "<x>"], versions)
    assert svg == charts.level_history(["SOV-1", "SOV-2", "<x>"], [(label, list(levels)) for label, levels in versions])
    assert "&lt;x&gt;" in svg and "&lt;b&gt;" in svg and "<x>" not in svg and "<b>" not in svg
    root = fromstring(svg)
    assert float(root.get("width")) >= 100 and float(root.get("height")) >= 100
    ns = "{http://www.w3.org/2000/svg}"
    lines = {line.get("data-objective"): [tuple(map(float, point.split(","))) for point in line.get("points").split()]
             for line in root.iter(f"{ns}polyline")}
    # SOV-1 rises through all three versions; SOV-2's gap at v2 leaves no segment; <x> joins v1 and v2 only
    assert set(lines) == {"SOV-1", "<x>"}
    rising = lines["SOV-1"]
    assert len(rising) == 3 and rising[0][0] < rising[1][0] < rising[2][0]
    assert rising[0][1] > rising[1][1] > rising[2][1]  # higher level, higher on the page (smaller y)
    assert len(lines["<x>"]) == 2 and lines["<x>"][0][1] == lines["<x>"][1][1]
    assert len(list(root.iter(f"{ns}circle"))) == 7  # a dot per level given, none for a gap
    # the axis runs 0..4: SOV-2's level 4 sits a full plot height above SOV-1's level 0 (less the 1.2 px dodge)
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{ns}circle")]
    top, bottom = dots[3], dots[0]
    assert top[0] == bottom[0] and bottom[1] - top[1] == pytest.approx(120 - 1.2, abs=0.15)
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert labels[:5] == ["0", "1", "2", "3", "4"] and "v1 2026-01-10" in labels and "v3 <b>" in labels
    coded = charts.level_history(["SOV-1"], [("v1", [3])], ["SEAL-0", "SEAL-1", "SEAL-2", "SEAL-3", "SEAL-4"])
    assert "SEAL-4" in coded and "<polyline" not in coded and "<circle" in coded
    with pytest.raises(ValueError, match="gives 1 levels for 3 objectives"):
        charts.level_history(["SOV-1", "SOV-2", "<x>"], [("v1", [1])])


# -- a large tender: full sections up to the tender's limit, one line each for the other bids --------------

def many_bids(path: Path, count: int) -> None:
    """`count` bids in one long CSV: most reach every minimum, every seventh falls below one (excluded), and the
    last answers out of range (invalid). Seeded, so each run reads the same bids."""
    from evaluator.loading import load_framework

    criteria = load_framework(CSF_PATH)[0].criteria_in_objective_order
    rng = random.Random(20261126)
    rows = [["bid_id", "vendor", "criterion_id", "answer", "price"]]
    for n in range(count):
        price = rng.randrange(4_000_000, 12_000_000)
        for index, criterion in enumerate(criteria):
            low = [a.rank for a in criterion.answers if a.level < 2]
            answer = rng.choice([a.rank for a in criterion.answers if a.level >= 2])
            if n % 7 == 3 and low and index == n % len(criteria):
                answer = low[0]
            rows.append([f"B-{n:04d}", f"Vendor {n}", criterion.id, 99 if n == count - 1 and index == 0 else answer,
                         price])
    path.write_text(csv_text(rows))


def tender_with(folder: Path, report: str = "") -> Path:
    path = folder / "tender.yaml"
    path.write_text((SAMPLES / "tender.yaml").read_text() + report)
    return path


@pytest.fixture(scope="module")
def large_tender(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    many_bids(folder / "bids.csv", 300)
    return folder


def report_of(folder: Path, tender: Path) -> tuple[str, dict]:
    """The report's HTML and the results document."""
    from evaluator.pipeline import Request, evaluate_request
    from evaluator.report.pdf_report import ReportInfo, report_html

    outcome = evaluate_request(Request(framework=str(CSF_PATH), tender=str(tender), inputs=(str(folder / "bids.csv"),),
                                       formats=("json",)))
    info = ReportInfo(evaluated_at=EVALUATED_AT, command="python -m evaluator evaluate …", results_sha256="0" * 64,
                      software_version="test", inputs=(), framework_file=str(CSF_PATH), tender_file=str(tender))
    return report_html(outcome.document, outcome.evaluation, info), outcome.document


class TestLargeTender:
    def test_full_sections_stop_at_the_tenders_limit(self, large_tender, tmp_path):
        html, document = report_of(large_tender, tender_with(tmp_path, "report:\n  full_sections: 10\n"))
        assert html.count('<div class="bid" id="bid-') == 10
        assert re.findall(r'<div class="bid" id="bid-(\d+)"', html) == [str(n) for n in range(1, 11)]
        compact = html[html.index('<table class="compact"'):]
        compact = compact[:compact.index("</table>")]
        assert len(re.findall(r"<tr(?: class=\"alt\")?><td>", compact)) == 290  # every other bid, one line each
        not_ranked = [bid for bid in document["bids"] if bid["status"] != "ranked"]
        assert len(not_ranked) > 20 and document["summary"]["ranked"] > 10
        assert compact.count('<tr class="why') == len(not_ranked)  # their reasons, or the invalid file's errors
        assert "answer &#39;99&#39; is out of range" in compact or "answer '99' is out of range" in compact
        assert "(tender setting report.full_sections: 10)" in html
        assert html.count("<tr><td><a href=\"#bid-") == 10  # the gate matrix: the bids shown in full

    def test_the_default_limit_is_25(self, large_tender, tmp_path):
        html, _ = report_of(large_tender, tender_with(tmp_path))
        assert html.count('<div class="bid" id="bid-') == 25 and "report.full_sections: 25" in html

    def test_no_full_sections_at_all(self, large_tender, tmp_path):
        html, _ = report_of(large_tender, tender_with(tmp_path, "report:\n  full_sections: 0\n"))
        assert '<div class="bid"' not in html and not re.search(r"<tbody>\s*</tbody>", html)  # no empty tables
        compact = html[html.index('<table class="compact"'):]
        assert len(re.findall(r"<tr(?: class=\"alt\")?><td>", compact[:compact.index("</table>")])) == 300

    def test_a_small_tender_has_no_compact_table(self, tmp_path):
        folder = tmp_path / "few"
        folder.mkdir()
        many_bids(folder / "bids.csv", 8)
        html, _ = report_of(folder, tender_with(tmp_path))
        assert html.count('<div class="bid" id="bid-') == 8
        assert 'class="compact"' not in html and "#other-bids" not in html

    @needs_poppler
    def test_the_pdf_has_the_limits_sections_and_the_compact_table(self, large_tender, tmp_path):
        out = tmp_path / "out"
        subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--tender",
                        str(tender_with(tmp_path, "report:\n  full_sections: 10\n")), "--formats", "json,pdf",
                        "--evaluated-at", EVALUATED_AT, "--out", str(out), str(large_tender / "bids.csv")],
                       check=True, capture_output=True, cwd=ROOT)
        report = out / "report.pdf"
        content = text(report)
        assert len(re.findall(r"^B-\d{4} · Vendor \d+ · ranked, rank \d+$", content, re.M)) == 10
        compact = content[content.rindex("Other bids, one line each"):content.index("Robustness of the award\n")]
        for bid in json.loads((out / "results.json").read_bytes())["bids"][10:]:
            assert bid["bid_id"] in compact
        assert int(info(report)["Pages"]) <= 16
        contents = text(report, 1)
        page = int(re.search(r"Other bids, one line each[ .]*(\d+)", contents).group(1))
        assert "Other bids, one line each" in text(report, page)


@needs_poppler
def test_a_40_bid_gate_matrix_stays_on_one_page(tmp_path):
    """40 bids in the gate matrix (41 read, the invalid one is not in it): the matrix, its header row of
    minimums and the note under it are on one page, with every bid's row."""
    folder = tmp_path / "forty"
    folder.mkdir()
    many_bids(folder / "bids.csv", 41)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "evaluator", "evaluate", "--framework", str(CSF_PATH), "--tender",
                    str(tender_with(tmp_path, "report:\n  full_sections: 40\n")), "--formats", "json,pdf",
                    "--evaluated-at", EVALUATED_AT, "--out", str(out), str(folder / "bids.csv")],
                   check=True, capture_output=True, cwd=ROOT, env={**os.environ, "EVALUATOR_DATA": str(tmp_path)})
    gate = [bid["bid_id"] for bid in json.loads((out / "results.json").read_bytes())["bids"]
            if bid["status"] != "invalid"]
    assert len(gate) == 40
    pages = text(out / "report.pdf").split("\f")
    starts = [n for n, page in enumerate(pages) if re.search(r"^Gate matrix$", page, re.M) and "required" in page]
    assert len(starts) == 1, "the gate matrix's heading and header row are on one page"
    page = pages[starts[0]]
    assert "✗ marks a failed minimum" in page
    assert [bid_id for bid_id in gate if not re.search(rf"^{bid_id}$", page, re.M)] == []


# -- the PDFs fail, the data outputs stand ---------------------------------------------------------------

@pytest.mark.parametrize("limit, reason", [
    ("TIME_LIMIT_S", r"rendering took longer than 0\.01 s and was stopped"),
    ("MEMORY_LIMIT_BYTES", r"rendering failed: it needed more memory than its limit of 64 MiB and was stopped")])
def test_a_failed_render_keeps_the_data_outputs(tmp_path, monkeypatch, capsys, limit, reason):
    from evaluator.__main__ import main
    from evaluator.application import Desk, Store, User

    monkeypatch.setattr(f"evaluator.report.render.{limit}", 0.01 if limit == "TIME_LIMIT_S" else 64 * 2**20)
    out = tmp_path / "out"
    code = main(["evaluate", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"), "--evaluated-at",
                 EVALUATED_AT, "--out", str(out), str(SAMPLES / "bids")])
    error = capsys.readouterr().err
    assert code == 1
    match = re.fullmatch(rf"error: the PDF report could not be rendered \({reason}\); "
                         r"results\.json, results\.xlsx, robustness\.json were written and stored as evaluation "
                         r"(\w+)\n", error)
    assert match, error
    assert not (out / "report.pdf").exists() and not (out / "summary.pdf").exists()
    auditor = Desk(Store(), User.local())
    stored = auditor.output(match.group(1), "results.json")
    assert stored == (out / "results.json").read_bytes() and (out / "results.xlsx").stat().st_size > 0
    with auditor.store.engine.connect() as connection:
        last = connection.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    assert last.event == "report failed" and json.loads(last.detail)["evaluation"] == match.group(1)
    assert auditor.verify_audit()[1] is None


# -- the render child dies with its parent ----------------------------------------------------------------

PARENT = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from evaluator.report.render import RenderWorker
worker = RenderWorker()
if sys.argv[2] == "rendering":  # a document that takes minutes; written once the child reads its input
    worker.process.stdin.write(json.dumps(["<table>" + "<tr><td>x</td></tr>" * 30000 + "</table>"]).encode())
    worker.process.stdin.close()
print(worker.process.pid, flush=True)
threading.Event().wait()
"""


def running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead child that no one has reaped yet)."""
    if not Path("/proc/self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("stage", ["waiting", "rendering"])
def test_the_render_child_dies_with_its_parent(stage):
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(ROOT), stage], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        child = int(parent.stdout.readline())
        assert running(child)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    try:
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not running(child), f"the render child {child} outlived its parent"
    finally:
        if running(child):
            os.kill(child, 9)

