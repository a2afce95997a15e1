"""Periodic work that beat sends once, in the public schema, and that each association needs."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def each_active_association(
    work: Callable[[], int], *, what: str, writable_only: bool = False
) -> int:
    """Run `work` in the schema of every association that is not suspended (nor read-only,
    when `writable_only`: members there cannot answer anything), one after the other, and add
    up what it returns. One association's failure is logged and does not stop the others (the
    next run tries it again). The association's language is active meanwhile: what the work
    writes for its members (notifications) is in their association's language."""
    from django.conf import settings
    from django.utils import translation
    from django_tenants.utils import get_public_schema_name, tenant_context

    from tenants.models import Association, AssociationStatus

    total = 0
    associations = Association.objects.exclude(schema_name=get_public_schema_name()).exclude(
        status=AssociationStatus.SUSPENDED
    )
    for association in associations:
        if writable_only and association.is_read_only():
            continue
        try:
            with tenant_context(association), translation.override(
                association.language or settings.LANGUAGE_CODE
            ):
                total += work()
        except Exception:  # noqa: BLE001 — one association must not stop the others
            logger.exception("%s failed for %s", what, association.schema_name)
    return total
