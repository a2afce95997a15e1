"""Inside a workspace: who is this person here, and may they be here at all."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tenants.models import Association

from .selectors import membership_active_for

_ACTIVITY_EVERY_SECONDS = 300


def _is_workspace(request: HttpRequest) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and not tenant.is_public


class MembershipMiddleware:
    """Sets `request.membership`; signs out accounts that are not (or no longer) members;
    shows the suspended page while an association is suspended."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        if not _is_workspace(request):
            return self.get_response(request)
        association: Association = request.tenant  # type: ignore[attr-defined]
        if association.is_suspended and not request.path.startswith("/static/"):
            return render(
                request, "workspace/suspended.html", {"association": association}, status=403
            )
        user = request.user
        if user.is_authenticated:
            membership = membership_active_for(user_id=user.pk)
            if membership is None:
                # Membership ended (or never existed): access stops at once.
                logout(request)
                return render(
                    request, "workspace/not_a_member.html", {"association": association},
                    status=403,
                )
            request.membership = membership  # type: ignore[attr-defined]
            self._note_activity(association)
        return self.get_response(request)

    @staticmethod
    def _note_activity(association: Association) -> None:
        # The cache key is prefixed by the schema, so this throttles per association.
        if cache.add("activity:noted", 1, _ACTIVITY_EVERY_SECONDS):
            Association.objects.filter(pk=association.pk).update(last_activity_at=timezone.now())
