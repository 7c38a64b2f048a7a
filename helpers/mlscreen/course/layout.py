"""The course layout: the one place that builds nbgrader step paths and kit output paths."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT = "coding"
NOTEBOOKS = ("data_cleaning", "inference_pipeline", "debug_classifier")
# what a course is made of, without anything a build or a grading run produces
COURSE_FILES = ("nbgrader_config.py", "authoring", "source", "samples", "notebooks")
# a SQLAlchemy URL for the gradebook in place of the course's SQLite file
DB_VARIABLE = "MLSCREEN_DB"
_OUTPUTS = ("data", "model", "__pycache__", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Course:
    """Paths of one nbgrader course directory (the repository root)."""

    root: Path
    assignment: str = ASSIGNMENT

    @classmethod
    def discover(cls, start: Path | None = None) -> Course:
        """The course around `start` (or $MLSCREEN_ROOT, or the working directory)."""
        env_root = os.environ.get("MLSCREEN_ROOT")
        here = Path(env_root) if env_root else Path(start or Path.cwd())
        for folder in (here.resolve(), *here.resolve().parents):
            if (folder / "nbgrader_config.py").is_file():
                return cls(folder)
        raise FileNotFoundError(
            f"no nbgrader_config.py in {here} or above: run mlscreen from the course directory "
            "or set MLSCREEN_ROOT"
        )

    def copy_to(self, target: Path) -> "Course":
        """A copy of the course's own files (no outputs, no gradebook) in `target`."""
        target.mkdir(parents=True, exist_ok=True)
        for name in COURSE_FILES:
            source = self.root / name
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns(*_OUTPUTS))
            elif source.exists():
                shutil.copy2(source, target / name)
        return type(self)(target, self.assignment)

    def step_dir(self, step: str, student: str | None = None) -> Path:
        """`<root>/<step>/[<student>/]<assignment>`, as nbgrader's CourseDirectory.format_path."""
        if step in ("source", "release"):
            return self.root / step / self.assignment
        if student is None:
            return self.root / step
        return self.root / step / student / self.assignment

    @property
    def source(self) -> Path:
        return self.step_dir("source")

    @property
    def release(self) -> Path:
        return self.step_dir("release")

    def submitted(self, student: str | None = None) -> Path:
        return self.step_dir("submitted", student)

    def autograded(self, student: str | None = None) -> Path:
        return self.step_dir("autograded", student)

    def feedback(self, student: str | None = None) -> Path:
        return self.step_dir("feedback", student)

    def kept_submission(self, student: str, label: str) -> Path:
        """An earlier hand-in kept beside the graded one, `submitted/<student>/<assignment>.<label>`:
        nbgrader reads only the folder named after the assignment, so it ignores this one."""
        return self.submitted(student).with_name(f"{self.assignment}.{label}")

    def kept_submissions(self, student: str) -> list[Path]:
        """Every earlier hand-in kept for `student`, oldest label first."""
        folder = self.submitted(student).parent
        return sorted(folder.glob(f"{self.assignment}.*")) if folder.is_dir() else []

    def submitted_students(self) -> list[str]:
        """Every candidate with a submission folder for the assignment, sorted."""
        root = self.submitted()
        if not root.is_dir():
            return []
        return sorted(p.name for p in root.iterdir() if self.submitted(p.name).is_dir())

    def notebook(self, step_folder: Path, name: str) -> Path:
        return step_folder / f"{name}.ipynb"

    @property
    def authoring(self) -> Path:
        """Plain-text sources of the assignment's notebooks (see `notebook_text`)."""
        return self.root / "authoring" / self.assignment

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def gradebook_url(self) -> str:
        """The gradebook's SQLAlchemy URL: $MLSCREEN_DB (e.g. PostgreSQL for a shared server),
        or `gradebook.db` in the course with a long SQLite busy timeout (a lock held a few
        seconds must not abort a batch)."""
        return os.environ.get(DB_VARIABLE) or f"sqlite:///{self.gradebook}?timeout=60"

    @property
    def gradebook_file(self) -> Path | None:
        """The SQLite file behind `gradebook_url` (None for a database server)."""
        url = self.gradebook_url
        if not url.startswith("sqlite:///"):
            return None
        return Path(url[len("sqlite:///"):].split("?", 1)[0])

    @property
    def has_gradebook(self) -> bool:
        """Whether there is a gradebook to read (a database server is assumed to be there)."""
        file = self.gradebook_file
        return file is None or file.exists()

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def scorecards(self) -> Path:
        return self.root / "scorecards"

    @property
    def samples(self) -> Path:
        return self.root / "samples"
