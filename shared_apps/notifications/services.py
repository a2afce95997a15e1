"""Recording activity and notifying members. Other apps call `activity_record` and `notify`;
this app decides what reaches whom and by which channel (in-app, immediate email, digest)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from shared_apps.workspace.signed_links import LinkInvalid, link_payload, link_token

from .models import Activity, Category, Channel, FeedState, Notification, Preference
from .selectors import notifications_visible, unread_count_forget

UNSUBSCRIBE_PURPOSE = "notifications.unsubscribe"
# Unsubscribe links keep working long after the email was sent (RFC 8058 asks for it).
UNSUBSCRIBE_MAX_AGE = 365 * 24 * 3600


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


# A notification's words: a function that returns them, called once per language among the
# recipients (each reads it — in the app and in emails — in their own language); or a plain
# string for words that are not ours to translate.
Text = Callable[[], str] | str


def phrase(message: str, **params: object) -> Text:
    """Words for `notify`: `message` (marked with gettext_noop where it is written) translated
    in each recipient's language, then filled with `params`."""
    return lambda: translation.gettext(message) % params


def recipient_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """Each account's language: its own choice, else the association's (one query)."""
    from tenants.accounts.models import User

    user_ids = list(user_ids)
    fallback = getattr(connection.tenant, "language", "") or settings.LANGUAGE_CODE
    chosen = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "language"))
    return {user_id: chosen.get(user_id) or fallback for user_id in user_ids}


def notify(
    *,
    user_ids: Iterable[int],
    category: str,
    text: Text,
    url: str,
    actor_id: int | None = None,
    space_id: int | None = None,
    languages: Mapping[int, str] | None = None,
) -> list[Notification]:
    """In-app notifications for these accounts (never the actor), each in the recipient's
    language; emails follow after commit according to each member's preferences. Callers
    that notify many members one by one pass `recipient_languages` of them all, looked up
    once."""
    recipients = sorted(set(user_ids) - {actor_id})
    if not recipients:
        return []
    if languages is None or not set(recipients) <= set(languages):
        languages = recipient_languages(recipients)
    words: dict[str, str] = {}
    for language in sorted(set(languages.values())):
        with translation.override(language):
            words[language] = (text if isinstance(text, str) else str(text()))[:300]
    rows = [
        Notification(
            user_id=user_id, category=category, text=words[languages[user_id]], url=url,
            actor_id=actor_id, space_id=space_id,
        )
        for user_id in recipients
    ]
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    users = sorted({n.user_id for n in created})
    unread_count_forget(users)
    # Again after commit: a bell read in between would cache the count without these.
    transaction.on_commit(lambda: unread_count_forget(users))
    from .tasks import notifications_email_immediate

    transaction.on_commit(lambda: notifications_email_immediate.delay(ids))
    return created


@transaction.atomic
def notification_mark_read(*, user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the member's notifications read; None if it is not theirs to see."""
    notification = (
        notifications_visible(user_id=user_id).filter(pk=notification_id).first()
    )
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        unread_count_forget([user_id])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user_id: int) -> int:
    count = Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    unread_count_forget([user_id])
    return count


@transaction.atomic
def preferences_set(*, user_id: int, channels: dict[str, str]) -> None:
    """Save the member's channel per category (unknown categories or channels: ValueError)."""
    for category, channel in channels.items():
        if category not in Category.values or channel not in Channel.values:
            raise ValueError(f"{category}={channel}")
    Preference.objects.bulk_create(
        [Preference(user_id=user_id, category=c, channel=ch) for c, ch in channels.items()],
        update_conflicts=True,
        unique_fields=["user", "category"],
        update_fields=["channel", "updated_at"],
    )


@transaction.atomic
def feed_visit(*, user_id: int, now: datetime | None = None) -> datetime | None:
    """The member opens the feed: returns the time of their previous visit (what came after
    is unread) and records this one. Two queries whatever the feed's size."""
    now = now or timezone.now()
    state = FeedState.objects.select_for_update().filter(user_id=user_id).first()
    previous = state.seen_at if state else None
    FeedState.objects.bulk_create(
        [FeedState(user_id=user_id, seen_at=now, marker_at=previous)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["seen_at", "marker_at"],
    )
    return previous


# --- one-click unsubscribe ----------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, categories: Iterable[str]) -> str:
    return link_token(UNSUBSCRIBE_PURPOSE, {"u": user_id, "c": sorted(set(categories))})


def unsubscribe_read(token: str) -> tuple[int, list[str]]:
    """(user id, categories) of a token; LinkInvalid when tampered with, foreign or expired."""
    payload = link_payload(UNSUBSCRIBE_PURPOSE, token, max_age_seconds=UNSUBSCRIBE_MAX_AGE)
    user_id, categories = payload.get("u"), payload.get("c")
    if (
        not isinstance(user_id, int)
        or not isinstance(categories, list)
        or not categories
        or any(c not in Category.values for c in categories)
    ):
        raise LinkInvalid("invalid")
    return user_id, categories


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[int, list[str]]:
    """Turn off the emails of the token's categories for its member (no sign-in needed)."""
    user_id, categories = unsubscribe_read(token)
    preferences_set(user_id=user_id, channels={c: Channel.NEVER for c in categories})
    return user_id, categories
