"""CSV cells that a spreadsheet would run as a formula (OWASP "CSV injection"): every export of
member-written text (names, titles, answers) passes its cells through `safe_cell`."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text; one starting like a formula gets an apostrophe in front."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
