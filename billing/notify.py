"""Billing emails to an association's board administrators, each in their own language."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import tenant_context

from tenants.models import Association

KINDS = ("trial_ending", "payment_failed", "canceled", "access_back")


def board_members(association: Association) -> list:
    from shared_apps.members.models import Membership, MembershipStatus, Role

    with tenant_context(association):
        return [
            m.user
            for m in Membership.objects.filter(
                role=Role.BOARD, status=MembershipStatus.ACTIVE
            ).select_related("user")
        ]


def board_email(*, association: Association, kind: str) -> int:
    """Send the `kind` email to every board administrator; returns how many were sent."""
    if kind not in KINDS:
        raise ValueError(kind)
    from tenants.services import workspace_url

    from .models import Subscription
    from .services import billing_enabled

    if not billing_enabled():
        return 0  # billing off: nothing about payment reaches associations, emails included
    sub = Subscription.objects.filter(association=association).first()
    sent = 0
    for user in board_members(association):
        context = {
            "user": user,
            "association": association,
            "subscription": sub,
            "url": workspace_url(association, "/billing/"),
        }
        with translation.override(user.language or association.language or "fr"):
            subject = render_to_string(f"billing/email/{kind}_subject.txt", context).strip()
            text = render_to_string(f"billing/email/{kind}.txt", context)
            html = render_to_string(f"billing/email/{kind}.html", context)
        message = EmailMultiAlternatives(subject, text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent
