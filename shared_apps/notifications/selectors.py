"""Read queries of the feed and of notifications. Whatever concerns a space is filtered by
`spaces_readable` at read time: leaving a private space hides its activity and notifications
at once, including those already stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from shared_apps.spaces.selectors import spaces_readable

from .models import DEFAULT_CHANNELS, Activity, Category, FeedState, Notification, Preference

FEED_PAGE_SIZE = 20
UNREAD_CACHE_SECONDS = 60


class CursorInvalid(ValueError):
    """A feed cursor that this code did not make."""


# --- feed ---------------------------------------------------------------------------------------


def _readable(user_id: int) -> Q:
    # Association-wide entries (no space) are for every member.
    return Q(space__isnull=True) | Q(space_id__in=spaces_readable(user_id=user_id).values("id"))


def activities_visible(*, user_id: int) -> QuerySet[Activity]:
    return Activity.objects.filter(_readable(user_id))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_of(activity: Activity) -> str:
    # Integer arithmetic: a float timestamp could be off by a microsecond and skip an entry.
    delta = activity.created_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{int(activity.pinned)}-{micros}-{activity.pk}"


def _after(cursor: str) -> Q:
    """Entries after `cursor` in the feed's order: pinned first, then newest first."""
    try:
        pinned_s, micros_s, pk_s = cursor.split("-")
        pinned, micros, pk = bool(int(pinned_s)), int(micros_s), int(pk_s)
        if pinned_s not in ("0", "1") or pk < 1:
            raise ValueError(cursor)
        created = _EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError) as exc:
        raise CursorInvalid(cursor) from exc
    same_group = Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
    if pinned:
        return Q(pinned=False) | (Q(pinned=True) & same_group)
    return Q(pinned=False) & same_group


@dataclass
class FeedPage:
    items: list[Activity]  # each with `.is_unread`
    next_cursor: str | None


def feed_page(
    *, user_id: int, cursor: str | None = None, since: datetime | None = None,
    limit: int = FEED_PAGE_SIZE,
) -> FeedPage:
    """One page of the feed: one query whatever the page size (actor and space joined).
    `since`: entries after it, by someone else, are marked unread."""
    query = (
        activities_visible(user_id=user_id)
        .select_related("actor", "space")
        .order_by("-pinned", "-created_at", "-id")
    )
    if cursor:
        query = query.filter(_after(cursor))
    rows = list(query[: limit + 1])
    items = rows[:limit]
    for item in items:
        item.is_unread = (
            since is not None and item.created_at > since and item.actor_id != user_id
        )
    return FeedPage(items, cursor_of(items[-1]) if len(rows) > limit else None)


def feed_state(*, user_id: int) -> FeedState | None:
    return FeedState.objects.filter(user_id=user_id).first()


# --- notifications ------------------------------------------------------------------------------


def notifications_visible(*, user_id: int) -> QuerySet[Notification]:
    """This member's notifications that they may still see, newest first."""
    return (
        Notification.objects.filter(user_id=user_id)
        .filter(_readable(user_id))
        .order_by("-created_at", "-id")
    )


def _unread_key(user_id: int) -> str:
    # django-tenants' cache key function prefixes the schema: one association's counts never
    # answer for another's.
    return f"notifications:unread:{user_id}"


def notifications_unread_count(*, user_id: int) -> int:
    key = _unread_key(user_id)
    count = cache.get(key)
    if count is None:
        count = notifications_visible(user_id=user_id).filter(read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_count_forget(user_ids: list[int]) -> None:
    cache.delete_many([_unread_key(user_id) for user_id in user_ids])


def preferences_of(*, user_id: int) -> dict[str, str]:
    """Category → channel for this member, defaults filled in, in the categories' order."""
    chosen = dict(
        Preference.objects.filter(user_id=user_id).values_list("category", "channel")
    )
    return {c.value: chosen.get(c.value, DEFAULT_CHANNELS[c.value]) for c in Category}


def channel_expression() -> Case | Subquery:
    """SQL for each notification's channel: the member's choice, else the category's default."""
    chosen = Preference.objects.filter(
        user_id=OuterRef("user_id"), category=OuterRef("category")
    ).values("channel")[:1]
    default = Case(
        *[When(category=category, then=Value(channel)) for category, channel in
          DEFAULT_CHANNELS.items()],
        output_field=CharField(),
    )
    from django.db.models.functions import Coalesce

    return Coalesce(Subquery(chosen), default, output_field=CharField())


def notifications_to_email(*, channel: str) -> QuerySet[Notification]:
    """Notifications not emailed nor read yet whose member wants `channel` for their category,
    still visible to them (the same rule as `spaces_readable`, evaluated per row), of active
    members only. One query for the whole association."""
    from shared_apps.members.models import Membership, MembershipStatus

    readable_space = spaces_readable(user_id=OuterRef(OuterRef("user_id"))).filter(
        pk=OuterRef("space_id")
    )
    active = Membership.objects.filter(
        user_id=OuterRef("user_id"), status=MembershipStatus.ACTIVE
    )
    return (
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
        .annotate(channel=channel_expression())
        .filter(channel=channel)
        .filter(Q(space__isnull=True) | Exists(readable_space))
        .filter(Exists(active))
        .order_by("user_id", "-created_at", "-id")
    )
