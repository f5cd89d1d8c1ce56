"""Spreadsheet cells the product writes (CSV and XLSX): text a spreadsheet could run as a formula is
neutralised with a leading apostrophe, whoever wrote it (vendors' names, IDs, evidence, notes)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # full-width forms too


def neutralise(text: str) -> str:
    """'=HYPERLINK(…)' -> "'=HYPERLINK(…)"; leading spaces do not hide a formula."""
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def neutralised_row(values: list) -> list:
    return [neutralise(value) if isinstance(value, str) else value for value in values]
