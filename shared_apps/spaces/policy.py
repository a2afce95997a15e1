"""Space-level permissions, on top of the role table in shared_apps/members/policy.py."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can

from .models import Space
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
