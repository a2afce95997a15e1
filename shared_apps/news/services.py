"""What happens in the news app. Views and API endpoints check the policy, then call one of
these; each runs in one transaction and tells the notifications app what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shared_apps.notifications.models import Activity, Category
from shared_apps.notifications.services import (
    activity_record,
    notify,
    phrase,
    recipient_languages,
)
from shared_apps.search.models import Kind as SearchKind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.search.text import html_text
from shared_apps.spaces.models import Space
from shared_apps.workspace.signed_links import LinkInvalid, link_ids, link_token

from .files import UploadRefused, check_upload
from .models import (
    AckChannel,
    Acknowledgement,
    AckReminder,
    Announcement,
    Attachment,
    Comment,
    Emoji,
    Reaction,
    ReadReceipt,
)
from .selectors import audience_user_ids

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
ACK_PURPOSE = "news.ack"
# A signed link keeps working a little after the deadline: a late confirmation is still worth
# recording (it is shown with its date).
ACK_LINK_MARGIN = timedelta(days=7)
# Reminders every few days after publication, and a last one the day before the deadline.
REMINDER_EVERY_DAYS = 3
MAX_TITLE = 200
MAX_BODY = 50_000
TARGET_TYPE = "news.announcement"


class NewsError(Exception):
    """Bad input or a state that forbids the action; the message is translated."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Upload:
    """A file as it came in: its stream, its name and size."""

    file: IO[bytes]
    name: str
    size: int


def announcement_url(announcement: Announcement) -> str:
    return reverse("news_detail", kwargs={"pk": announcement.pk}, urlconf=URLCONF)


def announcement_search_sync(announcement: Announcement) -> None:
    """The announcement's search entry: its title and text (as read, without the Markdown
    marks), for the readers of its space (the default space: everyone)."""
    search_index(
        kind=SearchKind.ANNOUNCEMENT, object_id=announcement.pk, title=announcement.title,
        body=html_text(announcement.body_html), url=announcement_url(announcement),
        space_id=announcement.space_id, created_at=announcement.created_at,
    )


def announcements_search_rebuild() -> int:
    """Rebuild the announcements' entries of the index (`manage.py search_reindex`)."""
    search_unindex_kind(kinds=[SearchKind.ANNOUNCEMENT])
    rows = list(Announcement.objects.all())
    for announcement in rows:
        announcement_search_sync(announcement)
    return len(rows)


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise NewsError(_("Give the announcement a title."), "title")
    if len(title) > MAX_TITLE:
        raise NewsError(
            _("The title is too long (%(max)s characters at most).") % {"max": MAX_TITLE},
            "title",
        )
    if not body:
        raise NewsError(_("Write the text of the announcement."), "body")
    if len(body) > MAX_BODY:
        raise NewsError(
            _("The text is too long (%(max)s characters at most).") % {"max": MAX_BODY}, "body"
        )
    return title, body


def _check_deadline(requires_ack: bool, deadline: datetime | None) -> datetime | None:
    if not requires_ack:
        return None
    if deadline is None:
        raise NewsError(_("Choose the deadline for acknowledging the notice."), "ack_deadline")
    if deadline <= timezone.now():
        raise NewsError(_("The deadline must be in the future."), "ack_deadline")
    return deadline


def _attach(announcement: Announcement, uploads: list[Upload], user_id: int) -> list[Attachment]:
    # Check everything before storing anything: one bad file refuses the whole batch.
    kinds = []
    for upload in uploads:
        try:
            kinds.append(check_upload(upload.file, upload.name, upload.size))
        except UploadRefused as refused:
            raise NewsError(refused.message, "files") from refused
    saved = []
    for upload, kind in zip(uploads, kinds, strict=True):
        attachment = Attachment(
            announcement=announcement, name=upload.name[:200], content_type=kind.content_type,
            size=upload.size, is_image=kind.is_image, uploaded_by_id=user_id,
        )
        attachment.file.save(upload.name, File(upload.file), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def ack_link_path(announcement: Announcement, user_id: int) -> str:
    token = link_token(ACK_PURPOSE, {"a": announcement.pk, "u": user_id})
    return reverse("news_ack_link", kwargs={"token": token}, urlconf=URLCONF)


def ack_link_resolve(token: str) -> tuple[Announcement, int]:
    """The notice and the member a signed link is for, or LinkInvalid (tampered with, made for
    another association or purpose, notice gone, or too long after the deadline)."""
    # Loose age bound first (the exact one depends on the notice's deadline, checked below).
    announcement_id, user_id = link_ids(
        ACK_PURPOSE, token, "a", "u", max_age_seconds=10 * 365 * 24 * 3600
    )
    announcement = (
        Announcement.objects.select_related("space").filter(pk=announcement_id).first()
    )
    if announcement is None or not announcement.requires_ack or announcement.ack_deadline is None:
        raise LinkInvalid("invalid")
    if timezone.now() > announcement.ack_deadline + ACK_LINK_MARGIN:
        raise LinkInvalid("expired")
    if user_id not in audience_user_ids(announcement):
        raise LinkInvalid("invalid")
    return announcement, user_id


def _notify_published(announcement: Announcement) -> None:
    audience = audience_user_ids(announcement)
    title = announcement.title
    if announcement.requires_ack:
        languages = recipient_languages(audience)
        # One notification each: the link inside lets each member confirm from the email.
        for user_id in audience:
            notify(
                user_ids=[user_id], category=Category.ACKNOWLEDGEMENT,
                text=lambda: _("%(title)s — please read and acknowledge") % {"title": title},
                url=ack_link_path(announcement, user_id), actor_id=announcement.author_id,
                space_id=announcement.space_id, languages=languages,
            )
    else:
        notify(
            user_ids=audience, category=Category.ANNOUNCEMENT,
            text=lambda: _("%(title)s — new announcement") % {"title": title},
            url=announcement_url(announcement), actor_id=announcement.author_id,
            space_id=announcement.space_id,
        )


@transaction.atomic
def announcement_publish(
    *,
    author_id: int,
    space: Space,
    title: str,
    body: str,
    pinned: bool = False,
    requires_ack: bool = False,
    ack_deadline: datetime | None = None,
    uploads: list[Upload] | None = None,
) -> Announcement:
    """Publish to the space's members (the default space: everyone). The caller has checked
    `policy.can_publish_in`."""
    title, body = _clean_text(title, body)
    if space.archived_at is not None:
        raise NewsError(_("This space is archived: nothing can be published in it."), "space")
    deadline = _check_deadline(requires_ack, ack_deadline)
    announcement = Announcement.objects.create(
        space=space, author_id=author_id, title=title, body=body, pinned=pinned,
        requires_ack=requires_ack, ack_deadline=deadline,
    )
    _attach(announcement, uploads or [], author_id)
    announcement_search_sync(announcement)
    # The author has read what they wrote (and is not counted among those who have not).
    ReadReceipt.objects.create(announcement=announcement, user_id=author_id)
    activity_record(
        verb="news.published", target_type=TARGET_TYPE, target_id=announcement.pk,
        summary=title, url=announcement_url(announcement), actor_id=author_id,
        space_id=space.pk, pinned=pinned,
    )
    _notify_published(announcement)
    return announcement


@transaction.atomic
def announcement_update(
    *,
    announcement: Announcement,
    title: str,
    body: str,
    ack_deadline: datetime | None = None,
) -> Announcement:
    """Change the title, text and (for a notice) the deadline. Whether a notice needs
    acknowledging is fixed at publication: members may already have confirmed."""
    title, body = _clean_text(title, body)
    if announcement.requires_ack and ack_deadline != announcement.ack_deadline:
        announcement.ack_deadline = _check_deadline(True, ack_deadline)
    announcement.title, announcement.body = title, body
    announcement.updated_at = announcement.edited_at = timezone.now()
    announcement.save()
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=announcement.pk).update(
        summary=title[:300]
    )
    announcement_search_sync(announcement)
    return announcement


@transaction.atomic
def announcement_delete(*, announcement: Announcement) -> None:
    from django.core.files.storage import default_storage

    names = list(announcement.attachments.values_list("file", flat=True))
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=announcement.pk).delete()
    search_unindex(kind=SearchKind.ANNOUNCEMENT, object_id=announcement.pk)
    announcement.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


@transaction.atomic
def announcement_pin(*, announcement: Announcement, pinned: bool) -> Announcement:
    announcement.pinned = pinned
    announcement.save(update_fields=["pinned", "body_html"])
    # The feed shows pinned announcements first: keep its entry in step.
    Activity.objects.filter(target_type=TARGET_TYPE, target_id=announcement.pk).update(
        pinned=pinned
    )
    return announcement


def announcement_mark_read(*, announcement: Announcement, user_id: int) -> None:
    """Idempotent: one receipt per member, the first reading's time kept."""
    ReadReceipt.objects.bulk_create(
        [ReadReceipt(announcement=announcement, user_id=user_id)], ignore_conflicts=True
    )


@transaction.atomic
def announcement_acknowledge(
    *, announcement: Announcement, user_id: int, channel: str = AckChannel.PAGE
) -> Acknowledgement:
    """Confirm "read and approved". Twice is harmless: the first confirmation stands."""
    if not announcement.requires_ack:
        raise NewsError(_("This announcement does not ask for acknowledgement."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(
        announcement=announcement, user_id=user_id, defaults={"channel": channel}
    )
    announcement_mark_read(announcement=announcement, user_id=user_id)
    return acknowledgement


@transaction.atomic
def attachments_add(
    *, announcement: Announcement, uploads: list[Upload], user_id: int
) -> list[Attachment]:
    return _attach(announcement, uploads, user_id)


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    from django.core.files.storage import default_storage

    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def _clean_comment(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise NewsError(_("Write a comment."), "body")
    if len(body) > 5000:
        raise NewsError(_("The comment is too long (5,000 characters at most)."), "body")
    return body


@transaction.atomic
def comment_create(*, announcement: Announcement, author_id: int, body: str) -> Comment:
    comment = Comment.objects.create(
        announcement=announcement, author_id=author_id, body=_clean_comment(body)
    )
    if announcement.author_id != author_id:
        notify(
            user_ids=[announcement.author_id], category=Category.REPLY,
            text=lambda: _("New comment on “%(title)s”") % {"title": announcement.title},
            url=announcement_url(announcement) + f"#comment-{comment.pk}",
            actor_id=author_id, space_id=announcement.space_id,
        )
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, body: str) -> Comment:
    comment.body = _clean_comment(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment) -> None:
    comment.delete()


@transaction.atomic
def reaction_toggle(*, announcement: Announcement, user_id: int, emoji: str) -> bool:
    """Add the reaction, or take it back if it was there. True when it is now given."""
    if emoji not in Emoji.values:
        raise NewsError(_("Unknown reaction."), "emoji")
    deleted, _rows = Reaction.objects.filter(
        announcement=announcement, user_id=user_id, emoji=emoji
    ).delete()
    if deleted:
        return False
    Reaction.objects.create(announcement=announcement, user_id=user_id, emoji=emoji)
    return True


def _reminder_due(announcement: Announcement, today: date) -> tuple[bool, bool]:
    """(due today, is the last one) for a notice still open."""
    published = timezone.localdate(announcement.created_at)
    last_day = timezone.localdate(announcement.ack_deadline) - timedelta(days=1)
    if today <= published or today > last_day:
        return False, False
    if today == last_day:
        return True, True
    return (today - published).days % REMINDER_EVERY_DAYS == 0, False


@transaction.atomic
def ack_reminders_send(*, today: date | None = None) -> int:
    """Remind the members who have not confirmed an open notice: every few days, and a last
    time the day before the deadline; never twice the same day for the same notice."""
    today = today or timezone.localdate()
    sent = 0
    open_notices = Announcement.objects.filter(
        requires_ack=True, ack_deadline__gt=timezone.now()
    ).select_related("space")
    for announcement in open_notices:
        due, last = _reminder_due(announcement, today)
        if not due:
            continue
        confirmed = set(announcement.acknowledgements.values_list("user_id", flat=True))
        reminded = set(
            announcement.reminders.filter(sent_on=today).values_list("user_id", flat=True)
        )
        targets = [
            user_id for user_id in audience_user_ids(announcement)
            if user_id not in confirmed and user_id not in reminded
            and user_id != announcement.author_id
        ]
        AckReminder.objects.bulk_create(
            [AckReminder(announcement=announcement, user_id=u, sent_on=today, is_last=last)
             for u in targets],
            ignore_conflicts=True,
        )
        if last:
            message = gettext_noop(
                "Last reminder: please acknowledge “%(title)s” before tomorrow's deadline"
            )
        else:
            message = gettext_noop("Reminder: please acknowledge “%(title)s”")
        title = announcement.title
        languages = recipient_languages(targets)
        for user_id in targets:
            notify(
                user_ids=[user_id], category=Category.ACKNOWLEDGEMENT,
                text=phrase(message, title=title),
                url=ack_link_path(announcement, user_id), actor_id=None,
                space_id=announcement.space_id, languages=languages,
            )
        sent += len(targets)
    return sent
