"""Anonymous rows that PostgreSQL itself does not betray (polls' ballots, surveys' responses).

An anonymous vote or response is written as two unlinked rows: WHO took part (a participation)
and WHAT they said (no user, no timestamp, a random UUID key). No column joins them, but the
database still could: a row's `xmin` is the id of the transaction that wrote it, and its
physical position follows the order of writing — both shared with the participation written in
the same transaction.

So every anonymous write rewrites ALL the anonymous rows of its poll or survey, in a random
order (`rows_shuffle`): afterwards every live row carries the latest transaction's `xmin` and a
random position, and the earlier participants' rows share their `xmin` with none of them.
The old row versions stay on disk until VACUUM removes them; `vacuum_after_commit` asks for one
right after the commit (autovacuum would come later anyway). Limits: in that window, and in the
write-ahead log until it is recycled, an operator reading dead tuples or raw WAL with special
tools could still correlate. No table, column or query can."""

from __future__ import annotations

import base64
import hashlib
import random
import secrets

from django.db import models, transaction
from django.db.models import QuerySet


def receipt_new() -> str:
    """A receipt code for an anonymous vote or response: 80 random bits, shown once to the
    person (and kept in their browser), never stored — only its hash is."""
    code = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def receipt_hash(scope: str, receipt: str) -> str:
    """The stored form of a receipt code, bound to one poll or survey (`scope`); case, spaces
    and dashes typed by the person do not matter."""
    normalised = "".join(ch for ch in receipt.upper() if ch.isalnum())
    return hashlib.sha256(f"{scope}:{normalised}".encode()).hexdigest()


def rows_shuffle(*querysets: QuerySet) -> None:
    """Rewrite every row of these querysets, each table in a random order, in the current
    transaction (the caller holds a lock on the poll or survey, so no one writes meanwhile).
    Pass referenced rows first (responses, then their answers): rows are deleted in the
    reverse order and created again in this one, with the same keys and values."""
    rng = random.SystemRandom()
    loaded = [(queryset.model, list(queryset)) for queryset in querysets]
    for queryset in reversed(querysets):
        queryset.delete()
    for model, rows in loaded:
        rng.shuffle(rows)
        model.objects.bulk_create(rows)


def vacuum_after_commit(*tables: type[models.Model]) -> None:
    """Once the transaction commits, VACUUM these models' tables (a Celery task, which carries
    the association's schema), so the row versions the shuffle left behind go now."""
    from .tasks import anonymous_rows_vacuum

    labels = [model._meta.label for model in tables]
    transaction.on_commit(lambda: anonymous_rows_vacuum.delay(labels))
