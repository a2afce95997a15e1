"""Writes on memberships. Each keeps the public index (affiliations, member count) in step,
in the same transaction, so "my associations" and the operators' console stay true."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from tenants.accounts.models import User
from tenants.directory import affiliation_sync

from .models import Membership, MembershipStatus, Role
from .selectors import membership_active_count


class MembershipError(Exception):
    pass


def _sync_public_index(membership: Membership) -> None:
    affiliation_sync(
        association=connection.tenant,
        user_id=membership.user_id,
        is_active=membership.status == MembershipStatus.ACTIVE,
        member_count=membership_active_count(),
    )


@transaction.atomic
def membership_create(
    *,
    user: User,
    role: str = Role.MEMBER,
    title: str = "",
    status: str = MembershipStatus.ACTIVE,
) -> Membership:
    """Add an account to the current association (or reactivate an ended membership).

    Raises MembershipError if the account is already an active member.
    """
    now = timezone.now()
    membership = Membership.objects.select_for_update().filter(user=user).first()
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        raise MembershipError("already a member")
    if membership is None:
        membership = Membership(user=user)
    membership.role = role
    membership.title = title
    membership.status = status
    membership.ended_at = None
    membership.activated_at = now if status == MembershipStatus.ACTIVE else None
    membership.save()
    _sync_public_index(membership)
    return membership


@transaction.atomic
def membership_activate(*, membership: Membership) -> Membership:
    membership.status = MembershipStatus.ACTIVE
    membership.activated_at = timezone.now()
    membership.ended_at = None
    membership.save(update_fields=["status", "activated_at", "ended_at"])
    _sync_public_index(membership)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership) -> Membership:
    """End a membership: access is revoked at the member's next request (content is kept)."""
    membership.status = MembershipStatus.ENDED
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    _sync_public_index(membership)
    return membership
