"""The control plane's tables, in the public schema: associations, their domains, the index of
who belongs where, and one-time sign-in handoffs between the base domain and a workspace."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from .address import validate_address


class AssociationStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment overdue")
    READ_ONLY = "read_only", _("Read-only")
    SUSPENDED = "suspended", _("Suspended")


class Association(TenantMixin):
    """An association (a tenant): its data lives in its own schema, `schema_name`."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    slug = models.CharField(_("address"), max_length=40, unique=True, validators=[validate_address])
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssociationStatus.choices,
        default=AssociationStatus.TRIAL,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status_before_suspension = models.CharField(max_length=16, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=300, blank=True)
    # Kept up to date by the members services, so the console needs no query per schema.
    member_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Full access ends at this moment (end of trial or of the grace period); None: no end.
    # Kept by billing.services.access_recompute from the subscription.
    access_until = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, default="fr")
    time_zone = models.CharField(max_length=64, default="Europe/Paris")

    # Provisioning clones the template schema itself, inside the signup transaction.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("association")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"

    @property
    def is_suspended(self) -> bool:
        return self.status == AssociationStatus.SUSPENDED

    def is_read_only(self, now: datetime | None = None) -> bool:
        """Members can read and export, nothing can be created (billing lapsed)."""
        if self.status == AssociationStatus.READ_ONLY:
            return True
        return self.access_until is not None and (now or timezone.now()) >= self.access_until

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"


class Domain(DomainMixin):
    id = models.BigAutoField(primary_key=True)


class Affiliation(models.Model):
    """Public index of which account belongs to which association.

    The membership itself (role, title, status) lives in the association's schema; this row lets
    the base domain list "my associations" without visiting every schema. The members services
    keep it in step, in the same transaction.
    """

    id = models.BigAutoField(primary_key=True)
    # PROTECT: the association's schema refers to the account without a database constraint,
    # so this row is what stops an account that belongs (or belonged) somewhere from being
    # deleted and leaving memberships, messages and votes pointing at nothing.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="affiliations"
    )
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "association"], name="affiliation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.association_id}"


class LoginHandoff(models.Model):
    """A single-use, short-lived ticket that signs a person in at a workspace.

    Cookies are host-only, so a session at the base domain means nothing at
    `<slug>.<base domain>`; after signup (or from "my associations") the person is sent to the
    workspace with one of these tickets. Only a hash of the token is stored.
    """

    id = models.BigAutoField(primary_key=True)
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"handoff {self.pk} for {self.user_id}@{self.association_id}"
