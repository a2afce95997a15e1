"""Who may do what with events, on top of the role table (shared_apps/members/policy.py) and the
space rules (shared_apps/spaces/policy.py). Reading is decided by `selectors.events_for`:
an event a member may not read does not exist for them (404)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_moderate_space

from .models import AttendeesVisibility, Event


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_create_event_in(membership: Membership | None, space: Space) -> bool:
    """Board and staff create events for everyone (the default space) and in any space;
    moderators of a space in their space. Never in an archived space."""
    if not _active(membership) or space.archived_at is not None:
        return False
    if space.is_default:
        return can(membership, "events.create_everyone")
    return can_moderate_space(membership, space)


def can_manage_event(membership: Membership | None, event: Event) -> bool:
    """The organisers: edit, cancel, delete, check people in, export the attendees. The author,
    and whoever may create events in its space."""
    if not _active(membership):
        return False
    return event.author_id == membership.user_id or can_create_event_in(membership, event.space)


def can_rsvp(membership: Membership | None, event: Event) -> bool:
    """Every active member who can read the event (the caller fetched it through the
    selectors), while it is not cancelled."""
    return _active(membership) and event.cancelled_at is None


def can_view_attendees(membership: Membership | None, event: Event) -> bool:
    if not _active(membership):
        return False
    if event.attendees_visibility == AttendeesVisibility.EVERYONE:
        return True
    return can(membership, "events.view_attendees_any") or can_manage_event(membership, event)


def can_export_attendees(membership: Membership | None, event: Event) -> bool:
    return can_manage_event(membership, event) or can(membership, "events.view_attendees_any")


def can_check_in(membership: Membership | None, event: Event) -> bool:
    return can_manage_event(membership, event)
