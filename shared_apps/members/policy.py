"""The one permission policy, shared by web views and API endpoints.

Every check asks `can(membership, action)`. Actions are named `<area>.<verb>`; the table below
says which roles may perform each. Features add their actions here, never in views.
"""

from __future__ import annotations

from .models import Membership, Role

BOARD = frozenset({Role.BOARD})
BOARD_STAFF = frozenset({Role.BOARD, Role.STAFF})
EVERYONE = frozenset(Role)

RULES: dict[str, frozenset[str]] = {
    "workspace.view": EVERYONE,
    "association.manage": BOARD,
    "billing.manage": BOARD,
    # Members
    "members.view_directory": EVERYONE,
    "members.invite": BOARD_STAFF,
    "members.import": BOARD_STAFF,
    "members.review_join_requests": BOARD_STAFF,
    "members.change_role": BOARD,
    "members.end": BOARD,
    "members.erase": BOARD,
    "members.export": BOARD,
    # Spaces (creating one may also be opened to every member by a setting of the association;
    # the spaces policy checks that on top of this table).
    "spaces.create": BOARD_STAFF,
    "spaces.manage_any": BOARD_STAFF,
    # News: announcements to everyone (space moderators announce to their space).
    "news.publish_everyone": BOARD_STAFF,
    "news.view_receipts_any": BOARD,
    # Moderation across every space the person can see.
    "discussions.moderate_any": BOARD_STAFF,
    "documents.manage_any": BOARD_STAFF,
    # Events (shared_apps/events): for everyone (space moderators create in their space);
    # the attendee list of any event, whatever its setting.
    "events.create_everyone": BOARD_STAFF,
    "events.view_attendees_any": BOARD,
    # Surveys: to everyone (space moderators survey their space); results of any survey.
    "surveys.create_everyone": BOARD_STAFF,
    "surveys.view_results_any": BOARD,
    # Polls: polls and date polls for the whole association (space moderators poll their
    # space; the polls policy checks that).
    "polls.create_everyone": BOARD_STAFF,
    # Feedback (shared_apps/feedback): everyone reports and supports ideas; board and staff
    # handle the inbox (see reporters' names, assign, status, internal notes, answer, merge)
    # and read the dashboard; only the board sets themes and the feedback settings.
    "feedback.report": EVERYONE,
    "feedback.support": EVERYONE,
    "feedback.handle": BOARD_STAFF,
    "feedback.dashboard": BOARD_STAFF,
    "feedback.configure": BOARD,
}


class UnknownAction(KeyError):
    pass


def can(membership: Membership | None, action: str) -> bool:
    """Whether this active membership may perform `action`. No membership may do nothing."""
    try:
        allowed = RULES[action]
    except KeyError as exc:
        raise UnknownAction(action) from exc
    return membership is not None and membership.is_active and membership.role in allowed
