"""Writes of billing: trials, checkout, portal, webhook intake and processing, access.

Stripe is the source of truth. A webhook is only a trigger: processing re-reads the
subscription from Stripe and overwrites our copy, so duplicates, retries and events out of
order all converge on the state Stripe holds. No Stripe call is made while we hold a lock.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from tenants.models import Association, AssociationStatus

from . import stripe_gateway as gateway
from .access import TRIAL_LENGTH, access_compute
from .models import Interval, Notice, Plan, StripeStatus, Subscription, WebhookEvent

logger = logging.getLogger(__name__)

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.trial_will_end",
        "invoice.paid",
        "invoice.payment_failed",
    }
)


class BillingDisabled(Exception):
    """No Stripe keys: payment is off on this installation."""


class BillingError(Exception):
    """A billing action could not be done (the message is shown to the person)."""


class AlreadySubscribed(BillingError):
    """A live subscription exists: the board changes it in the customer portal."""


def billing_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


# --- Trial and access -------------------------------------------------------------------------


def subscription_start_trial(*, association: Association) -> Subscription:
    """Every new association starts with a 30-day free trial, no card needed."""
    sub, _ = Subscription.objects.get_or_create(
        association=association,
        defaults={"trial_ends_at": association.created_at + TRIAL_LENGTH},
    )
    access_recompute(association_id=association.pk)
    return sub


def access_recompute(*, association_id: int, now: datetime | None = None) -> tuple[str, str]:
    """Recompute and store the association's access from its subscription.

    Returns (status before, status after). A suspension by an operator is kept: the billing
    status is remembered underneath it. Emails for transitions go out after commit; the
    association row is locked, so concurrent recomputes see each transition once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        association = Association.objects.select_for_update().get(pk=association_id)
        sub = Subscription.objects.get(association_id=association_id)
        access = access_compute(sub, billing_enabled=billing_enabled(), now=now)
        suspended = association.is_suspended
        before = association.status_before_suspension if suspended else association.status
        was_read_only = before == AssociationStatus.READ_ONLY or (
            association.access_until is not None and now >= association.access_until
        )
        stored = (
            association.status, association.status_before_suspension, association.access_until
        )
        if suspended:
            association.status_before_suspension = access.status
        else:
            association.status = access.status
        association.access_until = access.until
        if stored != (
            association.status, association.status_before_suspension, association.access_until
        ):
            association.save(update_fields=["status", "status_before_suspension", "access_until"])
        if billing_enabled() and was_read_only and not access.read_only_at(now):
            key = f"access_back:{association.pk}:{int(now.timestamp())}"
            _notice_after_commit(association, "access_back", key)
        if sub.stripe_status == StripeStatus.CANCELED and sub.stripe_subscription_id:
            _notice_after_commit(association, "canceled", f"canceled:{sub.stripe_subscription_id}")
    return before, access.status


def trial_extend(*, association: Association, days: int) -> Subscription:
    if not 1 <= days <= 365:
        raise BillingError("days")
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(association=association)
        start = max(sub.trial_ends_at, timezone.now())
        sub.trial_ends_at = start + timedelta(days=days)
        sub.save(update_fields=["trial_ends_at", "updated_at"])
    access_recompute(association_id=association.pk)
    return sub


def plan_grant(*, association: Association, plan: Plan | None, note: str = "") -> Subscription:
    """Grant a plan free of charge (partner associations); plan=None withdraws the grant."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(association=association)
        sub.granted = plan is not None
        sub.grant_note = note.strip()[:200] if plan is not None else ""
        if plan is not None:
            sub.plan = plan
        sub.save(update_fields=["granted", "grant_note", "plan", "updated_at"])
    access_recompute(association_id=association.pk)
    return sub


# --- Checkout and portal ----------------------------------------------------------------------


def _ensure_customer(*, association: Association, email: str) -> str:
    sub = Subscription.objects.get(association=association)
    if sub.stripe_customer_id:
        return sub.stripe_customer_id
    customer_id = gateway.customer_create(
        association_id=association.pk, name=association.name, email=email
    )
    # Only the first writer sets it; the idempotency key makes every caller get the same id.
    Subscription.objects.filter(pk=sub.pk, stripe_customer_id="").update(
        stripe_customer_id=customer_id
    )
    return Subscription.objects.get(pk=sub.pk).stripe_customer_id


def checkout_start(
    *, association: Association, email: str, plan: Plan, interval: str, return_url: str
) -> str:
    """The Stripe Checkout URL for subscribing to `plan` (one flat line item, quantity 1)."""
    if not billing_enabled():
        raise BillingDisabled
    if interval not in Interval.values or not plan.is_active or not plan.stripe_price(interval):
        raise BillingError("plan")
    # One subscription per association: while one is live, the board manages it in the
    # portal. Our copy may lag behind Stripe (a lost webhook), so look again before refusing.
    if _has_live_subscription(Subscription.objects.get(association=association)):
        if _has_live_subscription(subscription_resync(association_id=association.pk)):
            raise AlreadySubscribed
    customer_id = _ensure_customer(association=association, email=email)
    return gateway.checkout_session_create(
        customer_id=customer_id,
        price_id=plan.stripe_price(interval),
        association_id=association.pk,
        success_url=return_url + "?checkout=success",
        cancel_url=return_url + "?checkout=canceled",
        attempt=uuid.uuid4().hex,
    )


def _has_live_subscription(sub: Subscription) -> bool:
    ended = (StripeStatus.NONE, StripeStatus.CANCELED, StripeStatus.INCOMPLETE_EXPIRED)
    return bool(sub.stripe_subscription_id) and sub.stripe_status not in ended


def portal_start(*, association: Association, return_url: str) -> str:
    if not billing_enabled():
        raise BillingDisabled
    sub = Subscription.objects.get(association=association)
    if not sub.stripe_customer_id:
        raise BillingError("no customer")
    return gateway.portal_session_create(
        customer_id=sub.stripe_customer_id, return_url=return_url, attempt=uuid.uuid4().hex
    )


# --- Our copy of Stripe's subscription --------------------------------------------------------


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _first_item(data: dict[str, Any]) -> dict[str, Any]:
    items = (data.get("items") or {}).get("data") or []
    return items[0] if items else {}


def _pick(subscriptions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The customer's subscription that matters: a live one first, else the newest."""
    live = [s for s in subscriptions if s.get("status") not in ("canceled", "incomplete_expired")]
    pool = live or subscriptions
    return max(pool, key=lambda s: s.get("created") or 0) if pool else None


def subscription_apply(*, sub: Subscription, data: dict[str, Any] | None, now: datetime) -> None:
    """Overwrite our copy with Stripe's subscription object (None: the customer has none)."""
    if data is None:
        sub.stripe_subscription_id = ""
        sub.stripe_status = StripeStatus.NONE
        sub.past_due_since = None
        return
    status = data.get("status") or ""
    item = _first_item(data)
    price = item.get("price") or {}
    price_id = price.get("id") or ""
    sub.stripe_subscription_id = data.get("id") or sub.stripe_subscription_id
    if data.get("customer"):
        sub.stripe_customer_id = data["customer"] if isinstance(data["customer"], str) else (
            data["customer"].get("id", sub.stripe_customer_id)
        )
    if status == StripeStatus.PAST_DUE and sub.stripe_status != StripeStatus.PAST_DUE:
        sub.past_due_since = now
    elif status != StripeStatus.PAST_DUE:
        sub.past_due_since = None
    sub.stripe_status = status if status in StripeStatus.values else StripeStatus.INCOMPLETE
    sub.interval = ((price.get("recurring") or {}).get("interval") or sub.interval or "")[:5]
    sub.amount_cents = int(price.get("unit_amount") or 0)  # one flat price, quantity 1
    sub.currency = price.get("currency") or sub.currency
    sub.current_period_end = _ts(data.get("current_period_end") or item.get("current_period_end"))
    sub.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    sub.canceled_at = _ts(data.get("ended_at") or data.get("canceled_at"))
    plan = (
        Plan.objects.filter(stripe_price_monthly=price_id).first()
        or Plan.objects.filter(stripe_price_yearly=price_id).first()
        if price_id
        else None
    )
    if plan is not None:
        sub.plan = plan


def subscription_resync(*, association_id: int) -> Subscription:
    """Re-read the association's subscription from Stripe and recompute its access."""
    sub = Subscription.objects.get(association_id=association_id)
    data: dict[str, Any] | None = None
    if sub.stripe_customer_id:
        data = _pick(gateway.subscriptions_for_customer(sub.stripe_customer_id))  # no lock held
    elif sub.stripe_subscription_id:
        data = gateway.subscription_retrieve(sub.stripe_subscription_id)
    now = timezone.now()
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=sub.pk)
        subscription_apply(sub=sub, data=data, now=now)
        sub.synced_at = now
        sub.save()
    access_recompute(association_id=association_id, now=now)
    return sub


# --- Webhooks ---------------------------------------------------------------------------------


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookEvent | None:
    """Verify and store an event; returns it when new (to process after commit), None for a
    duplicate. Raises gateway.SignatureInvalid for a bad, missing or stale signature."""
    event = gateway.event_verify(payload, signature)
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                stripe_event_id=event["id"], type=event["type"], payload=event
            )
    except IntegrityError:
        return None  # already received: Stripe retried, or delivered it twice at once
    return stored


def _association_for_event(obj: dict[str, Any]) -> int | None:
    metadata = obj.get("metadata") or {}
    for candidate in (metadata.get("association_id"), obj.get("client_reference_id")):
        if candidate and str(candidate).isdigit():
            if Subscription.objects.filter(association_id=int(candidate)).exists():
                return int(candidate)
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if customer:
        found = Subscription.objects.filter(stripe_customer_id=customer).first()
        if found:
            return found.association_id
    sub_id = obj.get("subscription") if obj.get("object") != "subscription" else obj.get("id")
    if isinstance(sub_id, dict):
        sub_id = sub_id.get("id")
    if sub_id:
        found = Subscription.objects.filter(stripe_subscription_id=sub_id).first()
        if found:
            return found.association_id
    return None


CLAIM_TIMEOUT = timedelta(minutes=5)


def webhook_process(*, event_pk: int) -> bool:
    """Process a stored event once. Returns False when another worker has it or it is done.

    The event is claimed with one conditional UPDATE (a concurrent delivery of the same event
    finds nothing to claim); the work — re-reading Stripe — then runs with no lock held.
    A claim older than CLAIM_TIMEOUT (a crashed worker) can be taken again.
    """
    now = timezone.now()
    claimed = (
        WebhookEvent.objects.filter(pk=event_pk)
        .exclude(state=WebhookEvent.State.PROCESSED)
        .filter(
            models.Q(claimed_at__isnull=True) | models.Q(claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .update(claimed_at=now, attempts=models.F("attempts") + 1)
    )
    if claimed != 1:
        return False
    event = WebhookEvent.objects.get(pk=event_pk)
    try:
        obj = (event.payload.get("data") or {}).get("object") or {}
        association_id = _association_for_event(obj)
        if event.type in HANDLED_EVENTS and association_id is not None:
            customer = obj.get("customer")
            if obj.get("object") == "checkout.session" and isinstance(customer, str):
                Subscription.objects.filter(
                    association_id=association_id, stripe_customer_id=""
                ).update(stripe_customer_id=customer)
            subscription_resync(association_id=association_id)
            with transaction.atomic():
                _event_notices(event, obj, association_id)
    except Exception:
        WebhookEvent.objects.filter(pk=event_pk).update(claimed_at=None)
        raise
    WebhookEvent.objects.filter(pk=event_pk).update(
        state=WebhookEvent.State.PROCESSED, processed_at=timezone.now(), error=""
    )
    return True


def webhook_failed(*, event_pk: int, error: str) -> None:
    WebhookEvent.objects.filter(pk=event_pk).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.FAILED, error=error[:2000]
    )


def webhook_replay(*, event: WebhookEvent) -> None:
    """Operators: process a failed event again."""
    from .tasks import process_webhook_event

    WebhookEvent.objects.filter(pk=event.pk).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.PENDING, claimed_at=None
    )
    transaction.on_commit(lambda: process_webhook_event.delay(event.pk))


def _event_notices(event: WebhookEvent, obj: dict[str, Any], association_id: int) -> None:
    association = Association.objects.get(pk=association_id)
    if event.type == "invoice.payment_failed":
        # One notice per invoice attempt, however often Stripe delivers the event.
        key = f"payment_failed:{obj.get('id')}:{obj.get('attempt_count') or 0}"
        _notice_after_commit(association, "payment_failed", key)
    elif event.type == "customer.subscription.trial_will_end":
        key = f"trial_will_end:{obj.get('id')}:{obj.get('trial_end')}"
        _notice_after_commit(association, "trial_ending", key)


def _notice_after_commit(association: Association, kind: str, key: str) -> None:
    """Record the notice (once per key) and email the board after commit."""
    try:
        with transaction.atomic():
            Notice.objects.create(key=key, association=association, kind=kind)
    except IntegrityError:
        return
    from .tasks import send_billing_email

    association_id = association.pk
    transaction.on_commit(lambda: send_billing_email.delay(association_id, kind))
