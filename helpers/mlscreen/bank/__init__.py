"""The question bank: YAML files in this folder and their typed loader."""

from .loader import BANK_DIR, load_bank
from .schema import (
    LEVELS,
    Bank,
    BankError,
    ExpectedPoint,
    FollowUp,
    Question,
    RoleProfile,
    Rubric,
    RubricCategory,
    RubricLevel,
    Stage,
)

__all__ = [
    "BANK_DIR", "LEVELS", "Bank", "BankError", "ExpectedPoint", "FollowUp", "Question", "RoleProfile",
    "Rubric", "RubricCategory", "RubricLevel", "Stage", "load_bank",
]
