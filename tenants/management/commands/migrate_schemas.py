"""django-tenants' migrate_schemas, which also keeps the template schema current.

New associations are cloned from the template (TENANT_BASE_SCHEMA), so it must always hold
every migration: whenever all tenant schemas are migrated, the template is created if
missing and migrated too.
"""

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import schema_exists


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        only_schema = options.get("schema_name")
        super().handle(*args, **options)
        if self.sync_tenant and not only_schema:
            template = settings.TENANT_BASE_SCHEMA
            connection.set_schema_to_public()
            if not schema_exists(template):
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE SCHEMA "{template}"')
            executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
            executor.run_migrations(tenants=[template])
            connection.set_schema_to_public()
            analyze_catalog()


def analyze_catalog() -> None:
    """Refresh the planner's statistics of the system catalogue.

    clone_schema() reads the catalogue heavily; on a fresh database without statistics a
    clone takes seconds instead of ~100 ms. Autovacuum gets there eventually; this gets
    there now (catalogues the database user may not analyse are skipped by PostgreSQL).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c "
            "WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {table}")
