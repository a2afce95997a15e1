"""Celery work of the events app."""

from __future__ import annotations

from celery import shared_task


@shared_task
def events_reminders() -> int:
    """Remind this association's members (the task carries its schema) of their events of the
    next day. Idempotent: each member is reminded once per date."""
    from .services import reminders_send

    return reminders_send()


@shared_task
def events_reminders_all() -> int:
    """Every hour, from beat: the reminders of every active association, one after the other."""
    from shared_apps.workspace.fanout import each_active_association

    from .services import reminders_send

    return each_active_association(reminders_send, what="event reminders")
