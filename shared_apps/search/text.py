"""Accent folding. PostgreSQL's `unaccent` is a contrib extension the embedded server of
`make run` does not ship, so accents are folded here, the same way for indexing and querying."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lowercase letters without their accents ("Fête à l'École" → "fete a l'ecole"), one
    character for one character, so positions in the folded text are positions in the original."""
    return "".join(_fold_char(char) for char in text.lower())


def _fold_char(char: str) -> str:
    if char.isascii():
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char
