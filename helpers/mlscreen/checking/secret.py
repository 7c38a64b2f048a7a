"""The course secret and the fresh-case seeds made from it.

`mlscreen build` makes the secret once per course (`.mlscreen/secret` under the course root,
random, mode 0600 in a 0700 folder): it is never in `release/`, never in the repository, and a
grading kernel cannot read it (the jail does not mount the course, and runs as another user).
A case's seed is HMAC-SHA256(secret, candidate, test id, case number): the same on every regrade
of a candidate, different across candidates and courses, and unknowable from the public kit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

_log = logging.getLogger(__name__)
SECRET_FILE = Path(".mlscreen") / "secret"


def secret_path(root: Path) -> Path:
    """Where the course under `root` keeps its secret."""
    return Path(root) / SECRET_FILE


def make_secret(root: Path) -> Path:
    """The course secret's file, made (random, grader-only) if it does not exist yet."""
    path = secret_path(root)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return path


def read_secret(root: Path) -> bytes:
    """The course secret (made now, with a warning, if the course was never built)."""
    path = secret_path(root)
    if not path.exists():
        _log.warning("no course secret at %s: making one (run `mlscreen build` to make it once)", path)
        make_secret(root)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise ValueError(f"the course secret at {path} is too short; delete it and rebuild")
    return text.encode("ascii")


def case_seed(secret: bytes, candidate: str, test: str, case: int, attempt: int = 0) -> int:
    """The seed of one fresh case (a 64-bit number)."""
    message = "\0".join((candidate, test, str(case), str(attempt))).encode("utf-8")
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:8], "big")
