"""Celery work of the polls app."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def polls_ballots_vacuum() -> bool:
    """After an anonymous vote (the task carries the association's schema): VACUUM the ballots
    table, so the row versions the shuffle left behind — which still carry the voting
    transaction's id — are removed from disk now rather than whenever autovacuum comes."""
    from django.db import connection

    if connection.in_atomic_block:  # VACUUM cannot run inside a transaction
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM polls_ballot")
    except Exception:  # noqa: BLE001 — autovacuum will do it later; never fail a vote for it
        logger.warning("VACUUM of polls_ballot failed in %s", connection.schema_name)
        return False
    return True
