"""Emails of the members app, sent by Celery after commit (the schema travels with the task)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation


@shared_task
def members_search_refresh(user_id: int) -> bool:
    """Re-index one person's member entry in the association the task was sent from."""
    from .services import member_search_refresh

    return member_search_refresh(user_id=user_id)


@shared_task
def members_invitation_email(invitation_id: int) -> bool:
    """Email the invitation link, in the association's language. The link is signed here from
    the stored nonce, so no secret travels through the broker."""
    from tenants.accounts.models import User

    from .models import Invitation, InvitationStatus
    from .services import INVITATION_DAYS, invitation_url

    invitation = Invitation.objects.filter(
        pk=invitation_id, status=InvitationStatus.PENDING
    ).first()
    if invitation is None or not invitation.nonce:
        return False  # revoked or accepted meanwhile
    association = connection.tenant
    inviter = (
        User.objects.filter(pk=invitation.invited_by_id).first()
        if invitation.invited_by_id else None
    )
    context = {
        "association": association,
        "invitation": invitation,
        "inviter": inviter,
        "url": invitation_url(invitation),
        "days": INVITATION_DAYS,
    }
    with translation.override(association.language or "fr"):
        subject = render_to_string("members/email/invitation_subject.txt", context).strip()
        text = render_to_string("members/email/invitation.txt", context)
        html = render_to_string("members/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True
