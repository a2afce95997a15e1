"""PostgreSQL schema plumbing for provisioning: the migrated template and its clones."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_exists

from .address import SCHEMA_PREFIX


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


def schema_clone(*, source: str, target: str) -> None:
    """Create schema `target` as a copy of `source` (tables, data, sequences, indexes).

    Runs on the caller's connection and transaction, so a rollback drops the new schema too.
    The cercle_clone_schema() SQL function is installed once by a migration (see
    tenants/migrations/0004 for why it replaces django-tenants' clone_schema()).
    """
    if not target.startswith(SCHEMA_PREFIX):
        raise ValueError(f"refusing to create schema {target!r}")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT public.cercle_clone_schema(%s, %s)", [source, target]
        )


def schema_drop(name: str) -> None:
    """Drop an association's schema (never public or the template)."""
    if not name.startswith(SCHEMA_PREFIX):
        raise ValueError(f"refusing to drop schema {name!r}")
    if schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
