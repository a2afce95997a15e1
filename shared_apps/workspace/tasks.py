"""Celery work shared by the apps of the workspace."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def anonymous_rows_vacuum(labels: list[str]) -> bool:
    """After an anonymous vote or response (see `workspace.anonymity`): VACUUM the tables of
    these models ("polls.Ballot"), so the row versions left behind by the shuffle — which still
    carry the writing transaction's id — are removed from disk now rather than whenever
    autovacuum comes. Only model labels are accepted: no table name comes from outside."""
    from django.apps import apps
    from django.db import connection

    if connection.in_atomic_block:  # VACUUM cannot run inside a transaction
        return False
    try:
        tables = [connection.ops.quote_name(apps.get_model(label)._meta.db_table)
                  for label in labels]
    except (LookupError, ValueError):
        logger.warning("VACUUM refused: unknown models %r", labels)
        return False
    if not tables:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {', '.join(tables)}")
    except Exception:  # noqa: BLE001 — autovacuum will do it later; never fail a vote for it
        logger.warning("VACUUM of %s failed in %s", labels, connection.schema_name)
        return False
    return True
