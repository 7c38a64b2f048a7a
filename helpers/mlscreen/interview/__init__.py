"""Interviews: the scorecard model and store, recommendation, exports, widgets and the app.

The public surface is the store (`ScorecardStore`), the model it opens (`Scorecard`) and the
companion the interviewer notebook displays (`companion`). The companion needs ipywidgets,
so it is imported on first use: `import mlscreen.interview` stays quick for the CLI's exports.
"""

from .scorecard import Scorecard
from .store import ScorecardStore

__all__ = ["Scorecard", "ScorecardStore", "companion"]


def __getattr__(name: str):
    if name == "companion":
        from .app import companion

        return companion
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
