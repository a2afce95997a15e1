"""Celery work of the news app."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def news_ack_reminders() -> int:
    """Remind members of this association (the task carries its schema) who have not yet
    acknowledged an open notice. Safe to run more than once a day."""
    from .services import ack_reminders_send

    return ack_reminders_send()


@shared_task
def news_ack_reminders_all() -> int:
    """Daily, from beat: the reminders of every active association, one after the other."""
    from django_tenants.utils import tenant_context

    from tenants.models import Association, AssociationStatus

    from .services import ack_reminders_send

    total = 0
    # Suspended associations send nothing; the template schema is not an Association.
    for association in Association.objects.exclude(schema_name="public").exclude(
        status=AssociationStatus.SUSPENDED
    ):
        try:
            with tenant_context(association):
                total += ack_reminders_send()
        except Exception:  # noqa: BLE001 — one association must not stop the others
            logger.exception("news reminders failed for %s", association.schema_name)
    return total
