"""A fast clone of the template schema, in one PL/pgSQL call.

django-tenants' clone_schema() rebuilds every object from catalogue queries, some of which scan
the whole catalogue: ~150 ms with 10 associations and slower as schemas pile up. Our schemas
hold only tables (with identity keys, indexes, constraints and foreign keys), so copying each
table with CREATE TABLE … (LIKE … INCLUDING ALL), its rows, and its foreign keys is enough —
and costs the same with 10 or 10,000 associations (see docs/benchmarks.md, B1).
"""

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
BEGIN
    SELECT oid INTO source_oid FROM pg_namespace WHERE nspname = source;
    IF source_oid IS NULL THEN
        RAISE EXCEPTION 'template schema % does not exist', source;
    END IF;
    EXECUTE format('CREATE SCHEMA %I', target);
    -- Columns, defaults and identities; constraints and indexes follow under their own names
    -- (migrations refer to them by name), after the rows are in.
    FOR t IN
        SELECT relname FROM pg_class WHERE relnamespace = source_oid AND relkind = 'r'
    LOOP
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
        WHERE cl.relnamespace = source_oid AND con.contype IN ('p', 'u', 'c', 'x')
        ORDER BY con.contype = 'p' DESC
    LOOP
        EXECUTE format(
            'ALTER TABLE %I.%I ADD CONSTRAINT %I %s', target, c.relname, c.conname, c.definition
        );
    END LOOP;
    FOR c IN
        SELECT pg_get_indexdef(i.indexrelid) AS definition, cl.relname
        FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid
        WHERE cl.relnamespace = source_oid
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
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
        WHERE cl.relnamespace = source_oid AND cl.relkind = 'r'
          AND a.attidentity IN ('a', 'd') AND NOT a.attisdropped
    LOOP
        EXECUTE format(
            'SELECT setval(pg_get_serial_sequence(%L, %L), COALESCE(MAX(%I), 0) + 1, false) '
            'FROM %I.%I',
            format('%I.%I', target, c.relname), c.attname, c.attname, target, c.relname
        );
    END LOOP;
    -- Foreign keys: those between template tables now point inside the new schema; those to
    -- public tables (accounts) stay as they are.
    FOR c IN
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid) AS definition
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        WHERE cl.relnamespace = source_oid AND con.contype = 'f'
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


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_association_access_until_alter_association_status")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
