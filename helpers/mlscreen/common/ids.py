"""The one rule for the ids people type: candidates, interviewers (they become folder names)."""

from __future__ import annotations

import re

_SAFE_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_-])?$")
ID_RULE = (
    "use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit and not "
    "ending with '.'"
)


def is_valid_id(value: object) -> bool:
    """Whether `value` is safe as a file name and as an nbgrader student id."""
    return isinstance(value, str) and bool(_SAFE_ID.match(value))


def validate_id(value: object, what: str = "id") -> str:
    """`value` if it is a valid id; ValueError saying the rule otherwise."""
    if not is_valid_id(value):
        raise ValueError(f"invalid {what} {value!r}: {ID_RULE}")
    return value  # type: ignore[return-value]
