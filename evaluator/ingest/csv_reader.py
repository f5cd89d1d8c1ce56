"""Long and wide CSV bid files: many bids per file."""

import codecs
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from evaluator.errors import Problem, quoted
from evaluator.i18n import _
from evaluator.ingest.certificates import CertificateRows, is_certificate_table, read_certificates
from evaluator.ingest.responses import BID_FIELDS, Extract, ReadOptions, UnreadableFile
from evaluator.model.bid import SourceFile
from evaluator.model.framework import Framework

LONG_REQUIRED = ("bid_id", "vendor", "criterion_id", "answer")
RESPONSE_FIELDS = ("evidence", "evidence_quality", "notes")
META_PREFIX = "meta:"  # wide-CSV columns that carry reference data, not answers
MAX_LINE_BYTES = 256 * 1024
MAX_COLUMNS = 1000
FIXED_NAMES = {"bid_id", "criterion_id", "answer", *BID_FIELDS, *RESPONSE_FIELDS}


def read_csv_bids(content: bytes, framework: Framework, source: SourceFile,
                  options: ReadOptions) -> Extract | CertificateRows:
    frame = _table(content)
    if frame.empty:
        raise UnreadableFile(Problem("row 2", _("the CSV has a header but no rows")))
    if is_certificate_table(frame):
        return read_certificates(frame, source, options.schemes)
    if "criterion_id" in frame.columns:
        missing = [name for name in LONG_REQUIRED if name not in frame.columns]
        if missing:
            raise UnreadableFile(Problem("row 1", _("the long CSV has no column {missing} (it needs {needed})").format(
                missing=", ".join(missing), needed=", ".join(LONG_REQUIRED))))
        return Extract({name: frame[name] for name in frame.columns},
                       lambda rows, column: [f"row {r + 2}" for r in rows.tolist()], source)
    return _wide(frame, source)


def _table(content: bytes) -> pd.DataFrame:
    content = _utf8(content)
    if re.fullmatch(rb"\s*", content[:4096]) and re.fullmatch(rb"\s*", content):
        raise UnreadableFile(Problem("row 1", _("the CSV is empty")))
    _check_line_lengths(content)
    first_line = content.split(b"\n", 1)[0]
    separator = ";" if first_line.count(b";") > first_line.count(b",") else ","
    if first_line.count(separator.encode()) >= MAX_COLUMNS:
        raise UnreadableFile(Problem("row 1", _("the header has more than {count} columns").format(count=MAX_COLUMNS)))
    try:  # the Arrow reader: about twice as fast as the C engine on string columns
        frame = pd.read_csv(io.BytesIO(content), sep=separator, dtype=str, keep_default_na=False, engine="pyarrow")
    except (pa.ArrowInvalid, ValueError) as error:
        reason = re.sub(r"(got \d+)\b.*", r"\1", str(error).splitlines()[0])  # the rest quotes the row
        raise UnreadableFile(Problem("file", _("the CSV is malformed: {reason}").format(
            reason=quoted(reason, 120)[1:-1]))) from None
    frame.columns = [_column_name(name) for name in frame.columns]
    duplicated = sorted({name for name in frame.columns if list(frame.columns).count(name) > 1})
    if duplicated:
        raise UnreadableFile(Problem("row 1", _("column {columns} appears twice in the header").format(
            columns=", ".join(duplicated))))
    return frame


def _utf8(content: bytes) -> bytes:
    """UTF-8 without BOM. UTF-16 with a BOM is converted; anything else that is not UTF-8 is refused,
    since guessing between Latin-1, Windows-1250 and others would silently change vendors' text."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(Problem("file", _("the CSV starts like UTF-16 but is not valid UTF-16"))) from None
    content = content.removeprefix(codecs.BOM_UTF8)
    nul = content.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(Problem(f"line {_line_of(content, nul)}",
                                     _("the file contains NUL bytes: it is binary, or UTF-16 without a byte-order "
                                       "mark; save it as 'CSV UTF-8'")))
    try:
        if not content.isascii():  # ASCII is UTF-8, and checking it is twenty times quicker than decoding
            content.decode("utf-8")
    except UnicodeDecodeError as error:
        column = error.start - content.rfind(b"\n", 0, error.start)
        raise UnreadableFile(Problem(f"line {_line_of(content, error.start)}, byte {column}",
                                     _("the CSV is not UTF-8 (byte 0x{byte}; Latin-1 or Windows encodings look like "
                                       "this); save it as 'CSV UTF-8' and upload it again").format(
                                         byte=f"{content[error.start]:02X}"))) \
            from None
    return content


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _check_line_lengths(content: bytes) -> None:
    """A line longer than MAX_LINE_BYTES fills a whole block of MAX_LINE_BYTES / 2 without a line break, so
    only a file with such a block (rare) has its lines measured."""
    half = MAX_LINE_BYTES // 2
    if all(content.find(b"\n", start, start + half) >= 0 for start in range(0, len(content) - half, half)):
        return
    ends = np.flatnonzero(np.frombuffer(content, np.uint8) == ord("\n"))
    lengths = np.diff(np.r_[-1, ends, len(content)])
    longest = int(np.argmax(lengths))
    if lengths[longest] > MAX_LINE_BYTES:
        raise UnreadableFile(Problem(f"line {longest + 1}", _("the line is {size} MiB long; lines may be at most "
                                                              "{limit} KiB").format(
            size=f"{lengths[longest] / 2**20:.1f}", limit=MAX_LINE_BYTES // 1024)))


def _column_name(name: str) -> str:
    cleaned = str(name).strip()
    return cleaned.casefold() if cleaned.casefold() in FIXED_NAMES else cleaned


def _wide(frame: pd.DataFrame, source: SourceFile) -> Extract:
    """One row per bid, one column per criterion: melted to long form, located as (row, column)."""
    criteria = [name for name in frame.columns  # unknown IDs are reported per row; meta: columns are notes
                if name not in FIXED_NAMES and not name.startswith(META_PREFIX)]
    missing = [name for name in ("bid_id", "vendor") if name not in frame.columns]
    if missing or not criteria:
        raise UnreadableFile(Problem("row 1", _("the CSV is neither a long CSV (columns bid_id, vendor, "
                                                "criterion_id, answer) nor a wide CSV (columns bid_id, vendor and one "
                                                "column per criterion ID)")))
    rows, width = len(frame), len(criteria)
    long = {
        "criterion_id": np.tile(np.array(criteria, dtype=object), rows),
        "answer": frame[criteria].to_numpy(dtype=object).ravel(),
        **{name: np.repeat(frame[name].to_numpy(dtype=object), width)
           for name in ("bid_id", *BID_FIELDS) if name in frame.columns},
    }
    names = np.array(criteria, dtype=object)

    def locate(positions: np.ndarray, column: str) -> list[str]:
        header = names[positions % width] if column in ("answer", "criterion_id") else np.full(len(positions), column)
        return [f"row {r + 2}, column {c}" for r, c in zip((positions // width).tolist(), header.tolist(), strict=True)]

    return Extract(long, locate, source)
