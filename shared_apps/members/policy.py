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
    "members.view_directory": EVERYONE,
    "members.invite": BOARD_STAFF,
    "members.change_role": BOARD,
    "members.end": BOARD,
    "association.manage": BOARD,
    "billing.manage": BOARD,
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
