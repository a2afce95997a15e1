"""Pages of notifications: the list, marking read, email preferences and one-click
unsubscribe (the only page here that needs no sign-in: the signed link is the proof)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shared_apps.workspace.access import member_required
from shared_apps.workspace.signed_links import LinkInvalid

from .forms import PreferencesForm
from .models import Category
from .selectors import notifications_visible, preferences_of
from .services import (
    notification_mark_read,
    notifications_mark_all_read,
    preferences_set,
    unsubscribe,
    unsubscribe_read,
)

PAGE_SIZE = 30


@member_required()
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_visible(user_id=request.user.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@member_required()
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read; with `open`, go on to what it is about (a path within this workspace)."""
    notification = notification_mark_read(user_id=request.user.pk, notification_id=pk)
    if notification is None:
        raise Http404
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    if request.htmx:
        return render(request, "notifications/_row.html", {"n": notification})
    return redirect("notifications")


@member_required()
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user_id=request.user.pk)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")


@member_required()
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, initial=preferences_of(user_id=request.user.pk))
    if request.method == "POST" and form.is_valid():
        preferences_set(user_id=request.user.pk, channels=form.cleaned_data)
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notifications_preferences")
    return render(
        request, "notifications/preferences.html", {"form": form},
        status=400 if form.errors else 200,
    )


# Mail clients post here without a session or CSRF token (RFC 8058 one-click): the signed
# token is what authorises the change, and it can only turn emails off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _user_id, categories = (
            unsubscribe(token=token) if request.method == "POST" else unsubscribe_read(token)
        )
    except LinkInvalid:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    labels = dict(Category.choices)
    context = {
        "token": token,
        "done": request.method == "POST",
        "category_names": [labels[c] for c in categories],
    }
    return render(request, "notifications/unsubscribe.html", context)
