"""The companion's outer widgets: the session picker, and the frame that holds picker or session.

The frame shows the picker (candidate, interviewer, role profile) until a session is open,
then that session with a way back to the picker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets

from ..bank import RoleProfile
from .session_view import InterviewView
from .widget_parts import STYLE, ErrorLine, close_tree, esc

SessionOpener = Callable[[str, str, str], InterviewView]


class SessionPicker(widgets.VBox):
    """Pick the candidate, the interviewer and the role profile, then open the session."""

    def __init__(
        self,
        *,
        candidates: Sequence[str],
        profiles: Sequence[RoleProfile],
        candidate: str = "",
        interviewer: str = "",
        profile: str | None = None,
        profile_of: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.add_class("mlscreen-picker")
        self._profile_of = profile_of
        self._on_open: Callable[[str, str, str], object] | None = None
        self._candidate = widgets.Combobox(
            value=candidate, options=list(candidates), description="Candidate",
            placeholder="candidate id, e.g. cand-01", ensure_option=False,
        )
        self._candidate.add_class("mlscreen-candidate")
        self._interviewer = widgets.Text(value=interviewer, description="Interviewer",
                                         placeholder="your id, e.g. alice")
        self._interviewer.add_class("mlscreen-interviewer")
        self._profile = widgets.Dropdown(
            options=[(f"{p.name} ({p.focus})", p.id) for p in profiles],
            value=profile if profile in {p.id for p in profiles} else profiles[0].id,
            description="Role profile", style={"description_width": "initial"},
        )
        self._profile.add_class("mlscreen-profile")
        self._candidate.observe(self._on_candidate, "value")
        self._button = widgets.Button(description="Open scorecard", button_style="primary")
        self._button.add_class("mlscreen-open")
        self._button.on_click(lambda _: self.submit())
        self._error = ErrorLine()
        self.children = [
            widgets.HTML(STYLE), self._candidate, self._interviewer, self._profile,
            self._button, self._error,
        ]

    def _on_candidate(self, change: dict) -> None:
        """A candidate screened before keeps the role profile on their scorecards."""
        known = self._profile_of(change["new"].strip()) if self._profile_of else None
        if known in {value for _, value in self._profile.options}:
            self._profile.value = known

    def on_open(self, callback: Callable[[str, str, str], object]) -> None:
        """Call `callback(candidate, interviewer, profile)` when the interviewer opens a session."""
        self._on_open = callback

    def submit(self) -> None:
        """Ask for the session picked; show why if it cannot be opened."""
        if self._on_open is None:
            return
        try:
            self._on_open(
                self._candidate.value.strip(), self._interviewer.value.strip(), self._profile.value
            )
        except (OSError, ValueError, KeyError) as err:
            self._error.value = esc(err)
        else:
            self._error.value = ""


class CompanionView(widgets.VBox):
    """The picker until a session is open, then that session with a way back to the picker."""

    def __init__(self, picker: SessionPicker, open_session: SessionOpener) -> None:
        super().__init__()
        self.add_class("mlscreen-companion")
        self._open_session = open_session
        self._picker = picker
        picker.on_open(self.open_session)
        self._session: InterviewView | None = None
        switch = widgets.Button(description="Change candidate or interviewer",
                                icon="exchange", layout=widgets.Layout(width="auto"))
        switch.add_class("mlscreen-switch")
        switch.on_click(lambda _: self._show_picker())
        self._switch = switch
        self.children = [self._picker]

    @property
    def session(self) -> InterviewView | None:
        """The open session, if any."""
        return self._session

    def open_session(self, candidate: str, interviewer: str, profile: str) -> InterviewView:
        """Open a session (errors propagate to the caller, e.g. the picker)."""
        session = self._open_session(candidate, interviewer, profile)
        self._close_session()
        self._session = session
        self.children = [widgets.HBox([self._switch]), session]
        return session

    def close(self) -> None:
        """Close the open session, the picker and this view."""
        self._close_session()
        for part in (getattr(self, "_picker", None), getattr(self, "_switch", None)):
            if part is not None:
                close_tree(part)
        super().close()

    def _show_picker(self) -> None:
        self._close_session()
        self.children = [self._picker]

    def _close_session(self) -> None:
        if getattr(self, "_session", None) is not None:
            self._session.close()
            self._session = None
