"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters: registration authority (1), entity type (1), administrative division
(6), organisation code (9) and a check character (校验码, 1). GB 32100-2015 computes the check
character with the weights 3^(i-1) mod 31 for positions 1-17: check = 31 - (sum mod 31), 31
counting as 0, written with the 31-character alphabet below (no I, O, Z, S, V).
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SHAPE = re.compile(f"[{ALPHABET}]{{18}}")
SCHEMA_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{18}$"


def normalise_credit_code(code: str) -> str:
    """Return `code` upper-cased without whitespace (people type "9135 0100 …" or lower case)."""
    return re.sub(r"\s+", "", code).upper()


def check_character(first17: str) -> str:
    """Return the check character of the first 17 characters; raise ValueError on a bad one."""
    pairs = zip(first17, WEIGHTS, strict=True)
    total = sum(ALPHABET.index(char) * weight for char, weight in pairs)
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """Return True if `code` (normalised) has 18 valid characters and the right check character."""
    if not isinstance(code, str):
        return False
    code = normalise_credit_code(code)
    return bool(SHAPE.fullmatch(code)) and check_character(code[:17]) == code[17]
