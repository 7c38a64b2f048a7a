"""Grading a batch: nbgrader autograde over every submission, results, integrity notes, report."""

from .batch import grade_batch
from .report import format_table, write_report
from .results import CandidateResult, GradingSummary

__all__ = ["CandidateResult", "GradingSummary", "format_table", "grade_batch", "write_report"]
