"""Control-plane emails, sent by Celery after commit."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .accounts.models import User
from .models import Association


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_welcome_email(user_id: int, association_id: int) -> None:
    from .services import workspace_url

    user = User.objects.get(pk=user_id)
    association = Association.objects.get(pk=association_id)
    context = {"user": user, "association": association, "url": workspace_url(association)}
    with translation.override(user.language or association.language or "fr"):
        subject = render_to_string("tenants/email/welcome_subject.txt", context).strip()
        text = render_to_string("tenants/email/welcome.txt", context)
        html = render_to_string("tenants/email/welcome.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()
