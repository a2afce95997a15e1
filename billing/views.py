"""Billing pages: the Stripe webhook (base domain) and the board's billing page (workspace)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shared_apps.workspace.access import member_required

from . import stripe_gateway as gateway
from .models import Interval, Plan
from .selectors import invoices_of, plans_for_pricing, subscription_of
from .services import (
    AlreadySubscribed,
    BillingError,
    billing_enabled,
    checkout_start,
    portal_start,
    webhook_receive,
)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify, store, acknowledge at once; processing happens in a Celery task after commit."""
    if not billing_enabled():
        raise Http404
    try:
        event = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except gateway.SignatureInvalid:
        return HttpResponse(status=400)
    if event is not None:
        from django.db import transaction

        from .tasks import process_webhook_event

        event_pk = event.pk
        transaction.on_commit(lambda: process_webhook_event.delay(event_pk))
    return HttpResponse(status=200)


def _billing_page_context(request: HttpRequest) -> dict[str, object]:
    sub = subscription_of(request.tenant)
    return {
        "subscription": sub,
        "plans": plans_for_pricing(),
        "intervals": Interval,
        "read_only": request.tenant.is_read_only(),
        "confirming": request.GET.get("checkout") == "success",
    }


def _enabled_or_404() -> None:
    if not billing_enabled():
        raise Http404  # without Stripe keys nothing about payment is shown


@member_required("billing.manage")
@require_GET
def billing_page(request: HttpRequest) -> HttpResponse:
    _enabled_or_404()
    context = _billing_page_context(request)
    sub = context["subscription"]
    context["invoices"] = invoices_of(sub) if sub is not None else []
    return render(request, "billing/billing.html", context)


@member_required("billing.manage")
@require_GET
def billing_status(request: HttpRequest) -> HttpResponse:
    """htmx: the status card, polled after Checkout until the webhook has landed."""
    _enabled_or_404()
    return render(request, "billing/_status.html", _billing_page_context(request))


@member_required("billing.manage")
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    _enabled_or_404()
    plan = get_object_or_404(Plan, code=request.POST.get("plan", ""), is_active=True)
    interval = request.POST.get("interval", "")
    try:
        url = checkout_start(
            association=request.tenant,
            email=request.user.email,
            plan=plan,
            interval=interval,
            return_url=request.build_absolute_uri("/billing/"),
        )
    except AlreadySubscribed:
        messages.info(
            request,
            _("The association already has a subscription: change it with “Manage the "
              "subscription”."),
        )
        return redirect("billing")
    except BillingError:
        messages.error(request, _("This plan cannot be chosen. Please choose another one."))
        return redirect("billing")
    except gateway.StripeUnavailable:
        messages.error(request, _("The payment service did not answer. Please try again."))
        return redirect("billing")
    return redirect(url)


@member_required("billing.manage")
@require_POST
def portal(request: HttpRequest) -> HttpResponse:
    _enabled_or_404()
    try:
        url = portal_start(
            association=request.tenant, return_url=request.build_absolute_uri("/billing/")
        )
    except BillingError:
        messages.error(request, _("Subscribe first: there is no payment method to manage yet."))
        return redirect("billing")
    except gateway.StripeUnavailable:
        messages.error(request, _("The payment service did not answer. Please try again."))
        return redirect("billing")
    return redirect(url)


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    return render(
        request,
        "tenants/pricing.html",
        {"plans": plans_for_pricing(), "vat_display": settings.BILLING_VAT_DISPLAY},
    )
