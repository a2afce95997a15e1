"""Attachments: what a file is, decided from its bytes (never its name or the browser's word)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _

MAX_SIZE = 10 * 1024 * 1024  # 10 MB
MAX_FILES = 5
_HEAD = 8192

# filetype's name → the content type we serve it with.
ACCEPTED: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "apng": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
TEXT = "text/plain; charset=utf-8"
# Shown in the browser; everything else is downloaded.
INLINE = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


class Refused(ValueError):
    """The file is not accepted; the message is translated and says why."""


@dataclass(frozen=True)
class Checked:
    content_type: str
    size: int


def _is_utf8_text(file: IO[bytes]) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(64 * 1024):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def check(file: IO[bytes], *, name: str, size: int) -> Checked:
    """The content type to serve this upload with, or Refused (too big, empty, not allowed)."""
    if size > MAX_SIZE:
        raise Refused(_("%(name)s is larger than 10 MB.") % {"name": name})
    if size == 0:
        raise Refused(_("%(name)s is empty.") % {"name": name})
    try:
        file.seek(0)
        head = file.read(_HEAD)
        guessed = filetype.guess(head)
        if guessed is not None:
            if guessed.extension in ACCEPTED:
                return Checked(ACCEPTED[guessed.extension], size)
        elif _is_utf8_text(file):
            return Checked(TEXT, size)
    finally:
        file.seek(0)
    raise Refused(
        _("%(name)s is not an accepted kind of file (images, PDF, office documents and text "
          "only).") % {"name": name}
    )
