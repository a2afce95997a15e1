"""Writes of the control plane: provisioning, suspension, sign-in handoffs."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from .accounts.models import User
from .address import schema_name_for, validate_address
from .models import Association, AssociationStatus, Domain, LoginHandoff
from .schemas import schema_clone, template_schema_name

logger = logging.getLogger(__name__)

HANDOFF_LIFETIME = timedelta(seconds=60)


# Provisioning runs one at a time. The schema clone adds foreign keys to accounts_user (a SHARE
# ROW EXCLUSIVE lock), which waits for any other signup's uncommitted new account; that signup
# in turn waits for ours (same address, or its own clone): a deadlock. Taking this lock first,
# before the account is inserted, makes concurrent signups queue instead.
_PROVISIONING_LOCK = 0x63657263


def _provisioning_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PROVISIONING_LOCK])


class AddressTaken(Exception):
    """Another association already answers at this address."""


class AccountExists(Exception):
    """An account with this email exists: the person should sign in first."""


def workspace_url(association: Association, path: str = "/") -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{association.host}{port}{path}"


def base_url(path: str = "/") -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{settings.BASE_DOMAIN}{port}{path}"


def association_provision(*, name: str, slug: str, owner: User) -> Association:
    """Create an association, all or nothing: its row, its domain, its schema (a clone of the
    migrated template) and its first board administrator.

    Raises ValidationError for a bad address and AddressTaken when the address is taken,
    including by a concurrent signup (the unique index makes the loser wait, then fail).
    """
    from shared_apps.members.models import MembershipStatus, Role
    from shared_apps.members.services import membership_create

    validate_address(slug)
    schema = schema_name_for(slug)
    try:
        with transaction.atomic():
            _provisioning_lock()
            # Under the lock, an earlier signup for this address has committed or rolled back.
            if Association.objects.filter(slug=slug).exists():
                raise AddressTaken(slug)
            association = Association(name=name.strip(), slug=slug, schema_name=schema)
            association.save()
            Domain.objects.create(domain=association.host, tenant=association, is_primary=True)
            schema_clone(source=template_schema_name(), target=schema)
            with tenant_context(association):
                membership_create(user=owner, role=Role.BOARD, status=MembershipStatus.ACTIVE)
            from billing.services import subscription_start_trial

            subscription_start_trial(association=association)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
        if any(part in constraint for part in ("slug", "schema_name", "domain")):
            raise AddressTaken(slug) from exc
        raise
    finally:
        connection.set_schema_to_public()
    logger.info("association provisioned", extra={"association": slug})
    return association


def address_is_available(slug: str) -> bool:
    return not Association.objects.filter(slug=slug).exists()


@dataclass(frozen=True)
class Signup:
    association: Association
    user: User
    created_account: bool


def signup_association(
    *,
    name: str,
    slug: str,
    owner: User | None = None,
    full_name: str = "",
    email: str = "",
    password: str = "",
    language: str = "",
) -> Signup:
    """Sign up an association: create the account when `owner` is None, then provision.

    One transaction: if provisioning fails, the new account is not kept either.
    Raises AccountExists, AddressTaken or ValidationError.
    """
    from allauth.account.models import EmailAddress

    created = owner is None
    with transaction.atomic():
        _provisioning_lock()  # before the account insert (see _PROVISIONING_LOCK)
        if owner is None:
            email = email.strip().lower()
            if User.objects.filter(email__iexact=email).exists():
                raise AccountExists(email)
            owner = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip(), language=language
            )
            EmailAddress.objects.create(user=owner, email=email, primary=True, verified=False)
        association = association_provision(name=name, slug=slug, owner=owner)
    from .tasks import send_welcome_email

    user_id, association_id = owner.pk, association.pk
    transaction.on_commit(lambda: send_welcome_email.delay(user_id, association_id))
    return Signup(association=association, user=owner, created_account=created)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def handoff_create(*, user: User, association: Association) -> str:
    """A one-time URL that signs `user` in at `association`'s workspace (valid 60 s)."""
    token = secrets.token_urlsafe(32)
    LoginHandoff.objects.create(
        token_hash=_hash(token),
        user=user,
        association=association,
        expires_at=timezone.now() + HANDOFF_LIFETIME,
    )
    return workspace_url(association, f"/auth/handoff/{token}/")


def handoff_redeem(*, token: str, association: Association) -> User | None:
    """The account a valid, unused ticket for this association names; the ticket is spent."""
    now = timezone.now()
    spent = LoginHandoff.objects.filter(
        token_hash=_hash(token), association_id=association.pk, used_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if spent != 1:
        return None
    handoff = LoginHandoff.objects.select_related("user").get(token_hash=_hash(token))
    return handoff.user if handoff.user.is_active else None


@transaction.atomic
def association_suspend(*, association: Association, reason: str = "") -> Association:
    """Suspend: members see the suspended page; nothing is deleted."""
    if association.is_suspended:
        return association
    association.status_before_suspension = association.status
    association.status = AssociationStatus.SUSPENDED
    association.suspended_at = timezone.now()
    association.suspension_reason = reason.strip()[:300]
    association.save(
        update_fields=["status", "status_before_suspension", "suspended_at", "suspension_reason"]
    )
    return association


@transaction.atomic
def association_reactivate(*, association: Association) -> Association:
    if not association.is_suspended:
        return association
    association.status = association.status_before_suspension or AssociationStatus.ACTIVE
    association.status_before_suspension = ""
    association.suspended_at = None
    association.suspension_reason = ""
    association.save(
        update_fields=["status", "status_before_suspension", "suspended_at", "suspension_reason"]
    )
    return association
