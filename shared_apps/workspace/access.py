"""Guards for workspace views: signed in, and an active member of this association."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from shared_apps.members.policy import can

View = Callable[..., HttpResponse]


def member_required(action: str = "workspace.view") -> Callable[[View], View]:
    """Anonymous → sign-in page; a member without the right → 404 (nothing is revealed)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect_to_login(request.get_full_path())
            if not can(membership, action):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
