"""Accent folding. PostgreSQL's `unaccent` is a contrib extension the embedded server of
`make run` does not ship, so accents are folded here, the same way for indexing and querying."""

from __future__ import annotations

import re
import unicodedata
from html import unescape


def fold(text: str) -> str:
    """Lowercase letters without their accents ("Fête à l'École" → "fete a l'ecole"), one
    character for one character, so positions in the folded text are positions in the original."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    # Lowercased one character at a time: "İ".lower() is two characters, which would shift
    # every position after it.
    lower = char.lower()
    char = lower if len(lower) == 1 else char
    if char.isascii():
        return char
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    if len(base) != 1:
        return char
    return base.lower() if len(base.lower()) == 1 else base


_TAG = re.compile(r"<[^>]*>")


def html_text(html: str) -> str:
    """The words of sanitised HTML (rendered Markdown), for indexing: tags become spaces so
    paragraphs do not run into each other, entities are decoded."""
    return " ".join(unescape(_TAG.sub(" ", html or "")).split())
