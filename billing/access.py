"""What an association may do, from its subscription: a pure function, easy to test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tenants.models import AssociationStatus

from .models import StripeStatus, Subscription

GRACE_PERIOD = timedelta(days=14)
TRIAL_LENGTH = timedelta(days=30)

_ENDED = {
    StripeStatus.UNPAID,
    StripeStatus.CANCELED,
    StripeStatus.INCOMPLETE_EXPIRED,
    StripeStatus.PAUSED,
}


@dataclass(frozen=True)
class Access:
    status: str  # an AssociationStatus value
    until: datetime | None  # full access ends then (None: no end in sight)

    def read_only_at(self, now: datetime) -> bool:
        return self.status == AssociationStatus.READ_ONLY or (
            self.until is not None and now >= self.until
        )


def access_compute(sub: Subscription, *, billing_enabled: bool, now: datetime) -> Access:
    """Trial and active: full access. Past due: full access for a 14-day grace period.
    Trial over without a subscription, unpaid, canceled: read-only. Nothing is deleted."""
    if sub.granted:
        return Access(AssociationStatus.ACTIVE, None)
    if not billing_enabled:
        # Self-hosting or development: no payment, operators grant plans; access is full.
        return Access(AssociationStatus.TRIAL, None)
    status = sub.stripe_status
    if status == StripeStatus.ACTIVE:
        return Access(AssociationStatus.ACTIVE, None)
    if status == StripeStatus.TRIALING:
        return Access(AssociationStatus.TRIAL, None)
    if status == StripeStatus.PAST_DUE:
        since = sub.past_due_since or now
        return Access(AssociationStatus.PAST_DUE, since + GRACE_PERIOD)
    if status in _ENDED:
        return Access(AssociationStatus.READ_ONLY, sub.canceled_at or now)
    # No Stripe subscription (or an incomplete first payment): our own free trial.
    if now < sub.trial_ends_at:
        return Access(AssociationStatus.TRIAL, sub.trial_ends_at)
    return Access(AssociationStatus.READ_ONLY, sub.trial_ends_at)
