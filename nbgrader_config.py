"""nbgrader configuration of the mlscreen course (the repository root is the course directory).

The settings themselves live in `mlscreen.course.settings` (each with the reason it is there),
so plain `nbgrader autograde coding` and `mlscreen grade` run exactly the same way.
"""

import os

from mlscreen.course.settings import configure

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
configure(c, os.path.dirname(os.path.abspath(__file__)))
