"""Celery work of the news app."""

from __future__ import annotations

from celery import shared_task


@shared_task
def news_ack_reminders() -> int:
    """Remind members of this association (the task carries its schema) who have not yet
    acknowledged an open notice. Safe to run more than once a day."""
    from .services import ack_reminders_send

    return ack_reminders_send()


@shared_task
def news_ack_reminders_all() -> int:
    """Daily, from beat: the reminders of every active association, one after the other."""
    from shared_apps.workspace.fanout import each_active_association

    from .services import ack_reminders_send

    return each_active_association(ack_reminders_send, what="news reminders")
