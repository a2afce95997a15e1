"""Spaces: working groups and thematic spaces, in the association's schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    OPEN = "open", _("Open: any member can join")
    ON_REQUEST = "on_request", _("On request: moderators approve")
    PRIVATE = "private", _("Private: hidden from non-members")


class Space(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.OPEN
    )
    # The space of the whole association: every active member belongs to it, always.
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            # Two live spaces may not share a name (case-insensitive); archived ones free it.
            models.UniqueConstraint(
                Lower("name"), condition=Q(archived_at__isnull=True),
                name="space_live_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SpaceRole(models.TextChoices):
    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")


class SpaceMembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REQUESTED = "requested", _("Requested")


class SpaceMembership(models.Model):
    id = models.BigAutoField(primary_key=True)
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    role = models.CharField(max_length=10, choices=SpaceRole.choices, default=SpaceRole.MEMBER)
    status = models.CharField(
        max_length=10, choices=SpaceMembershipStatus.choices,
        default=SpaceMembershipStatus.ACTIVE,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="space_membership_unique")
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.space_id}:{self.role}"


class SpacesSettings(models.Model):
    """The association's choices about spaces (one row, created on first read)."""

    id = models.BigAutoField(primary_key=True)
    members_may_create = models.BooleanField(
        _("every member may create spaces"), default=False,
        help_text=_("Otherwise only board administrators and staff create spaces."),
    )

    def __str__(self) -> str:
        return f"members_may_create={self.members_may_create}"
