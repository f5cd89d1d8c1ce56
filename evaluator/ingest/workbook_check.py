"""Looking inside an untrusted .xlsx before any spreadsheet library does.

Checks run on the zip directory first (entry count, names, declared sizes and compression ratios), so a
zip bomb is refused before anything is decompressed. The XML parts are then read with declared-size
caps and CRC checks; those the evaluator needs are parsed with defusedxml (no DTDs, no entities), the
others are scanned for entity declarations. The result says which cells of which sheet hold formulas.
"""

import functools
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring, iterparse

from evaluator.errors import Problem, quoted
from evaluator.i18n import N_, _
from evaluator.ingest.responses import UnreadableFile

MAX_ENTRIES = 1000
MAX_TOTAL_BYTES = 100 * 2**20  # declared uncompressed size of all entries together
MAX_ENTRY_BYTES = 50 * 2**20
MAX_RATIO = 100  # uncompressed / compressed, for entries above RATIO_FLOOR (real sheets compress 5-30×)
RATIO_FLOOR = 2**20
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
ENTITY_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
SHARED_PARTS = ("/sharedStrings", "/styles")  # relationship types of the parts a workbook reader parses
SIGNATURES = {  # translated with _() where shown
    b"\xd0\xcf\x11\xe0": N_("an encrypted (password-protected) workbook or an old binary Office file; save it "
                            "as a plain .xlsx without a password"),
    b"%PDF": N_("a PDF document, not a workbook"),
    b"\x89PNG": N_("a PNG image, not a workbook"),
    b"\xff\xd8\xff": N_("a JPEG image, not a workbook"),
}


@dataclass(frozen=True)
class WorkbookParts:
    sheets: list[str]  # sheet names in workbook order
    formulas: dict[str, list[str]]  # sheet name -> cells holding a formula (e.g. "B7"), in the sheets asked for


def inspect_workbook(content: bytes, read_sheets: tuple[str, ...]) -> WorkbookParts:
    """Refuse hostile or broken workbooks (UnreadableFile); otherwise list the sheets and the formula cells
    of `read_sheets`. Decompressed and checked: the workbook part, its relationships, the shared strings,
    the styles and the sheets read; other parts are never parsed, here or by the workbook reader."""
    archive = _open_archive(content)
    infos = archive.infolist()
    _check_directory(infos)
    by_name = {info.filename: info for info in infos}
    if "xl/workbook.bin" in by_name:
        raise _refused(_("this is a binary workbook (.xlsb) renamed to .xlsx; save it as .xlsx"))
    if any(posixpath.basename(name).casefold() == "vbaproject.bin" for name in by_name):
        raise _refused(_("the workbook contains macros (a vbaProject part); save it as a plain .xlsx"))
    if "xl/workbook.xml" not in by_name:
        raise _refused(_("the file is a zip archive but not an Excel workbook (no xl/workbook.xml)"))

    read = functools.cache(lambda part: _read_entry(archive, by_name[part]) if part in by_name else b"")
    rels_part = "xl/_rels/workbook.xml.rels"
    workbook = _parse(read("xl/workbook.xml"), "xl/workbook.xml")
    rels = list(_parse(read(rels_part) or b"<Relationships/>", rels_part).iter(PACKAGE_RELATIONSHIP))
    targets = {rel.get("Id"): _part_path(rel.get("Target", "")) for rel in rels}
    sheets = {sheet.get("name", ""): targets.get(sheet.get(RELATIONSHIP), "")
              for sheet in workbook.iter(f"{MAIN}sheet")}
    for rel in rels:
        if rel.get("Type", "").endswith(SHARED_PARTS):
            read(targets[rel.get("Id")])  # refused here if it declares entities
    formulas = {name: _formula_cells(read(sheets[name]), sheets[name]) for name in read_sheets if name in sheets}
    return WorkbookParts(list(sheets), formulas)


def _part_path(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _refused(message: str, location: str = "file") -> UnreadableFile:
    return UnreadableFile(Problem(location, message))


def _open_archive(content: bytes) -> zipfile.ZipFile:
    if not content:
        raise _refused(_("the file is empty"))
    for signature, what in SIGNATURES.items():
        if content.startswith(signature):
            raise _refused(_("the file is {what}").format(what=_(what)))
    if not content.startswith(b"PK\x03\x04"):
        raise _refused(_("the file is not an Excel workbook (.xlsx files are zip archives)"))
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _refused(_("the workbook is damaged: its zip directory is missing or truncated")) from None


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _refused(_("the workbook has {count} parts; at most {limit} are accepted").format(
            count=f"{len(infos):,}", limit=f"{MAX_ENTRIES:,}"))
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in re.split(r"[\\/]", name):
            raise _refused(_("the workbook contains a part with an unsafe path ({name})").format(name=quoted(name)))
        if info.flag_bits & 0x1:
            raise _refused(_("the workbook's parts are encrypted; save it without a password"))
        if info.file_size > MAX_ENTRY_BYTES:
            raise _refused(_("part {name} would expand to {size} MiB; at most {limit} MiB per part are "
                             "accepted").format(
                name=quoted(name), size=f"{info.file_size / 2**20:,.0f}", limit=MAX_ENTRY_BYTES // 2**20))
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refused(_("part {name} expands {ratio} times (a zip bomb); at most {limit} times is "
                             "accepted").format(
                name=quoted(name), ratio=f"{info.file_size // max(info.compress_size, 1):,}", limit=MAX_RATIO))
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refused(_("the workbook would expand to {size} MiB; at most {limit} MiB are accepted").format(
            size=f"{total / 2**20:,.0f}", limit=MAX_TOTAL_BYTES // 2**20))


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes; zipfile stops at the declared size and checks the CRC, so a part that lies
    about its size is caught here rather than expanded."""
    try:
        data = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, OSError, EOFError) as error:
        raise _refused(_("part {name} cannot be decompressed ({error})").format(
            name=quoted(info.filename), error=error)) from None
    if any(marker in data for marker in ENTITY_MARKERS):
        raise _refused(_("part {name} declares XML entities or a DTD (an XML attack such as 'billion laughs' or "
                         "XXE); such files are refused").format(name=quoted(info.filename)))
    return data


def _parse(data: bytes, part: str):
    try:
        return fromstring(data)
    except (ParseError, DefusedXmlException) as error:
        raise _refused(_("part {name} is not well-formed XML ({error})").format(name=quoted(part), error=error)) \
            from None


# <f>, <f t="shared" …/>, <x:f>: found as "f" and what follows, then checked for the "<" or ":" before it (a
# pattern that starts with a literal is searched about five times faster); a false hit only costs a parse
_FORMULA_END = re.compile(rb"f[\s/>]")


def _has_formula_element(data: bytes) -> bool:
    return any(data[match.start() - 1:match.start()] in (b"<", b":") for match in _FORMULA_END.finditer(data))


def _formula_cells(data: bytes, part: str) -> list[str]:
    if not _has_formula_element(data):
        return []  # most sheets have no formula: skip the (slow, pure-Python) parse
    cells = []
    try:
        for __, element in iterparse(io.BytesIO(data), events=("end",)):
            if element.tag == f"{MAIN}c":
                if element.find(f"{MAIN}f") is not None:
                    cells.append(element.get("r", "?"))
                element.clear()
    except (ParseError, DefusedXmlException) as error:
        raise _refused(_("part {name} is not well-formed XML ({error})").format(name=quoted(part), error=error)) \
            from None
    return cells
