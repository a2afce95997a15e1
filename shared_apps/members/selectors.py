"""Read queries about memberships, profiles, invitations and join requests (the current
association's schema)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    MemberProfile,
    Membership,
    MembershipStatus,
    MembersSettings,
    Role,
    Visibility,
)


def membership_active_for(*, user_id: int) -> Membership | None:
    """The account's active membership here, or None."""
    return Membership.objects.filter(user_id=user_id, status=MembershipStatus.ACTIVE).first()


def memberships_active() -> QuerySet[Membership]:
    return Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("user")


def membership_active_count() -> int:
    return Membership.objects.filter(status=MembershipStatus.ACTIVE).count()


def board_user_ids() -> list[int]:
    return list(
        Membership.objects.filter(status=MembershipStatus.ACTIVE, role=Role.BOARD).values_list(
            "user_id", flat=True
        )
    )


def reviewer_user_ids() -> list[int]:
    """Who handles invitations and join requests: board and staff."""
    return list(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, role__in=[Role.BOARD, Role.STAFF]
        ).values_list("user_id", flat=True)
    )


# --- Profiles -----------------------------------------------------------------------------------


def profile_of(membership: Membership) -> MemberProfile:
    """The member's profile (an unsaved default one if they never edited it)."""
    try:
        return membership.profile
    except MemberProfile.DoesNotExist:
        return MemberProfile(membership=membership)


def display_name_of(membership: Membership) -> str:
    """The name shown for a membership: erased → "Deleted member", ended → "Former member"."""
    profile = profile_of(membership)
    if profile.erased_at is not None:
        return _("Deleted member")
    if membership.status == MembershipStatus.ENDED:
        return _("Former member")
    return profile.display_name or membership.user.full_name or membership.user.email


def member_display_names(user_ids: list[int] | set[int]) -> dict[int, str]:
    """Names to show for authors of content, in one query (ended and erased included)."""
    names: dict[int, str] = {}
    rows = Membership.objects.filter(user_id__in=set(user_ids)).select_related("user", "profile")
    for membership in rows:
        names[membership.user_id] = display_name_of(membership)
    for user_id in user_ids:
        names.setdefault(user_id, _("Former member"))
    return names


def member_display_name(user_id: int | None) -> str:
    if user_id is None:
        return _("Former member")
    return member_display_names([user_id])[user_id]


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None


def _visible(visibility: str, *, viewer: Membership, owner: Membership) -> bool:
    if viewer.pk == owner.pk:
        return True
    if visibility == Visibility.MEMBERS:
        return viewer.is_active
    if visibility == Visibility.BOARD:
        return viewer.is_active and viewer.role == Role.BOARD
    return False


def member_contact(*, viewer: Membership, membership: Membership) -> Contact:
    """The email and phone this viewer may see (None where hidden or erased)."""
    profile = profile_of(membership)
    if profile.erased_at is not None:
        return Contact(None, None)
    email = membership.user.email if _visible(
        profile.email_visibility, viewer=viewer, owner=membership
    ) else None
    phone = (profile.phone or None) if _visible(
        profile.phone_visibility, viewer=viewer, owner=membership
    ) else None
    return Contact(email, phone)


# --- The directory ------------------------------------------------------------------------------


def directory(
    *, viewer_user_id: int, query: str = "", role: str = "", space_id: int | None = None
) -> QuerySet[Membership]:
    """Active members matching a search (name, title) and filters (role, space).

    A space filter only works for spaces the viewer may know exist: a private space the viewer
    is not in gives no result (its members are not revealed).
    """
    members = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related(
        "user", "profile"
    )
    query = query.strip()
    if query:
        members = members.filter(
            Q(profile__display_name__icontains=query)
            | Q(user__full_name__icontains=query)
            | Q(title__icontains=query)
        )
    if role:
        members = members.filter(role=role)
    if space_id is not None:
        from shared_apps.spaces.models import SpaceMembership, SpaceMembershipStatus
        from shared_apps.spaces.selectors import spaces_listed

        space = spaces_listed(user_id=viewer_user_id).filter(pk=space_id).first()
        if space is None:
            return members.none()
        if not space.is_default:
            members = members.filter(
                user_id__in=SpaceMembership.objects.filter(
                    space=space, status=SpaceMembershipStatus.ACTIVE
                ).values("user_id")
            )
    return members.order_by("user__full_name", "id")


def membership_for_viewer(*, viewer: Membership, pk: int) -> Membership | None:
    """A member's page: active members for everyone; ended ones too for the board (to erase)."""
    members = Membership.objects.select_related("user", "profile")
    if viewer.role != Role.BOARD:
        members = members.filter(status=MembershipStatus.ACTIVE)
    return members.filter(pk=pk).first()


def member_spaces_for_viewer(*, viewer_user_id: int, user_id: int) -> list:
    """The spaces a member belongs to, among those the viewer may know exist."""
    from shared_apps.spaces.models import SpaceMembershipStatus
    from shared_apps.spaces.selectors import spaces_listed

    return list(
        spaces_listed(user_id=viewer_user_id)
        .filter(
            Q(is_default=True)
            | Q(memberships__user_id=user_id, memberships__status=SpaceMembershipStatus.ACTIVE)
        )
        .distinct()
    )


def members_for_export() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(status=MembershipStatus.ACTIVE)
        .select_related("user", "profile")
        .order_by("user__full_name", "id")
    )


# --- Invitations and join requests -------------------------------------------------------------


def invitations_open() -> QuerySet[Invitation]:
    return Invitation.objects.filter(status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )


def emails_already_members(emails: list[str]) -> set[str]:
    return set(
        Membership.objects.filter(
            status=MembershipStatus.ACTIVE, user__email__in=emails
        ).values_list("user__email", flat=True)
    )


def emails_already_invited(emails: list[str]) -> set[str]:
    """Emails with a pending invitation that still works (not sent yet, or not expired)."""
    now = timezone.now()
    return set(
        Invitation.objects.filter(status=InvitationStatus.PENDING, email__in=emails)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("email", flat=True)
    )


def join_requests_pending() -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(status=JoinRequestStatus.PENDING)


def members_settings() -> MembersSettings:
    return MembersSettings.objects.filter(pk=1).first() or MembersSettings(pk=1)
