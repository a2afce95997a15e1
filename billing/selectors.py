"""Read queries of billing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Association, AssociationStatus

from . import stripe_gateway as gateway
from .models import Interval, Plan, StripeStatus, Subscription, WebhookEvent


def plans_for_pricing() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)


def subscription_of(association: Association) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(association=association).first()


@dataclass(frozen=True)
class Invoice:
    number: str
    created: datetime | None
    amount_cents: int
    currency: str
    status: str
    pdf_url: str
    hosted_url: str


def invoices_of(sub: Subscription) -> list[Invoice] | None:
    """The association's invoices from Stripe (None when Stripe cannot be reached)."""
    if not sub.stripe_customer_id:
        return []
    try:
        raw = gateway.invoices_for_customer(sub.stripe_customer_id)
    except gateway.StripeUnavailable:
        return None
    return [_invoice(item) for item in raw]


def _invoice(item: dict[str, Any]) -> Invoice:
    created = item.get("created")
    return Invoice(
        number=item.get("number") or item.get("id") or "",
        created=datetime.fromtimestamp(created, tz=timezone.get_current_timezone())
        if created
        else None,
        amount_cents=int(item.get("total") or item.get("amount_due") or 0),
        currency=(item.get("currency") or "eur").upper(),
        status=item.get("status") or "",
        pdf_url=item.get("invoice_pdf") or "",
        hosted_url=item.get("hosted_invoice_url") or "",
    )


def monthly_revenue_cents(sub: Subscription) -> int:
    """What this subscription brings per month (0 for trials, grants and ended ones)."""
    if sub.granted or sub.stripe_status not in (StripeStatus.ACTIVE, StripeStatus.PAST_DUE):
        return 0
    if sub.interval == Interval.YEAR:
        return round(sub.amount_cents / 12)
    return sub.amount_cents


@dataclass(frozen=True)
class Totals:
    mrr_cents: int
    active: int
    trialing: int
    past_due: int
    read_only: int
    churned_this_month: int


def billing_totals(now: datetime | None = None) -> Totals:
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    subs = list(
        Subscription.objects.exclude(association__schema_name="public").only(
            "granted", "stripe_status", "interval", "amount_cents", "canceled_at"
        )
    )
    statuses = Association.objects.exclude(schema_name="public").values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return Totals(
        mrr_cents=sum(monthly_revenue_cents(sub) for sub in subs),
        active=counts.get(AssociationStatus.ACTIVE, 0),
        trialing=counts.get(AssociationStatus.TRIAL, 0),
        past_due=counts.get(AssociationStatus.PAST_DUE, 0),
        read_only=counts.get(AssociationStatus.READ_ONLY, 0),
        churned_this_month=sum(
            1
            for sub in subs
            if sub.stripe_status == StripeStatus.CANCELED
            and sub.canceled_at is not None
            and sub.canceled_at >= month_start
        ),
    )


def webhook_events_failed() -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).order_by("-received_at")


# --- Operators' console -----------------------------------------------------------------------


def associations_with_billing(associations: QuerySet[Association]) -> QuerySet[Association]:
    """The console's rows with their subscription and plan in the same query (no N+1)."""
    return associations.select_related("subscription__plan")


def plans_for_ops() -> QuerySet[Plan]:
    """Every plan, offered or not, in the pricing page's order."""
    return Plan.objects.all()
