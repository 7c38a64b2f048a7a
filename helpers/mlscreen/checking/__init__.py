"""The checker: fresh cases made and judged in the grading process, never in the candidate's kernel.

`generators` makes the screen's data (the notebooks' files and the fresh cases); `secret` holds the
course secret and derives each case's seed from it; `plans`, `table_cases` and `ticket_cases` say
what each checked test cell's cases are and how an answer is judged; `checker` serves them to one
kernel over a Unix socket and tells the grader which cells it confirmed; `attach` is the few calls
nbgrader's Execute makes. The kernel's side is `mlscreen.kernel.wire`.
"""

from .attach import checker_for
from .checker import NOT_CONFIRMED, PLANS, Checker, make_case
from .secret import case_seed, make_secret, read_secret, secret_path

__all__ = ["NOT_CONFIRMED", "PLANS", "Checker", "case_seed", "checker_for", "make_case", "make_secret",
           "read_secret", "secret_path"]
