"""The question bank: YAML files in this folder and their typed loader."""

from .loader import BANK_DIR, load_bank
from .schema import (
    ATS_RATINGS,
    ATS_RECOMMENDATIONS,
    LEVELS,
    VERDICT_NAMES,
    AtsMapping,
    Bank,
    BankError,
    ExpectedPoint,
    FollowUp,
    InterviewSettings,
    Question,
    RoleProfile,
    Rubric,
    RubricCategory,
    RubricLevel,
    Stage,
)

__all__ = [
    "ATS_RATINGS", "ATS_RECOMMENDATIONS", "BANK_DIR", "LEVELS", "VERDICT_NAMES", "AtsMapping",
    "Bank", "BankError", "ExpectedPoint", "FollowUp", "InterviewSettings", "Question",
    "RoleProfile", "Rubric", "RubricCategory", "RubricLevel", "Stage", "load_bank",
]
