"""Fuzzing every reader with random bytes and mutated valid files (hypothesis, derandomised, bounded).

No exception may escape, and no outcome may fall through to the reader's last-resort message: every file
gives bids, or errors that say where and what.
"""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.loading import load_framework

from conftest import SAMPLES
from factories import csv_text, long_rows, read_bid_bytes

CSF = load_framework(SAMPLES.parent / "frameworks" / "eu-csf-2026.yaml")[0]
WORKBOOK = (SAMPLES / "bids" / "b-001.xlsx").read_bytes()
LONG_CSV = (SAMPLES / "bids" / "iberia-baltic-long.csv").read_bytes()
WIDE_CSV = (SAMPLES / "bids" / "danubia-huawei-wide.csv").read_bytes()
FUZZ = settings(max_examples=150, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LAST_RESORT = "the file could not be read ("


def assert_understood(content: bytes, name: str) -> None:
    bids = read_bid_bytes(content, name, CSF)
    for bid in bids.bids:
        for problem in bid.errors:
            assert problem.location and problem.message
            assert not problem.message.startswith(LAST_RESORT), problem.message
    assert len(bids.ranks) == len(bids.bids)


def mutate(content: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    data = bytearray(content)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[:cut] if cut else data)


@FUZZ
@given(content=st.binary(max_size=4096), name=st.sampled_from(["x.xlsx", "x.csv"]))
def test_random_bytes(content, name):
    assert_understood(content, name)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       cut=st.none() | st.integers(1, len(WORKBOOK)))
def test_mutated_workbook(edits, cut):
    assert_understood(mutate(WORKBOOK, edits, cut), "b.xlsx")


@FUZZ
@given(part=st.sampled_from(["xl/worksheets/sheet2.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
                             "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]),
       edits=st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 255)), min_size=1, max_size=6))
def test_mutated_xml_inside_a_valid_zip(part, edits):
    """Mutations of the XML itself (a mutated zip mostly fails its CRC before any XML is parsed)."""
    source = zipfile.ZipFile(io.BytesIO(WORKBOOK))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, mutate(data, edits, None) if info.filename == part else data)
    assert_understood(out.getvalue(), "b.xlsx")


@FUZZ
@given(source=st.sampled_from([LONG_CSV, WIDE_CSV]),
       edits=st.lists(st.tuples(st.integers(0, 10**5), st.sampled_from(b',;"\n\r\x00\xff\xe4 9-=ab')), max_size=10),
       cut=st.none() | st.integers(1, 9000))
def test_mutated_csv(source, edits, cut):
    assert_understood(mutate(source, edits, cut), "b.csv")


@FUZZ
@given(cells=st.lists(st.text(max_size=30), min_size=4, max_size=4))
def test_arbitrary_cell_texts(cells):
    bid_id, vendor, criterion, answer = cells
    assert_understood(csv_text(long_rows({bid_id: (vendor, {criterion: answer})})).encode(), "t.csv")
