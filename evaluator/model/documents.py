"""Loading framework and tender files: strict YAML, then pydantic validation with located errors."""

import hashlib
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from evaluator.errors import ConfigurationError


class StrictModel(BaseModel):
    """Frozen, and unknown keys are refused: a typo in a file is an error, not a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: 10× faster
    """A safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _mapping_without_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)

Document = TypeVar("Document", bound=BaseModel)


def parse_document(content: bytes, cls: type[Document], where: str) -> Document:
    """Parse YAML bytes into `cls`, or raise ConfigurationError naming the place and the problem."""
    try:
        data = yaml.load(content, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigurationError(where, f"line {mark.line + 1}: {problem}" if mark else problem) from None
    if not isinstance(data, dict):
        raise ConfigurationError(where, "the file must be a YAML mapping of keys to values")
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(where, _first_error(error, data)) from None


def load_document(path: str | Path, cls: type[Document]) -> tuple[Document, str]:
    """Load a YAML file into `cls`; returns the model and the SHA-256 of the file's bytes."""
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise ConfigurationError(str(path), f"cannot read the file ({error.strerror})") from None
    return parse_document(content, cls, str(path)), hashlib.sha256(content).hexdigest()


def _first_error(error: ValidationError, data: dict) -> str:
    """One sentence for the first error, with a readable path such as criteria[3] (SOV-1.4).answers[2]."""
    detail = error.errors(include_url=False)[0]
    message = detail["msg"].removeprefix("Value error, ")
    path = _readable_path(detail["loc"], data)
    return f"{path}: {message}" if path else message


def _readable_path(loc: tuple, data) -> str:
    parts, node = [], data
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "id" in node:
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)
