"""The report, the summary and the letters in Simplified Chinese (issue 18): translated headings and words, a
CJK font embedded as a subset, the English documents as they were, and each bidder's letter in the language its
bid file states."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evaluator import i18n
from evaluator.i18n import _
from evaluator.pipeline import Request, evaluate_request
from evaluator.report.pdf_report import ReportInfo, letter_htmls, report_html, summary_html
from evaluator.report.render import render_pdfs

from conftest import CSF_PATH, SAMPLES

EVALUATED_AT = "2026-11-26T09:00:00Z"
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed (setup.sh --tests installs it)")
HEADINGS = ("Sovereignty evaluation report", "Contents", "Executive summary", "Evaluation settings", "Gate matrix",
            "Bids one by one", "Robustness of the award", "Reproducing this evaluation")


def info() -> ReportInfo:
    return ReportInfo(evaluated_at=EVALUATED_AT, command="python -m evaluator evaluate …", results_sha256="0" * 64,
                      software_version="test", inputs=(), framework_file="f.yaml", tender_file="t.yaml")


@pytest.fixture(scope="module")
def outcome():
    return evaluate_request(Request(framework=str(CSF_PATH), tender=str(SAMPLES / "tender.yaml"),
                                    inputs=(str(SAMPLES / "bids"),), evaluated_at=EVALUATED_AT, formats=("json",)))


@pytest.fixture(scope="module")
def pdfs(outcome, tmp_path_factory) -> dict[str, Path]:
    """The sample report and summary in English and in Chinese, rendered as the pipeline renders them."""
    folder = tmp_path_factory.mktemp("language")
    htmls = {}
    for language in ("en", "zh-CN"):
        with i18n.using(language):
            htmls[f"report-{language}"] = report_html(outcome.document, outcome.evaluation, info())
            htmls[f"summary-{language}"] = summary_html(outcome.document, outcome.evaluation, info())
    paths = {}
    for (name, _html), pdf in zip(htmls.items(), render_pdfs(list(htmls.values())), strict=True):
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(pdf)
    return paths


def text(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def chinese(message: str) -> str:
    with i18n.using("zh-CN"):
        return _(message)


def test_the_headings_have_translations():
    for heading in HEADINGS:
        assert chinese(heading) != heading and re.search(r"[\u4e00-\u9fff]", chinese(heading)), heading


@needs_poppler
class TestChineseReport:
    def test_the_report_has_its_headings_in_chinese(self, pdfs):
        content = text(pdfs["report-zh-CN"])
        for heading in HEADINGS:
            assert chinese(heading) in content, heading
            assert heading not in content, heading
        assert "主权评估报告" in content and "执行摘要" in content and "门槛矩阵" in content
        assert "建议授标：" in content and "已排名" in content  # the award box and the status words
        assert re.search(r"第 2 页，共 \d+ 页", content)  # the page margins
        assert "page 2 of" not in content and "Recommended award" not in content

    def test_the_summary_is_in_chinese_on_one_page(self, pdfs):
        content = text(pdfs["summary-zh-CN"])
        assert chinese("Evaluation summary") in content and "评估摘要" in content
        assert re.search(r"建议授标： ?B-001（Nordlicht Cloud GmbH）", content)
        assert "€6,900,000.00" in content and chinese("Price points") in content
        pages = subprocess.run(["pdfinfo", str(pdfs["summary-zh-CN"])], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\n", pages)

    def test_a_cjk_font_is_embedded_as_a_subset_in_one_weight(self, pdfs):
        """The cut-down Noto Sans CJK SC (report/fonts.py), subset, and only its regular face: each weight or style
        would be embedded as a font of its own (issue 18: a Chinese report within 25 % of the English size)."""
        fonts = subprocess.run(["pdffonts", str(pdfs["report-zh-CN"])], capture_output=True, text=True).stdout
        assert re.search(r"^[A-Z]{6}\+Noto-Sans-CJK-SC-GB\s.*\byes\s+yes\b", fonts, re.MULTILINE), fonts
        assert len([line for line in fonts.splitlines() if "CJK" in line]) == 1, fonts


@needs_poppler
def test_the_english_report_keeps_its_headings(pdfs):
    content = text(pdfs["report-en"])
    for heading in HEADINGS:
        assert heading in content
    assert "Recommended award: B-001 (Nordlicht Cloud GmbH)" in content and re.search(r"page 2 of \d+", content)
    assert "主权评估报告" not in content and "执行摘要" not in content
    assert "Recommended award: B-001" in text(pdfs["summary-en"])


def test_the_english_html_is_marked_english_and_the_chinese_chinese(outcome):
    assert '<html lang="en">' in report_html(outcome.document, outcome.evaluation, info())
    with i18n.using("zh-CN"):
        assert '<html lang="zh-Hans">' in report_html(outcome.document, outcome.evaluation, info())


def test_numbers_and_dates_follow_the_language(outcome):
    with i18n.using("zh-CN"):
        letters = {bid["bid_id"]: html for bid, html in letter_htmls(outcome.document, outcome.evaluation, info())}
    assert "2026年12月6日" in letters["B-003"]  # the standstill end, ten days after the evaluation
    english = {bid["bid_id"]: html for bid, html in letter_htmls(outcome.document, outcome.evaluation, info())}
    assert "6 December 2026" in english["B-003"]


def test_a_letter_is_in_the_language_its_bid_file_states(outcome, monkeypatch):
    """B-006's Bid sheet says `language: zh-CN`: its letter is in Chinese, the others in the active language;
    a language the evaluator does not speak is ignored."""
    bids = {bid.bid_id: bid for bid in outcome.evaluation.bids.bids}
    monkeypatch.setitem(bids["B-006"].metadata, "language", "zh-CN")
    monkeypatch.setitem(bids["B-003"].metadata, "language", "klingon")
    letters = {bid["bid_id"]: html for bid, html in letter_htmls(outcome.document, outcome.evaluation, info())}
    assert "评估结果摘要" in letters["B-006"] and "停顿期" in letters["B-006"] and "草稿：尚未发出" in letters["B-006"]
    assert '<html lang="zh-Hans">' in letters["B-006"] and "Assessment summary" not in letters["B-006"]
    for bid_id in ("B-001", "B-002", "B-003", "B-008"):
        assert "Assessment summary" in letters[bid_id] and "评估结果摘要" not in letters[bid_id], bid_id
        assert "Draft: not issued" in letters[bid_id]
    assert i18n.current() == "en"  # the letters leave the active language as it was
    with i18n.using("zh-CN"):  # a Chinese evaluation: an English bid file's letter in English
        monkeypatch.setitem(bids["B-001"].metadata, "language", "en")
        chinese_run = {bid["bid_id"]: html for bid, html in letter_htmls(outcome.document, outcome.evaluation, info())}
    assert "Assessment summary" in chinese_run["B-001"] and "评估结果摘要" in chinese_run["B-002"]


def test_a_tenders_letter_template_may_translate(outcome):
    template = "<p>{{ _('Standstill period') }}: {{ letter.standstill_end | date }}; {{ bid.status | status }}</p>"
    with i18n.using("zh-CN"):
        letters = letter_htmls(outcome.document, outcome.evaluation, info(), template_source=template)
    assert "<p>停顿期: 2026年12月6日; 已排名</p>" in letters[0][1]
