"""Space-level permissions, on top of the role table in shared_apps/members/policy.py."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can

from .models import Space, Visibility
from .selectors import space_is_member, space_is_moderator


def can_moderate_space(membership: Membership | None, space: Space) -> bool:
    """Board and staff moderate every space they can see; moderators moderate their space."""
    if membership is None or not membership.is_active:
        return False
    return can(membership, "spaces.manage_any") or space_is_moderator(
        space=space, user_id=membership.user_id
    )


def can_contribute_in_space(membership: Membership | None, space: Space) -> bool:
    """Post, reply, upload: members of the space (everyone in the default space)."""
    if membership is None or not membership.is_active:
        return False
    return space_is_member(space=space, user_id=membership.user_id) or can_moderate_space(
        membership, space
    )


def can_create_space(membership: Membership | None) -> bool:
    """Board and staff; every active member too when the association allows it."""
    if membership is None or not membership.is_active:
        return False
    if can(membership, "spaces.create"):
        return True
    from .selectors import spaces_settings

    return spaces_settings().members_may_create


def can_change_spaces_settings(membership: Membership | None) -> bool:
    return can(membership, "association.manage")


def can_edit_space(membership: Membership | None, space: Space) -> bool:
    """Edit and archive: moderators of the space, board and staff (never an archived space)."""
    return space.archived_at is None and can_moderate_space(membership, space)


def can_join_space(membership: Membership | None, space: Space) -> bool:
    return (
        membership is not None and membership.is_active and space.archived_at is None
        and space.visibility == Visibility.OPEN and not space.is_default
        and not space_is_member(space=space, user_id=membership.user_id)
    )


def can_request_space(membership: Membership | None, space: Space) -> bool:
    return (
        membership is not None and membership.is_active and space.archived_at is None
        and space.visibility == Visibility.ON_REQUEST
        and not space_is_member(space=space, user_id=membership.user_id)
    )


def can_leave_space(membership: Membership | None, space: Space) -> bool:
    return (
        membership is not None and membership.is_active and not space.is_default
        and space_is_member(space=space, user_id=membership.user_id)
    )


def can_manage_space_members(membership: Membership | None, space: Space) -> bool:
    """Approve or decline requests, add and remove members, name moderators."""
    return space.archived_at is None and can_moderate_space(membership, space)
