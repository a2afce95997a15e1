"""Read queries of the news app. Every query a member's request makes goes through
`announcements_for`, which keeps only the spaces they may read (private spaces of which they
are not part never show, anywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.members.selectors import member_display_names
from shared_apps.spaces.models import (
    Space,
    SpaceMembership,
    SpaceMembershipStatus,
    SpaceRole,
)
from shared_apps.spaces.selectors import space_member_user_ids, spaces_readable

from .models import (
    Acknowledgement,
    Announcement,
    Attachment,
    Comment,
    Emoji,
    Reaction,
    ReadReceipt,
)


def announcements_for(*, user_id: int) -> QuerySet[Announcement]:
    """Announcements this member may read."""
    return Announcement.objects.filter(
        space_id__in=spaces_readable(user_id=user_id).values("id")
    )


def announcement_for_reader(*, user_id: int, pk: int) -> Announcement | None:
    return announcements_for(user_id=user_id).select_related("space").filter(pk=pk).first()


def _count_of(model: type, field: str = "announcement") -> Coalesce:
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def announcements_list(*, user_id: int, space: Space | None = None) -> QuerySet[Announcement]:
    """The list (page and API): pinned first, newest next, with what each row shows — in one
    query whatever the number of rows (authors' names come from `author_names`)."""
    mine = {"announcement": OuterRef("pk"), "user_id": user_id}
    rows = announcements_for(user_id=user_id)
    if space is not None:
        rows = rows.filter(space=space)
    return (
        rows.select_related("space")
        .annotate(
            is_read=Exists(ReadReceipt.objects.filter(**mine)),
            is_acknowledged=Exists(Acknowledgement.objects.filter(**mine)),
            comment_count=_count_of(Comment),
            attachment_count=_count_of(Attachment),
        )
        .order_by("-pinned", "-created_at", "-id")
    )


def author_names(announcements: list) -> dict[int, str]:
    """Names of the authors of these announcements (or comments), in one query."""
    return member_display_names({a.author_id for a in announcements})


def publishable_spaces(membership: Membership) -> list[Space]:
    """Where this member may publish (the same rule as `policy.can_publish_in`, in two queries
    whatever the number of spaces): the whole association for board and staff, and the spaces
    they moderate (board and staff: every space they can read)."""
    if not membership.is_active:
        return []
    candidates = spaces_readable(user_id=membership.user_id).filter(archived_at__isnull=True)
    if not can(membership, "spaces.manage_any"):
        moderated = SpaceMembership.objects.filter(
            user_id=membership.user_id, status=SpaceMembershipStatus.ACTIVE,
            role=SpaceRole.MODERATOR,
        ).values("space_id")
        candidates = candidates.filter(Q(is_default=True) | Q(id__in=moderated))
    everyone = can(membership, "news.publish_everyone")
    return [space for space in candidates.order_by("-is_default", "name")
            if everyone or not space.is_default]


def attachments_of(announcement: Announcement) -> list[Attachment]:
    return list(announcement.attachments.all())


def attachment_for_reader(*, user_id: int, pk: int) -> Attachment | None:
    """An attachment, only if its announcement is readable by this member."""
    return (
        Attachment.objects.filter(
            pk=pk, announcement__in=announcements_for(user_id=user_id)
        )
        .select_related("announcement", "announcement__space")
        .first()
    )


def comment_for_reader(*, user_id: int, pk: int) -> Comment | None:
    return (
        Comment.objects.filter(pk=pk, announcement__in=announcements_for(user_id=user_id))
        .select_related("announcement", "announcement__space")
        .first()
    )


@dataclass(frozen=True)
class CommentRow:
    comment: Comment
    author_name: str


def comments_of(announcement: Announcement) -> list[CommentRow]:
    comments = list(announcement.comments.all())
    names = author_names(comments)
    return [CommentRow(c, names.get(c.author_id, "")) for c in comments]


@dataclass(frozen=True)
class ReactionCount:
    code: str
    emoji: str
    count: int
    mine: bool


def reaction_counts(*, announcement: Announcement, user_id: int) -> list[ReactionCount]:
    """Every reaction of the fixed set, with its count and whether this member gave it."""
    counts = dict(
        Reaction.objects.filter(announcement=announcement)
        .values("emoji")
        .annotate(n=Count("id"))
        .values_list("emoji", "n")
    )
    mine = set(
        Reaction.objects.filter(announcement=announcement, user_id=user_id).values_list(
            "emoji", flat=True
        )
    )
    return [
        ReactionCount(code, label, counts.get(code, 0), code in mine)
        for code, label in Emoji.choices
    ]


def audience_user_ids(announcement: Announcement) -> list[int]:
    """Active members the announcement is for (everyone for the default space)."""
    return space_member_user_ids(space=announcement.space)


def acknowledgement_of(*, announcement: Announcement, user_id: int) -> Acknowledgement | None:
    return Acknowledgement.objects.filter(announcement=announcement, user_id=user_id).first()


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    at: datetime | None = None
    channel: str = ""


@dataclass(frozen=True)
class Receipts:
    read: list[Person]
    unread: list[Person]
    acknowledged: list[Person]
    not_acknowledged: list[Person]
    audience_count: int


def receipts_of(announcement: Announcement) -> Receipts:
    """Who has read it and who has not, among the audience; for notices, who confirmed and
    when. Read or confirmed by someone who has since left: still listed (the record stays)."""
    audience = set(audience_user_ids(announcement))
    reads = dict(
        ReadReceipt.objects.filter(announcement=announcement).values_list("user_id", "read_at")
    )
    acks = {
        user_id: (at, channel)
        for user_id, at, channel in Acknowledgement.objects.filter(
            announcement=announcement
        ).values_list("user_id", "acknowledged_at", "channel")
    }
    names = member_display_names(audience | set(reads) | set(acks))

    def by_name(rows: list[Person]) -> list[Person]:
        return sorted(rows, key=lambda p: (p.name.casefold(), p.user_id))

    read = by_name([Person(u, names.get(u, ""), at) for u, at in reads.items()])
    unread = by_name([Person(u, names.get(u, "")) for u in audience - set(reads)])
    acknowledged: list[Person] = []
    not_acknowledged: list[Person] = []
    if announcement.requires_ack:
        acknowledged = sorted(
            (Person(u, names.get(u, ""), at, channel) for u, (at, channel) in acks.items()),
            key=lambda p: (p.at, p.user_id),
        )
        # The author does not acknowledge their own notice.
        pending = audience - set(acks) - {announcement.author_id}
        not_acknowledged = by_name([Person(u, names.get(u, "")) for u in pending])
    return Receipts(read, unread, acknowledged, not_acknowledged, len(audience))
