"""What a file really is, decided from its bytes (never from its name).

Allowed: images (PNG, JPEG, GIF, WebP), PDF, office documents (docx, xlsx, pptx, odt, ods —
zip files recognised by their own manifest) and plain text or CSV (valid UTF-8 without NUL).
Everything else — executables, archives, scripts disguised as images — is refused. The name's
extension must then belong to the detected type's family, so a file never masquerades as
something else when downloaded.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _

HEAD_BYTES = 8192
TEXT_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    code: str  # "png", "pdf", "docx", "text"…
    content_type: str
    extensions: frozenset[str]  # the family: any of these names is accepted


_IMAGES = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
KINDS: dict[str, Kind] = {
    # Images share one family: a photo saved as .jpg that is really a PNG is common and harmless
    # (it is served with its real type).
    "png": Kind("png", "image/png", _IMAGES),
    "jpg": Kind("jpg", "image/jpeg", _IMAGES),
    "gif": Kind("gif", "image/gif", _IMAGES),
    "webp": Kind("webp", "image/webp", _IMAGES),
    "pdf": Kind("pdf", "application/pdf", frozenset({"pdf"})),
    "docx": Kind(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx"}),
    ),
    "xlsx": Kind(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({"xlsx"}),
    ),
    "pptx": Kind(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        frozenset({"pptx"}),
    ),
    "odt": Kind("odt", "application/vnd.oasis.opendocument.text", frozenset({"odt"})),
    "ods": Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", frozenset({"ods"})),
    "text": Kind("text", "text/plain; charset=utf-8", frozenset({"txt", "csv", "md"})),
}
# What filetype calls the images we accept (an animated PNG is still a PNG).
_FILETYPE_IMAGES = {"png": "png", "apng": "png", "jpg": "jpg", "gif": "gif", "webp": "webp"}
# The main part of each OOXML document, as declared in [Content_Types].xml.
_OOXML_MAIN = {
    "docx": b"wordprocessingml.document.main+xml",
    "xlsx": b"spreadsheetml.sheet.main+xml",
    "pptx": b"presentationml.presentation.main+xml",
}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}


class Refused(ValueError):
    """The file is not accepted; the message is translated and says why."""


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _zip_kind(file: IO[bytes]) -> str | None:
    """An office document recognised by its manifest, else None (a plain zip is refused)."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:  # the ODF marker is tiny; never inflate a bomb
                    found = _ODF_MIMETYPES.get(archive.read("mimetype").strip())
                    if found:
                        return found
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size <= 1_000_000:
                    manifest = archive.read("[Content_Types].xml")
                    for code, marker in _OOXML_MAIN.items():
                        if marker in manifest:
                            return code
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError):
        return None
    return None


def _is_utf8_text(file: IO[bytes]) -> bool:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(TEXT_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect(file: IO[bytes]) -> Kind | None:
    """The accepted kind of this file's content, or None. Leaves the file at position 0."""
    try:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        if not head:
            return None
        guessed = filetype.guess(head)
        if guessed is not None:
            if guessed.extension in _FILETYPE_IMAGES:
                return KINDS[_FILETYPE_IMAGES[guessed.extension]]
            if guessed.extension == "pdf":
                return KINDS["pdf"]
            if head.startswith(b"PK\x03\x04"):
                code = _zip_kind(file)
                return KINDS[code] if code else None
            return None  # executables, archives, media… whatever else it is
        if _is_utf8_text(file):
            return KINDS["text"]
        return None
    finally:
        file.seek(0)


def check(file: IO[bytes], name: str) -> Kind:
    """The kind of an upload, or Refused with a clear reason."""
    kind = detect(file)
    if kind is None:
        raise Refused(
            _(
                "This type of file is not accepted. You can upload images (PNG, JPEG, GIF, "
                "WebP), PDF, office documents (Word, Excel, PowerPoint, OpenDocument) and plain "
                "text or CSV."
            )
        )
    if extension_of(name) not in kind.extensions:
        raise Refused(
            _(
                "The file name “%(name)s” does not match its content (%(kind)s). Rename it "
                "with one of these extensions: %(extensions)s."
            )
            % {
                "name": name,
                "kind": kind.code.upper() if kind.code != "text" else _("plain text"),
                "extensions": ", ".join(f".{ext}" for ext in sorted(kind.extensions)),
            }
        )
    if kind.code == "text" and extension_of(name) == "csv":
        return Kind("text", "text/csv; charset=utf-8", kind.extensions)
    return kind
