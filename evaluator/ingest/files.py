"""From paths on the command line (files or folders) to one BidSet; one bad file never stops the rest."""

import hashlib
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol, cast

import numpy as np

from evaluator.errors import ConfigurationError, Problem
from evaluator.i18n import N_, _
from evaluator.ingest.certificates import CertificateRows
from evaluator.ingest.columns import Column
from evaluator.ingest.csv_reader import read_csv_bids
from evaluator.ingest.registry_bid import MAX_ENTRY_BYTES, read_registry_bid
from evaluator.ingest.responses import Extract, ReadOptions, UnreadableFile, assemble
from evaluator.ingest.xlsx_reader import read_xlsx_bid
from evaluator.model.assessment import Choice, answer_text
from evaluator.model.bid import Bid, BidSet, RegistryCitation, SourceFile
from evaluator.model.certification import Certificate
from evaluator.model.framework import Framework
from evaluator.model.unanswered import UNANSWERED

# What reading one file gives: its rows to validate, the certificates it states, or a finished invalid bid
FileReading = Extract | CertificateRows | BidSet


class BidFileReader(Protocol):
    """Every bid-file reader: a file's bytes in, a FileReading out; raises UnreadableFile with a located
    problem when the whole file cannot be used."""

    def __call__(self, content: bytes, framework: Framework, source: SourceFile,
                 options: ReadOptions) -> FileReading: ...


READERS: dict[str, BidFileReader] = {".xlsx": read_xlsx_bid, ".csv": read_csv_bids, ".json": read_registry_bid}
REFUSED = {  # translated with _() where shown
    ".xlsm": N_("macro-enabled workbooks are not accepted; save the bid as .xlsx"),
    ".xlsb": N_("binary workbooks are not accepted; save the bid as .xlsx"),
    ".xls": N_("old Excel 97-2003 workbooks are not accepted; save the bid as .xlsx"),
}
# by suffix; a reader without an entry gets 20 MiB
MAX_FILE_BYTES = {".xlsx": 20 * 2**20, ".csv": 200 * 2**20, ".json": MAX_ENTRY_BYTES}
DEFAULT_MAX_FILE_BYTES = 20 * 2**20
DEFAULT_READ_OPTIONS = ReadOptions()  # frozen, so one shared default is safe


StoredInputs = Mapping[str, Path | None]  # reproduction: name as recorded -> a private copy (None: refused)
NOT_REGULAR = N_("this is not a regular file (a symbolic link, device or pipe); only regular files are read")


def expand_paths(paths: list[str], stored: StoredInputs | None = None) -> list[tuple[str, Path | None]]:
    """(name, path to read) for files as given and folders' files (recursively, sorted, hidden entries
    skipped); the path is None for an entry that is not a regular file, which is refused unread (links are
    never followed). Names are printable: bytes that are not UTF-8 are shown as \\x.. escapes. With
    `stored`, the names are looked up among a stored evaluation's inputs instead of on disk. Every name is
    unique, since an evaluation records its inputs by name: a file given twice is read once, and another file
    whose printable name is already taken is named with a suffix (" #2")."""
    if stored is not None:
        return _unique_names([found for name in paths
                              for found in _stored_under(printable(Path(name).as_posix()), stored)])
    found = []
    for name in paths:
        path = Path(name)
        if path.is_dir() and not path.is_symlink():
            found += sorted(_walk(path, printable(Path(name).as_posix())))
        else:
            found.append((printable(Path(name).as_posix()), None if _special(path) else path))
    return _unique_names(found)


def _unique_names(found: list[tuple[str, Path | None]]) -> list[tuple[str, Path | None]]:
    taken: dict[str, str | None] = {}  # name -> the real path it stands for
    unique = []
    for name, path in found:
        real = None if path is None else os.path.realpath(path)
        if name in taken and taken[name] == real:
            continue  # the same file, given twice
        shown, n = name, 1
        while shown in taken:
            n += 1
            shown = f"{name} #{n}"
        taken[shown] = real
        unique.append((shown, path))
    return unique


def _walk(folder: Path, name: str) -> list[tuple[str, Path | None]]:
    found = []
    for entry in os.scandir(folder):
        if entry.name.startswith("."):
            continue
        child = f"{name}/{printable(entry.name)}"
        if entry.is_dir(follow_symlinks=False):
            found += _walk(Path(entry.path), child)
        else:
            found.append((child, Path(entry.path) if entry.is_file(follow_symlinks=False) else None))
    return found


def _special(path: Path) -> bool:
    """A link, device, pipe or socket (a missing path is not: reading it reports that it is missing)."""
    try:
        return not stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _stored_under(name: str, stored: StoredInputs) -> list[tuple[str, Path | None]]:
    if name in stored:
        return [(name, stored[name])]
    prefix = name.rstrip("/") + "/"
    return sorted((recorded, path) for recorded, path in stored.items() if recorded.startswith(prefix))


def printable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogates) become \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def located(name: str, stored: StoredInputs | None) -> Path:
    if stored is None:
        return Path(name)
    path = stored.get(name)
    if path is None:
        raise ConfigurationError(name, _("the stored evaluation has no input file of this name"))
    return path


def read_bid_file(name: str, path: Path | None, framework: Framework, options: ReadOptions = DEFAULT_READ_OPTIONS,
                  keep: Callable[[str, str | None, bytes], None] | None = None) -> FileReading:
    """One file's rows. `keep(name, sha256, content)` receives every file read, and (name, None, b"") for an
    entry refused unread, so a stored evaluation can be repeated exactly."""
    if path is None:
        if keep is not None:
            keep(name, None, b"")
        return _invalid(SourceFile(name, ""), Problem("file", _(NOT_REGULAR)), framework)
    try:
        content = read_regular(path)
    except OSError as error:
        return _invalid(SourceFile(name, ""), Problem("file", _("cannot read the file ({reason})").format(
            reason=error.strerror or error)), framework)
    return _extract(content, name, framework, options, keep)


def read_regular(path: Path) -> bytes:
    """The file's bytes, refusing (without blocking) anything that became a link, pipe or device meanwhile."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(0, "not a regular file")
        return file.read()


def read_bids(paths: list[str], framework: Framework, options: ReadOptions = DEFAULT_READ_OPTIONS,
              keep: Callable[[str, str | None, bytes], None] | None = None,
              base: StoredInputs | None = None) -> BidSet:
    return read_bids_for(paths, [framework], options, keep, base)[0]


def read_bids_for(paths: list[str], frameworks: list[Framework], options: ReadOptions = DEFAULT_READ_OPTIONS,
                  keep: Callable[[str, str | None, bytes], None] | None = None,
                  base: StoredInputs | None = None, contents: Sequence[tuple[str, bytes]] = ()) -> list[BidSet]:
    """Read every file once (and the files given as (name, bytes) in `contents`, after them) and give each to
    the framework whose criteria it answers (the first framework on a tie, and for files that cannot be read);
    validate each framework's rows together, in one vectorised pass, keeping the bids in file order.
    Certificates attach to the first framework's bids."""
    parts = [read_bid_file(name, path, frameworks[0], options, keep) for name, path in expand_paths(paths, base)]
    parts += [_extract(content, name, frameworks[0], options, keep) for name, content in contents]
    return _bid_sets(parts, frameworks)


def read_bid_contents(contents: list[tuple[str, bytes]], framework: Framework,
                      options: ReadOptions = DEFAULT_READ_OPTIONS) -> BidSet:
    """Bid files given as (name, bytes), read and checked as read_bids reads files."""
    return _bid_sets([_extract(content, name, framework, options, None) for name, content in contents], [framework])[0]


def _bid_sets(parts: list[FileReading], frameworks: list[Framework]) -> list[BidSet]:
    certificates = [part for part in parts if isinstance(part, CertificateRows)]
    parts = [part for part in parts if not isinstance(part, CertificateRows)]
    owner = [_owner(part, frameworks) if isinstance(part, Extract) and len(frameworks) > 1 else 0 for part in parts]
    results = []
    for index, framework in enumerate(frameworks):
        mine = [(position, part) for position, part in enumerate(parts) if owner[position] == index]
        extracts = [(position, part) for position, part in mine if isinstance(part, Extract)]
        finished = [(position, part) for position, part in mine if isinstance(part, BidSet)]  # refused files
        assembled, file_of_bid = assemble([part for _, part in extracts], framework)
        file_order = np.r_[np.array([position for position, _ in extracts], np.int64)[file_of_bid],
                           np.repeat(np.array([position for position, _ in finished], np.int64),
                                     [len(part.bids) for _, part in finished])]
        combined = BidSet.concatenate([assembled, *[part for _, part in finished]], len(framework.criteria))
        bids = mark_reused_bid_ids(registry_updates(combined.take(np.argsort(file_order, kind="stable")), framework))
        if index == 0 and certificates:
            bids = attach_certificates(bids, certificates, len(framework.criteria))
        results.append(bids)
    return results


def _owner(extract: Extract, frameworks: list[Framework]) -> int:
    named = set(Column.of(extract.table["criterion_id"]).values)
    overlaps = [len(named & set(framework.criterion_index)) for framework in frameworks]
    return overlaps.index(max(overlaps))


def attach_certificates(bids: BidSet, sheets: list[CertificateRows], criteria: int) -> BidSet:
    """Give each bid the certificates (and certificate problems) stated for its bid_id; rows naming no bid
    in the batch become one invalid entry per certificates file, so nothing is silently dropped."""
    known = {bid.bid_id for bid in bids.bids if bid.bid_id}
    held: dict[str | None, list[Certificate]] = {}
    problems: dict[str | None, list[Problem]] = {}
    orphans = []
    for sheet in sheets:
        lost = [Problem(p.location, p.message) for bid_id, p in sheet.problems if bid_id not in known]
        lost += [Problem("file", _("a certificate names bid {bid}, which no bid file contains").format(bid=bid_id))
                 for bid_id, __ in sheet.certificates if bid_id not in known]
        if lost:
            orphans.append(Bid(None, None, sheet.source, tuple(lost)))
        for bid_id, certificate in sheet.certificates:
            held.setdefault(bid_id, []).append(certificate)
        for bid_id, problem in sheet.problems:
            problems.setdefault(bid_id, []).append(problem)
    updated = tuple(replace(bid, certificates=tuple(held.get(bid.bid_id, ())),
                            errors=(*bid.errors, *problems.get(bid.bid_id, ()))) for bid in bids.bids)
    return BidSet.concatenate([bids.with_bids(updated), BidSet.of_rows(tuple(orphans), criteria)], criteria)


def _extract(content: bytes, name: str, framework: Framework, options: ReadOptions,
             keep: Callable[[str, str, bytes], None] | None) -> FileReading:
    """One file's rows, or a finished invalid bid saying why the file cannot be used. `keep(name, sha256,
    content)` is called first, so even a refused file is kept."""
    source = SourceFile(name, hashlib.sha256(content).hexdigest())
    if keep is not None:
        keep(name, source.sha256, content)
    suffix = Path(name).suffix.casefold()
    if suffix in REFUSED:
        return _invalid(source, Problem("file", _(REFUSED[suffix])), framework)
    if suffix not in READERS:
        return _invalid(source, Problem("file", _("{suffix} is not a bid file type; use .xlsx (the bid template), "
                                                  ".csv or .json (a registry entry)").format(
            suffix=suffix or _("a file without extension"))), framework)
    limit = MAX_FILE_BYTES.get(suffix, DEFAULT_MAX_FILE_BYTES)
    if len(content) > limit:
        return _invalid(source, Problem("file", _("the file is {size} MiB; {suffix} bid files may be at most "
                                                  "{limit} MiB").format(
            size=f"{len(content) / 2**20:.1f}", suffix=suffix, limit=limit // 2**20)), framework)
    try:
        return READERS[suffix](content, framework, source, options)
    except UnreadableFile as unreadable:
        return _invalid(source, unreadable.problem, framework)
    except Exception as error:  # noqa: BLE001 - a hostile file must never stop the batch
        return _invalid(source, Problem("file", _("the file could not be read ({error})").format(
            error=type(error).__name__)), framework)


def registry_updates(bids: BidSet, framework: Framework) -> BidSet:
    """A vendor's bid submitted with the bid_id of a registry entry read in the same batch updates the entry:
    the submitted bid is evaluated, citing the entry and the answers it changes, and the entry's own bid is
    dropped (its file stays an input). Several submitted bids with that bid_id update nothing: they are all
    refused as reused bid_ids."""
    entry_rows: dict[str, list[int]] = {}
    submitted: dict[str, list[int]] = {}
    for row, bid in enumerate(bids.bids):
        if bid.bid_id is not None:  # provider ids match whatever their case
            (entry_rows if bid.registry is not None and bid.registry.updated is None else submitted) \
                .setdefault(bid.bid_id.casefold(), []).append(row)
    headers, dropped = list(bids.bids), []
    for bid_id, rows in submitted.items():
        entries = entry_rows.get(bid_id, [])
        if len(rows) != 1 or len(entries) != 1:
            continue
        entry, row = bids.bids[entries[0]], rows[0]
        changes = () if entry.invalid else tuple(_changed_answers(framework, bids, entries[0], row))
        headers[row] = replace(headers[row], registry=replace(cast(RegistryCitation, entry.registry), updated=changes))
        dropped.append(entries[0])
    if not dropped:
        return bids
    kept = np.array([row for row in range(len(headers)) if row not in set(dropped)], np.int64)
    return bids.with_bids(tuple(headers)).take(kept)


def _changed_answers(framework: Framework, bids: BidSet, registered: int, submitted: int):
    """(criterion, registered answer, submitted answer) for each criterion where the two rows differ."""
    for column, criterion in enumerate(framework.criteria_in_objective_order):
        before, after = Choice.claimed(bids, registered, column), Choice.claimed(bids, submitted, column)
        if before != after:
            yield criterion.id, *(None if choice.rank == UNANSWERED else answer_text(choice.notation(framework, column))
                                  for choice in (before, after))


def mark_reused_bid_ids(bids: BidSet) -> BidSet:
    """A bid_id identifies one bid: when bids in several files give the same bid_id, every one of them is
    invalid, naming the other files, whatever the order the files come in (which a vendor could choose by
    naming a file); the officer resolves the conflict, e.g. by withdrawing the file that is not the bid."""
    files_of: dict[str, list[str]] = {}
    for bid in bids.bids:
        if bid.bid_id is not None:
            files_of.setdefault(bid.bid_id, []).append(bid.source.file)
    marked = []
    for bid in bids.bids:
        others = [file for file in files_of.get(bid.bid_id or "", []) if file != bid.source.file]
        if bid.bid_id is None or not others:
            marked.append(bid)
            continue
        problem = Problem("bid_id", _("bid_id {bid} is also given by a bid in {files}; a bid_id identifies one bid, "
                                      "so none of them is evaluated until only one remains").format(
            bid=bid.bid_id, files=", ".join(sorted(set(others)))))
        marked.append(replace(bid, errors=(problem, *bid.errors)))
    return bids.with_bids(tuple(marked))


def _invalid(source: SourceFile, problem: Problem, framework: Framework) -> BidSet:
    return BidSet.of_rows((Bid(None, None, source, (problem,)),), len(framework.criteria))
