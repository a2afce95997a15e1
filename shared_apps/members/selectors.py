"""Read queries about memberships (the current association's schema)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, MembershipStatus


def membership_active_for(*, user_id: int) -> Membership | None:
    """The account's active membership here, or None."""
    return Membership.objects.filter(user_id=user_id, status=MembershipStatus.ACTIVE).first()


def memberships_active() -> QuerySet[Membership]:
    return Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("user")


def membership_active_count() -> int:
    return Membership.objects.filter(status=MembershipStatus.ACTIVE).count()
