"""Certificates CSV: one row per certificate (bid_id, scheme, level, issued, and optionally issuer,
reference, open_high_findings). Rows attach to the bids with the same bid_id in the batch."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from evaluator.errors import Problem, quoted
from evaluator.i18n import _
from evaluator.loading import load_schemes
from evaluator.model.bid import SourceFile
from evaluator.model.certification import Certificate, Schemes

COLUMNS = ("bid_id", "scheme", "level", "issued")


@dataclass(frozen=True)
class CertificateRows:
    source: SourceFile
    certificates: tuple[tuple[str, Certificate], ...]  # (bid_id, certificate)
    problems: tuple[tuple[str, Problem], ...]  # (bid_id, located problem)


def is_certificate_table(frame: pd.DataFrame) -> bool:
    return {"scheme", "issued"} <= {str(name).strip().casefold() for name in frame.columns}


def read_certificates(frame: pd.DataFrame, source: SourceFile, schemes: Schemes | None = None) -> CertificateRows:
    frame = frame.rename(columns=lambda name: str(name).strip().casefold())
    by_name = (schemes or load_schemes()).schemes
    found, problems = [], []
    for position, row in enumerate(frame.astype(str).to_dict("records")):
        place = f"row {position + 2}"
        cells = {name: str(row.get(name, "")).strip() for name in (*COLUMNS, "issuer", "reference",
                                                                     "open_high_findings")}
        bid_id = cells["bid_id"]
        scheme = by_name.get(cells["scheme"].casefold())
        if not bid_id:
            problems.append(("", Problem(place, _("bid_id is empty, so the certificate belongs to no bid"))))
        elif scheme is None:
            problems.append((bid_id, Problem(place, _("certification scheme {scheme} is unknown (schemes: "
                                                      "{schemes})").format(
                scheme=quoted(cells["scheme"]), schemes=", ".join(by_name)))))
        elif (rank := scheme.rank(cells["level"])) is None:
            problems.append((bid_id, Problem(place, _("{level} is not a level of {scheme} (levels: {levels})").format(
                level=quoted(cells["level"]), scheme=cells["scheme"], levels=", ".join(scheme.levels)))))
        else:
            try:
                issued = dt.date.fromisoformat(cells["issued"])
                findings = int(cells["open_high_findings"] or 0)
                if findings < 0:
                    raise ValueError
            except ValueError:
                problems.append((bid_id, Problem(place, _("issued must be a date such as 2026-03-31, and "
                                                          "open_high_findings a whole number of at least 0"))))
                continue
            found.append((bid_id, Certificate(cells["scheme"].casefold(), scheme.levels[rank],
                                              issued, cells["issuer"], cells["reference"], findings)))
    return CertificateRows(source, tuple(found), tuple(problems))
