"""The workspace shell: home, the member's own page, and the sign-in handoff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tenants.accounts.services import account_update_profile
from tenants.services import handoff_redeem

from .access import member_required
from .forms import ProfileForm


@member_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The activity feed: what happened in the spaces the member can read, pinned first.
    The first page records the visit; "load more" pages keep that visit's unread markers."""
    from shared_apps.notifications.selectors import CursorInvalid, feed_page, feed_state
    from shared_apps.notifications.services import feed_visit

    cursor = request.GET.get("cursor") or None
    if cursor:
        state = feed_state(user_id=request.user.pk)
        since = state.marker_at if state else None
    else:
        since = feed_visit(user_id=request.user.pk)
    try:
        feed = feed_page(user_id=request.user.pk, cursor=cursor, since=since)
    except CursorInvalid:
        return redirect("home")  # a mangled "load more" link: start from the top
    if cursor and request.htmx:
        return render(request, "notifications/_feed_items.html", {"feed": feed})
    return render(request, "workspace/home.html", {"feed": feed, "more_page": bool(cursor)})


@member_required()
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"full_name": user.full_name, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        account_update_profile(
            user=user,
            full_name=form.cleaned_data["full_name"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Your profile is saved."))
        response = redirect("me")
        response.delete_cookie("django_language")
        return response
    return render(request, "workspace/me.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def handoff(request: HttpRequest, token: str) -> HttpResponse:
    """Redeem a one-time ticket from the base domain and sign the person in here."""
    user = handoff_redeem(token=token, association=request.tenant)
    if user is None:
        messages.error(request, _("This sign-in link has expired. Please sign in."))
        return redirect("account_login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")
