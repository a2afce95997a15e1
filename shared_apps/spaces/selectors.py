"""Who may see which space — the one place every app asks.

- The default space (the whole association) is readable by every active member.
- An open space is listed and readable by every active member (joining is for notifications
  and contributing).
- An on-request space is listed to every member; its content is readable by its members only.
- A private space is invisible to non-members everywhere: lists, search, feed, notifications,
  files, API.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .models import (
    Space,
    SpaceMembership,
    SpaceMembershipStatus,
    SpaceRole,
    SpacesSettings,
    Visibility,
)


def _member_space_ids(user_id: int) -> QuerySet[SpaceMembership]:
    return SpaceMembership.objects.filter(
        user_id=user_id, status=SpaceMembershipStatus.ACTIVE
    ).values("space_id")


def spaces_listed(*, user_id: int) -> QuerySet[Space]:
    """Spaces this member may know exist."""
    return Space.objects.filter(archived_at__isnull=True).filter(
        ~Q(visibility=Visibility.PRIVATE) | Q(id__in=_member_space_ids(user_id))
    )


def spaces_readable(*, user_id: int) -> QuerySet[Space]:
    """Spaces whose content (discussions, documents, news, activity) this member may read."""
    return Space.objects.filter(
        Q(is_default=True)
        | Q(visibility=Visibility.OPEN)
        | Q(id__in=_member_space_ids(user_id))
    )


def space_readable_ids(*, user_id: int) -> list[int]:
    return list(spaces_readable(user_id=user_id).values_list("id", flat=True))


def space_for_reader(*, user_id: int, slug: str) -> Space | None:
    """The space if this member may read it, else None (callers answer 404 either way)."""
    return spaces_readable(user_id=user_id).filter(slug=slug).first()


def space_is_member(*, space: Space, user_id: int) -> bool:
    if space.is_default:
        return True
    return SpaceMembership.objects.filter(
        space=space, user_id=user_id, status=SpaceMembershipStatus.ACTIVE
    ).exists()


def space_is_moderator(*, space: Space, user_id: int) -> bool:
    return SpaceMembership.objects.filter(
        space=space, user_id=user_id, status=SpaceMembershipStatus.ACTIVE,
        role=SpaceRole.MODERATOR,
    ).exists()


def _active_member_user_ids() -> QuerySet:
    from shared_apps.members.models import Membership, MembershipStatus

    return Membership.objects.filter(status=MembershipStatus.ACTIVE).values("user_id")


def space_member_user_ids(*, space: Space) -> list[int]:
    """Accounts that belong to the space (for the default space: every active member).
    Ended memberships of the association are left out: they no longer belong anywhere."""
    if space.is_default:
        return list(_active_member_user_ids().values_list("user_id", flat=True))
    return list(
        SpaceMembership.objects.filter(
            space=space, status=SpaceMembershipStatus.ACTIVE,
            user_id__in=_active_member_user_ids(),
        ).values_list("user_id", flat=True)
    )


def space_default() -> Space:
    return Space.objects.get(is_default=True)


# --- Pages and API of the spaces app ----------------------------------------------------------


def spaces_settings() -> SpacesSettings:
    settings_row = SpacesSettings.objects.order_by("id").first()
    return settings_row or SpacesSettings.objects.create()


def spaces_for_list(*, user_id: int) -> QuerySet[Space]:
    """The list page: listed spaces with member count, whether the member belongs, moderates or
    has asked to join — one query whatever the number of spaces (the default space's count is
    the association's active members, added by `spaces_with_counts`)."""
    mine = SpaceMembership.objects.filter(space=OuterRef("pk"), user_id=user_id)
    return spaces_listed(user_id=user_id).annotate(
        member_count=Count(
            "memberships",
            filter=Q(
                memberships__status=SpaceMembershipStatus.ACTIVE,
                memberships__user_id__in=_active_member_user_ids(),
            ),
        ),
        is_member=Exists(mine.filter(status=SpaceMembershipStatus.ACTIVE)),
        is_moderator=Exists(
            mine.filter(status=SpaceMembershipStatus.ACTIVE, role=SpaceRole.MODERATOR)
        ),
        has_requested=Exists(mine.filter(status=SpaceMembershipStatus.REQUESTED)),
    )


def spaces_with_counts(*, user_id: int) -> list[Space]:
    """`spaces_for_list` evaluated, with the default space's implicit membership filled in."""
    spaces = list(spaces_for_list(user_id=user_id))
    if any(space.is_default for space in spaces):
        everyone = _active_member_user_ids().count()
        for space in spaces:
            if space.is_default:
                space.member_count = everyone
                space.is_member = True
    return spaces


def space_for_viewer(*, user_id: int, slug: str) -> Space | None:
    """The space page: listed spaces, and archived ones the member could know (read-only).
    A private space of which the member is not part: None (404)."""
    return (
        Space.objects.filter(slug=slug)
        .filter(~Q(visibility=Visibility.PRIVATE) | Q(id__in=_member_space_ids(user_id)))
        .first()
    )


def space_has_requested(*, space: Space, user_id: int) -> bool:
    return SpaceMembership.objects.filter(
        space=space, user_id=user_id, status=SpaceMembershipStatus.REQUESTED
    ).exists()


@dataclass(frozen=True)
class SpaceMember:
    membership_id: int  # the association membership (the id used by the members app and API)
    user_id: int
    name: str
    is_moderator: bool


def space_members(*, space: Space) -> list[SpaceMember]:
    """Who belongs (every active member for the default space), moderators first, by name."""
    from shared_apps.members.models import Membership, MembershipStatus
    from shared_apps.members.selectors import display_name_of

    moderator_ids = set(
        SpaceMembership.objects.filter(
            space=space, status=SpaceMembershipStatus.ACTIVE, role=SpaceRole.MODERATOR
        ).values_list("user_id", flat=True)
    )
    memberships = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related(
        "user", "profile"
    )
    if not space.is_default:
        memberships = memberships.filter(
            user_id__in=SpaceMembership.objects.filter(
                space=space, status=SpaceMembershipStatus.ACTIVE
            ).values("user_id")
        )
    rows = [
        SpaceMember(m.pk, m.user_id, display_name_of(m), m.user_id in moderator_ids)
        for m in memberships
    ]
    return sorted(rows, key=lambda r: (not r.is_moderator, r.name.casefold(), r.user_id))


def space_requests(*, space: Space) -> list[SpaceMember]:
    """Pending requests to join, oldest first."""
    from shared_apps.members.models import Membership, MembershipStatus
    from shared_apps.members.selectors import display_name_of

    requested = SpaceMembership.objects.filter(
        space=space, status=SpaceMembershipStatus.REQUESTED
    ).order_by("created_at", "id")
    order = {user_id: i for i, user_id in enumerate(requested.values_list("user_id", flat=True))}
    memberships = Membership.objects.filter(
        status=MembershipStatus.ACTIVE, user_id__in=list(order)
    ).select_related("user", "profile")
    rows = [SpaceMember(m.pk, m.user_id, display_name_of(m), False) for m in memberships]
    return sorted(rows, key=lambda r: order[r.user_id])


def space_moderator_user_ids(*, space: Space) -> list[int]:
    return list(
        SpaceMembership.objects.filter(
            space=space, status=SpaceMembershipStatus.ACTIVE, role=SpaceRole.MODERATOR,
            user_id__in=_active_member_user_ids(),
        ).values_list("user_id", flat=True)
    )


def space_candidates(*, space: Space) -> list[SpaceMember]:
    """Active members of the association not yet in the space (to add one)."""
    from shared_apps.members.models import Membership, MembershipStatus
    from shared_apps.members.selectors import display_name_of

    memberships = (
        Membership.objects.filter(status=MembershipStatus.ACTIVE)
        .exclude(
            user_id__in=SpaceMembership.objects.filter(
                space=space, status=SpaceMembershipStatus.ACTIVE
            ).values("user_id")
        )
        .select_related("user", "profile")
    )
    rows = [SpaceMember(m.pk, m.user_id, display_name_of(m), False) for m in memberships]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.user_id))


def active_people() -> list[SpaceMember]:
    """Every active member of the association, by name (to choose moderators)."""
    from shared_apps.members.models import Membership, MembershipStatus
    from shared_apps.members.selectors import display_name_of

    memberships = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related(
        "user", "profile"
    )
    rows = [SpaceMember(m.pk, m.user_id, display_name_of(m), False) for m in memberships]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.user_id))
