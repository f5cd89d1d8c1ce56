"""Hostile and broken files: each is refused (or read safely) with a located sentence, never a crash."""

import codecs
import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import zipfile

import openpyxl
import openpyxl.xml
import pytest
from defusedxml import DefusedXmlException
from hypothesis import given
from hypothesis import strategies as st

from evaluator.ingest.files import DEFAULT_READ_OPTIONS, read_bids
from evaluator.ingest.responses import ReadOptions
from evaluator.ingest.workbook_check import _has_formula_element

from conftest import SAMPLES
from factories import bid_workbook, csv_text, long_rows, read_bid_bytes

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                             for i in range(1, 10))
                  + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>')


@pytest.fixture(scope="module")
def workbook(csf, tmp_path_factory) -> bytes:
    """A valid, complete bid workbook to mutate."""
    path = tmp_path_factory.mktemp("hostile") / "good.xlsx"
    responses = [[c.id, len(c.answers), "evidence", "contractual"] for c in csf.criteria_in_objective_order]
    return bid_workbook(path, {"bid_id": "B-1", "vendor": "Good Vendor"}, responses).read_bytes()


def rezip(content: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
          compression=zipfile.ZIP_DEFLATED) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def forge_declared_size(content: bytes, name: str, size: int) -> bytes:
    """Rewrite an entry's uncompressed size in its local header and in the central directory."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    forged = bytearray(content)
    struct.pack_into("<I", forged, archive.getinfo(name).header_offset + 22, size)
    offset = archive.start_dir
    while forged[offset:offset + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", forged, offset + 28)
        if forged[offset + 46:offset + 46 + name_length].decode() == name:
            struct.pack_into("<I", forged, offset + 24, size)
        offset += 46 + name_length + extra_length + comment_length
    return bytes(forged)


def refusal(csf, content: bytes, name="bid.xlsx", options=DEFAULT_READ_OPTIONS) -> tuple[str, str]:
    bids = read_bid_bytes(content, name, csf, options)
    assert len(bids.bids) == 1 and bids.bids[0].invalid
    problem = bids.bids[0].errors[0]
    assert problem.location and problem.message
    return problem.location, problem.message


def test_the_base_workbook_is_read(csf, workbook):
    bids = read_bid_bytes(workbook, "good.xlsx", csf)
    assert bids.bids[0].errors == () and bids.bids[0].vendor == "Good Vendor"


class TestZipBombs:
    def test_high_ratio_part_is_refused_before_decompressing(self, csf, workbook, monkeypatch):
        bomb = rezip(workbook, add={"xl/media/padding.xml": b"\0" * (20 * 2**20)})
        assert len(bomb) < 100_000
        monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: pytest.fail("decompressed a bomb"))
        location, message = refusal(csf, bomb)
        assert "(a zip bomb)" in message and "xl/media/padding.xml" in message

    def test_huge_declared_size_is_refused(self, csf, workbook):
        huge = forge_declared_size(workbook, "xl/worksheets/sheet2.xml", 3 * 2**30)
        assert "'xl/worksheets/sheet2.xml' would expand to 3,072 MiB" in refusal(csf, huge)[1]

    def test_part_that_lies_about_its_size_is_caught_by_the_crc(self, csf, workbook):
        small = forge_declared_size(workbook, "xl/worksheets/sheet2.xml", 100)
        assert "cannot be decompressed (Bad CRC-32" in refusal(csf, small)[1]

    def test_too_many_entries(self, csf, workbook):
        crowded = rezip(workbook, add={f"xl/junk/{i}.txt": b"x" for i in range(1001)})
        assert "parts; at most 1,000 are accepted" in refusal(csf, crowded)[1]

    @pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/abs/path.xml", "C:/windows/x.xml", "xl\\..\\..\\x"])
    def test_path_traversal_names(self, csf, workbook, name):
        assert "unsafe path" in refusal(csf, rezip(workbook, add={name: b"x"}))[1]


class TestXmlAttacks:
    @pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
    def test_entity_declarations_are_refused(self, csf, workbook, payload):
        hostile = rezip(workbook, replace={"xl/sharedStrings.xml": payload})
        assert "declares XML entities or a DTD" in refusal(csf, hostile)[1]

    def test_openpyxl_protection_is_active(self, workbook, tmp_path):
        assert openpyxl.xml.DEFUSEDXML is True
        path = tmp_path / "laughs.xlsx"
        path.write_bytes(rezip(workbook, replace={"xl/sharedStrings.xml": BILLION_LAUGHS}))
        with pytest.raises(ValueError) as refused:
            openpyxl.load_workbook(path)
        assert isinstance(refused.value.__context__, DefusedXmlException)

    def test_malformed_workbook_xml(self, csf, workbook):
        assert "not well-formed XML" in refusal(csf, rezip(workbook, replace={"xl/workbook.xml": b"<workbook"}))[1]


class TestWrongKindsOfFile:
    def test_macro_part_in_an_xlsx(self, csf, workbook):
        assert "contains macros" in refusal(csf, rezip(workbook, add={"xl/vbaProject.bin": b"\0" * 100}))[1]

    def test_binary_workbook_renamed(self, csf, workbook):
        assert "binary workbook (.xlsb)" in refusal(csf, rezip(workbook, add={"xl/workbook.bin": b"\0"}))[1]

    @pytest.mark.parametrize("name, message", [("bid.xlsm", "macro-enabled"), ("bid.xlsb", "binary workbooks"),
                                               ("bid.xls", "Excel 97-2003")])
    def test_refused_extensions(self, csf, workbook, name, message):
        assert message in refusal(csf, workbook, name)[1]

    @pytest.mark.parametrize("content, message", [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "encrypted (password-protected) workbook"),
        (b"%PDF-1.7\n%...", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "a PNG image"),
        (b"", "the file is empty"),
        (b"just text", "not an Excel workbook"),
        (b"PK\x03\x04" + b"\0" * 40, "damaged"),
    ])
    def test_files_that_are_something_else(self, csf, content, message):
        assert message in refusal(csf, content)[1]

    def test_truncated_workbook(self, csf, workbook):
        assert "damaged" in refusal(csf, workbook[: len(workbook) // 2])[1]

    def test_zip_without_workbook(self, csf):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "hello")
        assert "not an Excel workbook (no xl/workbook.xml)" in refusal(csf, out.getvalue())[1]


class TestFormulas:
    def formula_workbook(self, csf, tmp_path):
        import xlsxwriter
        path = tmp_path / "formula.xlsx"
        book = xlsxwriter.Workbook(str(path))
        bid = book.add_worksheet("Bid")
        bid.write_column(0, 0, ["bid_id", "vendor"])
        bid.write_column(0, 1, ["B-1", "V"])
        sheet = book.add_worksheet("Responses")
        sheet.write_row(0, 0, ["criterion_id", "answer"])
        for row, criterion in enumerate(csf.criteria_in_objective_order, start=1):
            sheet.write(row, 0, criterion.id)
            sheet.write(row, 1, 2)
        sheet.write_formula(6, 1, "=1+2", None, 3)  # B7: a formula whose cached value is 3
        book.close()
        return path.read_bytes()

    def test_formula_answer_is_a_located_error_by_default(self, csf, tmp_path):
        assert refusal(csf, self.formula_workbook(csf, tmp_path)) == \
            ("Responses!B7", "the cell holds a formula; formulas are never evaluated, so type the value itself")

    def test_tender_may_allow_the_cached_value(self, csf, tmp_path):
        bids = read_bid_bytes(self.formula_workbook(csf, tmp_path), "f.xlsx", csf, ReadOptions("cached_value"))
        assert bids.bids[0].errors == () and bids.ranks[0, 5] == 3


class TestHostileCsv:
    def test_a_million_rows_of_one_bid(self, csf):
        rows = b"bid_id,vendor,criterion_id,answer\n" + b"B-1,V,SOV-1.1,1\n" * 1_000_000
        problems = read_bid_bytes(rows, "million.csv", csf).bids[0].errors
        assert len(problems) == 26
        assert (problems[0].location, problems[0].message) == \
            ("row 3", "SOV-1.1 is answered a second time (first at row 2)")
        assert problems[-1].message == "and 999,974 more problems in rows of this bid"

    def test_line_of_megabytes(self, csf):
        text = b"bid_id,vendor,criterion_id,answer\nB-1,V,SOV-1.1,1\nB-1," + b"x" * 3_000_000 + b",SOV-1.2,1\n"
        assert refusal(csf, text, "long.csv") == ("line 3", "the line is 2.9 MiB long; lines may be at most 256 KiB")

    def test_nul_bytes(self, csf):
        assert refusal(csf, b"bid_id,vendor,criterion_id,answer\nB-1,V\0,SOV-1.1,1\n", "nul.csv")[0] == "line 2"

    def test_control_characters_are_kept_but_never_reach_a_terminal(self, csf, tmp_path):
        from evaluator.__main__ import main
        (tmp_path / "ctl.csv").write_text("bid_id,vendor,criterion_id,answer\nB-1,Evil\x1b[31mRed,SOV-1.1,1\n")
        bids = read_bids([str(tmp_path / "ctl.csv")], csf)
        assert bids.bids[0].vendor == "Evil\x1b[31mRed"
        out = io.StringIO()
        import contextlib
        with contextlib.redirect_stdout(out):
            main(["evaluate", "--framework", str(SAMPLES.parent / "frameworks" / "eu-csf-2026.yaml"), "--formats",
                  "json", "--out", str(tmp_path / "out"), str(tmp_path / "ctl.csv")])
        assert "\x1b" not in out.getvalue() and "Evil\\x1b[31mRed" in out.getvalue()

    def test_utf16_with_bom_is_decoded(self, csf):
        text = csv_text(long_rows({"B-1": ("Souverän Cloud", {"SOV-1.1": 2})}))
        for encoding in ("utf-16-le", "utf-16-be"):
            bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
            bids = read_bid_bytes(bom + text.encode(encoding), "u16.csv", csf)
            assert bids.bids[0].vendor == "Souverän Cloud" and bids.ranks[0, 0] == 2

    def test_latin1_is_refused_with_its_place(self, csf):
        text = csv_text(long_rows({"B-1": ("Souverän Cloud", {"SOV-1.1": 2})})).encode("latin-1")
        location, message = refusal(csf, text, "latin1.csv")
        assert location == "line 2, byte 11" and "not UTF-8 (byte 0xE4" in message

    def test_too_many_columns(self, csf):
        header = ",".join(f"c{i}" for i in range(1500)).encode()
        assert "more than 1000 columns" in refusal(csf, header + b"\n" + b"x," * 1499 + b"x\n", "wide.csv")[1]


def test_a_folder_of_hostile_files_still_ranks_the_good_bid(csf, workbook, tmp_path):
    (tmp_path / "bomb.xlsx").write_bytes(rezip(workbook, add={"x.xml": b"\0" * (20 * 2**20)}))
    (tmp_path / "laughs.xlsx").write_bytes(rezip(workbook, replace={"xl/sharedStrings.xml": BILLION_LAUGHS}))
    (tmp_path / "fake.xlsx").write_bytes(b"%PDF-1.4")
    (tmp_path / "latin1.csv").write_bytes("bid_id,vendor,criterion_id,answer\nB-9,Café,SOV-1.1,1\n".encode("latin-1"))
    (tmp_path / "good.xlsx").write_bytes(workbook)
    bids = read_bids([str(tmp_path)], csf)
    assert [(b.source.file.rsplit("/", 1)[1], b.invalid) for b in bids.bids] == [
        ("bomb.xlsx", True), ("fake.xlsx", True), ("good.xlsx", False), ("latin1.csv", True), ("laughs.xlsx", True)]


def test_peak_memory_stays_under_the_cap(workbook, tmp_path):
    """The whole command over a folder of hostile files, in its own process: peak RSS under 1 GiB
    (about 375 MiB measured; the million-row CSV dominates)."""
    folder = tmp_path / "bids"
    folder.mkdir()
    (folder / "million.csv").write_bytes(b"bid_id,vendor,criterion_id,answer\n" + b"B-9,V,SOV-1.1,1\n" * 1_000_000)
    (folder / "bomb.xlsx").write_bytes(rezip(workbook, add={"x.xml": b"\0" * (40 * 2**20)}))
    (folder / "laughs.xlsx").write_bytes(rezip(workbook, replace={"xl/sharedStrings.xml": BILLION_LAUGHS}))
    (folder / "long-line.csv").write_bytes(b"bid_id,vendor\nB-2," + b"x" * 5_000_000 + b"\n")
    (folder / "good.xlsx").write_bytes(workbook)
    script = ("import resource, sys\nfrom evaluator.__main__ import main\n"
              f"code = main(['evaluate', '--framework', {str(SAMPLES.parent / 'frameworks' / 'eu-csf-2026.yaml')!r}, "
              f"'--formats', 'json,xlsx', '--out', {str(tmp_path / 'out')!r}, {str(folder)!r}])\n"
              "print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=SAMPLES.parent,
                          check=True)
    code, peak_kib = map(int, done.stdout.split()[-2:])
    assert code == 0 and "1 ranked, 0 excluded, 4 invalid" in done.stdout
    assert peak_kib < 1024 * 1024


class TestFolderEntries:
    """What a bid folder may hold besides bid files: odd names, links, pipes."""

    def evaluate_folder(self, folder, tmp_path) -> dict:
        import json

        from evaluator.__main__ import main

        from conftest import CSF_PATH
        out = tmp_path / "out"
        assert main(["evaluate", "--framework", str(CSF_PATH), "--formats", "json", "--out", str(out),
                     str(folder)]) == 0
        return json.loads((out / "results.json").read_text())

    def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_name(self, tmp_path):
        folder = tmp_path / "bids"
        folder.mkdir()
        (folder / "b-001.xlsx").write_bytes((SAMPLES / "bids" / "b-001.xlsx").read_bytes())
        odd = folder.as_posix().encode() + b"/caf\xe9-offer.csv"  # Latin-1 name, as unzipped from Windows
        with open(odd, "w") as file:
            file.write(csv_text(long_rows({"B-9": ("Odd Name Ltd", {"SOV-1.1": "2"})})))
        results = self.evaluate_folder(folder, tmp_path)
        files = {bid["source"]["file"].rsplit("/", 1)[-1]: bid["status"] for bid in results["bids"]}
        assert files == {"b-001.xlsx": "ranked", "caf\\xe9-offer.csv": "ranked"}

    def test_links_and_pipes_are_refused_unread_and_never_quoted(self, tmp_path):
        import os
        private = tmp_path / "private.csv"
        private.write_text("bid_id,vendor,criterion_id,answer\nSECRET-1,Secret Partner,SOV-1.1,1\n")
        folder = tmp_path / "bids"
        folder.mkdir()
        (folder / "b-001.xlsx").write_bytes((SAMPLES / "bids" / "b-001.xlsx").read_bytes())
        (folder / "passwd.csv").symlink_to("/etc/passwd")
        (folder / "partner.csv").symlink_to(private)
        (folder / "linked-folder").symlink_to(tmp_path)
        os.mkfifo(folder / "pipe.csv")  # reading a pipe would block for ever
        results = self.evaluate_folder(folder, tmp_path)
        refused = {bid["source"]["file"].rsplit("/", 1)[-1]: bid["errors"] for bid in results["bids"]
                   if bid["status"] == "invalid"}
        assert sorted(refused) == ["linked-folder", "partner.csv", "passwd.csv", "pipe.csv"]
        assert all(errors[0]["message"].startswith("this is not a regular file") for errors in refused.values())
        text = json.dumps(results)
        assert "root:" not in text and "SECRET" not in text and "Secret Partner" not in text
        assert [bid["bid_id"] for bid in results["bids"] if bid["status"] == "ranked"] == ["B-001"]
        kept = {path.name for path in (tmp_path / "out" / "submissions").iterdir()}
        assert hashlib.sha256(private.read_bytes()).hexdigest() not in kept

    def test_a_malformed_csv_is_quoted_only_briefly(self, csf):
        leaked = "a,b,c\n1,2,3\n" + "root:x:0:0:root:/root:/bin/bash\n"
        problem = read_bid_bytes(leaked.encode(), "x.csv", csf).bids[0].errors[0]
        assert "the CSV is malformed" in problem.message and "root" not in problem.message


def test_names_that_collide_stay_apart_and_a_file_given_twice_is_read_once(tmp_path, monkeypatch, capsys):
    """An evaluation records its inputs by name: two inputs must never share one, or it cannot be repeated."""
    from evaluator.__main__ import main

    from conftest import CSF_PATH
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path / "data"))
    folder = tmp_path / "bids"
    folder.mkdir()
    (folder / "b-001.xlsx").write_bytes((SAMPLES / "bids" / "b-001.xlsx").read_bytes())
    with open(folder.as_posix().encode() + b"/caf\xe9.csv", "w") as file:  # shown as caf\xe9.csv
        file.write(csv_text(long_rows({"B-8": ("Byte Name Ltd", {"SOV-1.1": "2"})})))
    (folder / "caf\\xe9.csv").write_text(csv_text(long_rows({"B-9": ("Text Name Ltd", {"SOV-1.1": "2"})})))
    assert main(["evaluate", "--framework", str(CSF_PATH), "--formats", "json", "--out", "out", "bids",
                 "bids/b-001.xlsx", "./bids/b-001.xlsx"]) == 0
    evaluation_id = capsys.readouterr().out.split("Stored as evaluation ")[1].split()[0]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    files = sorted(bid["source"]["file"] for bid in results["bids"])
    assert files == ["bids/b-001.xlsx", "bids/caf\\xe9.csv", "bids/caf\\xe9.csv #2"]  # b-001 once, not thrice
    assert main(["reproduce", evaluation_id]) == 0


@given(st.binary(max_size=40) | st.lists(st.sampled_from([b"<", b":", b"f", b"x", b" ", b"\n", b"/", b">", b"<f",
                                                          b"x:f"]), max_size=12).map(b"".join))
def test_the_formula_element_search_finds_what_the_plain_pattern_finds(data):
    """The fast search (a literal first, then the character before it) agrees with [<:]f[\\s/>] everywhere."""
    assert _has_formula_element(data) == bool(re.search(rb"[<:]f[\s/>]", data))
