"""Periodic work that beat sends once, in the public schema, and that each association needs."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def each_active_association(work: Callable[[], int], *, what: str) -> int:
    """Run `work` in the schema of every association that is not suspended, one after the
    other, and add up what it returns. One association's failure is logged and does not stop
    the others (the next run tries it again)."""
    from django_tenants.utils import get_public_schema_name, tenant_context

    from tenants.models import Association, AssociationStatus

    total = 0
    associations = Association.objects.exclude(schema_name=get_public_schema_name()).exclude(
        status=AssociationStatus.SUSPENDED
    )
    for association in associations:
        try:
            with tenant_context(association):
                total += work()
        except Exception:  # noqa: BLE001 — one association must not stop the others
            logger.exception("%s failed for %s", what, association.schema_name)
    return total
