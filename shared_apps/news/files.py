"""Checks on uploaded attachments: the type is decided from the bytes (never the name), the
name's extension must agree with it, and the size is capped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
HEAD_BYTES = 8192

_IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp"})


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: frozenset[str]
    is_image: bool = False


# filetype's name for the content → what we accept it as.
KINDS: dict[str, Kind] = {
    "png": Kind("image/png", _IMAGE_EXTENSIONS, True),
    "apng": Kind("image/png", _IMAGE_EXTENSIONS, True),
    "jpg": Kind("image/jpeg", _IMAGE_EXTENSIONS, True),
    "gif": Kind("image/gif", _IMAGE_EXTENSIONS, True),
    "webp": Kind("image/webp", _IMAGE_EXTENSIONS, True),
    "pdf": Kind("application/pdf", frozenset({"pdf"})),
    "doc": Kind("application/msword", frozenset({"doc"})),
    "xls": Kind("application/vnd.ms-excel", frozenset({"xls"})),
    "ppt": Kind("application/vnd.ms-powerpoint", frozenset({"ppt"})),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx"}),
    ),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx"})
    ),
    "pptx": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        frozenset({"pptx"}),
    ),
    "odt": Kind("application/vnd.oasis.opendocument.text", frozenset({"odt"})),
    "ods": Kind("application/vnd.oasis.opendocument.spreadsheet", frozenset({"ods"})),
    "odp": Kind("application/vnd.oasis.opendocument.presentation", frozenset({"odp"})),
}


class UploadRefused(ValueError):
    """The file is not accepted; the message is translated and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_upload(file: IO[bytes], name: str, size: int) -> Kind:
    """The accepted kind of this upload, or UploadRefused with a clear reason."""
    if size > MAX_BYTES:
        raise UploadRefused(
            _("“%(name)s” is too large: files are limited to %(limit)s MB.")
            % {"name": name, "limit": MAX_BYTES // (1024 * 1024)}
        )
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    guessed = filetype.guess(head) if head else None
    kind = KINDS.get(guessed.extension) if guessed is not None else None
    if kind is None:
        raise UploadRefused(
            _(
                "“%(name)s” is not an accepted type of file. You can attach images (PNG, JPEG, "
                "GIF, WebP), PDF and office documents (Word, Excel, PowerPoint, OpenDocument)."
            )
            % {"name": name}
        )
    if extension_of(name) not in kind.extensions:
        raise UploadRefused(
            _(
                "The name “%(name)s” does not match the file's content. Rename it with one of "
                "these extensions: %(extensions)s."
            )
            % {"name": name, "extensions": ", ".join(f".{e}" for e in sorted(kind.extensions))}
        )
    return kind
