"""A market survey (evaluator.survey.market_survey's rows) as a workbook and as an HTML page for WeasyPrint.

The survey is informative: it shows the levels and scores that registry entries give, as of a named date,
and is not an award decision; both outputs say so. Provider ids, names, assessors and problems come from the
entries (vendor text): the workbook writes them as text, neutralised where a spreadsheet could take them for
a formula (evaluator/report/cells.py); the page escapes them (Jinja2's autoescape and the `vendor` filter).
"""

import io

import xlsxwriter

from evaluator.i18n import N_, _
from evaluator.model.framework import Framework
from evaluator.report.pdf_report import environment
from evaluator.report.results_xlsx import FIXED_CREATED, write_row

NOTE = N_("Informative market survey from registry entries; not an award decision.")  # English in the workbook
SURVEY_COLUMNS = [("Provider", 20), ("Provider name", 30), ("Assessor", 28), ("Kind", 12), ("Assessed on", 11),
                  ("Valid until", 11), ("Valid", 7), ("Reason", 40), ("Overall level", 11)]
SCORE_COLUMNS = [("Sovereignty Score (%)", 12), ("Meets minimums", 10), ("Problems", 60)]
LEVEL_WIDTH = 9


def survey_xlsx(rows: list[dict], framework: Framework, as_of: str, profile: str, selection: str = "") -> bytes:
    """A "Survey" sheet (a row per provider, in the survey's order; levels as the framework's codes) and an
    "About" sheet (the date, the framework, the weight profile and the note that this is not an award). The
    same rows give the same bytes: the document's dates are fixed, nothing is read from a clock."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": "Sovereignty market survey", "created": FIXED_CREATED})
    header = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True})
    objective_ids = [objective.id for objective in framework.objectives]
    columns = SURVEY_COLUMNS + [(oid, LEVEL_WIDTH) for oid in objective_ids] + SCORE_COLUMNS
    survey = workbook.add_worksheet("Survey")
    for index, (title, width) in enumerate(columns):
        survey.set_column(index, index, width)
        survey.write_string(0, index, title, header)
    survey.freeze_panes(1, 0)
    survey.autofilter(0, 0, 0, len(columns) - 1)
    for line, row in enumerate(rows, start=1):
        write_row(survey, line, [
            row["provider"], row["provider_name"], row["assessor"], row["kind"], row["assessed_on"],
            row["valid_until"], "yes" if row["valid"] else "no", row["invalid_reason"],
            _code(framework, row["overall_level"]),
            *(_code(framework, row["levels"].get(oid)) for oid in objective_ids),
            row["score"], "yes" if row["meets_minimums"] else "no", "; ".join(row["problems"])])
    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 90)
    about_rows: list[tuple[str, str | int]] = [
        ("Market survey", NOTE),
        ("As of", as_of),
        ("Framework", framework.id),
        ("Framework version", framework.version),
        ("Framework title", framework.title),
        ("Weight profile", profile),
        ("Selection", selection or "every registered provider"),
        ("Providers", len(rows)),
        ("Levels", ", ".join(level.code for level in framework.level_scale.levels)),
        ("Note", "Levels and scores are those the registry entries give (self-assessed or assessed by the named "
                 "assessor); an entry not valid on the date above is listed with its reason.")]
    for line, (name, value) in enumerate(about_rows):
        about.write_string(line, 0, name, header)
        write_row(about, line, [None, value])
    workbook.close()
    return buffer.getvalue()


def survey_html(rows: list[dict], framework: Framework, as_of: str, profile: str, selection: str = "") -> str:
    """The survey as one landscape A4 table (templates/survey.html.j2, in the report's style); `selection` says
    how the rows were chosen (e.g. the minimum levels a buyer filtered by)."""
    objective_ids = [objective.id for objective in framework.objectives]
    return environment().get_template("survey.html.j2").render(
        rows=rows, framework=framework, as_of=as_of, profile=profile, note=_(NOTE), objective_ids=objective_ids,
        selection=selection,
        objective_names={objective.id: objective.name for objective in framework.objectives},
        codes=[level.code for level in framework.level_scale.levels])


def _code(framework: Framework, level: int | None) -> str | None:
    return None if level is None else framework.level_scale.code(level)
