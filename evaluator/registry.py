"""The registry's rules between the pure model and the store: an entry's canonical bytes, an entry made
from any bid file, the version that holds as of a date, what changed between versions, and what needs
watching (continuous monitoring). No clock: every date is named by the caller."""

import datetime as dt
import json
from typing import Any

from pydantic import ValidationError

from evaluator.errors import ConfigurationError
from evaluator.i18n import _
from evaluator.ingest.files import read_bid_contents
from evaluator.ingest.registry_bid import read_entry
from evaluator.ingest.responses import ReadOptions
from evaluator.model.assessment import Choice, answer_text
from evaluator.model.bid import QUALITY_NOT_STATED
from evaluator.model.framework import Framework
from evaluator.model.registry import RegisteredAnswer, RegistryEntry, answer_changes, expires_within
from evaluator.model.tender import EVIDENCE_QUALITIES, Overrides
from evaluator.model.unanswered import UNANSWERED
from evaluator.survey import assessed

LISTED_PROBLEMS = 5


def canonical(entry: RegistryEntry) -> bytes:
    """The entry as the registry stores, exports and cites it: JSON with sorted keys, the same bytes for the
    same entry whatever file it came from."""
    return json.dumps(entry.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def entry_from_file(name: str, content: bytes, framework: Framework, **given) -> RegistryEntry:
    """An entry from a bid file of any format holding one provider's bid (its answers, evidence and evidence
    quality), with `given` fields (provider, assessor, kind, assessed_on, valid_until; provider_name defaults
    to the bid's vendor), or from an entry file (.json), whose own fields stand unless `given` repeats
    them. Answers are checked as a bid's: a located ConfigurationError lists the problems."""
    if name.casefold().endswith(".json"):
        entry = read_entry(content, name)
        fields = entry.model_dump()
        clashing = [key for key, value in given.items() if value is not None and fields.get(key) != value]
        if clashing:
            raise ConfigurationError(name, _("the entry gives {fields}; a published entry is registered as it is "
                                             "(leave out the options)").format(
                fields=", ".join(f"{key} {fields[key]}" for key in clashing)))
    else:
        entry = _entry_of_bid(name, content, framework, given)
    checked(entry, framework, name)
    return entry


def _entry_of_bid(name: str, content: bytes, framework: Framework, given: dict) -> RegistryEntry:
    bids = read_bid_contents([(name, content)], framework)
    if len(bids.bids) != 1:
        raise ConfigurationError(name, _("the file holds {count} bids; a registry entry is one provider's").format(
            count=len(bids.bids)))
    bid = bids.bids[0]
    if bid.invalid:
        raise ConfigurationError(name, _problems(bid.errors))
    answers = {}
    for column, criterion in enumerate(framework.criteria_in_objective_order):
        claim, quality = Choice.claimed(bids, 0, column), int(bids.evidence_quality[0, column])
        if claim.rank != UNANSWERED:
            answers[criterion.id] = RegisteredAnswer(
                answer=answer_text(claim.notation(framework, column)), evidence=bids.evidence[0, column] or "",
                evidence_quality="" if quality == QUALITY_NOT_STATED else EVIDENCE_QUALITIES[quality - 1])
    missing = [key for key in ("provider", "assessor", "kind", "assessed_on", "valid_until") if given.get(key) is None]
    if missing:
        raise ConfigurationError(name, _("a bid file becomes an entry with {fields} given").format(
            fields=", ".join(missing)))
    try:
        return RegistryEntry(format="evaluator-registry-entry/1", framework=framework.id, answers=answers,
                             **{"provider_name": bid.vendor or given["provider"],
                                **{key: value for key, value in given.items() if value is not None}})
    except ValidationError as error:
        raise ConfigurationError(name, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                 for e in error.errors()[:LISTED_PROBLEMS])) from None


def checked(entry: RegistryEntry, framework: Framework, name: str) -> None:
    """Refuse an entry of another framework, or whose answers a bid reader would refuse (located)."""
    if entry.framework != framework.id:
        raise ConfigurationError(name, _("the entry answers framework {framework}, not {expected}").format(
            framework=entry.framework, expected=framework.id))
    json_name = name if name.casefold().endswith(".json") else f"{name}.json"  # read as the entry it becomes
    bid = read_bid_contents([(json_name, canonical(entry))], framework, ReadOptions(as_of=entry.assessed_on)).bids[0]
    if bid.invalid:
        raise ConfigurationError(name, _problems(bid.errors))


def _problems(errors) -> str:
    listed = "; ".join(f"{problem.location}: {problem.message}" for problem in errors[:LISTED_PROBLEMS])
    more = len(errors) - LISTED_PROBLEMS
    return listed + (_("; and {count} more").format(count=more) if more > 0 else "")


def version_as_of(rows: list, as_of: dt.date):
    """The version that holds as of a date: the newest assessed on or before it (None when none was)."""
    before = [row for row in rows if dt.date.fromisoformat(row.assessed_on) <= as_of]
    return max(before, key=lambda row: row.version) if before else None


def history(versions: list[tuple[Any, RegistryEntry]], framework: Framework,
            overrides: Overrides | None = None) -> list[dict]:
    """Each version (row, entry), oldest first, with its levels and score and what changed from the version
    before: the answers and the levels per objective (`levels_down` lists the objectives that went down)."""
    if not versions:
        return []
    rows = assessed([entry for __, entry in versions], framework, versions[-1][1].valid_until, overrides)
    result: list[dict] = []
    for index, ((row, entry), levels) in enumerate(zip(versions, rows, strict=True)):
        step = {"version": row.version, "sha256": row.sha256, "assessor": entry.assessor, "kind": entry.kind,
                "assessed_on": row.assessed_on, "valid_until": row.valid_until, "added_by": row.added_by,
                "added_at": row.added_at, "source": {"file": row.source_name, "sha256": row.source_sha256},
                "overall_level": levels["overall_level"], "levels": levels["levels"], "score": levels["score"]}
        if index:
            before = result[-1]
            step["answers_changed"] = answer_changes(versions[index - 1][1], entry)
            step["levels_changed"] = [{"objective": oid, "before": before["levels"][oid], "after": level}
                                      for oid, level in levels["levels"].items() if before["levels"][oid] != level]
            step["levels_down"] = [change["objective"] for change in step["levels_changed"]
                                   if _lower(change["after"], change["before"])]
        result.append(step)
    return result


def _lower(after: int | None, before: int | None) -> bool:
    return before is not None and (after is None or after < before)


def expiring(entries: list[RegistryEntry], as_of: dt.date, days: int) -> list[dict]:
    """The entries valid as of a date that lapse within `days` days, soonest first."""
    return sorted(({"provider": entry.provider, "valid_until": entry.valid_until.isoformat()}
                   for entry in entries if expires_within(entry, as_of, days)),
                  key=lambda found: (found["valid_until"], found["provider"]))
