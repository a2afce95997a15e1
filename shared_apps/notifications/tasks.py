"""Emails for notifications (immediate and digests), sent by Celery after commit."""

from __future__ import annotations

from celery import shared_task


@shared_task
def notifications_email_immediate(notification_ids: list[int]) -> int:
    """Email the notifications whose category the member wants immediately (see prefs)."""
    # Filled in by the notifications work (immediate categories, preferences, unsubscribe).
    return 0
