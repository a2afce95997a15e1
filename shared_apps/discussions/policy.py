"""Who may do what in discussions, on top of the role table and the spaces policy.

Reading follows the space (spaces_readable); posting, replying, reacting and uploading need
`can_contribute_in_space` in a live space; editing and deleting are the author's; hiding is for
the space's moderators and for board and staff (`discussions.moderate_any`)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_contribute_in_space, can_moderate_space

from .models import Message


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_post_in_space(membership: Membership | None, space: Space) -> bool:
    return space.archived_at is None and can_contribute_in_space(membership, space)


def can_moderate_discussions(membership: Membership | None, space: Space) -> bool:
    if not _active(membership):
        return False
    return can(membership, "discussions.moderate_any") or can_moderate_space(membership, space)


def can_edit_message(membership: Membership | None, message: Message) -> bool:
    """The author, while the message is neither deleted nor hidden."""
    return (
        _active(membership) and message.author_id == membership.user_id
        and message.deleted_at is None and message.hidden_at is None
    )


def can_delete_message(membership: Membership | None, message: Message) -> bool:
    return _active(membership) and message.author_id == membership.user_id and (
        message.deleted_at is None
    )
