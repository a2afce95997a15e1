"""Pages of the base domain: landing, pricing, signup, "my associations", sign-in handoff."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .address import address_errors, suggest_address
from .directory import associations_of
from .forms import SignupForm
from .services import (
    AccountExists,
    AddressTaken,
    address_is_available,
    handoff_create,
    signup_association,
)


def unknown_host(request: HttpRequest, hostname: str) -> HttpResponse:
    """No association answers here: a friendly page, never a stack trace."""
    return render(request, "tenants/unknown_host.html", {"hostname": hostname}, status=404)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/terms.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    form = SignupForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = signup_association(
                name=data["name"],
                slug=data["slug"],
                owner=user,
                full_name=data.get("full_name", ""),
                email=data.get("email", ""),
                password=data.get("password", ""),
                language=request.LANGUAGE_CODE,
            )
        except AddressTaken:
            form.add_error("slug", _("This address is already taken."))
        except AccountExists:
            form.add_error("email", _("An account already uses this email address."))
        else:
            if result.created_account:
                from allauth.account.models import EmailAddress

                address = EmailAddress.objects.get(user=result.user, primary=True)
                address.send_confirmation(request, signup=True)
            return redirect(handoff_create(user=result.user, association=result.association))
    status = 400 if form.errors else 200
    return render(request, "tenants/signup.html", {"form": form}, status=status)


@require_GET
def address_check(request: HttpRequest) -> HttpResponse:
    """htmx: whether an address is valid and free, as the person types (or from a name)."""
    name = request.GET.get("name", "")
    slug = request.GET.get("slug", "").strip().lower()
    if not slug and name:
        slug = suggest_address(name)
    errors = address_errors(slug) if slug else []
    available = bool(slug) and not errors and address_is_available(slug)
    if slug and not errors and not available:
        errors = [_("This address is already taken.")]
    return render(
        request,
        "tenants/_address_status.html",
        {"slug": slug, "errors": errors, "available": available},
    )


@login_required
@require_GET
def my_associations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tenants/my_associations.html",
        {"associations": associations_of(user_id=request.user.pk)},
    )


@login_required
@require_POST
def go(request: HttpRequest, slug: str) -> HttpResponse:
    """Sign in at one of my associations' workspaces with a one-time ticket."""
    association = associations_of(user_id=request.user.pk).filter(slug=slug).first()
    if association is None:
        raise Http404
    return redirect(handoff_create(user=request.user, association=association))


def home(request: HttpRequest) -> HttpResponse:
    """The base domain's home: the list of my associations when signed in, else the landing."""
    if request.user.is_authenticated:
        return my_associations(request)
    return landing(request)
