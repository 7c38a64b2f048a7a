"""mlscreen: screen machine-learning candidates in Jupyter."""

from .course.layout import ASSIGNMENT, NOTEBOOKS, Course

__all__ = ["ASSIGNMENT", "NOTEBOOKS", "Course"]
__version__ = "0.1.0"
