"""The template clone, with catalogue lookups that do not grow with the number of associations.

0004's function found the template's tables with `pg_class WHERE relnamespace = …`, and its
plain indexes with `NOT EXISTS (… pg_constraint WHERE conindid = …)`. Neither column is
indexed, so both scanned the whole catalogue: ~300 relations per association, 360,000 rows of
pg_class at 1,000 associations, and the clone went from ~150 ms to ~340 ms (B1). Here the
tables come from their dependency on the schema (pg_depend is indexed by referenced object),
and every later lookup is by table oid (pg_constraint.conrelid, pg_index.indrelid and
pg_attribute.attrelid are indexed), so the clone reads only the template's own rows.
"""

from importlib import import_module

from django.db import migrations

CLONE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION public.cercle_clone_schema(source text, target text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
    t record;
    c record;
    source_oid oid;
    tables oid[];
    owned oid[];
BEGIN
    SELECT oid INTO source_oid FROM pg_namespace WHERE nspname = source;
    IF source_oid IS NULL THEN
        RAISE EXCEPTION 'template schema % does not exist', source;
    END IF;
    -- Every table records a dependency on its schema: an indexed way to list them.
    SELECT coalesce(array_agg(cl.oid ORDER BY cl.relname), '{}') INTO tables
    FROM pg_depend d JOIN pg_class cl ON cl.oid = d.objid
    WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = source_oid
      AND d.classid = 'pg_class'::regclass AND cl.relkind = 'r'
      AND cl.relnamespace = source_oid;
    EXECUTE format('CREATE SCHEMA %I', target);
    -- Columns, defaults and identities; constraints and indexes follow under their own names
    -- (migrations refer to them by name), after the rows are in.
    FOR t IN SELECT relname FROM pg_class WHERE oid = ANY (tables) ORDER BY relname LOOP
        EXECUTE format(
            'CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING IDENTITY '
            'INCLUDING GENERATED)', target, t.relname, source, t.relname
        );
        EXECUTE format(
            'INSERT INTO %I.%I SELECT * FROM %I.%I', target, t.relname, source, t.relname
        );
    END LOOP;
    FOR c IN
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid) AS definition
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        WHERE con.conrelid = ANY (tables) AND con.contype IN ('p', 'u', 'c', 'x')
        ORDER BY con.contype = 'p' DESC
    LOOP
        EXECUTE format(
            'ALTER TABLE %I.%I ADD CONSTRAINT %I %s', target, c.relname, c.conname, c.definition
        );
    END LOOP;
    -- Indexes that no constraint of their own table owns (those came with the constraints).
    -- The owned ones are gathered first: a NOT EXISTS lets the planner hash all of
    -- pg_constraint.
    SELECT coalesce(array_agg(con.conindid), '{}') INTO owned
    FROM pg_constraint con
    WHERE con.conrelid = ANY (tables) AND con.contype IN ('p', 'u', 'x');
    FOR c IN
        SELECT pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i
        WHERE i.indrelid = ANY (tables) AND NOT (i.indexrelid = ANY (owned))
    LOOP
        EXECUTE replace(
            c.definition,
            ' ON ' || quote_ident(source) || '.',
            ' ON ' || quote_ident(target) || '.'
        );
    END LOOP;
    -- Identity columns got new sequences: start them after the copied rows.
    FOR c IN
        SELECT cl.relname, a.attname
        FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid
        WHERE a.attrelid = ANY (tables) AND a.attidentity IN ('a', 'd') AND NOT a.attisdropped
    LOOP
        EXECUTE format(
            'SELECT setval(pg_get_serial_sequence(%L, %L), COALESCE(MAX(%I), 0) + 1, false) '
            'FROM %I.%I',
            format('%I.%I', target, c.relname), c.attname, c.attname, target, c.relname
        );
    END LOOP;
    -- Foreign keys between template tables now point inside the new schema (there are none to
    -- public: references to accounts carry no constraint, see docs/architecture.md).
    FOR c IN
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid) AS definition
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        WHERE con.conrelid = ANY (tables) AND con.contype = 'f'
    LOOP
        EXECUTE format(
            'ALTER TABLE %I.%I ADD CONSTRAINT %I %s', target, c.relname, c.conname,
            replace(c.definition, 'REFERENCES ' || quote_ident(source) || '.',
                    'REFERENCES ' || quote_ident(target) || '.')
        );
    END LOOP;
END;
$$;
"""


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CLONE_FUNCTION)


def reinstall_previous(apps, schema_editor):
    previous = import_module("tenants.migrations.0004_cercle_clone_schema")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(previous.CLONE_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_affiliation_user_protect")]

    operations = [migrations.RunPython(install, reinstall_previous)]
