"""Read queries of the feedback app. What a member may read is decided here in one place:
`items_readable` (lists) and `item_for_reader` (one item); everything else is handled as
missing (404)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from shared_apps.members.models import Membership, MembershipStatus, Role
from shared_apps.members.selectors import member_display_names

from . import policy
from .models import (
    Answer,
    Attachment,
    FeedbackItem,
    FeedbackSettings,
    InternalNote,
    ItemKind,
    ItemStatus,
    Support,
    Theme,
)

HANDLER_ROLES = (Role.BOARD, Role.STAFF)


def feedback_settings() -> FeedbackSettings:
    """The association's feedback settings (created with the defaults on first use)."""
    settings, _created = FeedbackSettings.objects.get_or_create(pk=1)
    return settings


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _support_count() -> Coalesce:
    rows = (
        Support.objects.filter(item=OuterRef("pk")).order_by().values("item")
        .annotate(n=Count("id")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _with_counts(rows: QuerySet[FeedbackItem], user_id: int) -> QuerySet[FeedbackItem]:
    return rows.select_related("theme").annotate(
        support_count=_support_count(),
        supported=Exists(Support.objects.filter(item=OuterRef("pk"), user_id=user_id)),
    )


def open_ideas_filter() -> Q:
    return Q(kind=ItemKind.IDEA, duplicate_of__isnull=True) & ~Q(status=ItemStatus.CLOSED)


def items_readable(*, membership: Membership) -> QuerySet[FeedbackItem]:
    """Every item this member may open: all of them for those who handle feedback; otherwise
    their own (named) reports, and open ideas while supports are on."""
    if not membership.is_active:
        return FeedbackItem.objects.none()
    if policy.can_handle(membership):
        return FeedbackItem.objects.all()
    visible = Q(reporter_id=membership.user_id)
    if feedback_settings().supports_enabled:
        visible |= open_ideas_filter()
    return FeedbackItem.objects.filter(visible)


def item_for_reader(*, membership: Membership, pk: int) -> FeedbackItem | None:
    return (
        items_readable(membership=membership).select_related("theme", "duplicate_of")
        .filter(pk=pk).first()
    )


def item_for_follow_token(token: str) -> FeedbackItem | None:
    """The anonymous item a follow-up token opens (None for any other token)."""
    if not token or len(token) > 200:
        return None
    return (
        FeedbackItem.objects.select_related("theme")
        .filter(is_anonymous=True, follow_token_hash=token_hash(token)).first()
    )


def my_items(*, membership: Membership) -> QuerySet[FeedbackItem]:
    """"My reports": the member's named reports (anonymous ones are not theirs in the data)."""
    return _with_counts(
        FeedbackItem.objects.filter(reporter_id=membership.user_id), membership.user_id
    ).order_by("-created_at", "-id")


def ideas_open(*, membership: Membership) -> QuerySet[FeedbackItem]:
    """Ideas members may support, most supported first; empty while supports are off."""
    if not feedback_settings().supports_enabled:
        return FeedbackItem.objects.none()
    return _with_counts(
        FeedbackItem.objects.filter(open_ideas_filter()), membership.user_id
    ).order_by("-support_count", "-created_at", "-id")


@dataclass(frozen=True)
class InboxFilters:
    status: str = ""
    theme_id: int | None = None
    kind: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    include_duplicates: bool = False


def inbox(*, membership: Membership, filters: InboxFilters) -> QuerySet[FeedbackItem]:
    """The board's inbox (the caller checked `policy.can_handle`), newest first."""
    rows = FeedbackItem.objects.all()
    if filters.status:
        rows = rows.filter(status=filters.status)
    elif not filters.include_duplicates:
        rows = rows.filter(duplicate_of__isnull=True)
    if filters.theme_id:
        rows = rows.filter(theme_id=filters.theme_id)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.unassigned:
        rows = rows.filter(assignee__isnull=True)
    elif filters.assignee_id:
        rows = rows.filter(assignee_id=filters.assignee_id)
    return _with_counts(rows, membership.user_id).order_by("-created_at", "-id")


def people_names(items: list[FeedbackItem]) -> dict[int, str]:
    """Names of reporters and assignees of these items, in one query. Anonymous items have no
    reporter, so no name can come out for them."""
    ids = {i.reporter_id for i in items if i.reporter_id} | {
        i.assignee_id for i in items if i.assignee_id
    }
    return member_display_names(ids) if ids else {}


def handlers() -> list[tuple[int, str]]:
    """Who may be assigned: active board and staff members, by name."""
    ids = list(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, role__in=HANDLER_ROLES
        ).values_list("user_id", flat=True)
    )
    names = member_display_names(ids) if ids else {}
    return sorted(names.items(), key=lambda pair: (pair[1].casefold(), pair[0]))


def is_handler(user_id: int) -> bool:
    return Membership.objects.filter(
        user_id=user_id, status=MembershipStatus.ACTIVE, role__in=HANDLER_ROLES
    ).exists()


def board_user_ids() -> list[int]:
    return list(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, role=Role.BOARD
        ).values_list("user_id", flat=True)
    )


def themes_active() -> QuerySet[Theme]:
    return Theme.objects.filter(archived_at__isnull=True).order_by("name", "id")


def themes_all() -> QuerySet[Theme]:
    return Theme.objects.annotate(item_count=Count("items")).order_by(
        F("archived_at").asc(nulls_first=True), "name", "id"
    )


def attachments_of(item: FeedbackItem) -> list[Attachment]:
    return list(item.attachments.all())


def attachment_for_reader(*, membership: Membership, pk: int) -> Attachment | None:
    """A file, only for those who handle feedback and the item's (named) reporter."""
    attachment = (
        Attachment.objects.filter(pk=pk, item__in=items_readable(membership=membership))
        .select_related("item").first()
    )
    if attachment is None or not policy.can_see_attachments(membership, attachment.item):
        return None
    return attachment


@dataclass(frozen=True)
class Entry:
    id: int
    author_name: str
    body: str
    created_at: object


def _entries(rows: list) -> list[Entry]:
    names = member_display_names({r.author_id for r in rows}) if rows else {}
    return [Entry(r.pk, names.get(r.author_id, ""), r.body, r.created_at) for r in rows]


def answers_of(item: FeedbackItem) -> list[Entry]:
    return _entries(list(Answer.objects.filter(item=item)))


def notes_of(item: FeedbackItem) -> list[Entry]:
    """Internal notes: only ever called for those who handle feedback."""
    return _entries(list(InternalNote.objects.filter(item=item)))


def support_state(*, item: FeedbackItem, user_id: int) -> tuple[int, bool]:
    count = Support.objects.filter(item=item).count()
    mine = Support.objects.filter(item=item, user_id=user_id).exists()
    return count, mine


# --- Dashboard ---------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median, computed by the database."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


@dataclass(frozen=True)
class Dashboard:
    by_theme: list[tuple[str, int]]  # open items per theme ("" for none), most first
    by_status: list[tuple[str, str, int]]  # (status, label, count) for every status
    by_kind: list[tuple[str, str, int]]
    open_total: int
    answered_count: int  # items with a first answer (what the median is over)
    median_time_to_answer: timedelta | None


def dashboard() -> Dashboard:
    """Counts and the median time from reception to first answer, all in SQL. Items merged as
    duplicates are left out: they are the same report counted once."""
    live = FeedbackItem.objects.filter(duplicate_of__isnull=True)
    open_items = live.exclude(status=ItemStatus.CLOSED)
    by_theme = [
        (row["theme__name"] or "", row["n"])
        for row in open_items.values("theme__name").annotate(n=Count("id"))
        .order_by("-n", "theme__name")
    ]
    status_counts = dict(live.values("status").annotate(n=Count("id")).values_list("status", "n"))
    kind_counts = dict(
        open_items.values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    answered = live.filter(first_answered_at__isnull=False).aggregate(
        n=Count("id"),
        median=Median(
            ExpressionWrapper(F("first_answered_at") - F("created_at"),
                              output_field=DurationField()),
            output_field=DurationField(),
        ),
    )
    return Dashboard(
        by_theme=by_theme,
        by_status=[(s, label, status_counts.get(s, 0)) for s, label in ItemStatus.choices],
        by_kind=[(k, label, kind_counts.get(k, 0)) for k, label in ItemKind.choices],
        open_total=sum(n for _t, n in by_theme),
        answered_count=answered["n"],
        median_time_to_answer=answered["median"],
    )
