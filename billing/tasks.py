"""Billing work done by Celery: webhook processing, nightly reconciliation, daily trial
reminders, and the emails to board administrators."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tenants.models import Association

from .models import Subscription, WebhookEvent
from .notify import board_email
from .services import (
    _notice_after_commit,
    access_recompute,
    billing_enabled,
    subscription_resync,
    webhook_failed,
    webhook_process,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8)
def process_webhook_event(self, event_pk: int) -> bool:  # noqa: ANN001
    """Process one stored event; failures stay visible to operators and retry with backoff."""
    try:
        return webhook_process(event_pk=event_pk)
    except Exception as exc:
        logger.exception("webhook event %s failed", event_pk)
        webhook_failed(event_pk=event_pk, error=f"{type(exc).__name__}: {exc}")
        if self.request.is_eager:
            # No worker (development): the failure is recorded for operators to replay;
            # retrying inline would only turn the request that queued it into an error.
            return False
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task
def reconcile_all() -> int:
    """Nightly: resync every association that has a Stripe customer, so a lost webhook cannot
    leave a wrong state for more than a day. Also picks up pending events left behind."""
    if not billing_enabled():
        return 0
    count = 0
    for association_id in Subscription.objects.exclude(stripe_customer_id="").values_list(
        "association_id", flat=True
    ):
        try:
            subscription_resync(association_id=association_id)
            count += 1
        except Exception:  # noqa: BLE001 — one failure must not stop the others
            logger.exception("reconciliation of association %s failed", association_id)
    stale = timezone.now() - timedelta(minutes=10)
    for event_pk in WebhookEvent.objects.filter(
        state=WebhookEvent.State.PENDING, received_at__lt=stale
    ).values_list("pk", flat=True):
        process_webhook_event.delay(event_pk)
    return count


@shared_task
def billing_daily() -> int:
    """Daily: trial reminders 7 and 2 days before the end, and access recomputed for every
    association (trials and grace periods end with time, not with an event)."""
    now = timezone.now()
    reminded = 0
    for sub in Subscription.objects.select_related("association").exclude(
        association__schema_name="public"
    ):
        access_recompute(association_id=sub.association_id, now=now)
        if not billing_enabled() or sub.granted or sub.stripe_subscription_id:
            continue
        days_left = (sub.trial_ends_at - now).total_seconds() / 86400
        for days in (7, 2):
            if days - 1 < days_left <= days:
                key = f"trial_ending:{sub.association_id}:{days}:{sub.trial_ends_at.date()}"
                _notice_after_commit(sub.association, "trial_ending", key)
                reminded += 1
    return reminded


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_billing_email(association_id: int, kind: str) -> int:
    association = Association.objects.get(pk=association_id)
    return board_email(association=association, kind=kind)
