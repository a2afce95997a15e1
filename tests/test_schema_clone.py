"""The fast clone gives a schema identical to one built by running every migration."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.schemas import schema_clone, schema_drop

CATALOGUE = {
    # Every relation but indexes (compared below by definition): a view, a partitioned table
    # or a free-standing sequence made by a migration would be missed by a clone of tables.
    "relations": """
        SELECT c.relname, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind NOT IN ('i', 'I')
    """,
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "indexes": """
        SELECT tablename, replace(indexdef, schemaname || '.', '') FROM pg_indexes
        WHERE schemaname = %s
    """,
    "constraints": """
        SELECT c.relname, con.contype, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s
    """,
}


def _describe(schema: str) -> dict[str, set[tuple]]:
    described = {}
    with connection.cursor() as cursor:
        cursor.execute("SET search_path = public")
        for name, sql in CATALOGUE.items():
            cursor.execute(sql, [schema])
            rows = {
                tuple(str(v).replace(f"{schema}.", "SCHEMA.") for v in row)
                for row in cursor.fetchall()
            }
            described[name] = rows
    connection.set_schema_to_public()
    return described


@pytest.fixture
def two_schemas(committed):  # noqa: ANN001
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "a_by_migrations"')
    call_command("migrate_schemas", schema_name="a_by_migrations", tenant=True, verbosity=0)
    connection.set_schema_to_public()
    schema_clone(source="tenant_template", target="a_by_clone")
    yield
    connection.set_schema_to_public()
    schema_drop("a_by_migrations")
    schema_drop("a_by_clone")


def test_clone_matches_migrations(two_schemas) -> None:  # noqa: ANN001
    cloned, migrated = _describe("a_by_clone"), _describe("a_by_migrations")
    assert cloned["columns"], "nothing was cloned"
    for part in CATALOGUE:
        assert cloned[part] == migrated[part], part


def test_clone_copies_rows_and_restarts_identities(two_schemas) -> None:  # noqa: ANN001
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, app FROM a_by_clone.django_migrations ORDER BY id")
        cloned = cursor.fetchall()
        cursor.execute("SELECT name, app FROM tenant_template.django_migrations ORDER BY id")
        assert cloned == cursor.fetchall() and cloned
        cursor.execute(
            "INSERT INTO a_by_clone.django_migrations (app, name, applied) "
            "VALUES ('x', 'y', now()) RETURNING id"
        )
        new_id = cursor.fetchone()[0]
        cursor.execute("SELECT max(id) FROM tenant_template.django_migrations")
        assert new_id == cursor.fetchone()[0] + 1


def test_clone_refuses_an_existing_schema(two_schemas) -> None:  # noqa: ANN001
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        schema_clone(source="tenant_template", target="a_by_clone")


@pytest.mark.django_db
def test_template_has_no_constraint_outside_itself() -> None:
    """Every association's schema is cloned from the template: nothing in it may point at
    another schema, so that one association can be exported, restored or moved alone, and
    the accounts table does not gather triggers from every association."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conname, target.relname, target_ns.nspname
            FROM pg_constraint con
            JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_class target ON target.oid = con.confrelid
            JOIN pg_namespace target_ns ON target_ns.oid = target.relnamespace
            WHERE n.nspname = 'tenant_template' AND con.contype = 'f'
            """
        )
        foreign = cursor.fetchall()
    assert foreign, "the template has foreign keys between its own tables"
    outside = [row for row in foreign if row[2] != "tenant_template"]
    assert outside == []
