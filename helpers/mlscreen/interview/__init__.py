"""Interviews: the scorecard model and store, recommendation, exports, widgets and the app."""
