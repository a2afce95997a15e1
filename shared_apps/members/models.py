"""Who belongs to this association, with which role. Lives in the association's schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BOARD = "board", _("Board administrator")
    STAFF = "staff", _("Staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    MEMBER = "member", _("Member")


class MembershipStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Membership(models.Model):
    id = models.BigAutoField(primary_key=True)
    # The account, in the public schema. Like every reference from an association's schema to
    # an account, it has no database constraint (db_constraint=False): a constraint would hang
    # two triggers per reference on the one accounts table, in every schema, and make creating
    # an association slower as associations grow (docs/architecture.md, "Identity").
    # DO_NOTHING: the public schema cannot see this table. An account with an affiliation
    # cannot be deleted (Affiliation.user is PROTECT); erasure goes through each schema first.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(
        _("title"), max_length=80, blank=True, help_text=_("For example président·e, trésorier·e.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices,
        default=MembershipStatus.INVITED,
    )
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="membership_one_per_account")]
        indexes = [models.Index(fields=["status", "role"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}:{self.status}"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class Visibility(models.TextChoices):
    """Who sees a member's email or phone in the directory."""

    MEMBERS = "members", _("All members")
    BOARD = "board", _("Board only")
    NOBODY = "nobody", _("Nobody")


class MemberProfile(models.Model):
    """What a member shows of themselves in this association (one per membership)."""

    id = models.BigAutoField(primary_key=True)
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="profile"
    )
    # Empty: the account's full name is shown.
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    bio = models.TextField(_("short bio"), max_length=500, blank=True)
    email_visibility = models.CharField(
        _("who sees my email"), max_length=10, choices=Visibility.choices,
        default=Visibility.BOARD,
    )
    phone_visibility = models.CharField(
        _("who sees my phone"), max_length=10, choices=Visibility.choices,
        default=Visibility.BOARD,
    )
    # Personal data erased on request (GDPR): the records stay, the person is "Deleted member".
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile:{self.membership_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """An invitation by email. The link carries a signed (id, nonce); a resend changes the
    nonce so older links stop working. Expiry is `expires_at` (14 days from sending)."""

    id = models.BigAutoField(primary_key=True)
    email = models.CharField(_("email"), max_length=254, db_index=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(_("title"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    nonce = models.CharField(max_length=32, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # None: saved by an import "to send later".
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The invitee asked for a new link once (the board is notified only once per invitation).
    renewal_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"invitation:{self.pk}:{self.status}"

    def is_expired(self, now: object = None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class JoinRequest(models.Model):
    """Someone (not a member, maybe without an account) asks to join."""

    id = models.BigAutoField(primary_key=True)
    full_name = models.CharField(_("name"), max_length=150)
    email = models.CharField(_("email"), max_length=254)
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"join:{self.pk}:{self.status}"


class MembersSettings(models.Model):
    """The association's members settings (a single row, pk=1)."""

    id = models.BigAutoField(primary_key=True)
    join_requests_open = models.BooleanField(
        _("Anyone may ask to join"), default=False,
        help_text=_("A public page lets people ask to join; the board approves or declines."),
    )

    def __str__(self) -> str:
        return "members settings"
