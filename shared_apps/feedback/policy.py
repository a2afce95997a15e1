"""Who may do what with feedback, on top of the role table (shared_apps/members/policy.py).
Reading is decided by `selectors.item_for_reader`: an item a member may not read does not
exist for them (404)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can

from .models import FeedbackItem, FeedbackSettings, ItemKind


def can_report(membership: Membership | None) -> bool:
    return can(membership, "feedback.report")


def can_handle(membership: Membership | None) -> bool:
    """The inbox: see every item with its reporter's name (unless anonymous), assign, change the
    status, write internal notes, answer, merge."""
    return can(membership, "feedback.handle")


def can_view_dashboard(membership: Membership | None) -> bool:
    return can(membership, "feedback.dashboard")


def can_configure(membership: Membership | None) -> bool:
    """Themes and the association's feedback settings."""
    return can(membership, "feedback.configure")


def is_reporter(membership: Membership | None, item: FeedbackItem) -> bool:
    # An anonymous item has no reporter: nobody is its reporter when signed in.
    return (
        membership is not None and membership.is_active
        and item.reporter_id is not None and item.reporter_id == membership.user_id
    )


def is_open_idea(item: FeedbackItem, settings: FeedbackSettings) -> bool:
    """Ideas shown to every member: only while supports are on, open, and not merged away."""
    return (
        settings.supports_enabled and item.kind == ItemKind.IDEA and item.is_open
        and not item.is_duplicate
    )


def can_read(membership: Membership | None, item: FeedbackItem,
             settings: FeedbackSettings) -> bool:
    if membership is None or not membership.is_active:
        return False
    return (
        can_handle(membership) or is_reporter(membership, item) or is_open_idea(item, settings)
    )


def can_see_answers(membership: Membership | None, item: FeedbackItem) -> bool:
    """Answers are for the reporter (and those who handle the item), not for every supporter."""
    return can_handle(membership) or is_reporter(membership, item)


def can_see_attachments(membership: Membership | None, item: FeedbackItem) -> bool:
    return can_handle(membership) or is_reporter(membership, item)


def can_support(membership: Membership | None, item: FeedbackItem,
                settings: FeedbackSettings) -> bool:
    return can(membership, "feedback.support") and is_open_idea(item, settings)
