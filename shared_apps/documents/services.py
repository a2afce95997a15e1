"""Changes to documents and folders. Each service checks the policy itself (views and the API
stay thin) and raises:
- `NotAllowed` when the member may not do it (callers answer 404: nothing is revealed);
- `django.core.exceptions.ValidationError` with a translated message for bad input.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from shared_apps.members.models import Membership
from shared_apps.notifications.services import activity_record
from shared_apps.search.models import Kind as SearchKind
from shared_apps.search.services import (
    search_index,
    search_unindex,
    search_unindex_kind,
    search_unindex_many,
)
from shared_apps.spaces.models import Space

from . import kinds
from .models import Document, Folder
from .policy import can_manage_document, can_manage_folder, can_upload
from .selectors import (
    TRASH_DAYS,
    folder_descendant_ids,
    human_size,
    max_upload_bytes,
    quota_bytes,
    space_folders,
    usage_bytes,
)

logger = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The member may not do this (answered as 404)."""


def clean_name(raw: str, *, max_length: int = 255) -> str:
    """A display name: no path, no control characters, not empty."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in {".", ".."}:
        raise ValidationError(_("Give it a name."), code="name")
    if len(name) > max_length:
        raise ValidationError(
            _("The name is too long (%(max)s characters at most).") % {"max": max_length},
            code="name",
        )
    return name


def _storage_path() -> str:
    # Random, never derived from the member's file name (no path tricks, nothing to guess).
    return f"documents/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}"


def _lock_quota() -> None:
    """Serialise uploads of one association, so two at once cannot both squeeze under the
    quota. Advisory locks are database-wide: the key names the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"documents-quota:{connection.schema_name}"],
        )


def _check_folder(space: Space, folder: Folder | None) -> None:
    if folder is not None and folder.space_id != space.pk:
        raise ValidationError(_("This folder is not in this space."), code="folder")


def document_search_sync(document: Document) -> None:
    """The document's search entry (its name and description, never its contents), for the
    readers of its space; a trashed document is out of the index."""
    if document.trashed_at is not None:
        search_unindex(kind=SearchKind.DOCUMENT, object_id=document.pk)
        return
    search_index(
        kind=SearchKind.DOCUMENT, object_id=document.pk, title=document.name,
        body=document.description, url=reverse("documents_detail", args=[document.pk]),
        space_id=document.space_id, created_at=document.created_at,
    )


def documents_search_rebuild() -> int:
    """Rebuild the documents' entries of the index (`manage.py search_reindex`)."""
    search_unindex_kind(kinds=[SearchKind.DOCUMENT])
    rows = list(Document.objects.filter(trashed_at__isnull=True))
    for document in rows:
        document_search_sync(document)
    return len(rows)


@transaction.atomic
def document_upload(
    *,
    membership: Membership,
    space: Space,
    file: UploadedFile,
    folder: Folder | None = None,
    description: str = "",
) -> Document:
    """Check the file (size, real type, name, quota), store it under a random name in the
    association's own storage, and record the activity. Nothing is stored when refused."""
    if not can_upload(membership, space):
        raise NotAllowed
    _check_folder(space, folder)
    name = clean_name(file.name or "")
    limit = max_upload_bytes()
    if file.size is None or file.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    if file.size > limit:
        raise ValidationError(
            _("This file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": human_size(file.size), "limit": human_size(limit)},
            code="too_large",
        )
    try:
        kind = kinds.check(file, name)
    except kinds.Refused as exc:
        raise ValidationError(str(exc), code="type") from exc
    _lock_quota()
    used, total = usage_bytes(), quota_bytes()
    if used + file.size > total:
        raise ValidationError(
            _(
                "Not enough storage space left: this file needs %(size)s and %(left)s are left "
                "of %(total)s. Empty the trash or remove documents, or the board can choose a "
                "larger plan."
            )
            % {
                "size": human_size(file.size),
                "left": human_size(max(total - used, 0)),
                "total": human_size(total),
            },
            code="quota",
        )
    file.seek(0)
    stored = default_storage.save(_storage_path(), file)
    try:
        document = Document.objects.create(
            space=space,
            folder=folder,
            name=name,
            description=description.strip(),
            content_type=kind.content_type,
            size=file.size,
            storage_path=stored,
            uploaded_by_id=membership.user_id,
        )
        activity_record(
            verb="documents.uploaded",
            target_type="document",
            target_id=document.pk,
            summary=name,
            url=reverse("documents_detail", args=[document.pk]),
            actor_id=membership.user_id,
            space_id=space.pk,
        )
        document_search_sync(document)
    except BaseException:
        default_storage.delete(stored)
        raise
    return document


@transaction.atomic
def document_rename(
    *, membership: Membership, document: Document, name: str, description: str | None = None
) -> Document:
    if not can_manage_document(membership, document):
        raise NotAllowed
    new_name = clean_name(name)
    old_ext, new_ext = kinds.extension_of(document.name), kinds.extension_of(new_name)
    if old_ext and new_ext != old_ext:
        # The extension says what the file is: keep it, so a download opens the right way.
        raise ValidationError(
            _("Keep the extension .%(ext)s: it says what kind of file this is.")
            % {"ext": old_ext},
            code="extension",
        )
    document.name = new_name
    fields = ["name", "updated_at"]
    if description is not None:
        document.description = description.strip()
        fields.append("description")
    document.save(update_fields=fields)
    document_search_sync(document)
    return document


@transaction.atomic
def document_move(
    *, membership: Membership, document: Document, folder: Folder | None
) -> Document:
    """Into another folder of the same space (None: the top of the library)."""
    if not can_manage_document(membership, document):
        raise NotAllowed
    _check_folder(document.space, folder)
    document.folder = folder
    document.save(update_fields=["folder", "updated_at"])
    return document


@transaction.atomic
def document_trash(*, membership: Membership, document: Document) -> Document:
    if not can_manage_document(membership, document):
        raise NotAllowed
    if document.trashed_at is None:
        document.trashed_at = timezone.now()
        document.trashed_by_id = membership.user_id
        document.save(update_fields=["trashed_at", "trashed_by", "updated_at"])
    document_search_sync(document)
    return document


@transaction.atomic
def document_restore(*, membership: Membership, document: Document) -> Document:
    if not can_manage_document(membership, document):
        raise NotAllowed
    if document.trashed_at is not None:
        document.trashed_at = None
        document.trashed_by = None
        document.save(update_fields=["trashed_at", "trashed_by", "updated_at"])
    document_search_sync(document)
    return document


def _delete_files_after_commit(paths: list[str]) -> None:
    # The storage's folder follows the connection's schema: pin the one these files live in.
    schema = connection.schema_name

    def delete() -> None:
        with schema_context(schema):
            for path in paths:
                try:
                    default_storage.delete(path)
                except OSError:  # a missing file must not stop the others
                    logger.warning("could not delete document file %s", path)

    transaction.on_commit(delete)


@transaction.atomic
def documents_purge_trash(*, now: datetime | None = None) -> int:
    """Delete documents trashed more than 30 days ago, rows then files (after commit, so a
    rollback never leaves a row without its file). Runs in the current association's schema."""
    cutoff = (now or timezone.now()) - timedelta(days=TRASH_DAYS)
    expired = Document.objects.select_for_update().filter(trashed_at__lt=cutoff)
    paths = list(expired.values_list("storage_path", flat=True))
    if paths:
        search_unindex_many(kind=SearchKind.DOCUMENT, object_ids=expired.values_list(
            "id", flat=True))
        Document.objects.filter(storage_path__in=paths).delete()
        _delete_files_after_commit(paths)
    return len(paths)


# --- Folders -----------------------------------------------------------------------------------


def _check_folder_name(space: Space, parent: Folder | None, name: str, exclude: int | None) -> str:
    name = clean_name(name, max_length=120)
    clash = Folder.objects.filter(space=space, parent=parent, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError(
            _("A folder named “%(name)s” already exists here.") % {"name": name}, code="exists"
        )
    return name


@transaction.atomic
def folder_create(
    *, membership: Membership, space: Space, name: str, parent: Folder | None = None
) -> Folder:
    if not can_upload(membership, space):
        raise NotAllowed
    _check_folder(space, parent)
    name = _check_folder_name(space, parent, name, None)
    return Folder.objects.create(
        space=space, parent=parent, name=name, created_by_id=membership.user_id
    )


@transaction.atomic
def folder_rename(*, membership: Membership, folder: Folder, name: str) -> Folder:
    if not can_manage_folder(membership, folder):
        raise NotAllowed
    folder.name = _check_folder_name(folder.space, folder.parent, name, folder.pk)
    folder.save(update_fields=["name"])
    return folder


@transaction.atomic
def folder_move(*, membership: Membership, folder: Folder, parent: Folder | None) -> Folder:
    """Into another folder of the same space, never into itself or one of its subfolders."""
    if not can_manage_folder(membership, folder):
        raise NotAllowed
    _check_folder(folder.space, parent)
    if parent is not None and parent.pk in folder_descendant_ids(
        folder, space_folders(space=folder.space)
    ):
        raise ValidationError(
            _("A folder cannot go inside itself or one of its subfolders."), code="cycle"
        )
    folder.name = _check_folder_name(folder.space, parent, folder.name, folder.pk)
    folder.parent = parent
    folder.save(update_fields=["parent"])
    return folder


@transaction.atomic
def folder_delete(*, membership: Membership, folder: Folder) -> None:
    """Only an empty folder (trashed documents in it move to the top of the library)."""
    if not can_manage_folder(membership, folder):
        raise NotAllowed
    if folder.children.exists() or folder.documents.filter(trashed_at__isnull=True).exists():
        raise ValidationError(
            _("This folder is not empty: move or trash its contents first."), code="not_empty"
        )
    folder.delete()

