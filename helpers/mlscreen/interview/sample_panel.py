"""The demo's sample panel: `samples/panel/panel.yaml` made into submitted scorecards, and the
calibration report over them, in a folder of their own (never the course's `scorecards/`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from ..common.ids import validate_id
from ..course.layout import Course
from .calibration_report import write_calibration
from .store import ScorecardStore

SAMPLE_FILE = Path("panel") / "panel.yaml"
START = 1_736_150_400.0
"""2025-01-06 08:00 UTC: the sample cards' clock starts here, one card every ten minutes."""


def sample_panel_folder(course: Course) -> Path:
    """`reports/sample-panel/`: where the demo leaves the sample panel and its report."""
    return course.reports / "sample-panel"


def write_sample_panel(
    *, course: Course, out_dir: Path | None = None, replicates: int | None = None
) -> Path:
    """Write the sample panel's cards to `<out_dir>/scorecards/` and its calibration report.

    Returns the report (`<out_dir>/calibration.html`). The cards are replaced each time.
    `replicates`: bootstrap resamples (default `calibration.REPLICATES`).
    """
    folder = Path(out_dir) if out_dir is not None else sample_panel_folder(course)
    data = _read(course.samples / SAMPLE_FILE)
    shutil.rmtree(folder / "scorecards", ignore_errors=True)
    clock = _Clock(START)
    store = ScorecardStore(course, clock=clock, folder=folder / "scorecards")
    categories = data["categories"]
    for candidate, interviewer, levels in _cards(data):
        card = store.open(candidate, data["stage"], interviewer, data["profile"])
        for category, level in zip(categories, levels, strict=True):
            card.set_level(category, level)
        card.set_notes(data.get("notes", {}).get(candidate, {}).get(interviewer, ""))
        card.submit()
        clock.now += 600
    for amendment in data.get("amendments", []):
        card = store.open(amendment["candidate"], data["stage"], amendment["interviewer"])
        card.amend(amendment["reason"])
        for category, level in amendment["levels"].items():
            card.set_level(category, level)
        card.submit()
        clock.now += 600
    _, paths = write_calibration(
        course=course, scorecards=store.folder, out_dir=folder, replicates=replicates
    )
    return paths["html"]


def _read(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    required = {"profile", "stage", "categories", "cards"}
    if not isinstance(data, dict) or not required <= set(data):
        raise ValueError(f"{path}: a sample panel needs {sorted(required)}")
    return data


def _cards(data: dict) -> Iterator[tuple[str, str, list[int]]]:
    for candidate, by_interviewer in data["cards"].items():
        for interviewer, levels in by_interviewer.items():
            yield validate_id(candidate), validate_id(interviewer), levels


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
