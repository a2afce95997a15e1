"""The operators' console at /ops/ on the base domain."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.selectors import associations_with_billing, billing_totals
from billing.services import billing_enabled

from .forms import SuspendForm
from .models import Association
from .selectors import associations_for_console
from .services import association_reactivate, association_suspend

View = Callable[..., HttpResponse]


def operator_required(view: View) -> View:
    """Operators only; anyone else signed in gets a 404 (the console's existence is no secret,
    but nothing in it is theirs)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_operator:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@operator_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = associations_with_billing(associations_for_console(query=query, status=status))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tenants/ops/console.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "form": SuspendForm(),
            "totals": billing_totals(),
            "billing_enabled": billing_enabled(),
        },
    )


def _association(pk: int) -> Association:
    return get_object_or_404(Association.objects.exclude(schema_name="public"), pk=pk)


@operator_required
@require_POST
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    form = SuspendForm(request.POST)
    if form.is_valid():
        association_suspend(association=association, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s is suspended.") % {"name": association.name})
    return redirect("ops:console")


@operator_required
@require_POST
def reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    association_reactivate(association=association)
    messages.success(request, _("%(name)s is active again.") % {"name": association.name})
    return redirect("ops:console")
