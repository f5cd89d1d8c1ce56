"""Loading framework and tender files: strict YAML, then pydantic validation with located errors."""

import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from evaluator.errors import ConfigurationError
from evaluator.i18n import _


class StrictModel(BaseModel):
    """Frozen, and unknown keys are refused: a typo in a file is an error, not a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid")


if TYPE_CHECKING:  # both loaders have the same constructor API; mypy checks against the pure-Python one
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10× faster


class _UniqueKeyLoader(_SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _mapping_without_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode,
                                deep: bool = False) -> dict[Hashable, Any]:
    seen: set[Hashable] = set()
    for key_node, __ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, _("key {key} appears twice").format(key=repr(key)), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)

Document = TypeVar("Document", bound=BaseModel)


def parse_document(content: bytes, cls: type[Document], where: str) -> Document:
    """Parse YAML bytes into `cls`, or raise ConfigurationError naming the place and the problem."""
    _refuse_deep_nesting(content, where)
    try:
        data = yaml.load(content, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigurationError(where, _("line {line}: {problem}").format(line=mark.line + 1, problem=problem)
                                 if mark else problem) from None
    if not isinstance(data, dict):
        raise ConfigurationError(where, _("the file must be a YAML mapping of keys to values"))
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(where, _first_error(error, data)) from None


MAX_NESTING = 100  # levels; libyaml recurses once per level and crashes the process tens of thousands deep
_SEQUENCE_CHAIN = re.compile(rb"^[ \t]*(?:[-?:][ \t]+){%d,}" % MAX_NESTING, re.MULTILINE)
_DEEP_INDENT = re.compile(rb"^[ \t]{%d,}\S" % (4 * MAX_NESTING), re.MULTILINE)


def _refuse_deep_nesting(content: bytes, where: str) -> None:
    """Refuse, before parsing, a document nested deeper than MAX_NESTING levels: bracketed ([ {) nesting,
    a chain of nested '- ' items on one line, or an indentation of more than 4 columns a level."""
    data = np.frombuffer(content, np.uint8)
    depth = np.cumsum(np.isin(data, _OPENING).astype(np.int64) - np.isin(data, _CLOSING))
    if (len(depth) and depth.max() > MAX_NESTING) or _SEQUENCE_CHAIN.search(content) or _DEEP_INDENT.search(content):
        raise ConfigurationError(where, _("the document is nested more than {levels} levels deep").format(
            levels=MAX_NESTING))


_OPENING, _CLOSING = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)


def _first_error(error: ValidationError, data: dict[str, Any]) -> str:
    """One sentence for the first error, with a readable path such as criteria[3] (SOV-1.4).answers[2]."""
    detail = error.errors(include_url=False)[0]
    message = detail["msg"].removeprefix("Value error, ")
    path = _readable_path(detail["loc"], data)
    return f"{path}: {message}" if path else message


def _readable_path(loc: tuple[int | str, ...], data: object) -> str:
    parts: list[str] = []
    node = data
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
