"""Who may do what with surveys, on top of the role table (shared_apps/members/policy.py) and the
space rules (shared_apps/spaces/policy.py). Reading is decided by `selectors.surveys_for`:
a survey in a space the member may not read does not exist for them (404)."""

from __future__ import annotations

from shared_apps.members.models import Membership
from shared_apps.members.policy import can
from shared_apps.spaces.models import Space
from shared_apps.spaces.policy import can_contribute_in_space, can_moderate_space

from .models import Participation, Survey


def _active(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active


def can_create_in(membership: Membership | None, space: Space) -> bool:
    """Board and staff survey everyone (the default space); moderators of a space survey their
    space (board and staff moderate every space they can see). Never in an archived space."""
    if not _active(membership) or space.archived_at is not None:
        return False
    if space.is_default:
        return can(membership, "surveys.create_everyone")
    return can_moderate_space(membership, space)


def can_manage(membership: Membership | None, survey: Survey) -> bool:
    """Edit, open, close, delete: the author, or whoever may create surveys for its audience."""
    if not _active(membership):
        return False
    return survey.author_id == membership.user_id or can_create_in(membership, survey.space)


def can_view(membership: Membership | None, survey: Survey) -> bool:
    """A draft is seen by those who manage it only (the space rule is in the selectors)."""
    return _active(membership) and (not survey.is_draft or can_manage(membership, survey))


def is_in_audience(membership: Membership | None, survey: Survey) -> bool:
    """The members a survey is for: its space's members (everyone for the default space)."""
    return can_contribute_in_space(membership, survey.space)


def can_respond(membership: Membership | None, survey: Survey) -> bool:
    return survey.is_open and is_in_audience(membership, survey)


def can_view_results(membership: Membership | None, survey: Survey) -> bool:
    """The author and the board; those who responded when the author chose to show them."""
    if not _active(membership) or survey.is_draft:
        return False
    if survey.author_id == membership.user_id or can(membership, "surveys.view_results_any"):
        return True
    return survey.results_to_respondents and Participation.objects.filter(
        survey=survey, user_id=membership.user_id
    ).exists()


def can_export(membership: Membership | None, survey: Survey) -> bool:
    """Every response, row by row: the author and the board only."""
    if not _active(membership) or survey.is_draft:
        return False
    return survey.author_id == membership.user_id or can(membership, "surveys.view_results_any")
