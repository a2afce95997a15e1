"""Emails for notifications (immediate and digests), sent by Celery after commit.

Beat calls the digest tasks in the public schema: they fan out one task per association (each
carries its schema). Called within an association's schema they send its digests."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context

from .models import Channel

logger = logging.getLogger(__name__)


@shared_task
def notifications_email_immediate(notification_ids: list[int]) -> int:
    """Email the notifications whose member wants their category immediately; returns how many
    emails were sent (one per member)."""
    from .emails import send_pending

    return send_pending(channel=Channel.IMMEDIATE, notification_ids=notification_ids)


def _digest(channel: str) -> int:
    if connection.schema_name == get_public_schema_name():
        from tenants.models import Association, AssociationStatus

        count = 0
        associations = Association.objects.exclude(
            schema_name=get_public_schema_name()
        ).exclude(status=AssociationStatus.SUSPENDED)
        task = notifications_digest_daily if channel == Channel.DAILY else (
            notifications_digest_weekly
        )
        for association in associations:
            with tenant_context(association):
                task.delay()  # sent from the association's schema: the task runs there
            count += 1
        return count
    from .emails import send_pending

    return send_pending(channel=channel)


@shared_task
def notifications_digest_daily() -> int:
    """One email per member with their unemailed notifications of daily-digest categories."""
    return _digest(Channel.DAILY)


@shared_task
def notifications_digest_weekly() -> int:
    """One email per member with their unemailed notifications of weekly-digest categories."""
    return _digest(Channel.WEEKLY)
