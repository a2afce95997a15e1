"""Who may do what with polls, on top of the role table (shared_apps/members/policy.py) and the
space rules (shared_apps/spaces/policy.py). Reading is decided by `selectors.polls_for`: a poll
in a space the member may not read does not exist for them (404)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_contribute_in_space, can_moderate_space

from .models import Poll, ResultsVisibility


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_create_in(membership: Membership | None, space: Space) -> bool:
    """Board and staff ask the whole association (the default space) and any space they can
    read; a space's moderators ask their space. Never in an archived space."""
    if not _active(membership) or space.archived_at is not None:
        return False
    if space.is_default:
        return can(membership, "polls.create_everyone")
    return can_moderate_space(membership, space)


def can_manage(membership: Membership | None, poll: Poll) -> bool:
    """Edit, close, delete, turn a slot into an event: the author, or whoever may create polls
    in its space (board and staff, the space's moderators)."""
    if not _active(membership):
        return False
    return poll.author_id == membership.user_id or can_create_in(membership, poll.space)


def is_in_audience(membership: Membership | None, poll: Poll) -> bool:
    """Who may vote: the members of the poll's space (everyone for the default space)."""
    return can_contribute_in_space(membership, poll.space)


def can_vote(membership: Membership | None, poll: Poll) -> bool:
    return not poll.is_closed and is_in_audience(membership, poll)


def can_see_results(membership: Membership | None, poll: Poll, *, has_voted: bool) -> bool:
    """As the poll says (always, after voting, after the close). Those who manage the poll see
    them at any time: they run it."""
    if not _active(membership):
        return False
    if poll.is_date_poll or poll.results_visibility == ResultsVisibility.ALWAYS:
        return True
    if poll.is_closed or can_manage(membership, poll):
        return True
    return poll.results_visibility == ResultsVisibility.AFTER_VOTE and has_voted
