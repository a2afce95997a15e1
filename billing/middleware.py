"""Read-only mode: when billing has lapsed, members still read and export everything, but
nothing can be created, changed or deleted — by the web or by the API."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Still allowed while read-only: signing in and out, the language, the sign-in handoff, the
# billing page itself (the board subscribes again from there), and one-click unsubscribe
# (RFC 8058: a mail client's POST must always work).
ALLOWED_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/auth/handoff/",
    "/billing/",
    "/api/v1/billing/",
    "/notifications/unsubscribe/",
)


def read_only_message() -> str:
    return _(
        "This workspace is read-only because its subscription has lapsed. You can still read "
        "and export everything; the board can subscribe again to restore full access."
    )


class ReadOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        association = getattr(request, "tenant", None)
        if (
            association is None
            or association.is_public
            or request.method in SAFE_METHODS
            or request.path.startswith(ALLOWED_PREFIXES)
            or not association.is_read_only(timezone.now())
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": read_only_message(), "code": "read_only"}, status=403)
        return render(
            request,
            "billing/read_only.html",
            {"association": association, "message": read_only_message()},
            status=403,
        )
