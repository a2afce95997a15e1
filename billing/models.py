"""Flat subscriptions, one per association, in the public schema.

A plan may differ by storage or features, never by number of members: nothing here counts
seats. Our copy of a Stripe subscription is only ever refreshed from Stripe itself (webhooks
are triggers), so events arriving twice or out of order cannot leave a wrong state.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Association


class Plan(models.Model):
    id = models.BigAutoField(primary_key=True)
    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    currency = models.CharField(max_length=3, default="eur")
    # Prices in cents, shown on the pricing page; Stripe charges its own price objects.
    price_monthly_cents = models.PositiveIntegerField(default=0)
    price_yearly_cents = models.PositiveIntegerField(default=0)
    stripe_price_monthly = models.CharField(max_length=100, blank=True)
    stripe_price_yearly = models.CharField(max_length=100, blank=True)
    storage_quota_mb = models.PositiveIntegerField(_("storage (MB)"), default=5_000)
    features = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price_monthly_cents"]

    def __str__(self) -> str:
        return self.name

    def stripe_price(self, interval: str) -> str:
        return self.stripe_price_yearly if interval == Interval.YEAR else self.stripe_price_monthly

    def monthly_value_cents(self, interval: str) -> int:
        if interval == Interval.YEAR:
            return round(self.price_yearly_cents / 12)
        return self.price_monthly_cents


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class StripeStatus(models.TextChoices):
    """Stripe's subscription statuses (empty: no Stripe subscription yet)."""

    NONE = "", _("No subscription")
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    UNPAID = "unpaid", _("Unpaid")
    CANCELED = "canceled", _("Canceled")
    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
    PAUSED = "paused", _("Paused")


class Subscription(models.Model):
    """Our copy of an association's subscription (and its free trial before any payment)."""

    id = models.BigAutoField(primary_key=True)
    association = models.OneToOneField(
        Association, on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT)
    interval = models.CharField(max_length=5, choices=Interval.choices, blank=True)
    trial_ends_at = models.DateTimeField()
    # Granted by an operator (partner associations): full access, nothing to pay.
    granted = models.BooleanField(default=False)
    grant_note = models.CharField(max_length=200, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_status = models.CharField(
        max_length=20, choices=StripeStatus.choices, blank=True, default=StripeStatus.NONE
    )
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    amount_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="eur")
    past_due_since = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.association_id}:{self.stripe_status or 'trial'}"


class WebhookEvent(models.Model):
    """Every Stripe event received, stored before it is acknowledged."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    stripe_event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker processes the event: one conditional UPDATE claims it.
    claimed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.type} {self.state}"


class Notice(models.Model):
    """A billing email already sent: its key makes every notice go out once."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=200, unique=True)
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
