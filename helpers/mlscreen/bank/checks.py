"""The checks every bank file's entries pass: YAML read strictly, ids, texts, numbers, levels.

Each check takes `where` (the file and entry, for the message) and raises `BankError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .schema import LEVELS, BankError

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with the same key twice."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        raise BankError(f"{path.name}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise BankError(f"{path.name}: the top level must be a mapping")
    return data


def _entries(file: str, data: Mapping, key: str) -> list[dict]:
    entries = data[key]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BankError(f"{file}: '{key}' must be a list of mappings")
    return entries


def _fields(
    where: str, entry: Mapping, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    required, optional = set(required), set(optional)
    missing = required - set(entry)
    unknown = set(entry) - required - optional
    if missing:
        raise BankError(f"{where}: missing {sorted(missing)}")
    if unknown:
        raise BankError(f"{where}: unknown keys {sorted(unknown)}")


def _id(where: str, what: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise BankError(f"{where}: {what} must match {_ID.pattern}, got {value!r}")
    return value


def _text(where: str, what: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BankError(f"{where}: {what} must be non-empty text, got {value!r}")
    return " ".join(value.split())


def _texts(where: str, what: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BankError(f"{where}: {what} must be a list")
    return tuple(_text(where, what, v) for v in value)


def _ids(where: str, what: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BankError(f"{where}: {what} must be a list of ids")
    ids = tuple(_id(where, what, v) for v in value)
    if len(set(ids)) != len(ids):
        raise BankError(f"{where}: {what} lists an id twice")
    return ids


def _bool(where: str, what: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BankError(f"{where}: {what} must be true or false, got {value!r}")
    return value


def _int(where: str, what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BankError(f"{where}: {what} must be an integer, got {value!r}")
    return value


def _unique(kind: str, owners_and_ids: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for owner, key in owners_and_ids:
        if key in seen:
            raise BankError(f"{owner}: {kind} id {key!r} is used twice (also in {seen[key]})")
        seen[key] = owner


def _short_texts(where: str, what: str, value: Any) -> list[tuple[str, str]]:
    """A YAML mapping `id: text` (ids unique by construction of the loader)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        raise BankError(f"{where}: {what} must be a mapping of id: text")
    return [
        (_id(where, f"{what} id", k), _text(f"{where}, {what} {k!r}", "text", v))
        for k, v in value.items()
    ]


def _levels(where: str, what: str, value: Any) -> dict[int, str]:
    if not isinstance(value, dict) or set(value) != set(LEVELS):
        got = sorted(value, key=str) if isinstance(value, dict) else value
        raise BankError(f"{where}: {what} must map exactly the levels {list(LEVELS)}, got {got}")
    return {level: _text(where, f"{what} {level}", value[level]) for level in LEVELS}
