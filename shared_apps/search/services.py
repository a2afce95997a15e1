"""Writes to the search index. Features call these in the same transaction as the change they
index, so the index never shows what was rolled back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.postgres.search import SearchVector
from django.db.models import TextField, Value
from django.utils import timezone

from .models import SearchEntry
from .text import fold

MAX_BODY = 20_000  # characters indexed per item: enough for any announcement or description


def _vector(title: str, body: str) -> SearchVector:
    folded_title = Value(fold(title), output_field=TextField())
    folded_body = Value(fold(body[:MAX_BODY]), output_field=TextField())
    return (
        SearchVector(folded_title, config="french", weight="A")
        + SearchVector(folded_body, config="french", weight="B")
        + SearchVector(folded_title, config="english", weight="A")
        + SearchVector(folded_body, config="english", weight="B")
    )


def search_index(
    *,
    kind: str,
    object_id: int,
    title: str,
    url: str,
    body: str = "",
    space_id: int | None = None,
    roles: Iterable[str] = (),
    user_ids: Iterable[int] = (),
    created_at: datetime | None = None,
) -> SearchEntry:
    """Add one item to the index, or refresh it (its text or who may see it changed)."""
    entry, _created = SearchEntry.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={
            "title": title[:300],
            "body": body[:MAX_BODY],
            "url": url,
            "space_id": space_id,
            "roles": sorted(set(roles)),
            "user_ids": sorted(set(user_ids)),
            "created_at": created_at or timezone.now(),
        },
    )
    SearchEntry.objects.filter(pk=entry.pk).update(vector=_vector(title, body))
    return entry


def search_unindex(*, kind: str, object_id: int) -> None:
    """Remove an item (deleted, trashed, hidden, erased): it no longer shows up anywhere."""
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()
