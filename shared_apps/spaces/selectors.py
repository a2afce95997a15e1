"""Who may see which space — the one place every app asks.

- The default space (the whole association) is readable by every active member.
- An open space is listed and readable by every active member (joining is for notifications
  and contributing).
- An on-request space is listed to every member; its content is readable by its members only.
- A private space is invisible to non-members everywhere: lists, search, feed, notifications,
  files, API.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Space, SpaceMembership, SpaceMembershipStatus, SpaceRole, Visibility


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


def space_member_user_ids(*, space: Space) -> list[int]:
    """Accounts that belong to the space (for the default space: every active member)."""
    if space.is_default:
        from shared_apps.members.models import Membership, MembershipStatus

        return list(
            Membership.objects.filter(status=MembershipStatus.ACTIVE).values_list(
                "user_id", flat=True
            )
        )
    return list(
        SpaceMembership.objects.filter(
            space=space, status=SpaceMembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )


def space_default() -> Space:
    return Space.objects.get(is_default=True)
