"""Writes on memberships. Each keeps the public index (affiliations, member count) in step,
in the same transaction, so "my associations" and the operators' console stay true."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shared_apps.notifications.models import Category
from shared_apps.notifications.services import notify
from shared_apps.search.models import Kind as SearchKind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.workspace.signed_links import LinkInvalid, link_payload, link_token
from tenants.accounts.models import User
from tenants.directory import affiliation_sync

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
from .policy import can
from .selectors import (
    emails_already_invited,
    emails_already_members,
    members_settings,
    membership_active_count,
    membership_active_for,
    reviewer_user_ids,
)


class MembershipError(Exception):
    pass


def _sync_public_index(membership: Membership) -> None:
    affiliation_sync(
        association=connection.tenant,
        user_id=membership.user_id,
        is_active=membership.status == MembershipStatus.ACTIVE,
        member_count=membership_active_count(),
    )


def member_search_sync(membership: Membership) -> None:
    """Keep the member's search entry right: active members are found by every member, by
    what their profile shows to all (name, title, role, bio) — never their email or phone.
    Invited, ended and erased members are not found."""
    profile = MemberProfile.objects.filter(membership=membership).first()
    name = (profile.display_name if profile else "") or membership.user.full_name
    if membership.status != MembershipStatus.ACTIVE or not name or (
        profile is not None and profile.erased_at is not None
    ):
        search_unindex(kind=SearchKind.MEMBER, object_id=membership.pk)
        return
    # The role in both languages, so "bureau" and "board" both find the board.
    with translation.override("fr"):
        role_fr = str(Role(membership.role).label)
    with translation.override("en"):
        role_en = str(Role(membership.role).label)
    body = " · ".join(
        part for part in (membership.title, role_fr, role_en if role_en != role_fr else "",
                          profile.bio if profile else "") if part
    )
    search_index(
        kind=SearchKind.MEMBER, object_id=membership.pk, title=name, body=body,
        url=f"/members/{membership.pk}/",
        created_at=membership.activated_at or membership.created_at,
    )


@transaction.atomic
def member_search_refresh(*, user_id: int) -> bool:
    """Re-index one person's member entry in this association, after their account's name
    changed (the account lives in public; its name is copied into each association's index)."""
    membership = Membership.objects.filter(user_id=user_id).select_related("user").first()
    if membership is None:
        return False
    member_search_sync(membership)
    return True


def members_search_rebuild() -> int:
    """Rebuild the members' entries of the index (`manage.py search_reindex`)."""
    search_unindex_kind(kinds=[SearchKind.MEMBER])
    rows = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("user")
    for membership in rows:
        member_search_sync(membership)
    return len(rows)


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
    member_search_sync(membership)
    return membership


@transaction.atomic
def membership_activate(*, membership: Membership) -> Membership:
    membership.status = MembershipStatus.ACTIVE
    membership.activated_at = timezone.now()
    membership.ended_at = None
    membership.save(update_fields=["status", "activated_at", "ended_at"])
    _sync_public_index(membership)
    member_search_sync(membership)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership) -> Membership:
    """End a membership: access is revoked at the member's next request (content is kept)."""
    membership.status = MembershipStatus.ENDED
    membership.ended_at = timezone.now()
    membership.save(update_fields=["status", "ended_at"])
    _sync_public_index(membership)
    search_unindex(kind=SearchKind.MEMBER, object_id=membership.pk)
    return membership


# --- Profiles, roles, ending and erasing ------------------------------------------------------

PROFILE_FIELDS = ("display_name", "phone", "bio", "email_visibility", "phone_visibility")


def _profile_for_update(membership: Membership) -> MemberProfile:
    profile, _created = MemberProfile.objects.select_for_update().get_or_create(
        membership=membership
    )
    return profile


@transaction.atomic
def profile_update(*, membership: Membership, **fields: str) -> MemberProfile:
    """Save the member's own profile (only the fields given)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(sorted(unknown))
    for name in ("email_visibility", "phone_visibility"):
        if name in fields and fields[name] not in Visibility.values:
            raise MembershipError(_("Unknown visibility."))
    profile = _profile_for_update(membership)
    for name, value in fields.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.save()
    membership.profile = profile
    member_search_sync(membership)
    return profile


def _board_count_without(membership: Membership) -> int:
    return (
        Membership.objects.filter(status=MembershipStatus.ACTIVE, role=Role.BOARD)
        .exclude(pk=membership.pk)
        .count()
    )


def _keep_one_board(membership: Membership) -> None:
    """An association always keeps at least one active board administrator."""
    if (
        membership.status == MembershipStatus.ACTIVE
        and membership.role == Role.BOARD
        and _board_count_without(membership) == 0
    ):
        raise MembershipError(_("The association needs at least one board administrator."))


@transaction.atomic
def member_change_role(
    *, membership: Membership, role: str, title: str, by: Membership
) -> Membership:
    if role not in Role.values:
        raise MembershipError(_("Unknown role."))
    # Locked so two board members demoting each other at once cannot leave no board.
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipError(_("This person is no longer a member."))
    if role != Role.BOARD:
        _keep_one_board(membership)
    membership.role = role
    membership.title = title.strip()
    membership.save(update_fields=["role", "title"])
    member_search_sync(membership)
    return membership


@transaction.atomic
def member_end(*, membership: Membership, by: Membership) -> Membership:
    """End a membership: access stops at once; content stays, shown as a former member's."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipError(_("This person is no longer a member."))
    _keep_one_board(membership)
    return membership_end(membership=membership)


@transaction.atomic
def member_erase(*, membership: Membership, by: Membership) -> Membership:
    """Erase a member's personal data here (GDPR request). The membership row stays (content
    keeps an author, shown as "Deleted member"); the account in the public schema stays too,
    as it may belong to other associations."""
    membership = Membership.objects.select_for_update().select_related("user").get(
        pk=membership.pk
    )
    if membership.status == MembershipStatus.ACTIVE:
        _keep_one_board(membership)
        membership_end(membership=membership)
    membership.title = ""
    membership.save(update_fields=["title"])
    profile = _profile_for_update(membership)
    profile.display_name = ""
    profile.phone = ""
    profile.bio = ""
    profile.email_visibility = Visibility.NOBODY
    profile.phone_visibility = Visibility.NOBODY
    profile.erased_at = timezone.now()
    profile.save()
    email = membership.user.email
    # Invitations and join requests held the same person's email, name and phone.
    Invitation.objects.filter(email=email, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED
    )
    Invitation.objects.filter(Q(email=email) | Q(accepted_user_id=membership.user_id)).update(
        email="", full_name="", phone=""
    )
    JoinRequest.objects.filter(email=email).update(email="", full_name="", message="")
    membership.profile = profile
    search_unindex(kind=SearchKind.MEMBER, object_id=membership.pk)
    return membership


# --- Invitations ------------------------------------------------------------------------------

INVITATION_DAYS = 14
INVITATION_LINK = "members.invitation"


@dataclass(frozen=True)
class InviteEntry:
    email: str
    role: str = Role.MEMBER
    title: str = ""
    full_name: str = ""
    phone: str = ""


def _association_language() -> str:
    return getattr(connection.tenant, "language", "") or "fr"


def invitation_token(invitation: Invitation) -> str:
    return link_token(INVITATION_LINK, {"i": invitation.pk, "n": invitation.nonce})


def invitation_url(invitation: Invitation) -> str:
    from tenants.services import workspace_url

    return workspace_url(connection.tenant, f"/members/invitations/{invitation_token(invitation)}/")


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names (pending or not, expired or not); None if the link was
    tampered with, made elsewhere, or replaced by a resend."""
    try:
        # The signature proves the link; expiry is `expires_at`, checked by the caller.
        payload = link_payload(INVITATION_LINK, token, max_age_seconds=10 * 365 * 24 * 3600)
    except LinkInvalid:
        return None
    invitation = Invitation.objects.filter(pk=payload.get("i")).first()
    if invitation is None or not invitation.nonce or invitation.nonce != payload.get("n"):
        return None
    return invitation


def _may_invite_role(inviter: Membership | None, role: str) -> bool:
    # Staff may invite, but only the board makes board administrators.
    return role != Role.BOARD or (inviter is not None and can(inviter, "members.change_role"))


@transaction.atomic
def invitation_send(*, invitation: Invitation) -> Invitation:
    """(Re)send: a new link (older ones stop working), valid 14 days from now."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise MembershipError(_("This invitation is no longer open."))
    now = timezone.now()
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.renewal_requested_at = None
    invitation.save(update_fields=["nonce", "sent_at", "expires_at", "renewal_requested_at"])
    from .tasks import members_invitation_email

    pk, schema = invitation.pk, connection.schema_name
    # The schema is named explicitly: on_commit may run after the connection left it.
    transaction.on_commit(
        lambda: members_invitation_email.apply_async(args=[pk], headers={"_schema_name": schema})
    )
    return invitation


@transaction.atomic
def invitations_create(
    *, entries: list[InviteEntry], invited_by: Membership | None, send: bool = True
) -> list[Invitation]:
    """Create (and send, or keep for later) one invitation per entry, all or nothing.

    Raises MembershipError naming the first email that is already a member, already invited,
    or invited with a role the inviter may not give.
    """
    emails = [entry.email.strip().lower() for entry in entries]
    if len(set(emails)) != len(emails):
        raise MembershipError(_("An email address appears twice."))
    members = emails_already_members(emails)
    invited = emails_already_invited(emails)
    for entry, email in zip(entries, emails, strict=True):
        if email in members:
            raise MembershipError(_("%(email)s is already a member.") % {"email": email})
        if email in invited:
            raise MembershipError(_("%(email)s is already invited.") % {"email": email})
        if entry.role not in Role.values or not _may_invite_role(invited_by, entry.role):
            raise MembershipError(
                _("You may not invite %(email)s with this role.") % {"email": email}
            )
    # Expired invitations to the same people give way to the new ones.
    Invitation.objects.filter(email__in=emails, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED
    )
    created = Invitation.objects.bulk_create(
        [
            Invitation(
                email=email, role=entry.role, title=entry.title.strip()[:80],
                full_name=entry.full_name.strip()[:150], phone=entry.phone.strip()[:30],
                invited_by_id=invited_by.user_id if invited_by else None,
            )
            for entry, email in zip(entries, emails, strict=True)
        ]
    )
    if send:
        created = [invitation_send(invitation=invitation) for invitation in created]
    return created


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise MembershipError(_("This invitation is no longer open."))
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person (signed in, or with the account just made) joins."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING or invitation.sent_at is None:
        raise MembershipError(_("This invitation is no longer open."))
    if invitation.is_expired():
        raise MembershipError(_("This invitation has expired."))
    if user.email.lower() != invitation.email:
        raise MembershipError(_("This invitation was sent to another email address."))
    existing = membership_active_for(user_id=user.pk)
    if existing is not None:
        membership = existing
    else:
        membership = membership_create(user=user, role=invitation.role, title=invitation.title)
        profile = _profile_for_update(membership)
        if profile.erased_at is not None:
            # Someone erased earlier comes back: a fresh profile.
            profile.erased_at = None
            profile.email_visibility = Visibility.BOARD
            profile.phone_visibility = Visibility.BOARD
        if invitation.phone and not profile.phone:
            profile.phone = invitation.phone
        profile.save()
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_user"])
    if invitation.invited_by_id:
        name = user.full_name or user.email
        notify(
            user_ids=[invitation.invited_by_id], category=Category.MEMBERS,
            text=lambda: _("%(name)s accepted your invitation.") % {"name": name},
            url=f"/members/{membership.pk}/", actor_id=user.pk,
        )
    return membership


def account_for_invitation(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the public account of an invited person who has none yet."""
    return User.objects.create_user(
        email=invitation.email, password=password, full_name=full_name.strip(),
        language=_association_language(),
    )


@transaction.atomic
def invitation_request_renewal(*, invitation: Invitation) -> bool:
    """The invitee of an expired link asks for a new one: the board and staff are told (once
    per invitation). Returns whether a notification went out."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING or invitation.renewal_requested_at:
        return False
    invitation.renewal_requested_at = timezone.now()
    invitation.save(update_fields=["renewal_requested_at"])
    email = invitation.email
    notify(
        user_ids=reviewer_user_ids(), category=Category.MEMBERS,
        text=lambda: _("%(email)s asks for a new invitation link (the old one expired).") % {
            "email": email},
        url="/members/invitations/",
    )
    return True


# --- Join requests ----------------------------------------------------------------------------


@transaction.atomic
def members_settings_update(*, join_requests_open: bool) -> MembersSettings:
    settings_row, _created = MembersSettings.objects.select_for_update().get_or_create(pk=1)
    settings_row.join_requests_open = join_requests_open
    settings_row.save()
    return settings_row


@transaction.atomic
def join_request_create(*, full_name: str, email: str, message: str = "") -> JoinRequest:
    if not members_settings().join_requests_open:
        raise MembershipError(_("This association does not take requests to join."))
    email = email.strip().lower()
    existing = JoinRequest.objects.filter(email=email, status=JoinRequestStatus.PENDING).first()
    if existing is not None:
        # Asking twice is not news for the board.
        return existing
    join_request = JoinRequest.objects.create(
        full_name=full_name.strip(), email=email, message=message.strip()
    )
    name = join_request.full_name
    notify(
        user_ids=reviewer_user_ids(), category=Category.MEMBERS,
        text=lambda: _("%(name)s asks to join the association.") % {"name": name},
        url="/members/join-requests/",
    )
    return join_request


def _join_request_for_decision(join_request: JoinRequest) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequestStatus.PENDING:
        raise MembershipError(_("This request has already been answered."))
    return join_request


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, by: Membership) -> JoinRequest:
    """Approve: the person gets an invitation (as a member) by email."""
    join_request = _join_request_for_decision(join_request)
    email = join_request.email
    if email in emails_already_members([email]):
        invitation = None
    elif email in emails_already_invited([email]):
        invitation = Invitation.objects.filter(
            email=email, status=InvitationStatus.PENDING
        ).first()
    else:
        invitation = invitations_create(
            entries=[InviteEntry(email=email, full_name=join_request.full_name)],
            invited_by=by,
        )[0]
    join_request.status = JoinRequestStatus.APPROVED
    join_request.decided_at = timezone.now()
    join_request.decided_by_id = by.user_id
    join_request.invitation = invitation
    join_request.save(update_fields=["status", "decided_at", "decided_by", "invitation"])
    return join_request


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, by: Membership) -> JoinRequest:
    join_request = _join_request_for_decision(join_request)
    join_request.status = JoinRequestStatus.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by_id = by.user_id
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    return join_request
