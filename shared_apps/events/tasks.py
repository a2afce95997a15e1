"""Celery work of the events app."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def events_reminders() -> int:
    """Remind this association's members (the task carries its schema) of their events of the
    next day. Idempotent: each member is reminded once per date."""
    from .services import reminders_send

    return reminders_send()


@shared_task
def events_reminders_all() -> int:
    """Every hour, from beat: the reminders of every active association, one after the other."""
    from django_tenants.utils import tenant_context

    from tenants.models import Association, AssociationStatus

    from .services import reminders_send

    total = 0
    for association in Association.objects.exclude(schema_name="public").exclude(
        status=AssociationStatus.SUSPENDED
    ):
        try:
            with tenant_context(association):
                total += reminders_send()
        except Exception:  # noqa: BLE001 — one association must not stop the others
            logger.exception("event reminders failed for %s", association.schema_name)
    return total
