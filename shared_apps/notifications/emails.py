"""Building and sending notification emails: one per member, HTML and text, in the member's
language, with RFC 8058 one-click unsubscribe headers. Only ever called from Celery tasks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Category, Channel, Notification
from .selectors import notifications_to_email
from .services import unsubscribe_token

DIGEST_LIMIT = 50  # items listed in one digest; the rest is counted ("and 12 more")
SEND_BATCH = 100  # messages per SMTP connection round


@dataclass
class Item:
    text: str
    url: str
    category: str
    created_at: object


def _absolute(association: object, url: str) -> str:
    from tenants.services import workspace_url

    if url.startswith(("http://", "https://")):
        return url
    return workspace_url(association, url if url.startswith("/") else f"/{url}")


def build_message(
    *, association: object, user: object, notifications: list[Notification], channel: str
) -> EmailMultiAlternatives:
    """The email of these notifications (newest first) for this member."""
    from tenants.services import workspace_url

    categories = sorted({n.category for n in notifications})
    token = unsubscribe_token(user_id=user.pk, categories=categories)
    unsubscribe_url = workspace_url(
        association, reverse("notifications_unsubscribe", kwargs={"token": token})
    )
    labels = dict(Category.choices)
    with translation.override(user.language or association.language or "fr"):
        items = [
            Item(n.text, _absolute(association, n.url), str(labels.get(n.category, "")),
                 n.created_at)
            for n in notifications[:DIGEST_LIMIT]
        ]
        context = {
            "association": association,
            "user": user,
            "items": items,
            "more": max(0, len(notifications) - DIGEST_LIMIT),
            "count": len(notifications),
            "channel": channel,
            "workspace_url": workspace_url(association, "/"),
            "preferences_url": workspace_url(association, reverse("notifications_preferences")),
            "unsubscribe_url": unsubscribe_url,
            "category_names": [str(labels[c]) for c in categories],
        }
        kind = "immediate" if channel == Channel.IMMEDIATE else "digest"
        subject = " ".join(
            render_to_string(f"notifications/email/{kind}_subject.txt", context).split()
        )
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_pending(*, channel: str, notification_ids: Iterable[int] | None = None) -> int:
    """Send one email per member gathering their pending notifications for `channel` (only
    those of `notification_ids` if given), then mark them emailed. Returns emails sent."""
    from tenants.accounts.models import User

    association = connection.tenant
    query = notifications_to_email(channel=channel)
    if notification_ids is not None:
        query = query.filter(pk__in=list(notification_ids))
    pending = list(query)
    if not pending:
        return 0
    users = User.objects.in_bulk({n.user_id for n in pending})
    batches: list[tuple[EmailMultiAlternatives, list[int]]] = []
    for user_id, rows in groupby(pending, key=lambda n: n.user_id):
        user = users.get(user_id)
        notifications = list(rows)
        if user is None or not user.is_active or not user.email:
            continue
        message = build_message(
            association=association, user=user, notifications=notifications, channel=channel
        )
        batches.append((message, [n.pk for n in notifications]))
    sent = 0
    mail = get_connection()
    for start in range(0, len(batches), SEND_BATCH):
        chunk = batches[start : start + SEND_BATCH]
        sent += mail.send_messages([message for message, _ids in chunk]) or 0
        # Marked per batch, after sending: a failure later resends only what was not sent.
        Notification.objects.filter(
            pk__in=[pk for _message, ids in chunk for pk in ids]
        ).update(emailed_at=timezone.now())
    return sent
