"""Registry entries as bids: an entry becomes the long-format bid file its provider would have sent, read
by the same reader and checks as any bid file, so a registered answer is judged exactly as a submitted one."""

from evaluator.errors import ConfigurationError
from evaluator.i18n import _
from evaluator.ingest.files import expand_paths, read_bid_contents, read_regular
from evaluator.ingest.registry_bid import entry_csv, read_entry
from evaluator.model.bid import BidSet
from evaluator.model.framework import Framework
from evaluator.model.registry import RegistryEntry


def read_entries(paths: list[str], framework: Framework) -> tuple[list[RegistryEntry], list[tuple[str, str]]]:
    """The registry entries for `framework` in these files and folders' files, and (name, reason) for each
    file refused: one bad file never stops the others. Entries giving the same provider id (whatever the
    case) are all refused, naming each other: nobody publishes under another provider's id unnoticed."""
    named: list[tuple[str, RegistryEntry]] = []
    refused = []
    for name, path in expand_paths(paths):
        try:
            if path is None:
                raise ConfigurationError(name, _("not a regular file (links, pipes and devices are refused)"))
            named.append((name, read_entry(read_regular(path), name)))
        except ConfigurationError as error:
            refused.append((name, error.message))
        except (OSError, UnicodeError) as error:
            refused.append((name, _("cannot read the file ({reason})").format(reason=type(error).__name__)))
    files_of: dict[str, list[str]] = {}
    for name, entry in named:
        files_of.setdefault(entry.provider.casefold(), []).append(name)
    entries = []
    for name, entry in named:
        others = [other for other in files_of[entry.provider.casefold()] if other != name]
        if entry.framework != framework.id:
            refused.append((name, _("the entry answers framework {framework}, not {expected}").format(
                framework=entry.framework, expected=framework.id)))
        elif others:
            refused.append((name, _("provider {provider} is also given by {files}; a provider has one current "
                                    "entry, so none of them is listed").format(
                provider=entry.provider, files=", ".join(others))))
        else:
            entries.append(entry)
    return entries, sorted(refused)


def registered_bids(entries: list[RegistryEntry], framework: Framework) -> BidSet:
    """One bid per entry, in order."""
    return read_bid_contents([(f"registry/{entry.provider}.csv", entry_csv(entry)) for entry in entries], framework)
