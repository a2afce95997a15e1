"""Serving a document's bytes — only ever from an access-checked view.

Local storage (the default, per-schema TenantFileSystemStorage): the file is streamed by Django
with strict headers. With S3 (django-storages' S3Storage as the default storage), the view
answers with a redirect to a short-lived signed URL instead, carrying the same type and
disposition; nothing else changes (access is checked before either branch).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from .models import Document

SIGNED_URL_SECONDS = 60


def _on_s3() -> bool:
    backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
    return backend.startswith("storages.backends.s3")


def _content_security_policy(document: Document, *, inline: bool) -> str:
    # Framed by our own document page only. Downloads are sandboxed too; an inline PDF is not:
    # browsers refuse to run their PDF viewer in a sandboxed document, and the PDF is served as
    # application/pdf with nosniff, so it can never be read as a page of the workspace.
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    if not inline:
        policy = "sandbox; " + policy
    return policy


def serve(document: Document, *, inline: bool) -> HttpResponse:
    """The file, as an attachment (download) or inline (preview of images and PDFs)."""
    disposition = content_disposition_header(not inline, document.name)
    if _on_s3():  # pragma: no cover — exercised only where S3 is configured
        return HttpResponseRedirect(
            default_storage.url(
                document.storage_path,
                parameters={
                    "ResponseContentType": document.content_type,
                    "ResponseContentDisposition": disposition,
                },
                expire=SIGNED_URL_SECONDS,
            )
        )
    response = FileResponse(
        default_storage.open(document.storage_path, "rb"),
        content_type=document.content_type,
    )
    response["Content-Length"] = str(document.size)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = _content_security_policy(document, inline=inline)
    return response
