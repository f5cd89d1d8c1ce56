"""Long and wide CSV bid files: many bids per file."""

import codecs
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from evaluator.errors import Problem
from evaluator.ingest.responses import BID_FIELDS, UnreadableFile, assemble
from evaluator.model.bid import BidSet, SourceFile
from evaluator.model.framework import Framework

LONG_REQUIRED = ("bid_id", "vendor", "criterion_id", "answer")
RESPONSE_FIELDS = ("evidence", "evidence_quality", "notes")
FIXED_NAMES = {"bid_id", "criterion_id", "answer", *BID_FIELDS, *RESPONSE_FIELDS}


def read_csv_bids(content: bytes, framework: Framework, source: SourceFile) -> BidSet:
    frame = _table(content)
    if frame.empty:
        raise UnreadableFile(Problem("row 2", "the CSV has a header but no rows"))
    if "criterion_id" in frame.columns:
        missing = [name for name in LONG_REQUIRED if name not in frame.columns]
        if missing:
            raise UnreadableFile(Problem("row 1", f"the long CSV has no column {', '.join(missing)} "
                                                  f"(it needs {', '.join(LONG_REQUIRED)})"))
        return assemble(frame, framework, source, lambda rows, column: [f"row {r + 2}" for r in rows.tolist()])
    return _wide(frame, framework, source)


def _table(content: bytes) -> pd.DataFrame:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(Problem(f"byte {error.start}", "the CSV is not UTF-8 text; save it as "
                                                            "'CSV UTF-8' and upload it again")) from None
    content = content.removeprefix(codecs.BOM_UTF8)
    if re.fullmatch(rb"\s*", content[:4096]) and re.fullmatch(rb"\s*", content):
        raise UnreadableFile(Problem("row 1", "the CSV is empty"))
    first_line = content.split(b"\n", 1)[0]
    separator = ";" if first_line.count(b";") > first_line.count(b",") else ","
    try:  # the Arrow reader: about twice as fast as the C engine on string columns
        frame = pd.read_csv(io.BytesIO(content), sep=separator, dtype=str, keep_default_na=False, engine="pyarrow")
    except (pa.ArrowInvalid, ValueError) as error:
        raise UnreadableFile(Problem("file", f"the CSV is malformed: {str(error).splitlines()[0]}")) from None
    frame.columns = [_column_name(name) for name in frame.columns]
    duplicated = sorted({name for name in frame.columns if list(frame.columns).count(name) > 1})
    if duplicated:
        raise UnreadableFile(Problem("row 1", f"column {', '.join(duplicated)} appears twice in the header"))
    return frame


def _column_name(name: str) -> str:
    cleaned = str(name).strip()
    return cleaned.casefold() if cleaned.casefold() in FIXED_NAMES else cleaned


def _wide(frame: pd.DataFrame, framework: Framework, source: SourceFile) -> BidSet:
    """One row per bid, one column per criterion: melted to long form, located as (row, column)."""
    criteria = [name for name in frame.columns if name not in FIXED_NAMES]  # unknown IDs are reported per row
    missing = [name for name in ("bid_id", "vendor") if name not in frame.columns]
    if missing or not criteria:
        raise UnreadableFile(Problem("row 1", "the CSV is neither a long CSV (columns bid_id, vendor, criterion_id, "
                                              "answer) nor a wide CSV (columns bid_id, vendor and one column per "
                                              "criterion ID)"))
    rows, width = len(frame), len(criteria)
    long = pd.DataFrame({
        "criterion_id": np.tile(np.array(criteria, dtype=object), rows),
        "answer": frame[criteria].to_numpy(dtype=object).ravel(),
        **{name: np.repeat(frame[name].to_numpy(dtype=object), width)
           for name in ("bid_id", *BID_FIELDS) if name in frame.columns},
    })
    names = np.array(criteria, dtype=object)

    def locate(positions: np.ndarray, column: str) -> list[str]:
        header = names[positions % width] if column in ("answer", "criterion_id") else np.full(len(positions), column)
        return [f"row {r + 2}, column {c}" for r, c in zip((positions // width).tolist(), header.tolist())]

    return assemble(long, framework, source, locate)
