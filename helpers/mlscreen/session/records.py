"""Where live sessions live, and what is known of each: one folder per candidate, one record.

    <sessions root>/<candidate>/workspace/   the candidate's files (the server's root, the kernels' folder)
    <sessions root>/<candidate>/state/       the grader's alone (0700): the record with both tokens, the
                                             server's config, Jupyter folders, log, collaboration store

The sessions root is `$MLSCREEN_SESSIONS`, else `/var/lib/mlscreen/sessions` as root, else
`$XDG_STATE_HOME/mlscreen/sessions`; it is never inside a course directory.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..common.files import write_atomic
from ..common.ids import validate_id

SESSIONS_ENV = "MLSCREEN_SESSIONS"


def sessions_root() -> Path:
    """The folder holding every session of this machine (see the module's docstring)."""
    chosen = os.environ.get(SESSIONS_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    if os.geteuid() == 0:
        return Path("/var/lib/mlscreen/sessions")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mlscreen" / "sessions"


@dataclass(frozen=True)
class SessionPaths:
    """The folders and files of one candidate's session."""

    folder: Path

    @classmethod
    def of(cls, candidate: str, root: Path | None = None) -> SessionPaths:
        return cls((root or sessions_root()) / validate_id(candidate, "candidate id"))

    @property
    def candidate(self) -> str:
        return self.folder.name

    @property
    def workspace(self) -> Path:
        return self.folder / "workspace"

    @property
    def state(self) -> Path:
        return self.folder / "state"

    @property
    def record(self) -> Path:
        return self.state / "session.json"

    @property
    def live(self) -> Path:
        """Written by the running server: its pid and the kernel user it holds."""
        return self.state / "live.json"

    @property
    def log(self) -> Path:
        return self.state / "server.log"

    @property
    def jupyter(self) -> Path:
        """The server's own Jupyter folders (config, data, runtime, Lab settings)."""
        return self.state / "jupyter"

    @property
    def submissions(self) -> Path:
        """One line per submit: when, where it went, how grading ended."""
        return self.state / "submissions.jsonl"


@dataclass
class SessionRecord:
    """What `mlscreen lab` started: enough to list, reopen, submit and stop the session."""

    candidate: str
    course: str
    candidate_name: str
    interviewer_name: str
    candidate_token: str
    interviewer_token: str
    ip: str
    host: str  # what URLs name (the ip, or this machine's name when bound to every address)
    port: int
    pid: int
    first_started: float  # the session's clock starts at the first start and survives resumes
    started: float
    planned_minutes: tuple[int, int]
    protections: str
    stopped: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def url(self, path: str = "lab", *, interviewer: bool = False) -> str:
        token = self.interviewer_token if interviewer else self.candidate_token
        return f"{self.base_url}{path}?token={token}"

    @property
    def candidate_url(self) -> str:
        return self.url("lab/tree/SESSION.md")

    @property
    def interviewer_url(self) -> str:
        return self.url("lab", interviewer=True)

    @property
    def page_url(self) -> str:
        """The session page: time left, submissions, and the interviewer's submit button."""
        return self.url("mlscreen/session", interviewer=True)

    def minutes_elapsed(self, now: float | None = None) -> float:
        return ((now or time.time()) - self.first_started) / 60

    def to_json(self) -> str:
        data = asdict(self)
        data["planned_minutes"] = list(self.planned_minutes)
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SessionRecord:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["planned_minutes"] = tuple(data["planned_minutes"])
        return cls(**data)


def read_record(paths: SessionPaths) -> SessionRecord | None:
    """The session's record, or None if it never started (or the record is unreadable)."""
    try:
        return SessionRecord.from_json(paths.record.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(paths: SessionPaths, record: SessionRecord) -> None:
    """Save the record, readable by the grader only (it holds both tokens)."""
    write_atomic(paths.record, record.to_json(), mode=0o600)


def read_live(paths: SessionPaths) -> dict:
    """What the running server wrote about itself ({} if nothing)."""
    try:
        data = json.loads(paths.live.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def all_paths(root: Path | None = None) -> list[SessionPaths]:
    """Every candidate folder under the sessions root that holds a record, sorted by candidate."""
    base = root or sessions_root()
    if not base.is_dir():
        return []
    return [SessionPaths(p) for p in sorted(base.iterdir()) if (p / "state" / "session.json").is_file()]


def is_running(pid: int, marker: Path) -> bool:
    """Whether process `pid` is alive and is the server of this session (its config folder set)."""
    if pid <= 0:
        return False
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    if "\nState:\tZ" in status:
        return False
    return f"JUPYTER_CONFIG_DIR={marker}".encode() in environ.split(b"\0")
