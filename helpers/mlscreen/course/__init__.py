"""The course directory and how nbgrader is run on it: paths, kernel start-up, the gradebook."""

from .layout import ASSIGNMENT, NOTEBOOKS, Course

__all__ = ["ASSIGNMENT", "NOTEBOOKS", "Course"]
