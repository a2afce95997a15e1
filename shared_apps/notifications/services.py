"""Recording activity and notifying members. Other apps call these two functions; this app
decides what reaches whom and by which channel (in-app, immediate email, digest)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Activity, Notification


def activity_record(
    *,
    verb: str,
    target_type: str,
    target_id: int,
    summary: str,
    url: str,
    actor_id: int | None,
    space_id: int | None = None,
    pinned: bool = False,
) -> Activity:
    """Add an entry to the activity feed (visible to those who may see `space_id`)."""
    return Activity.objects.create(
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:300],
        url=url,
        actor_id=actor_id,
        space_id=space_id,
        pinned=pinned,
    )


def notify(
    *,
    user_ids: Iterable[int],
    category: str,
    text: str,
    url: str,
    actor_id: int | None = None,
    space_id: int | None = None,
) -> list[Notification]:
    """In-app notifications for these accounts (never the actor); emails follow after commit
    according to each member's preferences."""
    rows = [
        Notification(
            user_id=user_id, category=category, text=text[:300], url=url, actor_id=actor_id,
            space_id=space_id,
        )
        for user_id in sorted(set(user_ids))
        if user_id != actor_id
    ]
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    if ids:
        from .tasks import notifications_email_immediate

        transaction.on_commit(lambda: notifications_email_immediate.delay(ids))
    return created
