"""Writes to the search index. Features call these in the same transaction as the change they
index, so the index never shows what was rolled back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.utils import timezone

from .models import Kind, SearchEntry
from .text import fold

MAX_BODY = 20_000  # characters indexed per item: enough for any announcement or description
MAX_TITLE = 300

# A reply carries its thread's title to be shown with it, but only its own words are indexed:
# otherwise every reply of a thread would match the thread's title.
UNINDEXED_TITLE_KINDS = frozenset({Kind.MESSAGE})

# French and English stems of the accent-folded title (weight A) and body (weight B), computed
# by PostgreSQL in the same statement as the row (the benchmark's bulk load uses it too).
VECTOR_SQL = (
    "setweight(to_tsvector('french'::regconfig, {title}), 'A')"
    " || setweight(to_tsvector('french'::regconfig, {body}), 'B')"
    " || setweight(to_tsvector('english'::regconfig, {title}), 'A')"
    " || setweight(to_tsvector('english'::regconfig, {body}), 'B')"
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
    """Add one item to the index, or refresh it (its text or who may see it changed).
    One statement (insert or update), whatever the item's previous state."""
    title, body = (title or "")[:MAX_TITLE], (body or "")[:MAX_BODY]
    entry = SearchEntry(
        kind=kind, object_id=object_id, title=title, body=body, url=url, space_id=space_id,
        roles=sorted(set(roles)), user_ids=sorted(set(user_ids)),
        created_at=created_at or timezone.now(),
    )
    indexed_title = "" if kind in UNINDEXED_TITLE_KINDS else title
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    vector = VECTOR_SQL.format(title="%(ftitle)s", body="%(fbody)s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table}
                (kind, object_id, title, body, url, space_id, roles, user_ids, created_at, vector)
            VALUES (%(kind)s, %(object_id)s, %(title)s, %(body)s, %(url)s, %(space_id)s,
                    %(roles)s::varchar(20)[], %(user_ids)s::bigint[], %(created_at)s, {vector})
            ON CONFLICT (kind, object_id) DO UPDATE SET
                title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
                space_id = EXCLUDED.space_id, roles = EXCLUDED.roles,
                user_ids = EXCLUDED.user_ids, created_at = EXCLUDED.created_at,
                vector = EXCLUDED.vector
            RETURNING id
            """,
            {
                "kind": entry.kind, "object_id": entry.object_id, "title": entry.title,
                "body": entry.body, "url": entry.url, "space_id": entry.space_id,
                "roles": entry.roles, "user_ids": entry.user_ids,
                "created_at": entry.created_at,
                "ftitle": fold(indexed_title), "fbody": fold(body),
            },
        )
        entry.pk = cursor.fetchone()[0]
    return entry


def search_unindex(*, kind: str, object_id: int) -> None:
    """Remove an item (deleted, trashed, hidden, erased): it no longer shows up anywhere."""
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def search_unindex_kind(*, kinds: Iterable[str]) -> int:
    """Empty the index of these kinds (before rebuilding them from their sources)."""
    deleted, _rows = SearchEntry.objects.filter(kind__in=list(kinds)).delete()
    return deleted


def search_unindex_many(*, kind: str, object_ids: Iterable[int]) -> None:
    """Remove several items of one kind at once (a purge)."""
    SearchEntry.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()
