"""Who may do what with news, on top of the role table (shared_apps/members/policy.py) and the
space rules (shared_apps/spaces/policy.py). Reading is decided by `selectors.announcements_for`:
whatever a member may not read does not exist for them (404)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_contribute_in_space, can_moderate_space

from .models import Announcement, Comment


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_publish_in(membership: Membership | None, space: Space) -> bool:
    """Board and staff announce to everyone (the default space); moderators of a space to their
    space (board and staff moderate every space they can see). Never in an archived space."""
    if not _active(membership) or space.archived_at is not None:
        return False
    if space.is_default:
        return can(membership, "news.publish_everyone")
    return can_moderate_space(membership, space)


def can_edit(membership: Membership | None, announcement: Announcement) -> bool:
    """Edit or delete: the author, or whoever may publish to the audience's space (board and
    staff, the space's moderators)."""
    if not _active(membership):
        return False
    return announcement.author_id == membership.user_id or can_publish_in(
        membership, announcement.space
    )


def can_pin(membership: Membership | None, announcement: Announcement) -> bool:
    return can_publish_in(membership, announcement.space)


def can_view_receipts(membership: Membership | None, announcement: Announcement) -> bool:
    """Who read it and who acknowledged it: the author and the board."""
    if not _active(membership):
        return False
    return announcement.author_id == membership.user_id or can(
        membership, "news.view_receipts_any"
    )


def is_in_audience(membership: Membership | None, announcement: Announcement) -> bool:
    """The members an announcement is for: the members of its space (everyone for the default
    space). Readers of an open space who did not join may read but not take part."""
    return can_contribute_in_space(membership, announcement.space)


def can_acknowledge(membership: Membership | None, announcement: Announcement) -> bool:
    return announcement.requires_ack and is_in_audience(membership, announcement)


def can_comment(membership: Membership | None, announcement: Announcement) -> bool:
    return is_in_audience(membership, announcement)


def can_react(membership: Membership | None, announcement: Announcement) -> bool:
    return is_in_audience(membership, announcement)


def can_edit_comment(membership: Membership | None, comment: Comment) -> bool:
    return _active(membership) and comment.author_id == membership.user_id


def can_delete_comment(membership: Membership | None, comment: Comment) -> bool:
    return can_edit_comment(membership, comment) or (
        _active(membership) and can_moderate_space(membership, comment.announcement.space)
    )
