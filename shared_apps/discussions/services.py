"""Discussions services: the one place threads and messages change. Views and the API check
the policy, then call one of these; side effects (activity, notifications) happen in the same
transaction, emails after commit (the notifications app's job)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.members.selectors import member_display_names
from shared_apps.notifications.services import activity_record, notify
from shared_apps.search.models import Kind as SearchKind
from shared_apps.search.services import search_index, search_unindex, search_unindex_kind
from shared_apps.search.text import html_text
from shared_apps.spaces.models import Space

from . import files as checks
from .models import (
    REACTIONS,
    Attachment,
    Mention,
    Message,
    Reaction,
    Subscription,
    Thread,
    ThreadState,
)
from .rendering import MAX_MESSAGE, handles_for, mentioned_ids, render
from .selectors import space_reader_names

MAX_TITLE = 200


class DiscussionError(ValueError):
    """Bad input; the message is translated and can be shown as is."""

    def __init__(self, message: str, field: str = "__all__") -> None:
        super().__init__(message)
        self.field = field


def thread_url(thread: Thread, message: Message | None = None) -> str:
    url = reverse("discussions_thread", kwargs={"pk": thread.pk})
    return f"{url}#m{message.pk}" if message is not None else url


def message_search_sync(message: Message, *, first_id: int | None = None) -> None:
    """The search entries of a thread: one for the thread (its title and first message), one
    per reply (its own words; the thread's title is shown with it). Deleted and hidden
    messages are out of the index; readers of the thread's space find the rest."""
    thread = message.thread
    if first_id is None:
        first_id = Message.objects.filter(thread_id=thread.pk).order_by("id").values_list(
            "id", flat=True
        ).first()
    visible = message.deleted_at is None and message.hidden_at is None
    text = html_text(message.body_html) if visible else ""
    if message.pk == first_id:
        search_index(
            kind=SearchKind.DISCUSSION, object_id=thread.pk, title=thread.title, body=text,
            url=thread_url(thread), space_id=thread.space_id, created_at=thread.created_at,
        )
    elif visible:
        search_index(
            kind=SearchKind.MESSAGE, object_id=message.pk, title=thread.title, body=text,
            url=thread_url(thread, message), space_id=thread.space_id,
            created_at=message.created_at,
        )
    else:
        search_unindex(kind=SearchKind.MESSAGE, object_id=message.pk)


def discussions_search_rebuild() -> int:
    """Rebuild the threads' and replies' entries of the index (`manage.py search_reindex`)."""
    search_unindex_kind(kinds=[SearchKind.DISCUSSION, SearchKind.MESSAGE])
    count, first_of = 0, {}
    for message in Message.objects.select_related("thread").order_by("id").iterator():
        first_of.setdefault(message.thread_id, message.pk)
        message_search_sync(message, first_id=first_of[message.thread_id])
        count += 1
    return count


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DiscussionError(_("Write a message."), "body")
    if len(body) > MAX_MESSAGE:
        raise DiscussionError(
            _("A message may not be longer than %(max)s characters.") % {"max": MAX_MESSAGE},
            "body",
        )
    return body


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError(_("Give the thread a title."), "title")
    if len(title) > MAX_TITLE:
        raise DiscussionError(
            _("A title may not be longer than %(max)s characters.") % {"max": MAX_TITLE},
            "title",
        )
    return title


def _check_files(uploads: Iterable[UploadedFile], already: int = 0) -> list[tuple[UploadedFile,
                                                                                  str]]:
    uploads = list(uploads)
    if len(uploads) + already > checks.MAX_FILES:
        raise DiscussionError(
            _("At most %(max)s files per message.") % {"max": checks.MAX_FILES}, "files"
        )
    checked = []
    for upload in uploads:
        name = (upload.name or "file").rsplit("/", 1)[-1][:200]
        try:
            kind = checks.check(upload, name=name, size=upload.size)
        except checks.Refused as exc:
            raise DiscussionError(str(exc), "files") from exc
        checked.append((upload, kind.content_type))
    return checked


def _store_files(message: Message, checked: list[tuple[UploadedFile, str]], user_id: int
                 ) -> list[Attachment]:
    stored = []
    for upload, content_type in checked:
        attachment = Attachment(
            message=message, name=(upload.name or "file").rsplit("/", 1)[-1][:200],
            content_type=content_type, size=upload.size, uploaded_by_id=user_id,
        )
        attachment.file.save(attachment.name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    # Files are checked before anything is written, so a rollback after this point is rare; a
    # file left by one has no row and can never be served.
    return stored


def _state(thread: Thread, user_id: int) -> ThreadState:
    state, _created = ThreadState.objects.get_or_create(thread=thread, user_id=user_id)
    return state


def _follow(thread: Thread, user_id: int, read_up_to: int) -> None:
    """Authors and repliers follow (unless they muted it); what they wrote is read."""
    state = _state(thread, user_id)
    changed = []
    if state.subscription == Subscription.NONE:
        state.subscription = Subscription.FOLLOW
        changed.append("subscription")
    if read_up_to > state.last_read_message_id:
        state.last_read_message_id = read_up_to
        changed.append("last_read_message_id")
    if changed:
        state.save(update_fields=changed)


def _render(space: Space, body: str) -> tuple[str, set[int], dict[int, str]]:
    names = space_reader_names(space=space)
    handles = handles_for(names)
    return render(body, handles, names), mentioned_ids(body, handles), names


def _muted(thread: Thread) -> set[int]:
    return set(
        ThreadState.objects.filter(thread=thread, subscription=Subscription.MUTE).values_list(
            "user_id", flat=True
        )
    )


def _notify_mentions(message: Message, user_ids: set[int], actor_id: int) -> set[int]:
    """Mentioned readers (never those who muted the thread) get a "mention" notification."""
    thread = message.thread
    already = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    new = user_ids - already - {actor_id}
    Mention.objects.bulk_create([Mention(message=message, user_id=uid) for uid in new])
    targets = new - _muted(thread)
    if targets:
        actor = member_display_names({actor_id}).get(actor_id, "")
        notify(
            user_ids=targets, category="mention",
            text=lambda: _("%(name)s mentioned you in “%(title)s”") % {"name": actor,
                                                                "title": thread.title},
            url=thread_url(thread, message), actor_id=actor_id, space_id=thread.space_id,
        )
    return targets


@transaction.atomic
def thread_create(
    *, space: Space, author_id: int, title: str, body: str,
    files: Iterable[UploadedFile] = (),
) -> Thread:
    title = _clean_title(title)
    body = _clean_body(body)
    checked = _check_files(files)
    html, mentioned, names = _render(space, body)
    now = timezone.now()
    thread = Thread.objects.create(
        space=space, title=title, author_id=author_id, created_at=now, last_activity_at=now
    )
    message = Message.objects.create(
        thread=thread, author_id=author_id, body=body, body_html=html, created_at=now
    )
    _store_files(message, checked, author_id)
    _follow(thread, author_id, message.pk)
    message_search_sync(message, first_id=message.pk)
    _notify_mentions(message, mentioned, author_id)
    activity_record(
        verb="discussions.thread_created", target_type="discussions.thread", target_id=thread.pk,
        summary=title, url=thread_url(thread), actor_id=author_id, space_id=space.pk,
    )
    return thread


@transaction.atomic
def message_reply(
    *, thread: Thread, author_id: int, body: str, files: Iterable[UploadedFile] = ()
) -> Message:
    body = _clean_body(body)
    checked = _check_files(files)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    html, mentioned, names = _render(thread.space, body)
    now = timezone.now()
    message = Message.objects.create(
        thread=thread, author_id=author_id, body=body, body_html=html, created_at=now
    )
    thread.last_activity_at = now
    thread.save(update_fields=["last_activity_at"])
    _store_files(message, checked, author_id)
    _follow(thread, author_id, message.pk)
    message_search_sync(message)
    told = _notify_mentions(message, mentioned, author_id)
    # Followers who can still read the space; the mentioned were told already; muted never.
    followers = set(
        ThreadState.objects.filter(thread=thread, subscription=Subscription.FOLLOW).values_list(
            "user_id", flat=True
        )
    )
    targets = (followers & set(names)) - told - {author_id}
    if targets:
        actor = names.get(author_id) or member_display_names({author_id}).get(author_id, "")
        notify(
            user_ids=targets, category="reply",
            text=lambda: _("%(name)s replied in “%(title)s”") % {
                "name": actor, "title": thread.title},
            url=thread_url(thread, message), actor_id=author_id, space_id=thread.space_id,
        )
    activity_record(
        verb="discussions.replied", target_type="discussions.message", target_id=message.pk,
        summary=thread.title, url=thread_url(thread, message), actor_id=author_id,
        space_id=thread.space_id,
    )
    return message


@transaction.atomic
def message_edit(*, message: Message, user_id: int, body: str) -> Message:
    """The author rewrites their message; it shows "edited" with the time. Newly mentioned
    readers are notified (those mentioned before are not told twice)."""
    if message.author_id != user_id:
        raise DiscussionError(_("Only the author can edit a message."))
    if message.deleted_at is not None or message.hidden_at is not None:
        raise DiscussionError(_("This message can no longer be edited."))
    body = _clean_body(body)
    if body == message.body:
        return message
    html, mentioned, _names = _render(message.thread.space, body)
    message.body, message.body_html, message.edited_at = body, html, timezone.now()
    message.save(update_fields=["body", "body_html", "edited_at"])
    message_search_sync(message)
    _notify_mentions(message, mentioned, user_id)
    return message


@transaction.atomic
def message_delete(*, message: Message, user_id: int) -> Message:
    """Soft delete by the author: the row keeps its place in the thread, its content and files
    are gone."""
    if message.author_id != user_id:
        raise DiscussionError(_("Only the author can delete a message."))
    if message.deleted_at is not None:
        return message
    message.deleted_at = timezone.now()
    message.body, message.body_html = "", ""
    message.save(update_fields=["deleted_at", "body", "body_html"])
    message_search_sync(message)
    Reaction.objects.filter(message=message).delete()
    for attachment in list(message.attachments.all()):
        name, storage = attachment.file.name, attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    return message


@transaction.atomic
def message_hide(*, message: Message, moderator_id: int, hidden: bool) -> Message:
    """A moderator hides (or shows again) a message; hidden content is for moderators only."""
    if message.deleted_at is not None:
        raise DiscussionError(_("This message was deleted by its author."))
    if hidden and message.hidden_at is None:
        message.hidden_at, message.hidden_by_id = timezone.now(), moderator_id
    elif not hidden:
        message.hidden_at, message.hidden_by_id = None, None
    message.save(update_fields=["hidden_at", "hidden_by"])
    message_search_sync(message)
    return message


@transaction.atomic
def reaction_toggle(*, message: Message, user_id: int, emoji: str) -> bool:
    """Add the reaction, or take it back if it was there. True when it is now on."""
    if emoji not in REACTIONS:
        raise DiscussionError(_("Choose one of the offered reactions."), "emoji")
    if message.deleted_at is not None or message.hidden_at is not None:
        raise DiscussionError(_("You cannot react to this message."))
    removed, _details = Reaction.objects.filter(
        message=message, user_id=user_id, emoji=emoji
    ).delete()
    if removed:
        return False
    Reaction.objects.create(message=message, user_id=user_id, emoji=emoji)
    return True


@transaction.atomic
def thread_subscribe(*, thread: Thread, user_id: int, subscription: str) -> ThreadState:
    """Follow (notified of replies), mute (never notified, not even of mentions) or neither."""
    if subscription not in Subscription.values:
        raise DiscussionError(_("Choose follow, mute or neither."), "subscription")
    state = _state(thread, user_id)
    state.subscription = subscription
    state.save(update_fields=["subscription"])
    return state


@transaction.atomic
def thread_mark_read(*, thread: Thread, user_id: int) -> ThreadState:
    """Everything in the thread so far is read by this member."""
    last = Message.objects.filter(thread=thread).order_by("-id").values_list("id", flat=True)
    state = _state(thread, user_id)
    newest = last.first() or 0
    if newest > state.last_read_message_id:
        state.last_read_message_id = newest
        state.save(update_fields=["last_read_message_id"])
    return state


@transaction.atomic
def attachments_add(*, message: Message, user_id: int, files: Iterable[UploadedFile]
                    ) -> list[Attachment]:
    """The author adds files to their message (same checks as when posting)."""
    if message.author_id != user_id:
        raise DiscussionError(_("Only the author can add files to a message."))
    if message.deleted_at is not None or message.hidden_at is not None:
        raise DiscussionError(_("This message can no longer be edited."))
    files = list(files)
    if not files:
        raise DiscussionError(_("Choose a file."), "files")
    checked = _check_files(files, already=message.attachments.count())
    return _store_files(message, checked, user_id)
