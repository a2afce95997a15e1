"""What happens in the feedback app. Views and API endpoints check the policy, then call one of
these; each runs in one transaction, keeps the search index right and notifies after commit
(through the notifications app).

Bad input raises django.core.exceptions.ValidationError, keyed by field, with translated
messages; nothing is half-made."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.news.files import UploadRefused, check_upload
from shared_apps.notifications.models import Category
from shared_apps.notifications.services import notify
from shared_apps.search.models import Kind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind

from .models import (
    Answer,
    Attachment,
    FeedbackItem,
    FeedbackSettings,
    InternalNote,
    ItemKind,
    ItemStatus,
    Support,
    Theme,
)
from .selectors import (
    HANDLER_ROLES,
    board_user_ids,
    feedback_settings,
    is_handler,
    open_ideas_filter,
    themes_active,
    token_hash,
)

URLCONF = "cercle.urls_tenants"  # tasks reverse too, outside any request
MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_PLACE = 200
MAX_THEME = 80
MAX_FILES = 5

# The allowed moves of the status. "answered" by hand needs an answer to exist; answering moves
# a received or in-progress item to "answered" by itself. A closed item may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    ItemStatus.RECEIVED: frozenset({ItemStatus.IN_PROGRESS, ItemStatus.CLOSED}),
    ItemStatus.IN_PROGRESS: frozenset({ItemStatus.ANSWERED, ItemStatus.CLOSED}),
    ItemStatus.ANSWERED: frozenset({ItemStatus.IN_PROGRESS, ItemStatus.CLOSED}),
    ItemStatus.CLOSED: frozenset({ItemStatus.IN_PROGRESS}),
}


@dataclass(frozen=True)
class Upload:
    """A file as it came in: its stream, its name and size."""

    file: IO[bytes]
    name: str
    size: int


@dataclass(frozen=True)
class Reported:
    item: FeedbackItem
    # For an anonymous report only: the one time the private follow-up token is known.
    follow_token: str | None


def item_url(item: FeedbackItem) -> str:
    return reverse("feedback_detail", kwargs={"pk": item.pk}, urlconf=URLCONF)


def follow_url(token: str) -> str:
    return reverse("feedback_follow", kwargs={"token": token}, urlconf=URLCONF)


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _text(value: str, field: str, *, max_length: int, required: str | None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _fail(field, required)
    if len(value) > max_length:
        raise _fail(field, _("This text is too long (%(max)s characters at most).")
                    % {"max": max_length})
    return value


# --- Search ------------------------------------------------------------------------------------


def _index(item: FeedbackItem, settings: FeedbackSettings | None = None) -> None:
    """Keep the item's search entry right: those who handle feedback, the named reporter, and
    everyone for an idea open to support. Internal notes and answers are never indexed; a
    merged duplicate is not indexed at all."""
    if item.is_duplicate:
        search_unindex(kind=Kind.FEEDBACK, object_id=item.pk)
        return
    settings = settings or feedback_settings()
    everyone = (
        settings.supports_enabled and item.kind == ItemKind.IDEA and item.is_open
    )
    search_index(
        kind=Kind.FEEDBACK, object_id=item.pk, title=item.title,
        body="\n".join(part for part in (item.description, item.place) if part),
        url=item_url(item), space_id=None,
        roles=() if everyone else tuple(str(role) for role in HANDLER_ROLES),
        user_ids=(item.reporter_id,) if item.reporter_id else (),
        created_at=item.created_at,
    )


def feedback_search_rebuild() -> int:
    """Rebuild the feedback entries of the index (for `search.rebuild`): every item but merged
    duplicates, with the same visibility as `_index`."""
    search_unindex_kind(kinds=[Kind.FEEDBACK])
    settings = feedback_settings()
    rows = list(FeedbackItem.objects.filter(duplicate_of__isnull=True))
    for item in rows:
        _index(item, settings)
    return len(rows)


# --- Reporting ---------------------------------------------------------------------------------


def _check_uploads(uploads: list[Upload]) -> list:
    if len(uploads) > MAX_FILES:
        raise _fail("files", _("Attach %(max)s files at most.") % {"max": MAX_FILES})
    kinds = []
    for upload in uploads:
        try:
            kinds.append(check_upload(upload.file, upload.name, upload.size))
        except UploadRefused as refused:
            raise _fail("files", refused.message) from refused
    return kinds


@transaction.atomic
def item_report(
    *,
    reporter_id: int,
    kind: str,
    title: str,
    description: str,
    theme_id: int | None = None,
    place: str = "",
    anonymous: bool = False,
    uploads: list[Upload] | None = None,
) -> Reported:
    """Record a report. Anonymous: the reporter is not stored anywhere (not on the item, its
    files, its search entry or the notifications); they get a private follow-up token instead,
    returned here once. The caller checked `policy.can_report`."""
    settings = feedback_settings()
    if kind not in ItemKind.values:
        raise _fail("kind", _("Choose what you are reporting."))
    title = _text(title, "title", max_length=MAX_TITLE, required=_("Give your report a title."))
    description = _text(description, "description", max_length=MAX_TEXT,
                        required=_("Describe what you want to report."))
    place = _text(place, "place", max_length=MAX_PLACE, required=None)
    active = themes_active()
    theme = None
    if theme_id is not None:
        theme = active.filter(pk=theme_id).first()
        if theme is None:
            raise _fail("theme", _("Choose one of the themes offered."))
    elif active.exists():
        raise _fail("theme", _("Choose a theme."))
    if anonymous and not settings.anonymous_allowed:
        raise _fail("anonymous", _("The association does not accept anonymous reports."))
    uploads = uploads or []
    kinds = _check_uploads(uploads)  # before storing anything: one bad file refuses all
    token = secrets.token_urlsafe(32) if anonymous else None
    item = FeedbackItem.objects.create(
        kind=kind, theme=theme, title=title, description=description, place=place,
        is_anonymous=anonymous, reporter_id=None if anonymous else reporter_id,
        follow_token_hash=token_hash(token) if token else "",
    )
    for upload, checked in zip(uploads, kinds, strict=True):
        attachment = Attachment(
            item=item, name=upload.name[:200], content_type=checked.content_type,
            size=upload.size, is_image=checked.is_image,
        )
        attachment.file.save(upload.name, File(upload.file), save=False)
        attachment.save()
    _index(item, settings)
    # No activity entry: reports are not for the whole association's feed. The board hears of
    # each new one; for an anonymous report, with no actor.
    notify(
        user_ids=board_user_ids(), category=Category.FEEDBACK,
        text=lambda: _("New feedback: %(title)s") % {"title": title}, url=item_url(item),
        actor_id=None if anonymous else reporter_id,
    )
    return Reported(item, token)


# --- Handling ----------------------------------------------------------------------------------


def _touch(item: FeedbackItem, *fields: str) -> None:
    item.updated_at = timezone.now()
    item.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def item_assign(*, item: FeedbackItem, assignee_id: int | None, actor_id: int) -> FeedbackItem:
    """Give the item to a board or staff member (None: nobody); they are told."""
    if assignee_id is not None and not is_handler(assignee_id):
        raise _fail("assignee", _("Only a board or staff member can be assigned."))
    if item.assignee_id == assignee_id:
        return item
    item.assignee_id = assignee_id
    _touch(item, "assignee")
    if assignee_id is not None:
        notify(
            user_ids=[assignee_id], category=Category.FEEDBACK,
            text=lambda: _("Feedback assigned to you: %(title)s") % {"title": item.title},
            url=item_url(item), actor_id=actor_id,
        )
    return item


@transaction.atomic
def item_set_status(*, item: FeedbackItem, status: str, actor_id: int) -> FeedbackItem:
    """Move the item along received → in progress → answered → closed (see TRANSITIONS)."""
    if status not in ItemStatus.values:
        raise _fail("status", _("Unknown status."))
    if status == item.status:
        return item
    if item.is_duplicate:
        raise _fail("status", _("This item was merged into another one: handle that one."))
    if status not in TRANSITIONS[item.status]:
        raise _fail(
            "status",
            _("An item that is “%(current)s” cannot become “%(new)s”.")
            % {"current": ItemStatus(item.status).label, "new": ItemStatus(status).label},
        )
    if status == ItemStatus.ANSWERED and not item.answers.exists():
        raise _fail("status", _("Write an answer first: it marks the item as answered."))
    item.status = status
    item.closed_at = timezone.now() if status == ItemStatus.CLOSED else None
    _touch(item, "status", "closed_at")
    _index(item)
    return item


@transaction.atomic
def note_add(*, item: FeedbackItem, author_id: int, body: str) -> InternalNote:
    """An internal note: for those who handle feedback only (no notification, no index)."""
    body = _text(body, "body", max_length=MAX_TEXT, required=_("Write the note."))
    note = InternalNote.objects.create(item=item, author_id=author_id, body=body)
    _touch(item)
    return note


@transaction.atomic
def answer_create(*, item: FeedbackItem, author_id: int, body: str) -> Answer:
    """Answer the reporter: a named reporter is notified; an anonymous one reads it through
    their follow-up link. A received or in-progress item becomes answered; the first answer's
    time is kept for the dashboard."""
    body = _text(body, "body", max_length=MAX_TEXT, required=_("Write the answer."))
    item = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    if item.is_duplicate:
        raise _fail("body", _("This item was merged into another one: answer that one."))
    if item.status == ItemStatus.CLOSED:
        raise _fail("body", _("This item is closed: reopen it to answer."))
    answer = Answer.objects.create(item=item, author_id=author_id, body=body)
    fields = []
    if item.first_answered_at is None:
        item.first_answered_at = answer.created_at
        fields.append("first_answered_at")
    if item.status in (ItemStatus.RECEIVED, ItemStatus.IN_PROGRESS):
        item.status = ItemStatus.ANSWERED
        fields.append("status")
    _touch(item, *fields)
    if item.reporter_id is not None:
        notify(
            user_ids=[item.reporter_id], category=Category.FEEDBACK,
            text=lambda: _("Your report “%(title)s” has an answer") % {"title": item.title},
            url=item_url(item), actor_id=author_id,
        )
    return answer


@transaction.atomic
def item_merge(*, duplicate: FeedbackItem, kept: FeedbackItem, actor_id: int) -> FeedbackItem:
    """Merge a duplicate into the item kept: the duplicate points at it, its supporters move
    to it (once each), it is closed as a duplicate and leaves the search index."""
    if duplicate.pk == kept.pk:
        raise _fail("into", _("An item cannot be merged into itself."))
    # Lock both in a fixed order so two merges cannot cross.
    locked = {
        i.pk: i for i in FeedbackItem.objects.select_for_update().filter(
            pk__in=[duplicate.pk, kept.pk]
        ).order_by("pk")
    }
    duplicate, kept = locked[duplicate.pk], locked[kept.pk]
    if duplicate.is_duplicate:
        raise _fail("into", _("This item is already merged into another one."))
    if kept.is_duplicate:
        raise _fail("into", _("That item was itself merged: merge into the item it points to."))
    if FeedbackItem.objects.filter(duplicate_of=duplicate).exists():
        raise _fail("into", _("Other items were merged into this one: keep it, merge the "
                              "other item into it instead."))
    supporters = list(Support.objects.filter(item=duplicate).values_list("user_id", flat=True))
    Support.objects.bulk_create(
        [Support(item=kept, user_id=user_id) for user_id in supporters], ignore_conflicts=True
    )
    Support.objects.filter(item=duplicate).delete()
    duplicate.duplicate_of = kept
    duplicate.status = ItemStatus.CLOSED
    duplicate.closed_at = timezone.now()
    _touch(duplicate, "duplicate_of", "status", "closed_at")
    search_unindex(kind=Kind.FEEDBACK, object_id=duplicate.pk)
    _touch(kept)
    if duplicate.reporter_id is not None:
        notify(
            user_ids=[duplicate.reporter_id], category=Category.FEEDBACK,
            text=lambda: _("Your report “%(title)s” was merged with a similar one") % {
                "title": duplicate.title},
            url=item_url(duplicate), actor_id=actor_id,
        )
    return duplicate


@transaction.atomic
def item_delete(*, item: FeedbackItem) -> None:
    """Remove an item for good (its files after commit), and its search entry."""
    from django.core.files.storage import default_storage

    names = list(item.attachments.values_list("file", flat=True))
    FeedbackItem.objects.filter(duplicate_of=item).update(duplicate_of=None)
    search_unindex(kind=Kind.FEEDBACK, object_id=item.pk)
    item.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


# --- Supports ----------------------------------------------------------------------------------


@transaction.atomic
def support_toggle(*, item: FeedbackItem, user_id: int) -> bool:
    """Give a +1 or take it back; True when it is now given. Only on an open idea while the
    association allows supports."""
    if not feedback_settings().supports_enabled:
        raise _fail("item", _("The association does not use supports."))
    if not FeedbackItem.objects.filter(open_ideas_filter(), pk=item.pk).exists():
        raise _fail("item", _("Only open ideas can be supported."))
    deleted, _rows = Support.objects.filter(item=item, user_id=user_id).delete()
    if deleted:
        return False
    Support.objects.bulk_create([Support(item=item, user_id=user_id)], ignore_conflicts=True)
    return True


# --- Themes and settings -----------------------------------------------------------------------


def _theme_name(name: str, exclude_pk: int | None = None) -> str:
    name = _text(name, "name", max_length=MAX_THEME, required=_("Name the theme."))
    taken = Theme.objects.annotate(lower=Lower("name")).filter(lower=name.lower())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise _fail("name", _("A theme with this name already exists."))
    return name


@transaction.atomic
def theme_create(*, name: str) -> Theme:
    name = _theme_name(name)
    try:
        with transaction.atomic():
            return Theme.objects.create(name=name)
    except IntegrityError as exc:  # a concurrent creation of the same name
        raise _fail("name", _("A theme with this name already exists.")) from exc


@transaction.atomic
def theme_rename(*, theme: Theme, name: str) -> Theme:
    theme.name = _theme_name(name, exclude_pk=theme.pk)
    theme.save(update_fields=["name"])
    return theme


@transaction.atomic
def theme_archive(*, theme: Theme, archived: bool) -> Theme:
    """Archived: no longer offered to reporters; items keep it."""
    theme.archived_at = timezone.now() if archived else None
    theme.save(update_fields=["archived_at"])
    return theme


@transaction.atomic
def settings_update(
    *, supports_enabled: bool | None = None, anonymous_allowed: bool | None = None
) -> FeedbackSettings:
    """Change the association's choices. Turning supports on or off changes who may find open
    ideas, so their search entries follow."""
    settings = FeedbackSettings.objects.select_for_update().get(pk=feedback_settings().pk)
    supports_changed = (
        supports_enabled is not None and supports_enabled != settings.supports_enabled
    )
    if supports_enabled is not None:
        settings.supports_enabled = supports_enabled
    if anonymous_allowed is not None:
        settings.anonymous_allowed = anonymous_allowed
    settings.updated_at = timezone.now()
    settings.save()
    if supports_changed:
        for item in FeedbackItem.objects.filter(open_ideas_filter()):
            _index(item, settings)
    return settings
