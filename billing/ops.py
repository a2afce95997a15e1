"""Billing in the operators' console (/ops/ on the base domain): an association's subscription
(extend the trial, grant a plan free of charge, resync from Stripe), failed webhook events
(replay), and the plans.

Every view is for operators only (others get a 404, anonymous people the sign-in page);
every change is a POST with CSRF; the work itself is done by billing.services.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.models import Association
from tenants.ops import operator_required

from . import stripe_gateway as gateway
from .forms import PlanForm, PlanGrantForm, TrialExtendForm
from .models import Plan, Subscription, WebhookEvent
from .selectors import plans_for_ops, webhook_events_failed
from .services import (
    billing_enabled,
    plan_grant,
    subscription_resync,
    trial_extend,
    webhook_replay,
)

# --- One association's subscription -----------------------------------------------------------


def _association(pk: int) -> Association:
    return get_object_or_404(Association.objects.exclude(schema_name="public"), pk=pk)


def _subscription(association: Association) -> Subscription:
    return get_object_or_404(Subscription.objects.select_related("plan"), association=association)


def _render_subscription(
    request: HttpRequest,
    association: Association,
    *,
    trial_form: TrialExtendForm | None = None,
    grant_form: PlanGrantForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sub = _subscription(association)
    return render(
        request,
        "billing/ops/subscription.html",
        {
            "target": association,
            "subscription": sub,
            "billing_enabled": billing_enabled(),
            "trial_form": trial_form or TrialExtendForm(initial={"days": 14}),
            "grant_form": grant_form
            or PlanGrantForm(initial={"plan": sub.plan.code if sub.plan else None}),
        },
        status=status,
    )


@operator_required
@require_GET
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_subscription(request, _association(pk))


@operator_required
@require_POST
def trial_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    form = TrialExtendForm(request.POST)
    if not form.is_valid():
        return _render_subscription(request, association, trial_form=form, status=400)
    sub = trial_extend(association=association, days=form.cleaned_data["days"])
    messages.success(
        request,
        _("The trial of %(name)s now ends on %(date)s.")
        % {"name": association.name, "date": _date(sub.trial_ends_at)},
    )
    return redirect("ops:subscription", pk=association.pk)


@operator_required
@require_POST
def plan_grant_view(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    form = PlanGrantForm(request.POST)
    if not form.is_valid():
        return _render_subscription(request, association, grant_form=form, status=400)
    plan = form.cleaned_data["plan"]
    plan_grant(association=association, plan=plan, note=form.cleaned_data["note"])
    messages.success(
        request,
        _("%(name)s now has the plan %(plan)s free of charge.")
        % {"name": association.name, "plan": plan.name},
    )
    return redirect("ops:subscription", pk=association.pk)


@operator_required
@require_POST
def plan_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    plan_grant(association=association, plan=None)
    messages.success(
        request,
        _("The free plan of %(name)s is withdrawn; its access follows its subscription again.")
        % {"name": association.name},
    )
    return redirect("ops:subscription", pk=association.pk)


@operator_required
@require_POST
def resync_view(request: HttpRequest, pk: int) -> HttpResponse:
    association = _association(pk)
    _subscription(association)  # 404 rather than a crash for an association without one
    if not billing_enabled():
        messages.error(
            request,
            _("Billing is off on this installation (no Stripe keys): there is nothing to "
              "resync. Nothing was changed."),
        )
        return redirect("ops:subscription", pk=association.pk)
    try:
        subscription_resync(association_id=association.pk)
    except gateway.StripeUnavailable:
        # The service reads Stripe before writing anything, so our copy is untouched.
        messages.error(
            request,
            _("Stripe could not be reached: nothing was changed. Please try again later."),
        )
        return redirect("ops:subscription", pk=association.pk)
    messages.success(
        request, _("%(name)s is resynced from Stripe.") % {"name": association.name}
    )
    return redirect("ops:subscription", pk=association.pk)


def _date(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


# --- Failed webhook events ---------------------------------------------------------------------


@operator_required
@require_GET
def webhook_events(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/ops/webhook_events.html",
        {"events": webhook_events_failed()[:200]},
    )


@operator_required
@require_POST
def webhook_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(WebhookEvent, pk=pk)
    if event.state != WebhookEvent.State.FAILED:
        messages.info(
            request,
            _("Event %(id)s has not failed: there is nothing to replay.")
            % {"id": event.stripe_event_id},
        )
        return redirect("ops:webhook_events")
    webhook_replay(event=event)
    messages.success(
        request,
        _("Event %(id)s will be processed again.") % {"id": event.stripe_event_id},
    )
    return redirect("ops:webhook_events")


# --- Plans -------------------------------------------------------------------------------------


@operator_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/ops/plans.html", {"plans": plans_for_ops()})


@operator_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    return _plan_form(request, Plan(), created=True)


@operator_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_form(request, get_object_or_404(Plan, pk=pk), created=False)


def _plan_form(request: HttpRequest, plan: Plan, *, created: bool) -> HttpResponse:
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST":
        if form.is_valid():
            plan = form.save()
            text = _("The plan %(name)s is created.") if created else _(
                "The plan %(name)s is saved."
            )
            messages.success(request, text % {"name": plan.name})
            return redirect("ops:plans")
        return render(
            request,
            "billing/ops/plan_form.html",
            {"form": form, "plan": plan, "created": created},
            status=400,
        )
    return render(
        request, "billing/ops/plan_form.html", {"form": form, "plan": plan, "created": created}
    )
