"""Writing files to disk: all of a run's files or none, never half a file, never a temporary file left.

Each file is first written under a unique temporary name in its own folder (so two writers to one folder
never share a temporary file); only when every file is complete are they renamed into place, one atomic
rename each. On any failure (a full or read-only disk) the temporary files are removed and the error says why.
"""

import os
import secrets
from pathlib import Path

from evaluator.errors import ConfigurationError
from evaluator.i18n import N_, _


def write_files(folder: Path, files: dict[str, bytes], keep_existing: bool = False,
                what: str = N_("the results")) -> None:
    """Write `files` (names relative to `folder`, '/'-separated). With keep_existing, a file already present is
    left as it is (content-addressed copies)."""
    staged: list[tuple[Path, Path]] = []
    try:
        try:
            for name, content in sorted(files.items()):
                target = folder / name
                if keep_existing and target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                staged.append((_write_temporary(target, content), target))
            for temporary, target in staged:
                temporary.replace(target)
        finally:
            for temporary, __ in staged:
                temporary.unlink(missing_ok=True)
    except OSError as error:
        raise ConfigurationError(str(folder), _("cannot write {what} ({reason}); no file was left half-written").format(
            what=_(what), reason=error.strerror or error)) from None


def write_file(path: Path, content: bytes, keep_existing: bool = False) -> None:
    write_files(path.parent, {path.name: content}, keep_existing, what=N_("the file"))


def _write_temporary(target: Path, content: bytes) -> Path:
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(6)}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
