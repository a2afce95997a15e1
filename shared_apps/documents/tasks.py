"""Documents work done by Celery."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context

logger = logging.getLogger(__name__)


@shared_task
def documents_purge_trash() -> int:
    """Delete documents (rows and files) trashed more than 30 days ago.

    Sent by beat (public schema): every association in turn. Sent from a workspace (the task
    carries its schema): that association only."""
    from tenants.models import Association

    from .services import documents_purge_trash as purge

    if connection.schema_name != get_public_schema_name():
        return purge()
    total = 0
    for association in Association.objects.exclude(schema_name=get_public_schema_name()):
        try:
            with tenant_context(association):
                total += purge()
        except Exception:  # noqa: BLE001 — one association's failure must not stop the others
            logger.exception("trash purge failed for %s", association.schema_name)
    return total
