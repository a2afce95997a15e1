"""Filters of the operators' console."""

from __future__ import annotations

from django import template

from billing.models import Subscription
from billing.selectors import monthly_revenue_cents

register = template.Library()


@register.filter
def monthly_revenue(sub: Subscription | None) -> int | None:
    """What the subscription brings per month, in cents (None: no subscription)."""
    return monthly_revenue_cents(sub) if isinstance(sub, Subscription) else None
