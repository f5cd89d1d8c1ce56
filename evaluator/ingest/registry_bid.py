"""A registry entry read as a bid file (.json): the provider's registered answers become its bid, judged by
the same reader and checks as a submitted file, valid only as of a date the evaluation names."""

import csv
import io
from typing import cast

import numpy as np

from evaluator.errors import ConfigurationError, Problem
from evaluator.i18n import _
from evaluator.ingest.csv_reader import read_csv_bids
from evaluator.ingest.responses import Extract, ReadOptions, UnreadableFile
from evaluator.model.bid import Bid, BidSet, RegistryCitation, SourceFile
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework
from evaluator.model.registry import RegistryEntry, invalidity

MAX_ENTRY_BYTES = 2**20  # an entry of 1,000 answers with long evidence stays far below
_FIELD = {"bid_id": "provider", "vendor": "provider_name"}  # long CSV column -> the entry's field


def entry_csv(entry: RegistryEntry) -> bytes:
    """The long-format bid file the provider would have sent: the provider as bid_id and vendor, one row per
    registered answer, in criterion order."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["bid_id", "vendor", "criterion_id", "answer", "evidence", "evidence_quality"])
    for criterion, given in sorted(entry.answers.items()):
        writer.writerow([entry.provider, entry.provider_name, criterion, given.answer, given.evidence,
                         given.evidence_quality])
    return text.getvalue().encode()


def read_entry(content: bytes, name: str) -> RegistryEntry:
    """An entry file, checked as untrusted input: at most MAX_ENTRY_BYTES of JSON in the documented format."""
    if len(content) > MAX_ENTRY_BYTES:
        raise ConfigurationError(name, _("the file is {size} bytes; an entry may be at most {limit}").format(
            size=f"{len(content):,}", limit=f"{MAX_ENTRY_BYTES:,}"))
    return parse_document(content, RegistryEntry, name)


def citation(entry: RegistryEntry, source: SourceFile, as_of: str) -> RegistryCitation:
    return RegistryCitation(source.file, source.sha256, entry.provider, entry.assessor, entry.kind,
                            entry.assessed_on.isoformat(), entry.valid_until.isoformat(), as_of)


def read_registry_bid(content: bytes, framework: Framework, source: SourceFile,
                      options: ReadOptions) -> Extract | BidSet:
    """The entry's answers as rows to validate, located in the entry (answers.<criterion>.answer); a finished
    invalid bid when it does not hold as of `options.as_of` (or no date was named)."""
    try:
        entry = read_entry(content, source.file)
    except ConfigurationError as error:
        raise UnreadableFile(Problem("file", error.message)) from None
    if entry.framework != framework.id:
        raise UnreadableFile(Problem("framework", _("the registry entry answers framework {framework}, not "
                                                    "{expected}").format(
            framework=entry.framework, expected=framework.id)))
    as_of = options.as_of
    cited = citation(entry, source, as_of.isoformat() if as_of else "")
    reason = _("was read without an as-of date (evaluate with --as-of DATE)") if as_of is None else \
        invalidity(entry, as_of)
    if reason is not None:
        bid = Bid(entry.provider, entry.provider_name, source, (Problem(
            "registry", _("the registered assessment of {provider} by {assessor} {reason}").format(
                provider=entry.provider, assessor=entry.assessor, reason=reason)),),
            registry=cited)
        return BidSet.of_rows((bid,), len(framework.criteria))
    extract = cast(Extract, read_csv_bids(entry_csv(entry), framework, source, options))  # never certificates
    criteria = sorted(entry.answers)

    def locate(positions: np.ndarray, column: str) -> list[str]:
        field = _FIELD.get(column)
        return [field or f"answers.{criteria[p]}.{column}" if 0 <= p < len(criteria) else "answers"
                for p in positions.tolist()]
    return Extract(extract.table, locate, source, registry=cited)
