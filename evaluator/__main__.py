"""`python -m evaluator`: evaluate bids, validate frameworks, print the framework JSON Schema."""

import argparse
import contextlib
import contextvars
import dataclasses
import datetime as dt
import gc
import hashlib
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from evaluator import __version__, i18n
from evaluator.errors import (
    ConfigurationError,
    EvaluatorError,
    PermissionDenied,
    ReportError,
    StoreError,
    UnknownEvaluation,
    terminal_safe,
)
from evaluator.i18n import _, ngettext
from evaluator.loading import load_framework
from evaluator.model.framework import Framework
from evaluator.model.tender import Overrides
from evaluator.model.times import utc_text
from evaluator.model.unanswered import UNKNOWN_POLICIES
from evaluator.report import OUTPUT_FORMATS, PDF_FORMATS
from evaluator.report.render import RenderWorker
from evaluator.scoring.robustness import DEFAULT_CONCENTRATION, DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS

USAGE_ERROR, INTERNAL_ERROR, VERIFICATION_FAILED = 2, 1, 3
SAMPLES = Path(__file__).resolve().parents[1] / "samples"  # the bundled sample tender and bids
DEFAULT_FRAMEWORK = Path(__file__).resolve().parents[1] / "frameworks" / "eu-csf-2026.yaml"
EXIT_STATUS: dict[type[EvaluatorError], int] = {  # every kind of error, its exit status (the first match wins)
    ConfigurationError: USAGE_ERROR, StoreError: USAGE_ERROR, PermissionDenied: USAGE_ERROR,
    UnknownEvaluation: USAGE_ERROR, ReportError: INTERNAL_ERROR, EvaluatorError: INTERNAL_ERROR,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit 2 (argparse prints the whole usage otherwise)
        raise ConfigurationError("usage", message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m evaluator", description="Rank cloud bids on digital sovereignty.")
    parser.add_argument("--version", action="version", version=f"evaluator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    evaluate = commands.add_parser("evaluate", help="evaluate bid files and write the results")
    evaluation_arguments(evaluate)
    analyse = commands.add_parser("analyse", help="how sure is the award: write robustness.json (same arguments)")
    evaluation_arguments(analyse)

    template = commands.add_parser("template", help="write the vendor bid template workbook")
    template.add_argument("--framework", required=True, help="framework YAML file")
    template.add_argument("--tender", help="tender YAML file (its name, deadline and minimum levels are shown)")
    template.add_argument("--out", required=True, help="the workbook to write, e.g. bid-template.xlsx")
    language_argument(template)

    validate = commands.add_parser("validate-framework", help="check a framework file and summarise it")
    validate.add_argument("file")
    commands.add_parser("schema", help="print the JSON Schema of framework files")
    prefill = commands.add_parser("prefill", help="carry answers over to another framework through a crosswalk")
    prefill.add_argument("--crosswalk", required=True, help="crosswalk YAML file")
    prefill.add_argument("--from", dest="source", required=True, help="the framework the bids answer")
    prefill.add_argument("--to", dest="target", required=True, help="the framework to pre-fill")
    prefill.add_argument("--out", required=True, help="the long CSV to write (derived answers flagged in notes)")
    prefill.add_argument("inputs", nargs="+", metavar="BID_FILE_OR_FOLDER")
    reproduce = commands.add_parser("reproduce", help="run a stored evaluation again and compare every output")
    reproduce.add_argument("evaluation_id")
    audit = commands.add_parser("audit", help="the audit log")
    audit.add_argument("action", choices=["verify", "head", "keygen"],
                       help="verify: recompute the hash chain, check signed checkpoints and stored evaluations, name "
                            "the first broken link; head: print SEQ SHA256 of the newest entry; keygen: write an "
                            "Ed25519 key pair for signed checkpoints")
    audit.add_argument("--expect", action="append", default=[], metavar="SEQ:SHA256",
                       help="verify: a head printed earlier (by `audit head`), which must still be in the log "
                            "(repeatable)")
    audit.add_argument("--out", metavar="DIR", help="keygen: the folder for audit-key.pem and audit-key.pub.pem")
    case_arguments(commands.add_parser("case", help="tender cases: a stored, audited tender from draft to letters"))
    users_arguments(commands.add_parser("users", help="users, their roles and grants (an admin's)"))
    backup = commands.add_parser("backup", help="write a consistent snapshot of the whole store to one ZIP file")
    backup.add_argument("--out", required=True, metavar="FILE.zip")
    restore = commands.add_parser("restore", help="restore a backup into an empty store (EVALUATOR_DATABASE_URL); "
                                                  "refused unless every hash matches and the audit chain verifies")
    restore.add_argument("file", metavar="FILE.zip")
    commands.add_parser("health", help="check the store answers and is migrated; print JSON, exit 1 when failing")
    registry_arguments(commands.add_parser("registry", help="provider assessments: assess once, reuse many"))
    framework_arguments(commands.add_parser("framework", help="framework versions: derive one from a base, compare "
                                                              "two, see the effect on bids, publish, list"))
    return parser


def framework_arguments(framework: argparse.ArgumentParser) -> None:
    acting = _Parser(add_help=False)
    acting.add_argument("--as", dest="acting_as", metavar="USER", help="act as this user (default: the local user)")
    actions = framework.add_subparsers(dest="action", required=True, parser_class=_Parser)
    derive = actions.add_parser("derive", help="write a new framework version derived from a base, each change "
                                               "with the reason given")
    derive.add_argument("--base", required=True, help="the base framework YAML file")
    derive.add_argument("--out", required=True, help="the new version's YAML file")
    derive.add_argument("--name", help="the new version's framework id (default: the base's)")
    derive.add_argument("--version", dest="new_version", metavar="VERSION",
                        help="the new version's version (default: the base's with -1)")
    derive.add_argument("--profile", action="append", default=[], metavar="NAME=SOV-1:20,SOV-2:10,...",
                        help="a new or changed weight profile: every objective's weight, summing to 100 (repeatable)")
    derive.add_argument("--default-profile", metavar="NAME", help="the profile tenders get when they name none")
    derive.add_argument("--points", action="extend", nargs="+", default=[], metavar="CRITERION:ANSWER=POINTS",
                        help="an answer's points, e.g. SOV-3.1:2=60 (answers keep their order)")
    derive.add_argument("--minimum", action="extend", nargs="+", default=[], metavar="OBJECTIVE=LEVEL",
                        help="an objective's default minimum level for tenders that set none, e.g. SOV-3=SEAL-2")
    derive.add_argument("--label", action="append", default=[], metavar="ID=TEXT",
                        help="rename an objective (SOV-3=...), a criterion (SOV-3.1=...) or an answer (SOV-3.1:2=...)")
    derive.add_argument("--reason", required=True, help="why: recorded with every change of this derivation")
    diff = actions.add_parser("diff", help="what changed from one framework version to another, with the reasons")
    diff.add_argument("old")
    diff.add_argument("new")
    effect = actions.add_parser("effect", help="the bids ranked under the base and under a derived version, side by "
                                               "side, with the new profile's weight stability")
    effect.add_argument("new", help="the derived version's YAML file")
    effect.add_argument("bids", nargs="*", help="bid files (default: the bundled samples)")
    effect.add_argument("--base", help="the base's YAML file (default: the bundled or stored file it names)")
    effect.add_argument("--tender", help="tender YAML file (default: the bundled sample tender)")
    effect.add_argument("--profile", help="the new version's weight profile (default: its default profile)")
    effect.add_argument("--registry", action="store_true", help="the registered providers' assessments as the bids")
    effect.add_argument("--as-of", type=iso_date, help="with --registry: the date they must be valid on "
                                                        "(default: today)")
    effect.add_argument("--format", choices=["text", "json"], default="text")
    publish = actions.add_parser("publish", parents=[acting], help="store a derived version for officers' cases "
                                                                   "(an analyst's)")
    publish.add_argument("file")
    versions = actions.add_parser("versions", parents=[acting], help="the stored framework versions with their "
                                                                     "lineage")
    versions.add_argument("--format", choices=["text", "json"], default="text")


def registry_arguments(registry: argparse.ArgumentParser) -> None:
    acting = _Parser(add_help=False)
    acting.add_argument("--as", dest="acting_as", metavar="USER", help="act as this user (default: the local user)")
    acting.add_argument("--framework", default=str(DEFAULT_FRAMEWORK),
                        help="framework YAML file the entries answer (default: the bundled eu-csf-2026)")
    actions = registry.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", parents=[acting], help="register a provider's assessment from a bid file (any "
                                                            "format, one provider): a new version, never an overwrite")
    add.add_argument("--provider", required=True, metavar="ID", help="the provider's id (letters, digits, . _ -)")
    add.add_argument("--provider-name", help="the provider's name (default: the bid's vendor)")
    add.add_argument("--assessor", required=True, metavar="NAME")
    add.add_argument("--assessed-on", required=True, type=iso_date, metavar="DATE")
    add.add_argument("--valid-until", required=True, type=iso_date, metavar="DATE")
    add.add_argument("--kind", choices=["self", "third-party", "authorised"], default="self",
                     help="self-assessment (default), third-party assessment, or authorised after a panel's review")
    add.add_argument("file", metavar="BID_FILE")
    imports = actions.add_parser("import", parents=[acting], help="register published entry files (JSON, "
                                                                   "frameworks/registry-entry.schema.json)")
    imports.add_argument("files", nargs="+", metavar="FILE_OR_FOLDER")
    listing = actions.add_parser("list", parents=[acting], help="a market survey of the registry (or of entry "
                                                                 "files): levels, score, validity")
    listing.add_argument("--as-of", required=True, type=iso_date, metavar="DATE",
                         help="validity as of this date (YYYY-MM-DD); there is no default, so a listing is repeatable")
    listing.add_argument("--weights", metavar="PROFILE", help="weight profile the score uses")
    listing.add_argument("--min-level", action="append", default=[], metavar="N|OBJECTIVE=N",
                         help="list only providers with at least this level everywhere, or on one objective "
                              "(repeatable)")
    listing.add_argument("--expiring-within", type=days, metavar="DAYS",
                         help="list only entries valid on --as-of that expire within DAYS days")
    listing.add_argument("--format", choices=["json"], default="json")
    listing.set_defaults(unknown=None)
    listing.add_argument("files", nargs="*", metavar="FILE",
                         help="entry files, or folders of them, instead of the registry in the store")
    show = actions.add_parser("show", parents=[acting], help="one registered version (the newest by default), as JSON")
    show.add_argument("provider")
    show.add_argument("--version", type=int)
    history = actions.add_parser("history", parents=[acting], help="a provider's versions and what changed "
                                                                    "between them (answers, levels), as JSON")
    history.add_argument("provider")
    export = actions.add_parser("export", parents=[acting], help="write a registered version as its entry file")
    export.add_argument("provider")
    export.add_argument("--version", type=int)
    export.add_argument("--out", required=True, metavar="FILE.json")
    monitor = actions.add_parser("monitor", parents=[acting], help="continuous monitoring: entries expiring, levels "
                                                                   "gone down, open cases relying on changed entries")
    monitor.add_argument("--as-of", required=True, type=iso_date, metavar="DATE")
    monitor.add_argument("--within", type=days, default=30, metavar="DAYS", help="expiring within (default 30 days)")


def days(text: str) -> int:
    """A number of days from 0 to 36,500 (a century)."""
    if not re.fullmatch(r"[0-9]{1,5}", text.strip()) or int(text) > 36_500:
        raise argparse.ArgumentTypeError(_("{text} is not a number of days from 0 to 36500").format(
            text=repr(text[:40])))
    return int(text)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a date (YYYY-MM-DD)").format(text=repr(text))) from None


def users_arguments(users: argparse.ArgumentParser) -> None:
    acting = _Parser(add_help=False)
    acting.add_argument("--as", dest="acting_as", metavar="USER", help="act as this admin (default: the local user)")
    actions = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", parents=[acting], help="add a user, or give them more roles")
    add.add_argument("name")
    add.add_argument("--role", action="append", required=True,
                     help="officer, analyst, auditor, admin or evaluator (repeatable)")
    grant = actions.add_parser("grant", parents=[acting], help="give a user a grant (e.g. bid_identities)")
    grant.add_argument("name")
    grant.add_argument("grant")
    revoke = actions.add_parser("revoke", parents=[acting], help="take a role or a grant away from a user")
    revoke.add_argument("name")
    revoke.add_argument("role_or_grant")
    listing = actions.add_parser("list", parents=[acting], help="every user with roles and grants")
    listing.add_argument("--format", choices=["text", "json"], default="text")


def case_arguments(case: argparse.ArgumentParser) -> None:
    acting = _Parser(add_help=False)
    acting.add_argument("--as", dest="acting_as", metavar="USER",
                        help="act as this user, with the roles the users table gives them (default: the local user)")
    actions = case.add_subparsers(dest="action", required=True, parser_class=_Parser)
    new = actions.add_parser("new", parents=[acting], help="a new case (draft); prints its id on the last line")
    new.add_argument("--framework", required=True, help="framework YAML file")
    new.add_argument("--tender", required=True, help="tender YAML file")
    new.add_argument("--name", default="", help="the case's name (default: the tender's name)")
    actions.add_parser("sample", parents=[acting],
                       help="the bundled sample case (the sample tender and its bids), made only when the store holds "
                            "no case yet")
    actions.add_parser("list", parents=[acting], help="every case, with its state")
    show = actions.add_parser("show", parents=[acting], help="a case: state, tender versions, bids, history")
    show.add_argument("case")
    show.add_argument("--format", choices=["text", "json"], default="text")
    add = actions.add_parser("add-bids", parents=[acting], help="add bid files (until the case is opened)")
    add.add_argument("case")
    add.add_argument("files", nargs="+", metavar="BID_FILE_OR_FOLDER")
    registry = actions.add_parser("add-registry", parents=[acting], help="add bids from the registry: each "
                                                                          "provider's assessment valid on --as-of")
    registry.add_argument("case")
    registry.add_argument("providers", nargs="+", metavar="PROVIDER", help="provider ids (or P1,P2)")
    registry.add_argument("--as-of", required=True, type=iso_date, metavar="DATE")
    remove = actions.add_parser("remove-bid", parents=[acting], help="withdraw a bid (until the case is opened)")
    remove.add_argument("case")
    remove.add_argument("sha256_prefix", metavar="SHA256_PREFIX")
    tender = actions.add_parser("set-tender", parents=[acting], help="a new tender version (after opening: "
                                                                      "only with --reason)")
    tender.add_argument("case")
    tender.add_argument("tender", metavar="TENDER.yaml")
    tender.add_argument("--reason", help="why the tender changes after opening (recorded and flagged)")
    opening = actions.add_parser("open", parents=[acting], help="open the bids: bids fixed, tender locked")
    opening.add_argument("case")
    evaluate = actions.add_parser("evaluate", parents=[acting], help="evaluate the opened case (with letters)")
    evaluate.add_argument("case")
    evaluate.add_argument("--out", required=True, help="folder for the outputs")
    evaluate.add_argument("--formats", default=",".join(OUTPUT_FORMATS),
                          help=f"comma-separated outputs (default: {','.join(OUTPUT_FORMATS)}); letters always")
    language_argument(evaluate)
    approve = actions.add_parser("approve", parents=[acting], help="approve the award of the latest evaluation "
                                                                    "(another officer than who ran it)")
    approve.add_argument("case")
    letters = actions.add_parser("letters", parents=[acting], help="write the letters; records the standstill end")
    letters.add_argument("case")
    letters.add_argument("--out", required=True, help="folder for the letters")
    export = actions.add_parser("export", parents=[acting], help="the evaluation dossier (zip with a SHA-256 "
                                                                  "manifest)")
    export.add_argument("case")
    export.add_argument("--out", required=True, metavar="FILE.zip")
    declare = actions.add_parser("declare", parents=[acting], help="declare your conflicts of interest (a panel "
                                                                    "member or the chair; once per case)")
    declare.add_argument("case")
    declare.add_argument("--conflict", action="append", default=[], metavar="BID_ID",
                         help="a bid you have a conflict of interest with (repeatable; none: no conflict)")
    assess = actions.add_parser("assess", parents=[acting], help="import the panel's assessment CSV files "
                                                                  "(bid_id,criterion_id,assessed_answer,justification,"
                                                                  "assessor,stage[,evidence_quality])")
    assess.add_argument("case")
    assess.add_argument("files", nargs="+", metavar="FILE")


def evaluation_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--framework", required=True, help="framework YAML file")
    command.add_argument("--tender", help="tender YAML file")
    command.add_argument("--weights", metavar="PROFILE", help="weight profile of the framework")
    command.add_argument("--min-level", action="append", default=[], metavar="N|OBJECTIVE=N",
                         help="minimum level for every objective, or for one (repeatable)")
    command.add_argument("--unknown", choices=UNKNOWN_POLICIES, help="how unanswered criteria count")
    command.add_argument("--formats", default=",".join(OUTPUT_FORMATS),
                         help=f"comma-separated outputs (default: {','.join(OUTPUT_FORMATS)})")
    command.add_argument("--letters", action="store_true", help="also write one assessment letter per bidder")
    command.add_argument("--evaluated-at", metavar="TIME", help="evaluation time shown in the PDFs (ISO 8601; "
                         "default: SOURCE_DATE_EPOCH if set, else now)")
    command.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help="robustness: random weight draws")
    command.add_argument("--concentration", type=float, default=DEFAULT_CONCENTRATION,
                         help="robustness: Dirichlet concentration (higher: draws closer to the tender's weights)")
    command.add_argument("--seed", type=int, default=DEFAULT_SEED, help="robustness: the random seed")
    command.add_argument("--audit-head", default="", help=argparse.SUPPRESS)  # set when reproducing
    command.add_argument("--tender-change", action="append", default=[], metavar="JSON",
                         help=argparse.SUPPRESS)  # a case's tender change after opening, flagged in the report
    command.add_argument("--assessments", nargs="+", action="extend", default=[], metavar="FILE",
                         help="the evaluation panel's assessment CSV files (give them before --out)")
    command.add_argument("--from-registry", action="append", default=[], metavar="P1,P2",
                         help="bids built from these providers' registered assessments valid on --as-of (a provider "
                              "@N: its version N); with bid files, a vendor's bid with a provider's id updates its "
                              "registered answers")
    command.add_argument("--as-of", metavar="DATE", help="the date registry entries must be valid on (YYYY-MM-DD)")
    command.add_argument("--out", required=True, help="folder for the outputs")
    language_argument(command)
    command.add_argument("inputs", nargs="*", metavar="BID_FILE_OR_FOLDER")


def language_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--language", metavar="|".join(i18n.LANGUAGES),
                         help="the language of the messages and outputs (default: the tender's `language`, else "
                              "English)")


def set_language(args) -> None:
    """The language of the whole run, set before anything is read: --language, else (evaluate, analyse,
    template) the tender file's `language`, else English. A tender case's evaluation takes its tender's
    language in Desk.evaluate_case, and the messages after it follow (case_evaluate)."""
    given = getattr(args, "language", None)
    if given is not None:
        i18n.use(i18n.known_language(given))
    elif args.command in ("evaluate", "analyse", "template") and args.tender:
        i18n.use(_tender_language(args.tender) or i18n.SOURCE_LANGUAGE)


def _tender_language(path: str) -> str | None:
    """The tender file's `language`; None when it states none or cannot be read (the evaluation says why)."""
    from evaluator.loading import load_tender

    try:
        return load_tender(path)[0].language
    except ConfigurationError:
        return None


def request_from(args, formats: tuple[str, ...]):
    from evaluator.pipeline import Request

    if not 0 <= args.seed < 2**63:
        raise ConfigurationError("usage", _("--seed must be a whole number from 0 to 2^63 - 1"))
    if not 1 <= args.draws <= MAX_DRAWS or not 0 < args.concentration < math.inf:
        raise ConfigurationError("usage", _("--draws must be from 1 to {maximum} and --concentration a number "
                                            "above 0").format(maximum=f"{MAX_DRAWS:,}"))
    if not args.inputs and not args.from_registry:
        raise ConfigurationError("usage", _("give bid files or folders, or --from-registry PROVIDERS"))
    if args.from_registry and not args.as_of:
        raise ConfigurationError("--from-registry", _("needs --as-of DATE: a registered assessment holds for a "
                                                      "period"))
    return Request(framework=args.framework, inputs=tuple(args.inputs), tender=args.tender, as_of=args.as_of or "",
                   overrides=overrides_from(args), formats=formats, letters=args.letters,
                   evaluated_at=evaluation_time(args.evaluated_at), out=args.out, audit_head=args.audit_head,
                   draws=args.draws, concentration=args.concentration, seed=args.seed,
                   tender_changes=tuple(tender_change(text) for text in args.tender_change),
                   assessments=tuple(args.assessments), language=args.language or "")


def tender_change(text: str) -> dict:
    """One --tender-change: a JSON object with the change's reason, who made it (by) and when (at)."""
    try:
        change = json.loads(text)
    except ValueError:
        change = None
    if not isinstance(change, dict) or set(change) != {"reason", "by", "at"} or \
            not all(isinstance(value, str | None) for value in change.values()):
        raise ConfigurationError("usage", _('--tender-change must be a JSON object {"reason": …, "by": …, '
                                            '"at": …}'))
    return {key: change[key] for key in ("reason", "by", "at")}


def overrides_from(args) -> Overrides:
    everywhere, per_objective = None, {}
    for value in args.min_level:
        objective, equals, level = value.partition("=")
        if equals:
            per_objective[objective.strip()] = level.strip()
        elif everywhere is not None:
            raise ConfigurationError("--min-level", _("a minimum for every objective is given twice"))
        else:
            everywhere = value.strip()
    return Overrides(weight_profile=args.weights, minimum_level=everywhere, minimum_levels=per_objective,
                     unknown=args.unknown)


def evaluation_time(given: str | None) -> str:
    """The evaluation time as ISO 8601 UTC: the flag, else SOURCE_DATE_EPOCH, else the clock (here only,
    at the edge: the core and the renderers never read it)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if given is not None:
        try:
            moment = dt.datetime.fromisoformat(given.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError("--evaluated-at", _("{time} is not an ISO 8601 time such as "
                                                         "2026-04-30T12:00:00Z").format(time=repr(given))) from None
        moment = moment.replace(tzinfo=moment.tzinfo or dt.UTC)
        try:
            moment.astimezone(dt.UTC)
        except OverflowError:
            message = _("{time} is before the first representable time (0001-01-01T00:00:00Z to "
                        "9999-12-31T23:59:59Z)") if moment.year == 1 else \
                _("{time} is beyond the last representable time (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)")
            raise ConfigurationError("--evaluated-at", message.format(time=repr(given))) from None
    elif epoch is not None:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch) if epoch.strip().isdigit() else -1, dt.UTC)
        except (ValueError, OverflowError, OSError):
            moment = None
        if moment is None or not epoch.strip().isdigit():
            raise ConfigurationError("SOURCE_DATE_EPOCH", _("{value} is not a number of seconds since 1970 up to "
                                                            "the year 9999").format(value=repr(epoch[:40])))
    else:
        moment = dt.datetime.now(dt.UTC)
    return utc_text(moment)


def command_evaluate(args) -> int:
    formats = tuple(name for name in re.split(r"[,\s]+", args.formats.strip()) if name)
    # The PDF worker starts first: it imports WeasyPrint while this process imports pandas and scores.
    worker = RenderWorker() if args.letters or set(formats) & set(PDF_FORMATS) else None
    with long_lived_imports():
        request = request_from(args, formats)
        from evaluator.application import Desk, Store, User

    store = Store()
    desk = Desk(store, User.local())
    references, entries = _registry_bids(desk, args, request)
    outcome, evaluation_id = desk.evaluate(dataclasses.replace(request, registry=references), worker, out=args.out,
                                           entries=entries)
    return _evaluated(args, outcome, evaluation_id, store.url)


@contextlib.contextmanager
def long_lived_imports():
    """Importing pandas, SQLAlchemy and the models creates some 100,000 objects that live as long as the
    process; the cyclic garbage collector would scan them again and again (0.15 s of a 10,000-bid run). It is
    paused while they are made, and then they are frozen out of its reach (gc.freeze)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _evaluated(args, outcome, evaluation_id: str, store_url: str) -> int:
    """What the command prints once the evaluation is stored: the summary, the files, the evaluation's id."""
    from evaluator.pipeline import LETTERS
    from evaluator.report.summary import summary_text

    sys.stdout.write(summary_text(outcome.document))
    written = sorted(name for name in outcome.files if not name.startswith(f"{LETTERS}/"))
    letters = len(outcome.files) - len(written)
    files = ", ".join(written)
    if letters:
        files = ngettext("{files} and {count} letter", "{files} and {count} letters", letters).format(
            files=files, count=letters)
    sys.stdout.write(_("Wrote {files} to {out}, and the {count} input files to {out}/submissions/<sha256>").format(
        files=files, out=args.out, count=len(outcome.submissions)) + "\n")
    stored = _("Stored as evaluation {id} in {store} (reproduce it with: python -m evaluator reproduce {id})") \
        if outcome.recorded else _("Already stored (the same settings and input contents) as evaluation {id} in "
                                   "{store} (reproduce it with: python -m evaluator reproduce {id})")
    sys.stdout.write(stored.format(id=evaluation_id, store=store_url) + "\n")
    if outcome.report_error:  # the data outputs are written and stored; the PDFs are not
        print(_("error: the PDF report could not be rendered ({reason}); {files} were written and stored as "
                "evaluation {id}").format(reason=outcome.report_error, files=", ".join(written), id=evaluation_id),
              file=sys.stderr)
        return INTERNAL_ERROR
    return 0


def _registry_bids(desk, args, request) -> tuple[tuple[str, ...], dict[str, bytes]]:
    """The registry references and entries of --from-registry (registry_bids)."""
    if not args.from_registry:
        return (), {}
    from evaluator.pipeline import as_of_date

    return desk.registry_bids(args.from_registry, as_of_date(request.as_of), load_framework(args.framework)[0])


def command_analyse(args) -> int:
    import json

    from evaluator.application import Desk, Store, User
    from evaluator.pipeline import write_outputs

    outcome = Desk(Store(), User.local()).analyse(request_from(args, ("robustness",)))
    write_outputs(outcome, args.out)
    analysis = json.loads(outcome.files["robustness.json"])
    acceptability = analysis["acceptability"]
    for bid_id, shares in sorted(acceptability["bids"].items(), key=lambda item: -item[1]["wins"])[:5]:
        print(_("{bid}: first in {share} of {draws} weight draws").format(
            bid=bid_id, share=f"{shares['wins']:.1%}", draws=f"{acceptability['draws']:,}"))
    for oid, interval in analysis["stability"].items():
        stays = interval["winner_stays"]
        message = _("{objective} at {weight} %: the winner stays first for {low} to {high} %") if stays else \
            _("{objective} at {weight} %: the winner stays first for no weight")
        print(message.format(objective=oid, weight=f"{interval['weight']:g}",
                             **({"low": f"{stays[0]:g}", "high": f"{stays[1]:g}"} if stays else {})))
    print(_("Wrote robustness.json to {out} (seed {seed}).").format(out=args.out, seed=acceptability["seed"]))
    return 0


def command_template(args) -> int:
    from evaluator.output_files import write_file
    from evaluator.pipeline import make_template

    content = make_template(args.framework, args.tender, args.language or "")
    write_file(Path(args.out), content)
    print(_("Wrote the bid template to {out} ({size} bytes)").format(out=args.out, size=f"{len(content):,}"))
    return 0


def command_prefill(args) -> int:
    import csv
    import io

    from evaluator.ingest.files import read_bids
    from evaluator.loading import load_crosswalk
    from evaluator.model.crosswalk import prefill
    from evaluator.output_files import write_file
    from evaluator.report.cells import neutralised_row

    source = load_framework(args.source)[0]
    target = load_framework(args.target)[0]
    crosswalk = load_crosswalk(args.crosswalk)
    crosswalk.check(source, target, args.crosswalk)
    bids = read_bids(args.inputs, source)
    filled, derived = prefill(crosswalk, source, target, bids)
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["bid_id", "vendor", "criterion_id", "answer", "evidence", "evidence_quality", "notes"])
    criteria = target.criteria_in_objective_order
    for row, bid in enumerate(filled.bids):
        if bid.invalid:
            print(_("skipped {bid}: it is invalid under {framework}").format(bid=bid.bid_id or bid.source.file,
                                                                             framework=source.id), file=sys.stderr)
            continue
        for column, criterion in enumerate(criteria):
            rank = int(filled.ranks[row, column])
            answer = f"{rank} - {criterion.answers[rank - 1].label}" if rank else ""
            writer.writerow(neutralised_row([bid.bid_id, bid.vendor, criterion.id, answer, "", "",
                                             filled.notes[row, column] or ""]))
    write_file(Path(args.out), rows.getvalue().encode())
    print(_("Wrote {out}: {answers} answers derived through {crosswalk} for {bids} bids; check each against "
            "evidence before evaluating.").format(out=args.out, answers=int(derived.sum()), crosswalk=crosswalk.id,
                                                  bids=sum(not b.invalid for b in filled.bids)))
    return 0


def command_reproduce(args) -> int:
    from evaluator.application import Desk, Store, User

    rows = Desk(Store(), User.local()).reproduce(args.evaluation_id)
    width = max(len(_("identical")), len(_("DIFFERS")))
    for name, recorded, again in rows:
        print(f"{_('identical') if recorded == again else _('DIFFERS'):<{width}}  {name}  {recorded}"
              + ("" if recorded == again else f" -> {again}"))
    differing = sum(recorded != again for _name, recorded, again in rows)
    print(_("{same} of {count} outputs reproduced byte for byte.").format(same=len(rows) - differing,
                                                                         count=len(rows)))
    return VERIFICATION_FAILED if differing else 0


def command_audit(args) -> int:
    if args.expect and args.action != "verify":
        raise ConfigurationError("--expect", _("applies to `audit verify` only"))
    if args.out and args.action != "keygen":
        raise ConfigurationError("--out", _("applies to `audit keygen` only"))
    if args.action == "keygen":
        return audit_keygen(args.out)
    expect = [expected_head(value) for value in args.expect]
    from evaluator.application import Desk, Store, User

    desk = Desk(Store(), User.local())
    if args.action == "head":
        seq, digest = desk.audit_head()
        print(f"{seq} {digest}")
        return 0
    result = desk.audit_verification(expect)
    broken = result.broken
    if broken:
        if broken.kind == "chain":
            print(_("The audit log is broken at entry {seq}: {reason}. {count} entries before it are intact.").format(
                seq=broken.seq, reason=broken.reason, count=result.checked))
        else:
            print(_("The audit log is broken at {where}: {reason}.").format(where=broken.where, reason=broken.reason))
        return VERIFICATION_FAILED
    seq, digest = result.head
    print(_("The audit log is intact: {count} entries, chain head {head}.").format(count=result.checked, head=digest))
    if not result.checkpoints:
        signed = _("no signed checkpoints")
    elif result.signatures == result.checkpoints:
        signed = _("{count} signed checkpoints, every signature verified").format(count=result.checkpoints)
    else:
        signed = _("{count} signed checkpoints match the chain, their signatures unchecked (set "
                   "EVALUATOR_AUDIT_PUBLIC_KEY)").format(count=result.checkpoints)
    print(_("Head {seq} {head}; {expected} expected heads found; {evaluations} stored evaluations agree with their "
            "entries; {signed}.").format(seq=seq, head=digest, expected=len(expect), evaluations=result.evaluations,
                                         signed=signed))
    return 0


def expected_head(value: str) -> tuple[int, str]:
    """`--expect SEQ:SHA256` (or SEQ SHA256, as `audit head` prints it)."""
    match = re.fullmatch(r"\s*(\d+)\s*[:\s]\s*([0-9a-fA-F]{64})\s*", value)
    if not match:
        raise ConfigurationError("--expect", _("{value} is not SEQ:SHA256 (an entry number, a colon and the 64 hex "
                                               "digits `audit head` prints)").format(value=repr(value)))
    return int(match[1]), match[2].lower()


def audit_keygen(out: str | None) -> int:
    from evaluator.store.signing import PRIVATE_KEY_VARIABLE, PUBLIC_KEY_VARIABLE, generate_key_pair

    if not out:
        raise ConfigurationError("--out", _("`audit keygen` needs --out DIR, a folder outside the database"))
    private, public, key_id = generate_key_pair(out)
    print(_("Wrote the audit signing key {private} (mode 0600) and its public key {public}; key id {key}.").format(
        private=private, public=public, key=key_id))
    print(_("Set {private_variable}={private} where evaluations are stored, and give auditors {public} "
            "({public_variable}); keep both outside the database.").format(
        private_variable=PRIVATE_KEY_VARIABLE, private=private, public=public, public_variable=PUBLIC_KEY_VARIABLE))
    return 0


def command_validate(args) -> int:
    framework, sha256 = load_framework(args.file)
    answers = sum(len(c.answers) for c in framework.criteria)
    print(_("{file}: valid framework {framework} version {version} (sha256 {sha256})").format(
        file=args.file, framework=framework.id, version=framework.version, sha256=sha256))
    print("  " + _("{objectives} objectives, {criteria} criteria, {answers} answers; levels {first}..{last}; weight "
                   "profiles {profiles} (default {default})").format(
        objectives=len(framework.objectives), criteria=len(framework.criteria), answers=answers,
        first=framework.level_scale.levels[0].code, last=framework.level_scale.levels[-1].code,
        profiles=", ".join(framework.weight_profiles), default=framework.default_weight_profile))
    return 0


def command_registry(args) -> int:
    """JSON on stdout; each refused entry file on stderr, and then exit 1."""
    from evaluator.application import Desk, Store

    framework = load_framework(args.framework)[0]
    if args.action == "list" and args.files:
        return _survey_of_files(args, framework)
    store = Store()
    desk = Desk(store, _acting_user(store, args.acting_as))
    if args.action == "add":
        added = desk.register(args.file, _given_file(args.file)[1], framework, provider=args.provider,
                              provider_name=args.provider_name, assessor=args.assessor, kind=args.kind,
                              assessed_on=args.assessed_on, valid_until=args.valid_until)
        print(_registered(added))
        return 0
    if args.action == "import":
        files, unread = _entry_files(args.files)
        imported, refused = desk.import_entries(files, framework)
        for found in imported:
            print(_registered(found))
        return _refusals(sorted(unread + refused))
    if args.action == "export":
        from evaluator.output_files import write_file

        name, content = desk.registry_file(args.provider, args.version)
        write_file(Path(args.out), content)
        print(_("Wrote {name} to {out} (sha256 {sha256})").format(name=name, out=args.out,
                                                                  sha256=hashlib.sha256(content).hexdigest()))
        return 0
    documents: dict[str, Callable[[], object]] = {
        "list": lambda: _listed(args, desk.registry(framework, args.as_of, overrides_from(args)), framework),
        "show": lambda: desk.registry_entry(args.provider, args.version),
        "history": lambda: desk.registry_history(args.provider, framework),
        "monitor": lambda: desk.registry_monitor(framework, args.as_of, args.within)}
    print(json.dumps(documents[args.action](), indent=2, ensure_ascii=False))
    return 0


def _registered(entry: dict) -> str:
    return _("Registered {provider} version {version} (sha256 {sha256})").format(
        provider=entry["provider"], version=entry["version"], sha256=entry["sha256"])


def _survey_of_files(args, framework) -> int:
    from evaluator.ingest.registry import read_entries
    from evaluator.survey import market_survey

    entries, refused = read_entries(args.files, framework)
    print(json.dumps(_listed(args, market_survey(entries, framework, args.as_of, overrides_from(args)), framework),
                     indent=2, ensure_ascii=False))
    return _refusals(refused)


def _listed(args, survey: list[dict], framework) -> list[dict]:
    """The survey rows --min-level and --expiring-within keep."""
    from evaluator.model.registry import lapses_within

    listed = [row for row in survey if row["meets_minimums"]] if args.min_level else survey
    if args.expiring_within is not None:
        listed = [row for row in listed if row["valid"] and lapses_within(
            dt.date.fromisoformat(row["valid_until"]), args.as_of, args.expiring_within)]
    return listed


def _refusals(refused: list[tuple[str, str]]) -> int:
    for name, reason in refused:
        print(_("error: {name}: {reason}").format(name=terminal_safe(name), reason=terminal_safe(reason)),
              file=sys.stderr)
    return INTERNAL_ERROR if refused else 0


def command_framework(args) -> int:
    if args.action == "derive":
        return _derive(args)
    if args.action == "diff":
        from evaluator.model.derivation import differences

        print("\n".join(differences(load_framework(args.old)[0], load_framework(args.new)[0])))
        return 0
    from evaluator.application import Desk, Store

    store = Store()
    desk = Desk(store, _acting_user(store, args.acting_as if args.action != "effect" else None))
    if args.action == "effect":
        return _effect(args, desk)
    if args.action == "publish":
        sha, stored_now = desk.publish_framework(args.file, _given_file(args.file)[1])
        print((_("Published {file} (sha256 {sha256}): officers can create cases under it") if stored_now else
               _("{file} is published already (sha256 {sha256})")).format(file=args.file, sha256=sha))
        return 0
    versions = desk.framework_versions()
    if args.format == "json":
        print(json.dumps(versions, indent=2, ensure_ascii=False))
        return 0
    for version in versions:
        base = _("original") if version["previous"] is None else \
            _("derived from {sha256}").format(sha256=version["previous"][:12])
        print(f"{version['sha256'][:12]}  {version['id']} {version['version']}  ({base}; "
              f"{version['stored_by']} {version['stored_at']})")
        for change in version["changes"]:
            print(f"    - {change['what']}: {change['reason']}")
    if not versions:
        print(_("No framework version is stored yet."))
    return 0


def _derive(args) -> int:
    from evaluator.model.derivation import Edit, derive, framework_yaml
    from evaluator.output_files import write_file

    base, sha = load_framework(args.base)
    reason = args.reason
    edits = [Edit("profile", *_profile(text), reason) for text in args.profile]
    edits += [Edit("default_profile", "", args.default_profile, reason)] if args.default_profile else []
    edits += [Edit("points", *_pair(text, "--points", float), reason) for text in args.points]
    edits += [Edit("minimum", *_pair(text, "--minimum", str), reason) for text in args.minimum]
    edits += [Edit("label", *_pair(text, "--label", str), reason) for text in args.label]
    derived = derive(base, sha, edits, args.name, args.new_version)
    content = framework_yaml(derived).encode()
    write_file(Path(args.out), content)
    print(_("Wrote {framework} {version} to {out} (sha256 {sha256}), derived from {base} {base_version}").format(
        framework=derived.id, version=derived.version, out=args.out, sha256=hashlib.sha256(content).hexdigest(),
        base=base.id, base_version=base.version))
    for change in derived.changes[len(base.changes):]:
        print(f"  - {change.what}")
    return 0


PLAIN_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,15})?")  # points and weights: no exponent, no underscores


def _pair(text: str, flag: str, kind: Callable[[str], object]) -> tuple[str, object]:
    target, sep, value = text.partition("=")
    if not sep or not target.strip() or not value.strip():
        raise ConfigurationError(flag, _("{text} is not TARGET=VALUE").format(text=repr(text)[:60]))
    if kind is float and not PLAIN_NUMBER.fullmatch(value.strip()):
        raise ConfigurationError(f"{flag} {target.strip()}", _("{value} is not a number").format(
            value=repr(value.strip())[:30]))
    return target.strip(), kind(value.strip())


def _profile(text: str) -> tuple[str, dict[str, float]]:
    name, spec = _pair(text, "--profile", str)
    weights: dict[str, float] = {}
    for part in str(spec).split(","):
        objective, sep, weight = (piece.strip() for piece in part.partition(":"))
        if not sep or not PLAIN_NUMBER.fullmatch(weight):
            raise ConfigurationError(f"--profile {name}", _("{part} is not OBJECTIVE:WEIGHT").format(
                part=repr(part.strip())[:40]))
        if objective in weights:
            raise ConfigurationError(f"--profile {name}", _("{id} is given twice").format(id=objective))
        weights[objective] = float(weight)
    return name, weights


def _effect(args, desk) -> int:
    from evaluator.ingest.files import read_bids_for
    from evaluator.loading import load_tender

    new, _sha = load_framework(args.new)
    if args.base:
        base, base_sha = load_framework(args.base)
    elif new.derived_from is not None:
        base, base_sha = desk.framework_version(new.derived_from.sha256)[0], new.derived_from.sha256
    else:
        raise ConfigurationError(args.new, _("it names no base: give --base"))
    if new.derived_from is not None and new.derived_from.sha256 != base_sha:
        raise ConfigurationError("--base", _("{new} was derived from the file with SHA-256 {wanted}, not this "
                                             "one").format(new=args.new, wanted=new.derived_from.sha256))
    tender = load_tender(args.tender or SAMPLES / "tender.yaml")[0]
    if args.registry:
        if args.bids:
            raise ConfigurationError("--registry", _("give bid files or --registry, not both"))
        bids = desk.registry_as_bids(base, args.as_of or dt.date.fromisoformat(desk.clock()[:10]))
    else:
        bids = read_bids_for(args.bids or [str(path) for path in sorted((SAMPLES / "bids").iterdir())], [base])[0]
    effect = desk.framework_effect(base, new, bids, tender, args.profile)
    if args.format == "json":
        print(json.dumps(effect, indent=2, ensure_ascii=False))
        return 0
    print("\n".join(effect_lines(effect, base, new)))
    return 0


def effect_lines(effect: dict, base: Framework, new: Framework) -> list[str]:
    """The effect as a terminal table: each bid's rank, total and level under both versions."""
    settings = effect["settings"]
    width = max([12, *(len(row["bid"] or "?") for row in effect["bids"])])
    lines = [_("base {framework} {version}: {weights}").format(framework=base.id, version=base.version,
                                                              weights=settings["base"]["weight_source"]),
             _("new  {framework} {version}: {weights}").format(framework=new.id, version=new.version,
                                                              weights=settings["new"]["weight_source"]),
             f"{_('bid'):<{width}} {_('rank'):>9} {_('total'):>17} {_('level'):>15}  {_('status now')}"]
    for row in effect["bids"]:
        before, after = row["base"], row["new"]
        ranks = f"{before['rank'] or '-'} -> {after['rank'] or '-'}"
        totals = f"{_number(before['total'])} -> {_number(after['total'])}"
        levels = f"{before['level'] or '-'} -> {after['level'] or '-'}"
        lines.append(f"{row['bid'] or '?':<{width}} {ranks:>9} {totals:>17} {levels:>15}  {_(after['status'])}"
                     + ("  *" if row["moved"] else ""))
    case = settings["case"]
    if (case["weights"], case["minimum_levels"]) != (settings["new"]["weights"], settings["new"]["minimum_levels"]):
        lines.append(_("note: a case under the new version with this tender would use {weights} and its own minimum "
                       "levels: the tender's choices win").format(weights=case["weight_source"]))
    winners = effect["winner"]
    lines.append(_("winner: {base} -> {new}").format(base=", ".join(winners["base"]) or "-",
                                                     new=", ".join(winners["new"]) or "-"))
    for oid, interval in effect["stability"].items():
        stays = interval["winner_stays"]
        lines.append(_("{id} weight {weight}: the winner stays first from {low} to {high}").format(
            id=oid, weight=f"{interval['weight']:g}", low=f"{stays[0]:g}", high=f"{stays[1]:g}") if stays else
            _("{id} weight {weight}: the winner is not first at any weight").format(
                id=oid, weight=f"{interval['weight']:g}"))
    return lines


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def command_schema(_args) -> int:
    print(json.dumps(Framework.model_json_schema(), indent=2, sort_keys=True))
    return 0


def command_users(args) -> int:
    from evaluator.application import Desk, Store

    store = Store()
    desk = Desk(store, _acting_user(store, args.acting_as))
    if args.action == "list":
        users = desk.users()
        print(json.dumps(users, indent=2) if args.format == "json" else "\n".join(_user_text(user) for user in users))
        return 0
    if args.action == "add":
        user = desk.change_user(args.name, roles=tuple(args.role))
    elif args.action == "grant":
        user = desk.change_user(args.name, grants=(args.grant,))
    else:
        user = desk.change_user(args.name, remove=(args.role_or_grant,))
    print(_user_text(user))
    return 0


def _user_text(user: dict) -> str:
    """"name: roles (grants …)", as `users` prints a user."""
    roles = ", ".join(user["roles"]) or _("no role")
    if user["grants"]:
        return _("{name}: {roles} (grants {grants})").format(name=user["name"], roles=roles,
                                                             grants=", ".join(user["grants"]))
    return f"{user['name']}: {roles}"


def _acting_user(store, name: str | None):
    """The CLI's user: the local user (every role), or `--as` a user with the roles the users table gives."""
    from evaluator.application import LOCAL_USER, User, signed_in_user

    return User.local() if name in (None, LOCAL_USER) else signed_in_user(store, User(name, frozenset()))


def command_case(args) -> int:
    from evaluator.application import Desk, Store
    from evaluator.pipeline import letter_template_beside

    store = Store()
    desk = Desk(store, _acting_user(store, args.acting_as))
    action = args.action
    if action == "new":
        case_id = desk.create_case(_given_file(args.framework), _given_file(args.tender), args.name,
                                   letter_template_beside(args.tender))
        print(_("Created case {id} (draft) in {store}").format(id=case_id, store=store.url))
        print(case_id)
    elif action == "sample":
        if desk.cases():
            print(_("The store already holds cases (python -m evaluator case list); no sample case was made."))
        else:
            case_id = desk.create_case(_given_file(str(SAMPLES.parent / "frameworks" / "eu-csf-2026.yaml")),
                                       _given_file(str(SAMPLES / "tender.yaml")), "Sample case")
            desk.add_case_bids(case_id, _given_files([str(SAMPLES / "bids")]))
            print(_("Created the sample case {id} with the bundled sample bids in {store}").format(id=case_id,
                                                                                                  store=store.url))
            print(case_id)
    elif action == "list":
        for case in desk.cases():
            bids = ngettext("{count} bid", "{count} bids", case["bids"]).format(count=f"{case['bids']:>4}")
            print(f"{case['id']}  {case['state']:<14}  {bids}  {case['created_at']}  {case['name']}")
    elif action == "show":
        case = desk.case(args.case)
        print(json.dumps(case, indent=2, ensure_ascii=False) if args.format == "json" else _case_text(case))
    elif action == "add-bids":
        for name, sha in desk.add_case_bids(args.case, _given_files(args.files)):
            print(_("added {sha256}  {name}").format(sha256=sha, name=name))
    elif action == "add-registry":
        for found in desk.add_case_registry(args.case, args.providers, args.as_of):
            if "file" not in found:
                print(_("no assessment of {provider} was made by {date}: it will be an invalid bid").format(
                    provider=found["provider"], date=args.as_of))
            else:
                print((_("already a bid {sha256}  {name}") if found["already"] else _("added {sha256}  {name}")).format(
                    sha256=found["sha256"], name=found["file"]))
    elif action == "remove-bid":
        name, sha = desk.withdraw_case_bid(args.case, args.sha256_prefix)
        print(_("withdrew {sha256}  {name}").format(sha256=sha, name=name))
    elif action == "set-tender":
        number = desk.set_case_tender(args.case, _given_file(args.tender), args.reason,
                                      letter_template_beside(args.tender))
        print((_("Case {case}: tender version {version} (reason recorded: {reason})") if args.reason else
               _("Case {case}: tender version {version}")).format(case=args.case, version=number, reason=args.reason))
    elif action == "open":
        desk.open_case(args.case)
        print(_("Case {case} opened: the bids are fixed, the tender locked.").format(case=args.case))
    elif action == "evaluate":
        return case_evaluate(desk, args)
    elif action == "approve":
        evaluation_id = desk.approve_award(args.case)
        print(_("Case {case}: award of evaluation {evaluation} approved by {user}.").format(
            case=args.case, evaluation=evaluation_id, user=desk.user.name))
    elif action == "letters":
        letters, end = desk.issue_letters(args.case, Path(args.out))
        print(ngettext("Wrote {count} letter to {out}; the standstill period ends on {date}.",
                       "Wrote {count} letters to {out}; the standstill period ends on {date}.", len(letters)).format(
            count=len(letters), out=args.out, date=end))
    elif action == "declare":
        declared = desk.declare_conflicts(args.case, args.conflict)
        print((_("Case {case}: {user} declared a conflict of interest with {bids}") if declared else
               _("Case {case}: {user} declared no conflict of interest")).format(
            case=args.case, user=desk.user.name, bids=", ".join(declared)))
    elif action == "assess":
        from evaluator.ingest.assessments import ASSESSMENTS_LIMIT

        count = desk.import_assessments(args.case, [_given_file(name, ASSESSMENTS_LIMIT) for name in args.files])
        rows = ngettext("{count} assessment row", "{count} assessment rows", count).format(count=count)
        files = ngettext("{count} file", "{count} files", len(args.files)).format(count=len(args.files))
        print(_("Case {case}: stored {rows} from {files}.").format(case=args.case, rows=rows, files=files))
    elif action == "export":
        from evaluator.output_files import write_file

        dossier = desk.export_case(args.case)
        write_file(Path(args.out), dossier)
        print(_("Wrote the dossier of case {case} to {out} ({size} bytes); check it with: unzip it, then sha256sum "
                "-c MANIFEST.sha256 in {case}/").format(case=args.case, out=args.out, size=f"{len(dossier):,}"))
    return 0


def case_evaluate(desk, args) -> int:
    formats = tuple(name for name in re.split(r"[,\s]+", args.formats.strip()) if name)
    outcome, evaluation_id = desk.evaluate_case(args.case, formats, args.out, RenderWorker(), language=args.language)
    from evaluator.report.summary import summary_text

    i18n.use(outcome.language)  # the case's tender may have chosen it
    sys.stdout.write(summary_text(outcome.document))
    print(_("Case {case}: evaluation {evaluation}, outputs in {out} (reproduce it with: python -m evaluator reproduce "
            "{evaluation})").format(case=args.case, evaluation=evaluation_id, out=args.out))
    if outcome.report_error:
        print(_("error: the PDFs could not be rendered ({reason}); the data outputs were written and stored as "
                "evaluation {evaluation}").format(reason=outcome.report_error, evaluation=evaluation_id),
              file=sys.stderr)
        return INTERNAL_ERROR
    return 0


def _given_file(name: str, limit: int | None = None) -> tuple[str, bytes]:
    """A file's name and bytes; with `limit`, at most limit + 1 bytes are read (the reader refuses more)."""
    path = Path(name)
    if not path.is_file() or path.is_symlink():
        raise ConfigurationError(name, _("is not a regular file"))
    try:
        if limit is None:
            return path.name, path.read_bytes()
        with path.open("rb") as file:
            return path.name, file.read(limit + 1)
    except OSError as error:
        raise ConfigurationError(name, _("cannot be read ({reason})").format(reason=error.strerror or error)) from None


def _given_files(names: list[str]) -> list[tuple[str, bytes]]:
    """Files as given, and folders' files, found as an evaluation finds them (ingest.files.expand_paths:
    recursively, sorted, hidden entries skipped, links never followed)."""
    from evaluator.ingest.files import expand_paths

    found = []
    for shown, path in expand_paths(names):
        if path is None:
            raise ConfigurationError(shown, _("is not a regular file"))
        found.append(_given_file(str(path)))
    return found


def _entry_files(names: list[str]) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """Entry files as given and in folders, read up to one byte over the entry limit; (name, reason) for each
    that cannot be read, so one bad file never stops the others."""
    from evaluator.ingest.files import expand_paths
    from evaluator.ingest.registry_bid import MAX_ENTRY_BYTES

    found, unread = [], []
    for shown, path in expand_paths(names):
        try:
            if path is None:
                raise ConfigurationError(shown, _("is not a regular file (links, pipes and devices are refused)"))
            found.append((shown, _given_file(str(path), MAX_ENTRY_BYTES)[1]))
        except ConfigurationError as error:
            unread.append((shown, error.message))
    return found, unread


def _panel_text(panel: dict) -> list[str]:
    """The panel in `case show`: who sits on it, who declared, and what is left to do."""
    declared = ", ".join(f"{d['person']} ({', '.join(d['conflicts']) or _('no conflict')})"
                         for d in panel["declarations"])
    lines = ["  " + _("panel: chair {chair}, members {members}").format(chair=panel["chair"],
                                                                     members=", ".join(panel["members"])),
             "    " + _("declared: {people}").format(people=declared or _("nobody yet"))]
    lines += ["    " + ngettext("{assessor} assessed {count} criterion of {bid} ({stage}) at {time}",
                                "{assessor} assessed {count} criteria of {bid} ({stage}) at {time}",
                                p["criteria"]).format(assessor=p["assessor"], count=p["criteria"], bid=p["bid_id"],
                                                      stage=p["stage"], time=p["at"]) for p in panel["progress"]]
    to_do = panel.get("to_do")
    if to_do is None:
        return lines
    if not (to_do["undeclared"] or to_do["not_submitted"] or to_do["open_disagreements"]):
        return [*lines, "    " + _("to do: nothing (every member submitted, no open disagreement)")]
    lines.append("    " + _("to do:"))
    if to_do["undeclared"]:
        lines.append("      " + _("not declared yet: {people}").format(people=", ".join(to_do["undeclared"])))
    lines += ["      " + _("{bid}: not submitted by {people}").format(bid=bid_id, people=", ".join(members))
              for bid_id, members in to_do["not_submitted"].items()]
    lines += ["      " + _("{bid} {criterion}: open disagreement ({people}), the chair records a consensus").format(
        bid=d["bid_id"], criterion=d["criterion_id"], people=", ".join(d["assessors"]))
              for d in to_do["open_disagreements"]]
    return lines


def _case_text(case: dict) -> str:
    lines = [_("Case {id}: {name} ({state})").format(id=case["id"], name=case["name"], state=case["state"]),
             "  " + _("framework {file} {sha256}").format(**case["framework"]),
             "  " + _("created by {user} at {time}").format(user=case["created_by"], time=case["created_at"])]
    for tender in case["tender_versions"]:
        flag = "  " + _("CHANGED AFTER OPENING: {reason}").format(reason=tender["reason"]) \
            if tender["after_opening"] else ""
        lines.append("  " + _("tender v{version} {file} {sha256} by {user} at {time}").format(
            version=tender["version"], file=tender["file"], sha256=tender["sha256"][:12], user=tender["by"],
            time=tender["at"]) + flag)
        parts = {"letter_template": _("with letter template {file} {sha256}"),
                 "capability": _("with capability {file} {sha256}")}
        lines += ["    " + parts[part].format(file=tender[part]["file"], sha256=tender[part]["sha256"][:12])
                  for part in parts if tender[part]]
    for bid in case["bids"]:
        state = _("withdrawn by {user} at {time}").format(user=bid["withdrawn_by"], time=bid["withdrawn_at"]) \
            if bid["withdrawn_at"] else _("current")
        lines.append("  " + _("bid {sha256} {file} added by {user} at {time}; {state}").format(
            sha256=bid["sha256"][:12], file=bid["file"], user=bid["added_by"], time=bid["added_at"], state=state))
    for evaluation in case["evaluations"]:
        lines.append("  " + _("evaluation {id} by {user} at {time}").format(id=evaluation["id"], user=evaluation["by"],
                                                                         time=evaluation["at"]))
    if case["panel"]:
        lines += _panel_text(case["panel"])
    if case["award"]:
        lines.append("  " + _("award: evaluation {evaluation} approved by {user} at {time}").format(
            evaluation=case["award"]["evaluation"], user=case["award"]["approved_by"],
            time=case["award"]["approved_at"]))
    if case["letters"]:
        lines.append("  " + _("letters issued at {time}; standstill ends {date} ({days} days)").format(
            time=case["letters"]["issued_at"], date=case["letters"]["standstill_end"],
            days=case["letters"]["standstill_days"]))
    lines.append("  " + _("history:"))
    lines += [f"    {entry['when']}  {entry['who']}  {entry['what']}"
              + ("  " + _("(reason: {reason})").format(reason=entry["reason"]) if entry["reason"] else "")
              for entry in case["history"]]
    return "\n".join(lines)


def command_backup(args) -> int:
    from evaluator.store import Store
    from evaluator.store.backup import write_backup
    from evaluator.store.database import safe_url

    store = Store()
    summary = write_backup(store.engine, Path(args.out))
    seq, digest = summary.audit_head
    rows = ngettext("{count} row", "{count} rows", summary.rows).format(count=summary.rows)
    print(_("Backed up {tables} tables, {rows} (schema {revision}, audit head {seq} {head}) from {store} to "
            "{out}").format(tables=summary.tables, rows=rows, revision=summary.revision, seq=seq, head=digest,
                            store=safe_url(store.url), out=args.out))
    return 0


def command_restore(args) -> int:
    from evaluator.store import Store, signing
    from evaluator.store.backup import restore
    from evaluator.store.database import safe_url

    store = Store()
    summary = restore(store.engine, Path(args.file), signing.public_keys_from_environment(store.signer))
    seq, digest = summary.audit_head
    rows = ngettext("{count} row", "{count} rows", summary.rows).format(count=summary.rows)
    print(_("Restored {tables} tables, {rows} (schema {revision}) from {file} into {store}; the audit log verifies, "
            "head {seq} {head}").format(tables=summary.tables, rows=rows, revision=summary.revision, file=args.file,
                                        store=safe_url(store.url), seq=seq, head=digest))
    return 0


def command_health(_args) -> int:
    from evaluator.store import data_root, database_url
    from evaluator.store.backup import health

    report = health(database_url(data_root()))
    print(json.dumps(report, sort_keys=True))
    return 0 if report["status"] == "ok" else INTERNAL_ERROR


COMMANDS = {"evaluate": command_evaluate, "analyse": command_analyse, "template": command_template,
            "validate-framework": command_validate, "schema": command_schema, "reproduce": command_reproduce,
            "audit": command_audit, "prefill": command_prefill, "case": command_case,
            "users": command_users, "backup": command_backup, "restore": command_restore, "health": command_health,
            "registry": command_registry, "framework": command_framework}


def main(argv: list[str] | None = None) -> int:
    """One run, in a context of its own: the language it sets (--language) ends with it."""
    return contextvars.copy_context().run(_main, argv)


def _main(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        set_language(args)
        return COMMANDS[args.command](args)
    except EvaluatorError as error:
        status = next(code for kind, code in EXIT_STATUS.items() if isinstance(error, kind))
        print((_("error: {reason}") if status == USAGE_ERROR else _("internal error: {reason}")).format(
            reason=error), file=sys.stderr)
        return status
    except Exception as error:  # noqa: BLE001 - the contract's exit 1, with a reason instead of a trace
        print(_("internal error: {reason}").format(reason=f"{type(error).__name__}: {error}"), file=sys.stderr)
        return INTERNAL_ERROR


def exit_now(status: int) -> None:
    """End the process without tearing down its modules and objects (about 0.2 s after a large evaluation):
    by now every file is written and closed and every transaction committed; only the output buffers wait."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`| head`): nothing more can be shown
        status = status or INTERNAL_ERROR
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
