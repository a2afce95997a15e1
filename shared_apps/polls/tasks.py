"""Celery work of the polls app."""

from __future__ import annotations

from celery import shared_task


@shared_task
def polls_deadline_reminders_all() -> int:
    """Every hour, from beat: remind those who have not voted, in every active association."""
    from shared_apps.workspace.fanout import each_active_association

    from .services import deadline_reminders_send

    return each_active_association(
        deadline_reminders_send, what="poll reminders", writable_only=True
    )
