"""Read queries of the documents app. Every query starts from the spaces the member may read
(shared_apps.spaces.selectors.spaces_readable): a private space's files never show elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shared_apps.spaces.models import Space
from shared_apps.spaces.selectors import spaces_readable

from .models import Document, Folder

# Sizes are decimal (1 MB = 1,000,000 bytes), as plans and phones count them.
MB = 1000 * 1000
TRASH_DAYS = 30
RECENT_PER_SPACE = 3


def human_size(size: int) -> str:
    """"1.2 GB" / « 1,2 Go »: one decimal at most, in the current language."""
    if size < 1000:
        return ngettext("%(count)s byte", "%(count)s bytes", size) % {"count": size}
    value, unit = _scaled(size)
    rounded = round(value, 1)
    text = number_format(rounded, decimal_pos=0 if rounded == int(rounded) else 1)
    return unit % {"size": text}


def _scaled(size: int) -> tuple[float, str]:
    if size < MB:
        return size / 1000, _("%(size)s KB")
    if size < MB * 1000:
        return size / MB, _("%(size)s MB")
    return size / (MB * 1000), _("%(size)s GB")


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_UPLOAD_MB", 25)) * MB


def quota_bytes() -> int:
    """The plan's storage quota of the current association (a default without a plan)."""
    from billing.models import Subscription

    association_id = getattr(connection.tenant, "pk", None)
    sub = (
        Subscription.objects.select_related("plan").filter(association_id=association_id).first()
        if association_id is not None
        else None
    )
    if sub is not None and sub.plan is not None:
        return sub.plan.storage_quota_mb * MB
    return int(getattr(settings, "DOCUMENTS_DEFAULT_QUOTA_MB", 1000)) * MB


def usage_bytes() -> int:
    """Every document of this association counts, trashed ones too until they are purged."""
    return Document.objects.aggregate(total=Sum("size"))["total"] or 0


@dataclass(frozen=True)
class Quota:
    used: int
    total: int

    @property
    def left(self) -> int:
        return max(self.total - self.used, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.total)) if self.total else 100

    @property
    def label(self) -> str:
        return _("%(used)s of %(total)s") % {
            "used": human_size(self.used), "total": human_size(self.total)
        }


def quota() -> Quota:
    return Quota(used=usage_bytes(), total=quota_bytes())


# --- Spaces and their libraries ----------------------------------------------------------------


@dataclass
class SpaceLibrary:
    space: Space
    document_count: int
    recent: list[Document] = field(default_factory=list)


def libraries_for(*, user_id: int) -> list[SpaceLibrary]:
    """The documents home: each readable live space, its document count and latest uploads —
    two queries whatever the number of spaces."""
    spaces = list(
        spaces_readable(user_id=user_id)
        .filter(archived_at__isnull=True)
        .annotate(
            document_count=Count("documents", filter=Q(documents__trashed_at__isnull=True))
        )
        .order_by("-is_default", "name")
    )
    libraries = {s.pk: SpaceLibrary(s, s.document_count) for s in spaces}
    recent = (
        Document.objects.filter(space_id__in=list(libraries), trashed_at__isnull=True)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("space_id")],
                        order_by=[F("created_at").desc(), F("id").desc()])
        )
        .filter(rank__lte=RECENT_PER_SPACE)
        .order_by("space_id", "rank")
    )
    for document in recent:
        libraries[document.space_id].recent.append(document)
    return list(libraries.values())


def space_for_documents(*, user_id: int, slug: str) -> Space | None:
    """The space if this member may read its documents (else None → 404)."""
    return spaces_readable(user_id=user_id).filter(slug=slug).first()


def space_folders(*, space: Space) -> dict[int, Folder]:
    """All folders of a space in one query (a library has tens of them, not thousands)."""
    return {f.pk: f for f in Folder.objects.filter(space=space)}


def folder_path(folder: Folder | None, folders: dict[int, Folder]) -> list[Folder]:
    """From the top folder down to `folder` (for breadcrumbs and move targets)."""
    path: list[Folder] = []
    seen: set[int] = set()
    while folder is not None and folder.pk not in seen:
        seen.add(folder.pk)
        path.append(folder)
        folder = folders.get(folder.parent_id) if folder.parent_id else None
    return list(reversed(path))


def folder_label(folder: Folder, folders: dict[int, Folder]) -> str:
    return " / ".join(f.name for f in folder_path(folder, folders))


def folder_descendant_ids(folder: Folder, folders: dict[int, Folder]) -> set[int]:
    ids = {folder.pk}
    changed = True
    while changed:
        changed = False
        for f in folders.values():
            if f.parent_id in ids and f.pk not in ids:
                ids.add(f.pk)
                changed = True
    return ids


def folder_in_space(*, space: Space, pk: int) -> Folder | None:
    return Folder.objects.filter(space=space, pk=pk).first()


def subfolders(*, space: Space, parent: Folder | None) -> QuerySet[Folder]:
    return (
        Folder.objects.filter(space=space, parent=parent)
        .annotate(
            document_count=Count("documents", filter=Q(documents__trashed_at__isnull=True),
                                 distinct=True),
            folder_count=Count("children", distinct=True),
        )
        .order_by("name", "id")
    )


def documents_in(*, space: Space, folder: Folder | None) -> QuerySet[Document]:
    return Document.objects.filter(space=space, folder=folder, trashed_at__isnull=True).order_by(
        "name", "id"
    )


def readable_documents(*, user_id: int) -> QuerySet[Document]:
    """Live documents of the spaces this member may read."""
    return Document.objects.filter(
        space__in=spaces_readable(user_id=user_id), trashed_at__isnull=True
    ).select_related("space", "folder")


def document_for_reader(*, user_id: int, pk: int) -> Document | None:
    return readable_documents(user_id=user_id).filter(pk=pk).first()


def trashed_document_for_reader(*, user_id: int, pk: int) -> Document | None:
    return (
        Document.objects.filter(
            pk=pk, space__in=spaces_readable(user_id=user_id), trashed_at__isnull=False
        )
        .select_related("space", "folder")
        .first()
    )


def trash_of(*, space: Space) -> QuerySet[Document]:
    """The space's trash, most recently trashed first."""
    return Document.objects.filter(space=space, trashed_at__isnull=False).order_by(
        "-trashed_at", "-id"
    )


def purge_after(document: Document) -> datetime | None:
    if document.trashed_at is None:
        return None
    return document.trashed_at + timedelta(days=TRASH_DAYS)


def uploader_names(documents: list[Document]) -> dict[int, str]:
    """Names of the uploaders in one query (former and erased members as such)."""
    from shared_apps.members.selectors import member_display_names

    ids = {d.uploaded_by_id for d in documents if d.uploaded_by_id}
    return member_display_names(ids) if ids else {}
