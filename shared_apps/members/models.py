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
    # The one foreign key from an association's schema to the public schema: the account.
    # DO_NOTHING: the public schema cannot see this table, so Django must not look for rows
    # here when an account is deleted; the database constraint still refuses to delete an
    # account that is a member somewhere (memberships are ended or erased per schema first).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
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
