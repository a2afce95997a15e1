"""Receipt codes of anonymous votes and responses, kept in the person's browser only.

The server stores a hash of the code (`workspace.anonymity.receipt_hash`), never the code: the
cookie is what lets the same browser change an anonymous vote or response later."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

YEAR = 365 * 86400


def receipt_remember(
    request: HttpRequest, response: HttpResponse, *, name: str, receipt: str | None,
    closes_at: datetime | None, path: str,
) -> None:
    """Set the cookie until a day after the close (a year when there is no deadline)."""
    if not receipt:
        return
    max_age = int((closes_at - timezone.now()).total_seconds()) + 86400 if closes_at else YEAR
    response.set_cookie(
        name, receipt, max_age=max(max_age, 60), path=path,
        httponly=True, samesite="Lax", secure=request.is_secure(),
    )
