"""Read queries of discussions. Every list starts from `spaces_readable`, so a private space's
threads, messages and files never reach a non-member."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from shared_apps.members.models import Membership, MembershipStatus
from shared_apps.members.selectors import display_name_of, member_display_names
from shared_apps.spaces.models import Space, Visibility
from shared_apps.spaces.selectors import space_member_user_ids, spaces_readable

from .models import REACTIONS, Attachment, Message, Reaction, Subscription, Thread, ThreadState
from .rendering import handles_for

PAGE_SIZE = 20


def space_reader_user_ids(*, space: Space) -> set[int]:
    """Active members who may read this space (the same rule as `spaces_readable`)."""
    if space.is_default or space.visibility == Visibility.OPEN:
        return set(
            Membership.objects.filter(status=MembershipStatus.ACTIVE).values_list(
                "user_id", flat=True
            )
        )
    return set(space_member_user_ids(space=space))


def space_reader_names(*, space: Space) -> dict[int, str]:
    """account id → display name, for the readers of this space (one query)."""
    readers = space_reader_user_ids(space=space)
    rows = Membership.objects.filter(
        status=MembershipStatus.ACTIVE, user_id__in=readers
    ).select_related("user", "profile")
    return {m.user_id: display_name_of(m) for m in rows}


@dataclass(frozen=True)
class Mentionable:
    user_id: int
    name: str
    handle: str


def mentionable(*, space: Space) -> list[Mentionable]:
    """Who can be mentioned in this space, by name (for an autocomplete or the hint)."""
    names = space_reader_names(space=space)
    rows = [Mentionable(uid, names[uid], handle) for handle, uid in handles_for(names).items()]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.user_id))


def _visible_messages() -> Q:
    return Q(messages__deleted_at__isnull=True, messages__hidden_at__isnull=True)


def threads_for_reader(*, user_id: int, space: Space | None = None) -> QuerySet[Thread]:
    """Threads of readable spaces (or of one), newest activity first, with counts and this
    member's unread count and subscription — one query whatever the number of threads."""
    threads = Thread.objects.filter(space__in=spaces_readable(user_id=user_id))
    if space is not None:
        threads = threads.filter(space=space)
    state = ThreadState.objects.filter(thread=OuterRef("pk"), user_id=user_id)
    return (
        threads.select_related("space")
        .annotate(
            last_read=Coalesce(
                Subquery(state.values("last_read_message_id")[:1]), Value(0),
                output_field=IntegerField(),
            ),
            subscription=Coalesce(
                Subquery(state.values("subscription")[:1]), Value(Subscription.NONE)
            ),
            message_count=Count("messages", filter=_visible_messages()),
            unread_count=Count(
                "messages",
                filter=_visible_messages()
                & Q(messages__id__gt=F("last_read"))
                & ~Q(messages__author_id=user_id),
            ),
            last_message_id=Max("messages__id"),
        )
        .order_by("-last_activity_at", "-id")
    )


def threads_with_names(threads: list[Thread]) -> list[Thread]:
    """Author names for a page of threads, in one query."""
    names = member_display_names({t.author_id for t in threads})
    for thread in threads:
        thread.author_name = names.get(thread.author_id, "")
    return threads


def thread_for_reader(*, user_id: int, pk: int) -> Thread | None:
    """The thread if its space is readable by this member, else None (callers answer 404)."""
    return threads_for_reader(user_id=user_id).filter(pk=pk).first()


def message_for_reader(*, user_id: int, pk: int) -> Message | None:
    return (
        Message.objects.filter(pk=pk, thread__space__in=spaces_readable(user_id=user_id))
        .select_related("thread", "thread__space")
        .first()
    )


def attachment_for_reader(*, user_id: int, pk: int, moderator_of: set[int] | None = None
                          ) -> Attachment | None:
    """A file of a readable space's message; none for a deleted message."""
    return (
        Attachment.objects.filter(
            pk=pk, message__thread__space__in=spaces_readable(user_id=user_id),
            message__deleted_at__isnull=True,
        )
        .select_related("message", "message__thread", "message__thread__space")
        .first()
    )


@dataclass
class ReactionCount:
    emoji: str
    count: int
    mine: bool


@dataclass
class MessageView:
    """A message as one member sees it."""

    message: Message
    author_name: str
    can_see_content: bool  # False: deleted, or hidden from this non-moderator
    reactions: list[ReactionCount] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def thread_messages(
    *, thread: Thread, user_id: int, is_moderator: bool, page: int = 1,
    page_size: int = PAGE_SIZE,
) -> tuple[list[MessageView], bool]:
    """One page of a thread (oldest first) and whether more follow. Constant queries per page:
    messages, names, reactions, attachments."""
    page = max(page, 1)
    start = (page - 1) * page_size
    rows = list(
        Message.objects.filter(thread=thread)
        .order_by("id")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        [start : start + page_size + 1]
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    names = member_display_names({m.author_id for m in rows})
    counts: dict[int, dict[str, ReactionCount]] = {}
    for message_id, emoji, count, mine in (
        Reaction.objects.filter(message__in=[m.pk for m in rows])
        .values("message_id", "emoji")
        .annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user_id)))
        .values_list("message_id", "emoji", "n", "mine")
    ):
        counts.setdefault(message_id, {})[emoji] = ReactionCount(emoji, count, bool(mine))
    views = []
    for message in rows:
        visible = message.deleted_at is None and (message.hidden_at is None or is_moderator)
        by_emoji = counts.get(message.pk, {})
        views.append(
            MessageView(
                message=message,
                author_name=names.get(message.author_id, ""),
                can_see_content=visible,
                reactions=[by_emoji[e] for e in REACTIONS if e in by_emoji] if visible else [],
                attachments=list(message.attachments.all()) if visible else [],
            )
        )
    return views, has_more


def message_reactions(*, message: Message, user_id: int) -> list[ReactionCount]:
    """The reaction counts of one message, in the fixed order."""
    by_emoji = {
        emoji: ReactionCount(emoji, n, bool(mine))
        for emoji, n, mine in Reaction.objects.filter(message=message)
        .values("emoji")
        .annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user_id)))
        .values_list("emoji", "n", "mine")
    }
    return [by_emoji[e] for e in REACTIONS if e in by_emoji]


def thread_state(*, thread: Thread, user_id: int) -> ThreadState | None:
    return ThreadState.objects.filter(thread=thread, user_id=user_id).first()
