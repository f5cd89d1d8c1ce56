"""Issue 13's presentation items: the letters' recommended bidder, standstill end, contact and signature; a
tender's own letter template in Jinja2's sandbox, recorded as an input; tender changes after opening flagged
in the report and the summary; the gate matrix kept on one page."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from evaluator.pipeline import Request, evaluate_request, run_evaluation
from evaluator.report.pdf_report import ReportInfo, letter_environment, letter_htmls, report_html, summary_html

from conftest import CSF_PATH, SAMPLES

EVALUATED_AT = "2026-11-26T09:00:00Z"
POPPLER = shutil.which("pdftotext")
EXTRA = """
standstill_days: 12
contact:
  name: Procurement Unit, Cloud Services
  email: cloud-tender@digital.example.eu
  phone: +49 30 1234 5678
  address: "Wilhelmstrasse 1\\n10117 Berlin"
signatory:
  name: Dr. Anna Weber
  title: Head of Procurement
"""
CHANGES = ({"reason": "Corrigendum 1: <b>SOV-3</b> minimum", "by": "alice", "at": "2026-11-20T10:00:00Z"},)


def tender_file(folder: Path, extra: str = EXTRA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tender.yaml"
    path.write_text((SAMPLES / "tender.yaml").read_text() + extra)
    return path


def request(tender: Path, **fields) -> Request:
    return Request(framework=str(CSF_PATH), tender=str(tender), evaluated_at=EVALUATED_AT,
                   inputs=(str(SAMPLES / "bids" / "b-001.xlsx"), str(SAMPLES / "bids" / "b-002.xlsx"),
                           str(SAMPLES / "bids" / "b-007.xlsx")), **fields)


def info(**fields) -> ReportInfo:
    return ReportInfo(evaluated_at=EVALUATED_AT, command="python -m evaluator evaluate …", results_sha256="0" * 64,
                      software_version="test", inputs=(), framework_file="f.yaml", tender_file="t.yaml", **fields)


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return flat(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def test_every_letter_names_the_recommended_bidder_standstill_contact_and_signatory(tmp_path):
    outcome = evaluate_request(request(tender_file(tmp_path)))
    letters = dict((bid["bid_id"], flat(html)) for bid, html in letter_htmls(outcome.document, outcome.evaluation,
                                                                             info()))
    assert set(letters) == {"B-001", "B-002", "B-007"}
    for letter in letters.values():  # the winner, an excluded bidder and a ranked one alike
        assert "Recommended bidder:</strong> Nordlicht Cloud GmbH (bid B-001), award total" in letter
        assert "at the earliest on <strong>8 December 2026</strong> (12 days after this evaluation" in letter
        assert "cloud-tender@digital.example.eu" in letter and "Wilhelmstrasse 1<br>" in letter
        assert "<strong>Dr. Anna Weber</strong><br>Head of Procurement" in letter
    assert all("Draft: not issued" in letter for letter in letters.values())
    issued = flat(letter_htmls(outcome.document, outcome.evaluation, info(issued_at="2026-11-30T08:00:00Z"))[0][1])
    assert ("on <strong>12 December 2026</strong> (the period runs from the day after the date of this letter, "
            "30 November 2026)") in issued and "Date of this letter:</strong> 30 November 2026" in issued
    assert "at the earliest" not in issued and "Draft" not in issued


def test_without_contact_or_signatory_the_letter_names_the_authority(tmp_path):
    outcome = evaluate_request(request(tender_file(tmp_path, "")))
    letter = flat(letter_htmls(outcome.document, outcome.evaluation, info())[0][1])
    assert "at the earliest on <strong>6 December 2026</strong>" in letter  # the default 10 days
    assert "Ministry of Digital Affairs (fictitious), quoting the tender reference SAMPLE-2026-CLOUD-01" in letter
    assert "(signature)" in letter


@pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
def test_the_letter_pdf_says_it(tmp_path):
    outcome = run_evaluation(request(tender_file(tmp_path), formats=("json",), letters=True))
    text = pdf_text(outcome.files["letters/B-002.pdf"], tmp_path)
    assert "was excluded" in text and "Recommended bidder: Nordlicht Cloud GmbH (bid B-001)" in text
    assert "at the earliest on 8 December 2026" in text and "E-mail: cloud-tender@digital.example.eu" in text
    assert "Dr. Anna Weber Head of Procurement" in text


def test_the_sandbox_refuses_internals():
    env = letter_environment()
    for source in ("{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ bid.__init__.__globals__ }}",
                   "{{ lipsum.__globals__ }}", "{% set x = bids.append(1) %}"):
        with pytest.raises(SecurityError):
            env.from_string(source).render(bid={}, bids=[])
    assert env.from_string("{{ name }}").render(name="<script>") == "&lt;script&gt;"  # autoescape


def test_a_tenders_own_letter_template_is_used_sandboxed_and_recorded(tmp_path):
    tender = tender_file(tmp_path, EXTRA + "letter_template: letter.html.j2\n")
    (tmp_path / "letter.html.j2").write_text(
        '{% import "_macros.html.j2" as m with context %}<html><body><p>Dear {{ bid.vendor | vendor }},</p>'
        "<p>Winner {{ winners[0].bid_id }}; standstill until {{ letter.standstill_end }}; "
        "{{ letter.signatory.name }}</p></body></html>")
    outcome = run_evaluation(request(tender, formats=("json",), letters=True))
    assert outcome.report_error is None
    name = str(tmp_path / "letter.html.j2")
    assert name in outcome.inputs and outcome.submissions[outcome.inputs[name]].startswith(b"{% import")
    if POPPLER:
        text = pdf_text(outcome.files["letters/B-007.pdf"], tmp_path)
        assert "Dear Lumen Datacentres B.V.," in text and "Winner B-001; standstill until 2026-12-08; Dr. Anna" in text
    again = run_evaluation(request(tender, formats=("json",), letters=True))
    assert again.files == outcome.files  # the same inputs, the same bytes


def test_a_hostile_letter_template_fails_the_pdfs_not_the_evaluation(tmp_path):
    tender = tender_file(tmp_path, "letter_template: letter.html.j2\n")
    (tmp_path / "letter.html.j2").write_text("<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p>")
    outcome = run_evaluation(request(tender, formats=("json",), letters=True))
    assert "results.json" in outcome.files and "letters/B-001.pdf" not in outcome.files
    assert "letter template could not be rendered (SecurityError" in outcome.report_error


def test_a_broken_or_missing_letter_template_is_refused_before_any_bid_is_read(tmp_path):
    from evaluator.errors import ConfigurationError
    tender = tender_file(tmp_path, "letter_template: letter.html.j2\n")
    with pytest.raises(ConfigurationError, match="not a file"):
        evaluate_request(request(tender, letters=True))
    (tmp_path / "letter.html.j2").write_text("<p>\n{% if %}</p>")
    with pytest.raises(ConfigurationError, match="error at line 2"):
        evaluate_request(request(tender, letters=True))


def test_a_tender_change_after_opening_is_flagged_in_the_report_and_the_summary(tmp_path):
    outcome = evaluate_request(request(tender_file(tmp_path, "")))
    report = flat(report_html(outcome.document, outcome.evaluation, info(tender_changes=CHANGES)))
    assert "The tender was changed after the bids were opened</strong> (1 change)" in report
    assert "2026-11-20T10:00:00Z, by alice: Corrigendum 1: &lt;b&gt;SOV-3&lt;/b&gt; minimum" in report  # escaped
    assert 'href="#tender-changed"' in report
    summary = flat(summary_html(outcome.document, outcome.evaluation, info(tender_changes=CHANGES)))
    assert "by alice: Corrigendum 1" in summary
    plain = report_html(outcome.document, outcome.evaluation, info())
    assert "changed after the bids were opened" not in plain and 'class="small gate-one-page"' in plain


def test_the_command_carries_tender_changes_only_when_there_are_some(tmp_path):
    tender = tender_file(tmp_path, "")
    assert "--tender-change" not in request(tender).command()
    command = request(tender, tender_changes=CHANGES).command()
    assert "--tender-change" in command and "Corrigendum 1" in command
    from evaluator.__main__ import tender_change
    assert tender_change('{"reason": "R", "by": "b", "at": "t"}') == {"reason": "R", "by": "b", "at": "t"}


def words(html: str) -> str:
    """The text of a page, without its head and tags."""
    return flat(re.sub(r"<[^>]+>", "", re.sub(r"(?s)<head>.*?</head>", "", html)))


def panel_outcome(tender: Path = SAMPLES / "panel-tender.yaml"):
    return evaluate_request(Request(framework=str(CSF_PATH), tender=str(tender), evaluated_at=EVALUATED_AT,
                                    inputs=(str(SAMPLES / "bids"),), formats=("json",),
                                    assessments=(str(SAMPLES / "assessments.csv"),)))


def test_a_pending_bids_letter_says_only_that_its_evaluation_is_not_finished():
    """B-004 is pending on SOV-2.2: its letter names no rank, no recommended bidder, no standstill date and
    not the disputed criterion (its vendor would lobby on it)."""
    outcome = panel_outcome()
    letters = {bid["bid_id"]: words(html) for bid, html in letter_htmls(outcome.document, outcome.evaluation, info())}
    pending = letters["B-004"]
    assert "The evaluation of your bid is not finished. You will be informed of the result when it is." in pending
    for told in ("Recommended", "recommended", "ranked", "rank", "B-001", "Nordlicht", "Standstill period",
                 "at the earliest", "6 December 2026", "SOV-2.2", "What set your levels", "objective by objective",
                 "assessed differently"):
        assert told not in pending, told
    assert "Recommended bidder:" in letters["B-007"] and "Standstill period" in letters["B-007"]
    assert "6 December 2026" in letters["B-007"]


def test_the_report_labels_a_pending_bids_figures_provisional(tmp_path):
    outcome = panel_outcome()
    report = words(report_html(outcome.document, outcome.evaluation, info()))
    assert "pending (provisional: disputed answers as claimed)" in report  # the gate matrix
    assert report.count("Figures provisional: disputed answers as claimed") == 1  # B-004's section
    tender = tmp_path / "tender.yaml"
    tender.write_text((SAMPLES / "panel-tender.yaml").read_text() + "report:\n  full_sections: 0\n")
    outcome = panel_outcome(tender)
    compact = words(report_html(outcome.document, outcome.evaluation, info()))
    assert ("figures provisional: disputed answers as claimed; pending: SOV-2.2: ana assessed 3, ben accepted the "
            "claimed 4") in compact
